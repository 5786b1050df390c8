//! Running one request through one worker process, and reading what came back.
//!
//! The request goes into a fresh scratch directory (also the process's working directory, so
//! whatever the candidate writes lands there and is removed with it); the worker runs in its own
//! process group with a secret-free environment; its result file decides the outcome. A worker
//! that leaves no result died: the way it died (time limit, signal, memory limit, exit code) is
//! the verdict, with the last phase it reported and the tail of its stderr.
//!
//! An evaluation's worker is the judge (docs/design/judge.md); the candidate runs in a runner
//! process the judge starts. The judge gets a fresh nonce on its standard input and writes it
//! into its result: a result file without that nonce was forged by candidate code, and the
//! verdict is `rejected` (rule `harness-tamper`). A judge that exits before it reported its
//! first phase never reached the candidate: the interpreter cannot run the worker, which is the
//! environment's failure (exit 5), not a verdict.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use lathe_core::{Crash, Verdict};
use serde::Serialize;

use crate::embedded::install_worker;
use crate::process::{self, Capture, ProcessEnd, ProcessSpec, SpawnError};
use crate::protocol::{
    BaselinesRequest, Device, ErrorMessage, EvalRequest, MeasuredBaselines, Outcome,
    PROTOCOL_VERSION, Phase, ProbeFacts, ProbeRequest, ProfileRequest, ProfiledRegion,
    WorkerResult,
};
use crate::warm_judge;

mod reading;
mod spawn;

use reading::{
    check_interpreter, death_verdict, died, forged, judge_died, judged, last_phase, watch_phases,
};
pub(crate) use reading::{fresh_nonce, parse_result};
pub(crate) use spawn::scratch_dir;
use spawn::{finish_prestarted, prestarted_judge, run_worker};

/// How worker processes are run: settings of the command that starts them.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The Python interpreter that has torch and triton.
    pub python: PathBuf,
    /// lathe's cache: the installed worker and the cached baselines live below it.
    pub cache_dir: PathBuf,
    /// Where scratch directories are made (default: the system's temporary directory).
    pub scratch_root: Option<PathBuf>,
    pub wall_limit: Duration,
    pub grace: Duration,
    pub memory_limit: Option<u64>,
    pub tail_bytes: usize,
    /// The one GPU the worker may see (`CUDA_VISIBLE_DEVICES`: an index or a UUID), when a pool
    /// of GPUs hands this worker one; `None` leaves the caller's visibility as it is.
    pub gpu: Option<String>,
    /// Keep the next evaluation's judge started ahead, on the calling thread (`warm_judge.rs`):
    /// the next judge and its runner import torch (no CUDA until their request comes), so
    /// verdicts do not each wait for Python to start. Off for a single `lathe eval`.
    pub prestart: Prestart,
    /// Judge on this Ray cluster's nodes instead of here (`--executor ray`, ray.rs); `None`
    /// judges on this machine.
    pub cluster: Option<std::sync::Arc<crate::ray::RayCluster>>,
}

/// When the next evaluation's judge is started ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prestart {
    #[default]
    Off,
    /// When an evaluation begins: its imports overlap this evaluation (a suite's evaluations
    /// follow each other with nothing between them). They share the machine's CPUs with it.
    WhileJudging,
    /// When an evaluation has ended ([`start_next`]): a loop's next candidate comes after a
    /// model call, which the imports overlap instead, and the evaluation's timing shares the
    /// CPUs with nothing of lathe's (on the interpreter the CPU is what is timed).
    AfterJudging,
}

impl WorkerConfig {
    pub fn baselines_dir(&self) -> PathBuf {
        self.cache_dir.join("baselines")
    }

    /// Where the judge's Python writes the byte-code of the modules it imports
    /// (PYTHONPYCACHEPREFIX), for every later worker to read.
    pub fn pycache_dir(&self) -> PathBuf {
        self.cache_dir.join("pycache")
    }
}

/// What a worker said about a candidate, or why it could not say.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalOutcome {
    Judged {
        verdict: Verdict,
        notes: Vec<String>,
        phases: Vec<Phase>,
        fingerprint: serde_json::Value,
    },
    /// The problem file is unusable (bad input, not a verdict).
    ProblemError { message: String },
    /// This machine cannot run the request (no CUDA device for `--device cuda`).
    EnvironmentError { message: String },
    /// A defect of the worker.
    WorkerError {
        message: String,
        detail: Option<String>,
    },
}

/// A program the worker runs under: `program args… python -m lathe_worker REQUEST RESULT`. The
/// whole tree (the launcher and the worker it starts) shares one process group, so a time limit
/// ends both.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub program: PathBuf,
    pub args: Vec<OsString>,
}

/// A profile target that ran its region, with the phases it went through.
#[derive(Debug, Clone, PartialEq)]
pub struct Profiled {
    pub region: ProfiledRegion,
    pub phases: Vec<Phase>,
}

