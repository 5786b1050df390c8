//! One layer of settings — flags, environment, a settings file or the built-in defaults — with
//! every value optional. Layers are parsed completely before any is used (parse, then resolve).

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use std::collections::BTreeMap;

use lathe_core::{Backend, Category, GpuSpec, Policy};
use lathe_prompt::PromptStyle;
use lathe_worker::protocol::{Device, ToleranceRule};
use serde::Deserialize;

use super::SettingsError;
use super::llm_settings::LlmLayer;
use super::source::{self, Key, Origin};

const DEFAULTS_TOML: &str = include_str!("defaults.toml");

#[derive(Debug, Clone)]
pub struct Layer {
    pub origin: Origin,
    pub gpu: Option<String>,
    pub category: Option<Category>,
    pub backend: Option<Backend>,
    pub style: Option<PromptStyle>,
    pub triton_version: Option<String>,
    pub error_log_lines: Option<usize>,
    /// The Python interpreter the worker runs with.
    pub python: Option<String>,
    /// lathe's cache directory (the installed worker, cached baselines).
    pub cache_dir: Option<String>,
    /// Where the run database (`lathe.db`) and each run's outputs live.
    pub runs_dir: Option<PathBuf>,
    pub eval: EvalLayer,
    pub profile: ProfileLayer,
    pub llm: LlmLayer,
    /// GPUs described by the user (settings files only).
    pub gpus: Vec<GpuSpec>,
}

/// The `[eval]` settings: how candidates are judged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalLayer {
    pub device: Option<Device>,
    pub policy: Option<Policy>,
    pub trials: Option<u32>,
    pub second_shape: Option<bool>,
    pub tolerance_rule: Option<ToleranceRule>,
    pub error_factor: Option<f64>,
    pub timeout_seconds: Option<f64>,
    pub grace_seconds: Option<f64>,
    pub memory_limit_gb: Option<f64>,
    pub file_size_limit_mb: Option<u64>,
    /// `[atol, rtol]` by output dtype (settings files only).
    pub tolerances: Option<BTreeMap<String, [f64; 2]>>,
    pub timing: Option<TimingTable>,
}

/// The `[profile]` settings: how Nsight Compute is run.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileLayer {
    pub ncu: Option<String>,
    pub timeout_seconds: Option<f64>,
    pub launch_count: Option<u32>,
    pub clock_control: Option<ClockControlSetting>,
}

/// `profile.clock_control` as settings files spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockControlSetting {
    Base,
    None,
}

/// The `[eval.timing]` protocol (settings files only; `--no-timing` and
/// `--no-compile-baseline` switch parts off, `--interpreter-timing` sets `interpreter`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimingTable {
    pub enabled: Option<bool>,
    pub compile_baseline: Option<bool>,
    pub min_runs: Option<u32>,
    pub min_seconds: Option<f64>,
    pub max_runs: Option<u32>,
    pub max_seconds: Option<f64>,
    pub warmup_runs: Option<u32>,
    pub warmup_seconds: Option<f64>,
    /// Under `eval.device = "interpret"`: time the interpreted forward.
    pub interpreter: Option<bool>,
}

/// The schema of `lathe.toml` and the user config. Unknown keys are errors: a misspelt setting
/// that silently does nothing is the worst kind of setting.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    gpu: Option<String>,
    category: Option<Category>,
    backend: Option<Backend>,
    python: Option<String>,
    cache_dir: Option<String>,
    runs_dir: Option<PathBuf>,
    #[serde(default)]
    prompt: PromptSection,
    #[serde(default)]
    eval: EvalLayer,
    #[serde(default)]
    profile: ProfileLayer,
    #[serde(default)]
    llm: LlmLayer,
    #[serde(default)]
    gpus: Vec<GpuSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptSection {
    style: Option<PromptStyle>,
    triton_version: Option<String>,
    error_log_lines: Option<usize>,
}

impl Layer {
    pub fn empty(origin: Origin) -> Layer {
        Layer {
            origin,
            gpu: None,
            category: None,
            backend: None,
            style: None,
            triton_version: None,
            error_log_lines: None,
            python: None,
            cache_dir: None,
            runs_dir: None,
            eval: EvalLayer::default(),
            profile: ProfileLayer::default(),
            llm: LlmLayer::default(),
            gpus: Vec::new(),
        }
    }

