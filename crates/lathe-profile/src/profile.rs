//! One profile: ncu located and its metric names checked, the worker's profile target run under
//! it, the capture parsed and the candidate's kernels picked out: [`profile`].

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use lathe_core::{Backend, Verdict};
use lathe_worker::driver::{self, EvalOutcome, Launcher, WorkerConfig};
use lathe_worker::protocol::{
    CandidateRef, Device, Limits, PROTOCOL_VERSION, ProblemRef, ProfileRequest, RequestKind,
    WarmupConfig,
};

use crate::capture::{CaptureError, parse_capture};
use crate::known_metrics::check_metrics;
use crate::ncu::Ncu;
use crate::record::{ProfileRecord, ProfileSeconds};
use crate::shown::{MissingMetric, metrics_block};
use crate::summary::{KernelSummary, summarize};
use crate::unavailable::{ProfileUnavailable, UnavailableReason};

/// How profiles are taken: settings of the command that asks for one.
#[derive(Debug, Clone)]
pub struct ProfileConfig {
    /// The worker's interpreter, cache and limits; `wall_limit` bounds the whole capture.
    pub worker: WorkerConfig,
    /// ncu as given by --ncu, LATHE_NCU or the settings; `None`: searched for.
    pub ncu: Option<PathBuf>,
    /// At most this many launches are captured (`--launch-count`).
    pub launch_count: u32,
    pub clock_control: ClockControl,
    pub warmup: WarmupConfig,
    pub seed: u64,
    /// `cuda`; `interpret` only where ncu is a stand-in (tests: there is nothing to profile).
    pub device: Device,
}

/// ncu's `--clock-control`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockControl {
    /// Clocks locked to base during the capture: repeatable counters (ncu's default).
    #[default]
    Base,
    /// Clocks left to the GPU's boost logic.
    None,
}

impl ClockControl {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockControl::Base => "base",
            ClockControl::None => "none",
        }
    }

    pub fn parse(text: &str) -> Option<ClockControl> {
        match text {
            "base" => Some(ClockControl::Base),
            "none" => Some(ClockControl::None),
            _ => None,
        }
    }
}

/// What is profiled.
#[derive(Debug, Clone)]
pub struct ProfileTarget {
    pub problem: PathBuf,
    pub overrides: BTreeMap<String, serde_json::Value>,
    pub kernel: PathBuf,
    pub backend: Backend,
    /// The function names the candidate's source defines (Triton `@jit` functions, CUDA
    /// `__global__` functions): launches of these are the candidate's own.
    pub own_kernels: Vec<String>,
}

/// The metrics asked for, and the stage they come from (for messages).
#[derive(Debug, Clone)]
pub struct MetricRequest {
    pub metrics: Vec<String>,
    pub stage: Option<String>,
}