#[derive(Debug, Clone)]
pub struct Finished<T> {
    pub outcome: T,
    pub stdout: Capture,
    pub stderr: Capture,
    pub wall: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("cannot install the worker into {}: {source}", path.display())]
    Install {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot prepare a scratch directory: {0}")]
    Scratch(std::io::Error),
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    #[error("{} cannot run the worker: {detail}", python.display())]
    Interpreter { python: PathBuf, detail: String },
    #[error("the worker's result is unreadable: {message}")]
    BadResult {
        message: String,
        stderr_tail: String,
    },
}

pub fn evaluate(
    config: &WorkerConfig,
    request: EvalRequest,
) -> Result<Finished<EvalOutcome>, DriverError> {
    evaluate_watched(config, request, None)
}

/// As [`evaluate`], sending each phase the worker enters (`load`, `check`, `timing`...) to
/// `phases` as it enters it, for a progress display.
pub fn evaluate_watched(
    config: &WorkerConfig,
    request: EvalRequest,
    phases: Option<Sender<String>>,
) -> Result<Finished<EvalOutcome>, DriverError> {
    evaluate_prepared(config, prepare(config, request), phases)
}

/// An evaluation made ready on the thread that will judge the next one too: the judge this
/// thread started ahead for it, if any, is taken, and the next evaluation's judge is started
/// (with [`WorkerConfig::prestart`]). A judge dies with the thread that started it, so this
/// runs on the caller's long-lived thread while [`evaluate_prepared`] may run on any.
pub struct Prepared {
    request: EvalRequest,
    warm: Option<warm_judge::Warm>,
}

/// What starting the next judge after an evaluation needs ([`start_next`]).
#[derive(Debug, Clone)]
pub struct NextJudge {
    device: Device,
    runner_cache: Option<PathBuf>,
}

impl Prepared {
    /// The judge to start ahead once this evaluation has ended.
    pub fn next_judge(&self) -> NextJudge {
        NextJudge {
            device: self.request.device,
            runner_cache: self.request.runner.cache_dir.clone(),
        }
    }
}

/// Starts the next evaluation's judge now, on this thread, when the settings ask for it after
/// an evaluation ([`Prestart::AfterJudging`]); nothing otherwise.
pub fn start_next(config: &WorkerConfig, next: &NextJudge) {
    if config.prestart != Prestart::AfterJudging || config.cluster.is_some() {
        return;
    }
    start_ahead(config, next.device, next.runner_cache.as_deref());
}

/// Starts a judge into this thread's warm slot for the next evaluation like this one.
fn start_ahead(config: &WorkerConfig, device: Device, runner_cache: Option<&Path>) {
    warm_judge::prepare_next(config, device, runner_cache, |scratch| {
        prestarted_judge(config, scratch, device, runner_cache)
    });
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("request", &self.request)
            .field("started_ahead", &self.warm.is_some())
            .finish()
    }
}

/// Makes `request` ready on this thread (see [`Prepared`]).
pub fn prepare(config: &WorkerConfig, mut request: EvalRequest) -> Prepared {
    // A cluster's node has its own caches and scratch: the request goes as it is.
    if config.cluster.is_some() {
        return Prepared {
            request,
            warm: None,
        };
    }
    if request.timing.cache_dir.is_none() {
        request.timing.cache_dir = Some(config.baselines_dir());
    }
    if request.runner.cache_dir.is_none() {
        request.runner.cache_dir = Some(config.cache_dir.join("runner"));
    }
    let device = request.device;
    let runner_cache = request.runner.cache_dir.clone();
    let warm = match config.prestart {
        Prestart::Off => None,
        Prestart::WhileJudging => {
            let taken = warm_judge::take(config, device, runner_cache.as_deref());
            // The next one starts now, so that its imports overlap this evaluation.
            start_ahead(config, device, runner_cache.as_deref());
            taken
        }
        Prestart::AfterJudging => warm_judge::take(config, device, runner_cache.as_deref()),
    };
    Prepared { request, warm }
}

/// Runs a prepared evaluation (on any thread), sending its phases to `phases`.
pub fn evaluate_prepared(
    config: &WorkerConfig,
    prepared: Prepared,
    phases: Option<Sender<String>>,
) -> Result<Finished<EvalOutcome>, DriverError> {
    let Prepared { mut request, warm } = prepared;
    if let Some(cluster) = &config.cluster {
        return cluster.evaluate(config, request, phases);
    }
    let device = request.device;
    let (scratch, started) = match warm {
        Some(warm) => (warm.scratch, Some(warm.started)),
        None => (scratch_dir(config)?, None),
    };
    let progress = scratch.path().join("progress.jsonl");
    request.progress_path = Some(progress.clone());
    let nonce = fresh_nonce().map_err(DriverError::Scratch)?;
    let running = AtomicBool::new(true);
    let (end, result, stdout, stderr, wall) = std::thread::scope(|scope| {
        if let Some(phases) = phases {
            scope.spawn(|| watch_phases(&progress, &running, phases));
        }
        let ran = match started {
            Some(started) => finish_prestarted(config, scratch.path(), &request, started, &nonce),
            None => run_worker(config, scratch.path(), device, &request, None, Some(&nonce)),
        };
        running.store(false, Ordering::Relaxed);
        ran
    })?;
    let outcome = read_judgment(config, result, &nonce, &end, &stderr, last_phase(&progress))?;
    Ok(Finished {
        outcome,
        stdout,
        stderr,
        wall,
    })
}