    /// A settings file's layer; `text` is its content.
    pub fn from_file(path: &Path, text: &str) -> Result<Layer, SettingsError> {
        let file: SettingsFile = toml::from_str(text).map_err(|e| SettingsError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Layer {
            origin: Origin::File(path.to_owned()),
            gpu: file.gpu,
            category: file.category,
            backend: file.backend,
            style: file.prompt.style,
            triton_version: file.prompt.triton_version,
            error_log_lines: file.prompt.error_log_lines,
            python: file.python,
            cache_dir: file.cache_dir,
            runs_dir: file.runs_dir,
            eval: file.eval,
            profile: file.profile,
            llm: file.llm,
            gpus: file.gpus,
        })
    }

    /// The built-in defaults (`defaults.toml`, also the documented template of a settings file).
    pub fn defaults() -> Layer {
        let mut layer = Layer::from_file(Path::new("defaults.toml"), DEFAULTS_TOML)
            .unwrap_or_else(|e| panic!("built-in defaults.toml: {e}"));
        layer.origin = Origin::Default;
        layer
    }

    /// The `LATHE_*` variables. An empty variable counts as unset.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<Layer, SettingsError> {
        let get = |key: &Key| var(key.env).filter(|v| !v.trim().is_empty());
        Ok(Layer {
            gpu: get(&source::GPU),
            category: typed(get(&source::CATEGORY), &source::CATEGORY)?,
            backend: typed(get(&source::BACKEND), &source::BACKEND)?,
            style: typed(get(&source::STYLE), &source::STYLE)?,
            triton_version: get(&source::TRITON_VERSION),
            error_log_lines: typed(get(&source::ERROR_LOG_LINES), &source::ERROR_LOG_LINES)?,
            python: get(&source::PYTHON),
            cache_dir: get(&source::CACHE_DIR),
            runs_dir: get(&source::RUNS_DIR).map(PathBuf::from),
            eval: EvalLayer {
                device: typed(get(&source::DEVICE), &source::DEVICE)?,
                policy: typed(get(&source::POLICY), &source::POLICY)?,
                trials: typed(get(&source::TRIALS), &source::TRIALS)?,
                tolerance_rule: typed(get(&source::TOLERANCE_RULE), &source::TOLERANCE_RULE)?,
                error_factor: typed(get(&source::ERROR_FACTOR), &source::ERROR_FACTOR)?,
                timeout_seconds: typed(get(&source::TIMEOUT), &source::TIMEOUT)?,
                memory_limit_gb: typed(get(&source::MEMORY_LIMIT), &source::MEMORY_LIMIT)?,
                ..EvalLayer::default()
            },
            profile: ProfileLayer {
                ncu: get(&source::NCU),
                timeout_seconds: typed(get(&source::PROFILE_TIMEOUT), &source::PROFILE_TIMEOUT)?,
                ..ProfileLayer::default()
            },
            llm: LlmLayer {
                spec: get(&source::LLM),
                ..LlmLayer::default()
            },
            ..Layer::empty(Origin::Env)
        })
    }
}

/// An environment variable's value parsed as its setting's type; the error names the variable.
fn typed<T>(value: Option<String>, key: &'static Key) -> Result<Option<T>, SettingsError>
where
    T: FromStr,
    T::Err: Display,
{
    value
        .map(|value| {
            value
                .trim()
                .parse()
                .map_err(|e: T::Err| SettingsError::Env {
                    var: key.env,
                    reason: e.to_string(),
                    value,
                })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_set_what_they_document() {
        let d = Layer::defaults();
        assert_eq!(d.style, Some(PromptStyle::Full));
        assert_eq!(d.backend, Some(Backend::Triton));
        assert_eq!(d.error_log_lines, Some(150));
        assert_eq!(d.runs_dir, Some(PathBuf::from("lathe-runs")));
        assert!(d.gpu.is_none() && d.category.is_none() && d.triton_version.is_none());
    }

    #[test]
    fn a_misspelt_key_names_the_file_and_the_key() {
        let err =
            Layer::from_file(Path::new("lathe.toml"), "[prompt]\nstlye = \"full\"\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("lathe.toml") && text.contains("stlye"),
            "{text}"
        );
    }

    #[test]
    fn env_values_are_checked_where_they_are_read() {
        let env = |k: &str| (k == "LATHE_PROMPT_STYLE").then(|| "fancy".to_owned());
        let err = Layer::from_env(&env).unwrap_err();
        assert!(
            err.to_string().contains("LATHE_PROMPT_STYLE=fancy"),
            "{err}"
        );
        let env = |k: &str| (k == "LATHE_GPU").then(String::new);
        assert!(
            Layer::from_env(&env).unwrap().gpu.is_none(),
            "empty means unset"
        );
    }
}