pub fn profile(
    config: &ProfileConfig,
    target: &ProfileTarget,
    request: &MetricRequest,
) -> Result<ProfileRecord, ProfileUnavailable> {
    let started = Instant::now();
    let ncu = Ncu::locate(
        config.ncu.as_deref(),
        std::env::var_os("PATH").as_deref(),
        std::env::var_os("CUDA_HOME").as_deref(),
    )?;
    let check = check_metrics(&ncu, &request.metrics, Some(&config.worker.cache_dir));
    let metric_check = started.elapsed().as_secs_f64();
    if check.known.is_empty() {
        return Err(UnavailableReason::NoKnownMetrics {
            unknown: check.unknown,
        }
        .into());
    }
    // Durations are always collected (one cheap counter) for the record's kernel list; they
    // reach a prompt only when a stage asks for them.
    let mut collected = check.known.clone();
    if !collected.iter().any(|m| m == DURATION) {
        collected.push(DURATION.to_owned());
    }

    let dir = tempfile::Builder::new()
        .prefix("lathe-ncu-")
        .tempdir()
        .map_err(|e| environment(format!("cannot make a directory for the capture: {e}")))?;
    let log = dir.path().join("capture.csv");
    let launcher = Launcher {
        program: ncu.path.clone(),
        args: ncu_args(config, &collected, &log),
    };
    let capture_started = Instant::now();
    let finished = driver::profile(
        &config.worker,
        worker_request(config, target),
        Some(&launcher),
    )
    .map_err(|e| environment(e.to_string()))?;
    let capture_seconds = capture_started.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let all_output = format!("{text}\n{}\n{}", finished.stdout.tail, finished.stderr.tail);
    if let Some(line) = all_output.lines().find(|l| l.contains("ERR_NVGPUCTRPERM")) {
        return Err(UnavailableReason::NoPermission {
            message: line.trim().to_owned(),
        }
        .into());
    }
    let region = match finished.outcome {
        Ok(profiled) => profiled.region,
        Err(outcome) => return Err(failed_run(outcome, &text).into()),
    };
    let capture = parse_capture(&text).map_err(|e| match e {
        CaptureError::NoHeader { messages, .. } => UnavailableReason::NcuFailed {
            exit_code: None,
            messages: with_stderr(messages, &finished.stderr.tail),
        },
        other => UnavailableReason::NcuFailed {
            exit_code: None,
            messages: vec![format!("{}: {other}", log.display())],
        },
    })?;
    if capture.launches.is_empty() {
        return Err(UnavailableReason::NothingCaptured {
            messages: capture.messages.clone(),
        }
        .into());
    }
    let mut summary = summarize(&capture, &target.own_kernels);
    for kernel in summary.own.iter_mut().chain(summary.library.iter_mut()) {
        keep_only(kernel, &collected);
    }
    if summary.own.is_empty() {
        return Err(UnavailableReason::NoOwnKernels {
            expected: target.own_kernels.clone(),
            captured: summary.launches,
        }
        .into());
    }
    let (metrics, mut missing) = metrics_block(&summary.own, &check.known);
    for unknown in &check.unknown {
        for kernel in &summary.own {
            missing.push(MissingMetric {
                kernel: kernel.name.clone(),
                metric: unknown.metric.clone(),
                reason: unknown_reason(&ncu, request, unknown.suggestion.as_deref()),
            });
        }
    }
    let mut notes = Vec::new();
    if let Some(note) = &check.note {
        notes.push(format!("metric names not checked: {note}"));
    }
    if summary.launches >= config.launch_count as usize {
        notes.push(format!(
            "the capture stopped at the launch limit ({}): later launches of the forward are not in it; raise profile.launch_count",
            config.launch_count
        ));
    }
    for kernel in &summary.own {
        let counted = region.region_launches.get(&kernel.name).copied();
        if counted.is_some_and(|c| c != kernel.launches as u64) {
            notes.push(format!(
                "{}: the worker counted {} launches in the region, the capture holds {}",
                kernel.name,
                counted.unwrap_or_default(),
                kernel.launches
            ));
        }
    }
    let gpu = capture.launches.first().and_then(|l| {
        l.values
            .get("device__attribute_display_name")
            .map(|c| c.text.clone())
    });
    Ok(ProfileRecord {
        command: command_line(&launcher),
        ncu,
        gpu,
        stage: request.stage.clone(),
        metrics_requested: request.metrics.clone(),
        unknown_metrics: check.unknown,
        metrics_validated: check.validated,
        block: metrics.render(),
        metrics,
        missing,
        kernels: summary.own,
        library_kernels: summary.library,
        captured_launches: summary.launches,
        launch_limit: config.launch_count,
        clock_control: config.clock_control.as_str().to_owned(),
        region,
        notes,
        seconds: ProfileSeconds {
            total: started.elapsed().as_secs_f64(),
            metric_check,
            capture: capture_seconds,
        },
    })
}

/// The metric of the record's kernel list: each kernel's time under the profiler.
pub(crate) const DURATION: &str = "gpu__time_duration.sum";
/// Launch facts worth keeping in the record whatever the stage (ncu writes every `launch__*`
/// attribute and every device attribute into each row; the rest would bury the metrics).
const LAUNCH_FACTS: [&str; 4] = [
    "launch__grid_size",
    "launch__block_size",
    "launch__registers_per_thread",
    "launch__shared_mem_per_block",
];

fn keep_only(kernel: &mut KernelSummary, collected: &[String]) {
    let wanted = |name: &str| collected.iter().any(|m| m == name) || LAUNCH_FACTS.contains(&name);
    kernel.metrics.retain(|(name, _)| wanted(name));
    kernel.unreadable.retain(|(name, _)| wanted(name));
}

