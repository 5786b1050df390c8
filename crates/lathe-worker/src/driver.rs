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
    /// Keep the next evaluation's judge started ahead, on the calling thread: while one
    /// evaluation runs, the next judge and its runner import torch (no CUDA until their
    /// request comes), so a suite's verdicts do not each wait for Python to start
    /// (`warm_judge.rs`). Off for a single `lathe eval`, where nothing follows.
    pub prestart: bool,
    /// Judge on this Ray cluster's nodes instead of here (`--executor ray`, ray.rs); `None`
    /// judges on this machine.
    pub cluster: Option<std::sync::Arc<crate::ray::RayCluster>>,
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
    mut request: EvalRequest,
    phases: Option<Sender<String>>,
) -> Result<Finished<EvalOutcome>, DriverError> {
    // A cluster's node has its own caches and scratch: the request goes as it is.
    if let Some(cluster) = &config.cluster {
        return cluster.evaluate(config, request, phases);
    }
    if request.timing.cache_dir.is_none() {
        request.timing.cache_dir = Some(config.baselines_dir());
    }
    if request.runner.cache_dir.is_none() {
        request.runner.cache_dir = Some(config.cache_dir.join("runner"));
    }
    let device = request.device;
    let runner_cache = request.runner.cache_dir.clone();
    let warm = if config.prestart {
        let taken = warm_judge::take(config, device, runner_cache.as_deref());
        // The next one starts now, so that its imports overlap this evaluation.
        warm_judge::prepare_next(config, device, runner_cache.as_deref(), |scratch| {
            prestarted_judge(config, scratch, device, runner_cache.as_deref())
        });
        taken
    } else {
        None
    };
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

type RawRun = (ProcessEnd, Option<WorkerResult>, Capture, Capture, Duration);

fn run_worker(
    config: &WorkerConfig,
    scratch: &Path,
    device: Device,
    request: &impl Serialize,
    launcher: Option<&Launcher>,
    nonce: Option<&str>,
) -> Result<RawRun, DriverError> {
    let result_path = write_request(scratch, request)?;
    let mut spec = worker_spec(config, scratch, device, launcher)?;
    if let Some(nonce) = nonce {
        // On standard input, never in the arguments or the environment: both can be read
        // through /proc by other processes of the user.
        spec.stdin = Some(format!("{nonce}\n").into_bytes());
        spec.env.push(("LATHE_NONCE_STDIN".into(), "1".into()));
    }
    let ran = process::run(&spec)?;
    finish_raw(config, &result_path, ran)
}

/// A judge started ahead of its request (`warm_judge.rs`): hardened, its modules imported,
/// its runner started and waiting to initialise CUDA; it reads the nonce on standard input
/// once its request file is written.
fn prestarted_judge(
    config: &WorkerConfig,
    scratch: &Path,
    device: Device,
    runner_cache: Option<&Path>,
) -> Result<process::Started, DriverError> {
    let mut spec = worker_spec(config, scratch, device, None)?;
    spec.stdin = Some(Vec::new());
    spec.env.push(("LATHE_NONCE_STDIN".into(), "1".into()));
    spec.env.push(("LATHE_PRESTART".into(), "1".into()));
    spec.env
        .push(("LATHE_PRESTART_DEVICE".into(), device.as_str().into()));
    if let Some(cache) = runner_cache {
        let cache = cache.as_os_str().to_owned();
        spec.env.push(("LATHE_PRESTART_RUNNER_CACHE".into(), cache));
    }
    Ok(process::start(&spec)?)
}

fn finish_prestarted(
    config: &WorkerConfig,
    scratch: &Path,
    request: &EvalRequest,
    started: process::Started,
    nonce: &str,
) -> Result<RawRun, DriverError> {
    let result_path = write_request(scratch, request)?;
    let ran = started.finish(format!("{nonce}\n").as_bytes())?;
    finish_raw(config, &result_path, ran)
}

/// Writes the request into the scratch directory; the path the result will be written to.
fn write_request(scratch: &Path, request: &impl Serialize) -> Result<PathBuf, DriverError> {
    let text = serde_json::to_string_pretty(request).unwrap_or_else(|e| unreachable!("{e}"));
    std::fs::write(scratch.join(REQUEST_FILE), text).map_err(DriverError::Scratch)?;
    Ok(scratch.join(RESULT_FILE))
}

/// The worker's command in `scratch` (`python -m lathe_worker REQUEST RESULT`, under the
/// launcher when given), with its environment and the configured limits.
fn worker_spec(
    config: &WorkerConfig,
    scratch: &Path,
    device: Device,
    launcher: Option<&Launcher>,
) -> Result<ProcessSpec, DriverError> {
    let worker_dir = install_worker(&config.cache_dir).map_err(|source| DriverError::Install {
        path: config.cache_dir.clone(),
        source,
    })?;
    let worker_args: Vec<OsString> = vec![
        "-m".into(),
        "lathe_worker".into(),
        scratch.join(REQUEST_FILE).into_os_string(),
        scratch.join(RESULT_FILE).into_os_string(),
    ];
    let mut spec = match launcher {
        None => {
            let mut spec = ProcessSpec::new(&config.python, scratch);
            spec.args = worker_args;
            spec
        }
        Some(launcher) => {
            let mut spec = ProcessSpec::new(&launcher.program, scratch);
            spec.args = launcher.args.clone();
            spec.args.push(config.python.clone().into_os_string());
            spec.args.extend(worker_args);
            spec
        }
    };
    spec.env = worker_env(
        std::env::vars_os(),
        &worker_dir,
        &config.pycache_dir(),
        device,
        config.gpu.as_deref(),
    );
    spec.wall_limit = config.wall_limit;
    spec.grace = config.grace;
    spec.memory_limit = config.memory_limit;
    spec.tail_bytes = config.tail_bytes;
    Ok(spec)
}

fn finish_raw(
    config: &WorkerConfig,
    result_path: &Path,
    ran: process::ProcessOutcome,
) -> Result<RawRun, DriverError> {
    let result = read_result(result_path, &ran.stderr)?;
    if result.is_none() {
        check_interpreter(&config.python, &ran.end, &ran.stderr)?;
    }
    Ok((ran.end, result, ran.stdout, ran.stderr, ran.wall))
}

const REQUEST_FILE: &str = "request.json";
const RESULT_FILE: &str = "result.json";

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

/// The environment of a worker: the caller's, minus secrets and Triton switches it must not
/// inherit, plus the worker package on PYTHONPATH and lathe's byte-code cache.
fn worker_env(
    caller: impl Iterator<Item = (OsString, OsString)>,
    worker_dir: &Path,
    pycache: &Path,
    device: Device,
    gpu: Option<&str>,
) -> Vec<(OsString, OsString)> {
    // The byte-code switches too: it goes to lathe's own cache, never beside the user's
    // sources, and without it every verdict compiles torch's modules again (seconds).
    let inherited = caller.filter(|(k, _)| {
        k != "TRITON_INTERPRET"
            && k != "PYTHONDONTWRITEBYTECODE"
            && k != "PYTHONPYCACHEPREFIX"
            && (gpu.is_none() || k != "CUDA_VISIBLE_DEVICES")
    });
    let mut env = process::scrubbed_env(inherited);
    let python_path = match env.iter().position(|(k, _)| k == "PYTHONPATH") {
        Some(i) => {
            let (_, old) = env.remove(i);
            let mut joined = worker_dir.as_os_str().to_owned();
            joined.push(":");
            joined.push(old);
            joined
        }
        None => worker_dir.as_os_str().to_owned(),
    };
    env.push(("PYTHONPATH".into(), python_path));
    env.push(("PYTHONUNBUFFERED".into(), "1".into()));
    // Byte-code of every module the judge imports (torch's thousands of them, where
    // site-packages ship none) compiled once into lathe's cache, not again by every verdict.
    // The runner reads it and never writes it (the judge starts it with
    // PYTHONDONTWRITEBYTECODE, and its confinement leaves this directory read-only), so no
    // candidate can plant byte-code that a later judge would run.
    env.push(("PYTHONPYCACHEPREFIX".into(), pycache.as_os_str().to_owned()));
    if device == Device::Interpret {
        env.push(("TRITON_INTERPRET".into(), "1".into()));
    }
    if let Some(gpu) = gpu {
        env.push(("CUDA_VISIBLE_DEVICES".into(), gpu.into()));
    }
    env
}

pub(crate) fn scratch_dir(config: &WorkerConfig) -> Result<tempfile::TempDir, DriverError> {
    let root = config
        .scratch_root
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&root).map_err(DriverError::Scratch)?;
    tempfile::Builder::new()
        .prefix("lathe-eval-")
        .tempdir_in(root)
        .map_err(DriverError::Scratch)
}

