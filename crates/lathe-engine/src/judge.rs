//! Judging one candidate: the [`Judge`] service that `lathe eval`, `lathe tune` and the loop all
//! go through, so that a candidate gets the same verdict whichever of them asks.
//!
//! They used to carry a driver each (the binary's eval built its own worker request and
//! treated a worker defect as lathe's failure, exit 1, while the loop judged it a crash and
//! went on). Now the one rule is here, in [`WorkerJudge`]:
//!
//! - **Static checks first.** A source that does not parse, or that an integrity rule refuses,
//!   gets its verdict without a worker (no GPU time spent).
//! - **Then one worker process**, under the settings of [`JudgeSettings`].
//! - **What the worker says about itself decides who failed.** A problem file it cannot use is
//!   [`EngineError::Problem`] and a machine that cannot run it is
//!   [`EngineError::Environment`]: the caller's ground, never the candidate's verdict. A
//!   worker that breaks while judging the candidate (an internal error instead of a verdict)
//!   is the candidate's `crash` (phase `worker`, the worker's message in its stderr tail): the
//!   candidate runs inside that process and may be what broke it, so it never earns a better
//!   verdict, and a loop goes on to the next candidate. `lathe eval` shows that verdict and
//!   exits 4, as for any verdict but `correct`.
//!
//! Tests of the loop put a double in [`Parts::judging`](crate::Parts::judging): the loop then
//! runs without Python, torch or a GPU.

use std::path::Path;

use lathe_check::CheckReport;
use lathe_core::{Backend, Verdict};
use lathe_store::Evaluation;
use lathe_worker::driver::WorkerConfig;
use lathe_worker::protocol::Phase;

use crate::{EngineError, JudgeSettings, WorkerJudge};

/// One candidate to judge: the kernel file at `path`, whose text is `source`, against the
/// problem file `problem`.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub problem: &'a Path,
    pub backend: Backend,
    pub source: &'a str,
    /// The file the worker loads the candidate from.
    pub path: &'a Path,
    /// How the static checks' messages name the file (`kernel.py:3:5: ...`): the path a person
    /// gave, or the file's name.
    pub name: &'a str,
}

/// What judging one candidate found.
#[derive(Debug, Clone)]
pub struct Judgment {
    /// The verdict and the judging's time, as the run store keeps them.
    pub evaluation: Evaluation,
    /// What the static checks found (the kernels they named, every finding).
    pub checks: CheckReport,
    /// The worker's own account; `None` when the static checks decided the verdict.
    pub worker: Option<WorkerAccount>,
}

/// What the worker said besides its verdict, for a report of one judging (`lathe eval`).
#[derive(Debug, Clone, Default)]
pub struct WorkerAccount {
    pub notes: Vec<String>,
    pub phases: Vec<Phase>,
    /// The machine: GPU, driver, torch, Triton; `null` when the worker gave none.
    pub fingerprint: serde_json::Value,
    pub stdout_tail: String,
    pub stderr_tail: String,
    pub wall_seconds: f64,
}

/// Judges candidates. `Err` is the caller's problem (an unusable problem file, no GPU, no
/// worker), never the candidate's: every way a candidate can fail is a verdict.
pub trait Judge: Send + Sync {
    /// Judges `candidate`, telling `on_phase` each phase the worker enters (`load`,
    /// `correctness`, `timing`...) as it enters it.
    fn judge(
        &self,
        candidate: &Candidate<'_>,
        on_phase: &mut dyn FnMut(&str),
    ) -> Result<Judgment, EngineError>;
}

/// What the static checks found in a source, as the store keeps it.
pub fn findings_json(report: &CheckReport) -> serde_json::Value {
    serde_json::to_value(&report.findings)
        .unwrap_or_else(|e| unreachable!("findings serialize: {e}"))
}

/// [`WorkerJudge`] for one candidate: for callers that have a
/// worker and settings at hand rather than a [`Judge`] (`lathe suite eval`).
pub fn judge(
    worker: &WorkerConfig,
    settings: &JudgeSettings,
    problem: &Path,
    backend: Backend,
    source: &str,
    path: &Path,
    on_phase: &mut dyn FnMut(&str),
) -> Result<Judgment, EngineError> {
    let name = file_name(path);
    let candidate = Candidate {
        problem,
        backend,
        source,
        path,
        name: &name,
    };
    WorkerJudge::new(worker.clone(), settings.clone()).judge(&candidate, on_phase)
}

/// The name of the file at `path`, as messages about a candidate name it.
pub fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The text the analyst and the repair prompt show for a failed verdict: the message, then
/// the traceback or the evidence.
pub fn failure_text(verdict: &Verdict) -> String {
    let detail = match verdict {
        Verdict::CompileError { traceback_tail, .. }
        | Verdict::RuntimeError { traceback_tail, .. } => traceback_tail.clone(),
        Verdict::Rejected { evidence, .. } => evidence.clone(),
        Verdict::Crash(c) => c.stderr_tail.clone(),
        Verdict::Wrong(w) => serde_json::to_string_pretty(&w.trials).unwrap_or_default(),
        Verdict::Correct(_) | Verdict::Timeout { .. } => String::new(),
    };
    let message = match verdict {
        Verdict::CompileError { message, .. } => message.clone(),
        Verdict::RuntimeError {
            exception, message, ..
        } => format!("{exception}: {message}"),
        other => other.summary(),
    };
    if detail.trim().is_empty() {
        message
    } else {
        format!("{message}\n{detail}")
    }
}