/// What a judge that was given `nonce` left: its result if it carries the nonce, a forgery if
/// not, else the way it died (`phase`: the last it reported). The one reading of a judge's end,
/// for a judge run here and one run on a Ray node (`ray.rs`).
pub(crate) fn read_judgment(
    config: &WorkerConfig,
    result: Option<WorkerResult>,
    nonce: &str,
    end: &ProcessEnd,
    stderr: &Capture,
    phase: Option<String>,
) -> Result<EvalOutcome, DriverError> {
    match result {
        Some(result) if result.nonce.as_deref() != Some(nonce) => Ok(forged(&result)),
        Some(result) => judged(result, stderr),
        None => {
            check_interpreter(&config.python, end, stderr)?;
            judge_died(config, end, stderr, phase)
        }
    }
}

/// Runs the profile target, under `launcher` when given (Nsight Compute). A candidate that fails
/// or dies comes back as `Err(EvalOutcome::Judged)` with its verdict.
pub fn profile(
    config: &WorkerConfig,
    mut request: ProfileRequest,
    launcher: Option<&Launcher>,
) -> Result<Finished<Result<Profiled, EvalOutcome>>, DriverError> {
    let scratch = scratch_dir(config)?;
    let progress = scratch.path().join("progress.jsonl");
    request.progress_path = Some(progress.clone());
    let device = request.device;
    let (end, result, stdout, stderr, wall) =
        run_worker(config, scratch.path(), device, &request, launcher, None)?;
    let outcome = match result {
        Some(WorkerResult {
            outcome: Outcome::Profiled { profiled },
            phases,
            ..
        }) => Ok(Profiled {
            region: profiled,
            phases,
        }),
        Some(other) => Err(judged(other, &stderr)?),
        None => Err(died(&end, &stderr, last_phase(&progress))),
    };
    Ok(Finished {
        outcome,
        stdout,
        stderr,
        wall,
    })
}

pub fn probe(
    config: &WorkerConfig,
    mut request: ProbeRequest,
) -> Result<Finished<Result<ProbeFacts, EvalOutcome>>, DriverError> {
    if request.cache_dir.is_none() {
        request.cache_dir = Some(config.baselines_dir());
    }
    let device = request.device;
    answer(
        config,
        device,
        &request,
        "probing",
        |outcome| match outcome {
            Outcome::Probe { probe } => Ok(*probe),
            other => Err(Box::new(other)),
        },
    )
}

/// Runs a request that judges no candidate (a probe, baselines) and takes its answer with
/// `take`; any other outcome is read as an evaluation's would be, and a worker that left no
/// result died while `doing` it.
fn answer<T>(
    config: &WorkerConfig,
    device: Device,
    request: &impl Serialize,
    doing: &str,
    take: impl FnOnce(Outcome) -> Result<T, Box<Outcome>>,
) -> Result<Finished<Result<T, EvalOutcome>>, DriverError> {
    let scratch = scratch_dir(config)?;
    let (end, result, stdout, stderr, wall) =
        run_worker(config, scratch.path(), device, request, None, None)?;
    let outcome = match result {
        Some(mut result) => match take(result.outcome) {
            Ok(answer) => Ok(answer),
            Err(other) => {
                result.outcome = *other;
                Err(judged(result, &stderr)?)
            }
        },
        None => Err(EvalOutcome::WorkerError {
            message: format!(
                "the worker died while {doing}: {}",
                death_verdict(&end, &stderr, None).summary()
            ),
            detail: Some(stderr.tail.clone()),
        }),
    };
    Ok(Finished {
        outcome,
        stdout,
        stderr,
        wall,
    })
}

/// Measures a problem's eager and torch.compile baselines (no candidate runs). A problem the
/// worker cannot use, or a machine that cannot time, comes back as `Err` with that outcome.
pub fn baselines(
    config: &WorkerConfig,
    mut request: BaselinesRequest,
) -> Result<Finished<Result<MeasuredBaselines, EvalOutcome>>, DriverError> {
    if request.timing.cache_dir.is_none() {
        request.timing.cache_dir = Some(config.baselines_dir());
    }
    let device = request.device;
    answer(
        config,
        device,
        &request,
        "measuring baselines",
        |outcome| match outcome {
            Outcome::Baselines { baselines } => Ok(*baselines),
            other => Err(Box::new(other)),
        },
    )
}