fn read_result(path: &Path, stderr: &Capture) -> Result<Option<WorkerResult>, DriverError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    parse_result(&text, stderr).map(Some)
}

/// A result file's text as a result of this protocol's version.
pub(crate) fn parse_result(text: &str, stderr: &Capture) -> Result<WorkerResult, DriverError> {
    let bad = |message: String| DriverError::BadResult {
        message,
        stderr_tail: stderr.tail.clone(),
    };
    let result: WorkerResult = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if result.protocol != PROTOCOL_VERSION {
        return Err(bad(format!(
            "protocol version {}; this lathe speaks {PROTOCOL_VERSION}",
            result.protocol
        )));
    }
    Ok(result)
}

/// 128 random bits, hex: the nonce a judge must write into its result.
pub(crate) fn fresh_nonce() -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A result file the judge did not write: only candidate code can have put it there.
fn forged(result: &WorkerResult) -> EvalOutcome {
    let claimed = match &result.outcome {
        Outcome::Verdict { verdict } => verdict.kind().to_string(),
        _ => "another outcome".to_owned(),
    };
    EvalOutcome::Judged {
        verdict: Verdict::Rejected {
            rule: lathe_core::Rule::HarnessTamper,
            evidence: format!(
                "the result file claims `{claimed}` but does not carry the nonce given to the \
                 judge: it was written by the candidate's process, not by the judge"
            ),
            found_statically: false,
        },
        notes: Vec::new(),
        phases: Vec::new(),
        fingerprint: serde_json::Value::Null,
    }
}