/// ncu's options: only the marked region, at most `launch_count` launches, every process the
/// worker starts, base units (so a unit never changes with a value's size), raw page as CSV into
/// its own file (the candidate's prints go to the worker's stdout, not into the table).
fn ncu_args(config: &ProfileConfig, metrics: &[String], log: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = [
        "--target-processes",
        "all",
        "--profile-from-start",
        "off",
        "--launch-count",
    ]
    .into_iter()
    .map(OsString::from)
    .collect();
    args.push(config.launch_count.to_string().into());
    for arg in ["--clock-control", config.clock_control.as_str()] {
        args.push(arg.into());
    }
    for arg in [
        "--print-units",
        "base",
        "--csv",
        "--page",
        "raw",
        "--metrics",
    ] {
        args.push(arg.into());
    }
    args.push(metrics.join(",").into());
    args.push("--log-file".into());
    args.push(log.as_os_str().to_owned());
    args
}

fn worker_request(config: &ProfileConfig, target: &ProfileTarget) -> ProfileRequest {
    ProfileRequest {
        protocol: PROTOCOL_VERSION,
        kind: RequestKind::Profile,
        device: config.device,
        problem: ProblemRef {
            path: target.problem.clone(),
            overrides: target.overrides.clone(),
        },
        candidate: CandidateRef {
            path: target.kernel.clone(),
            backend: target.backend,
            kernels: target.own_kernels.clone(),
        },
        seed: config.seed,
        warmup: config.warmup,
        limits: Limits::default(),
        progress_path: None,
    }
}

/// Why a run that produced no profiled region failed.
fn failed_run(outcome: EvalOutcome, log: &str) -> UnavailableReason {
    match outcome {
        EvalOutcome::Judged {
            verdict:
                Verdict::Timeout {
                    after_seconds,
                    phase,
                },
            ..
        } => UnavailableReason::TimedOut {
            after_seconds,
            phase,
        },
        EvalOutcome::Judged { verdict, .. } => {
            let messages = ncu_messages(log);
            match verdict {
                // ncu passes on the worker's exit code and says so: the candidate's death.
                Verdict::Crash(_)
                    if messages
                        .iter()
                        .all(|m| m.contains("The application returned")) =>
                {
                    UnavailableReason::CandidateFailed {
                        verdict: verdict.summary(),
                    }
                }
                // An ncu error with no worker result.
                Verdict::Crash(ref c) if c.exit_code.is_some() && !messages.is_empty() => {
                    UnavailableReason::NcuFailed {
                        exit_code: c.exit_code,
                        messages,
                    }
                }
                verdict => UnavailableReason::CandidateFailed {
                    verdict: verdict.summary(),
                },
            }
        }
        EvalOutcome::ProblemError { message } => UnavailableReason::ProblemError { message },
        EvalOutcome::EnvironmentError { message } => UnavailableReason::Environment { message },
        EvalOutcome::WorkerError { message, .. } => UnavailableReason::Environment {
            message: format!("the worker failed: {message}"),
        },
    }
}

/// ncu's own error lines.
fn ncu_messages(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("==ERROR=="))
        .map(|l| l.trim().to_owned())
        .collect()
}

fn with_stderr(mut messages: Vec<String>, stderr: &str) -> Vec<String> {
    if messages.is_empty() {
        messages.extend(
            stderr
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_owned()),
        );
    }
    messages
}

fn unknown_reason(ncu: &Ncu, request: &MetricRequest, suggestion: Option<&str>) -> String {
    let stage = request
        .stage
        .as_deref()
        .map(|s| format!(" (asked for by stage {s})"))
        .unwrap_or_default();
    let hint = suggestion
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    format!(
        "unknown to ncu {} on this GPU{stage}, so not collected{hint}",
        ncu.version_number()
    )
}

fn environment(message: String) -> ProfileUnavailable {
    UnavailableReason::Environment { message }.into()
}

fn command_line(launcher: &Launcher) -> Vec<String> {
    std::iter::once(launcher.program.as_os_str())
        .chain(launcher.args.iter().map(OsString::as_os_str))
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}
