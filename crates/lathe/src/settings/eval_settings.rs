//! The resolved `[eval]` settings: how the worker is run and how candidates are judged.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use lathe_core::Policy;
use lathe_worker::driver::WorkerConfig;
use lathe_worker::protocol::{CorrectnessConfig, Device, TimingConfig, ToleranceRule};

use super::layer::{Layer, TimingTable};
use super::source::{self, Sourced};
use super::{defaulted, first};

#[derive(Debug, Clone)]
pub struct EvalSettings {
    pub python: Sourced<String>,
    pub cache_dir: PathBuf,
    pub device: Sourced<Device>,
    pub policy: Sourced<Policy>,
    pub trials: Sourced<u32>,
    pub second_shape: Sourced<bool>,
    pub tolerance_rule: Sourced<ToleranceRule>,
    pub error_factor: Sourced<f64>,
    pub timeout_seconds: Sourced<f64>,
    pub grace_seconds: Sourced<f64>,
    pub memory_limit_gb: Sourced<f64>,
    pub file_size_limit_mb: Sourced<u64>,
    /// The built-in tolerances, overridden dtype by dtype by the layers.
    pub tolerances: BTreeMap<String, [f64; 2]>,
    pub timing: TimingConfig,
}

impl EvalSettings {
    pub(super) fn resolve(layers: &[Layer], env: &dyn Fn(&str) -> Option<String>) -> EvalSettings {
        let mut tolerances = CorrectnessConfig::default().tolerances;
        for layer in layers.iter().rev() {
            if let Some(t) = &layer.eval.tolerances {
                tolerances.extend(t.iter().map(|(k, v)| (k.clone(), *v)));
            }
        }
        let cache_dir = first(layers, &source::CACHE_DIR, |l| l.cache_dir.as_ref())
            .map(|s| PathBuf::from(s.value))
            .unwrap_or_else(|| default_cache_dir(env));
        EvalSettings {
            python: defaulted(layers, &source::PYTHON, |l| l.python.as_ref()),
            cache_dir,
            device: defaulted(layers, &source::DEVICE, |l| l.eval.device.as_ref()),
            policy: defaulted(layers, &source::POLICY, |l| l.eval.policy.as_ref()),
            trials: defaulted(layers, &source::TRIALS, |l| l.eval.trials.as_ref()),
            second_shape: defaulted(layers, &source::SECOND_SHAPE, |l| {
                l.eval.second_shape.as_ref()
            }),
            tolerance_rule: defaulted(layers, &source::TOLERANCE_RULE, |l| {
                l.eval.tolerance_rule.as_ref()
            }),
            error_factor: defaulted(layers, &source::ERROR_FACTOR, |l| {
                l.eval.error_factor.as_ref()
            }),
            timeout_seconds: defaulted(layers, &source::TIMEOUT, |l| {
                l.eval.timeout_seconds.as_ref()
            }),
            grace_seconds: defaulted(layers, &source::GRACE, |l| l.eval.grace_seconds.as_ref()),
            memory_limit_gb: defaulted(layers, &source::MEMORY_LIMIT, |l| {
                l.eval.memory_limit_gb.as_ref()
            }),
            file_size_limit_mb: defaulted(layers, &source::FILE_SIZE_LIMIT, |l| {
                l.eval.file_size_limit_mb.as_ref()
            }),
            tolerances,
            timing: timing(layers),
        }
    }

    /// How the worker process is run, per these settings.
    pub fn worker_config(&self) -> WorkerConfig {
        WorkerConfig {
            python: interpreter_path(&self.python.value),
            cache_dir: self.cache_dir.clone(),
            scratch_root: None,
            wall_limit: Duration::from_secs_f64(self.timeout_seconds.value.max(0.1)),
            grace: Duration::from_secs_f64(self.grace_seconds.value.max(0.0)),
            memory_limit: Some((self.memory_limit_gb.value * 1e9) as u64),
            tail_bytes: 64 * 1024,
            gpu: None,
            prestart: Default::default(),
            cluster: None,
        }
    }

    pub fn correctness(&self) -> CorrectnessConfig {
        CorrectnessConfig {
            trials: self.trials.value,
            seed: 42,
            tolerances: self.tolerances.clone(),
            second_shape: self.second_shape.value,
            rule: self.tolerance_rule.value,
            error_factor: self.error_factor.value,
        }
    }
}

/// The interpreter as the worker's spawn needs it: a bare name (`python3`) is looked up on PATH,
/// but a relative path (`.venv/bin/python`) means the user's working directory, not the
/// worker's scratch directory it runs in.
fn interpreter_path(value: &str) -> PathBuf {
    let path = PathBuf::from(value);
    if path.is_relative() && path.components().count() > 1 {
        std::path::absolute(&path).unwrap_or(path)
    } else {
        path
    }
}

/// Each timing field from the most specific layer that sets it, else the protocol's default.
fn timing(layers: &[Layer]) -> TimingConfig {
    fn pick<T: Copy>(layers: &[Layer], get: impl Fn(&TimingTable) -> Option<T>) -> Option<T> {
        layers
            .iter()
            .find_map(|l| l.eval.timing.as_ref().and_then(&get))
    }
    let d = TimingConfig::default();
    TimingConfig {
        enabled: pick(layers, |t| t.enabled).unwrap_or(d.enabled),
        compile_baseline: pick(layers, |t| t.compile_baseline).unwrap_or(d.compile_baseline),
        min_runs: pick(layers, |t| t.min_runs).unwrap_or(d.min_runs),
        min_seconds: pick(layers, |t| t.min_seconds).unwrap_or(d.min_seconds),
        max_runs: pick(layers, |t| t.max_runs).unwrap_or(d.max_runs),
        max_seconds: pick(layers, |t| t.max_seconds).unwrap_or(d.max_seconds),
        warmup_runs: pick(layers, |t| t.warmup_runs).unwrap_or(d.warmup_runs),
        warmup_seconds: pick(layers, |t| t.warmup_seconds).unwrap_or(d.warmup_seconds),
        cache_dir: None,
        interpreter: pick(layers, |t| t.interpreter).unwrap_or(d.interpreter),
    }
}

/// `$XDG_CACHE_HOME/lathe`, else `$HOME/.cache/lathe`, else a directory under /tmp.
fn default_cache_dir(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    let non_empty = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    non_empty("XDG_CACHE_HOME")
        .or_else(|| non_empty("HOME").map(|h| h.join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("lathe")
}