/// A judge that left no result. It never runs candidate code, so: before its first phase, the
/// interpreter could not run it (the environment); stopped by the time or memory limit, or
/// killed, the runner it waited on is to blame (the candidate's verdict); exited on its own
/// after starting, a defect of lathe's worker.
fn judge_died(
    config: &WorkerConfig,
    end: &ProcessEnd,
    stderr: &Capture,
    phase: Option<String>,
) -> Result<EvalOutcome, DriverError> {
    // `start` is the judge importing its own modules: failing there, the interpreter is at fault.
    let last = phase.clone();
    let phase = phase.filter(|p| p != "start");
    match (end, &phase) {
        (ProcessEnd::Exited { code }, None) => Err(DriverError::Interpreter {
            python: config.python.clone(),
            detail: format!(
                "it exited with code {code} before the worker started{}",
                last_line(&stderr.tail)
                    .map(|l| format!(": {l}"))
                    .unwrap_or_default()
            ),
        }),
        (ProcessEnd::Exited { code }, Some(phase)) => Ok(EvalOutcome::WorkerError {
            message: format!(
                "the worker exited with code {code} in phase {phase} without a result"
            ),
            detail: Some(stderr.tail.clone()),
        }),
        _ => Ok(died(end, stderr, last)),
    }
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

fn judged(result: WorkerResult, stderr: &Capture) -> Result<EvalOutcome, DriverError> {
    let message = |e: ErrorMessage| e.message;
    Ok(match result.outcome {
        Outcome::Verdict { mut verdict } => EvalOutcome::Judged {
            verdict: {
                // The runner's stderr is the judge's: what the harness kept of it is the tail.
                if let Verdict::Crash(crash) = &mut verdict
                    && crash.stderr_tail.is_empty()
                {
                    crash.stderr_tail = stderr.tail.clone();
                }
                verdict
            },
            notes: result.notes,
            phases: result.phases,
            fingerprint: result.fingerprint,
        },
        Outcome::ProblemError { error } => EvalOutcome::ProblemError {
            message: message(error),
        },
        Outcome::EnvironmentError { error } => EvalOutcome::EnvironmentError {
            message: message(error),
        },
        Outcome::WorkerError { error } => EvalOutcome::WorkerError {
            detail: error.traceback_tail.clone(),
            message: error.message,
        },
        Outcome::ProtocolError { error } => {
            return Err(DriverError::BadResult {
                message: format!(
                    "the worker did not understand the request: {}",
                    error.message
                ),
                stderr_tail: stderr.tail.clone(),
            });
        }
        Outcome::Probe { .. } | Outcome::Profiled { .. } | Outcome::Baselines { .. } => {
            return Err(DriverError::BadResult {
                message: "a result of another kind of request came back".to_owned(),
                stderr_tail: stderr.tail.clone(),
            });
        }
    })
}

/// A worker that left no result: an interpreter without torch is the machine's problem, not
/// the candidate's, and is reported as such rather than as a crash.
fn check_interpreter(python: &Path, end: &ProcessEnd, stderr: &Capture) -> Result<(), DriverError> {
    let missing = [
        "No module named 'torch'",
        "No module named 'triton'",
        "No module named 'numpy'",
    ];
    let exited = matches!(end, ProcessEnd::Exited { .. });
    match missing.iter().find(|m| stderr.tail.contains(*m)) {
        Some(m) if exited => Err(DriverError::Interpreter {
            python: python.to_owned(),
            detail: format!(
                "{m}: install torch and triton for it, or pick another with --python / LATHE_PYTHON"
            ),
        }),
        _ => Ok(()),
    }
}

/// A worker that left no result: its death is the candidate's verdict.
fn died(end: &ProcessEnd, stderr: &Capture, phase: Option<String>) -> EvalOutcome {
    EvalOutcome::Judged {
        verdict: death_verdict(end, stderr, phase),
        notes: Vec::new(),
        phases: Vec::new(),
        fingerprint: serde_json::Value::Null,
    }
}

/// The verdict of a worker that died without writing its result.
fn death_verdict(end: &ProcessEnd, stderr: &Capture, phase: Option<String>) -> Verdict {
    let crash = |f: &dyn Fn(&mut Crash)| {
        let mut c = Crash {
            signal: None,
            signal_name: None,
            exit_code: None,
            cuda_error: None,
            memory_limit_bytes: None,
            phase: phase.clone(),
            stderr_tail: stderr.tail.clone(),
        };
        f(&mut c);
        Verdict::Crash(c)
    };
    match end {
        ProcessEnd::TimedOut { after, .. } => Verdict::Timeout {
            after_seconds: after.as_secs_f64(),
            phase: phase.clone(),
        },
        ProcessEnd::Signaled { signal, name } => crash(&|c| {
            c.signal = Some(*signal);
            c.signal_name = Some((*name).to_owned());
        }),
        ProcessEnd::MemoryLimit { limit, .. } => crash(&|c| c.memory_limit_bytes = Some(*limit)),
        ProcessEnd::Exited { code } => crash(&|c| c.exit_code = Some(*code)),
    }
}

/// The last phase the worker reported in its progress file.
/// Sends each phase line the worker appends to `progress`, until `running` turns false.
fn watch_phases(progress: &Path, running: &AtomicBool, phases: Sender<String>) {
    let mut seen = 0;
    loop {
        // The last look happens after the worker ended, so no phase is missed.
        let last_look = !running.load(Ordering::Relaxed);
        let text = std::fs::read_to_string(progress).unwrap_or_default();
        let complete: Vec<&str> = text
            .split_inclusive('\n')
            .filter(|l| l.ends_with('\n'))
            .collect();
        for line in complete.iter().skip(seen) {
            let phase = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v.get("phase")?.as_str().map(str::to_owned));
            if let Some(phase) = phase
                && phases.send(phase).is_err()
            {
                return;
            }
        }
        seen = seen.max(complete.len());
        if last_look {
            return;
        }
        std::thread::sleep(PHASE_POLL);
    }
}

/// How often the phase watcher looks at the progress file: a person's refresh rate.
const PHASE_POLL: Duration = Duration::from_millis(100);

fn last_phase(progress: &Path) -> Option<String> {
    let text = std::fs::read_to_string(progress).ok()?;
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    value.get("phase")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var<'a>(env: &'a [(OsString, OsString)], name: &str) -> Vec<&'a OsString> {
        env.iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn the_judge_writes_byte_code_to_lathes_cache_whatever_the_caller_set() {
        let caller = [
            ("PYTHONDONTWRITEBYTECODE", "1"),
            ("PYTHONPYCACHEPREFIX", "/home/user/elsewhere"),
            ("TRITON_INTERPRET", "1"),
            ("HOME", "/home/user"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let env = worker_env(
            caller.into_iter(),
            Path::new("/cache/worker/abc"),
            Path::new("/cache/pycache"),
            Device::Cuda,
            None,
        );
        assert!(var(&env, "PYTHONDONTWRITEBYTECODE").is_empty(), "{env:?}");
        assert_eq!(var(&env, "PYTHONPYCACHEPREFIX"), ["/cache/pycache"]);
        assert!(var(&env, "TRITON_INTERPRET").is_empty(), "{env:?}");
        assert_eq!(var(&env, "HOME"), ["/home/user"]);
        assert_eq!(var(&env, "PYTHONPATH"), ["/cache/worker/abc"]);
    }
}
