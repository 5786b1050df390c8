//! Judging one candidate file: the static checks first (a source that does not parse, or that
//! a rule refuses, costs no worker), then one worker process under the run's settings.

use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use lathe_core::{Backend, Crash, Verdict};
use lathe_store::Evaluation;
use lathe_worker::driver::{self, EvalOutcome};
use lathe_worker::protocol::{
    CandidateRef, EvalRequest, PROTOCOL_VERSION, ProblemRef, RequestKind,
};

use lathe_worker::driver::WorkerConfig;

use crate::{EngineError, JudgeSettings};

/// What the static checks found in a source, as the store keeps it.
pub fn findings_json(report: &lathe_check::CheckReport) -> serde_json::Value {
    serde_json::to_value(&report.findings)
        .unwrap_or_else(|e| unreachable!("findings serialize: {e}"))
}

/// Judges the kernel at `path` (whose text is `source`) against `problem`, telling `on_phase`
/// each phase the worker enters. An `Err` is the run's problem (an unusable problem file, no
/// GPU, no worker), never the candidate's.
pub fn judge(
    worker: &WorkerConfig,
    settings: &JudgeSettings,
    problem: &Path,
    backend: Backend,
    source: &str,
    path: &Path,
    on_phase: &mut dyn FnMut(&str),
) -> Result<Evaluation, EngineError> {
    let started = Instant::now();
    let report = lathe_check::check(source, backend, settings.policy);
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    if let Some(verdict) = report.verdict(&file) {
        return Ok(Evaluation {
            verdict,
            eval_seconds: started.elapsed().as_secs_f64(),
            interpreter_ms: None,
        });
    }
    let s = settings;
    let request = EvalRequest {
        protocol: PROTOCOL_VERSION,
        kind: RequestKind::Eval,
        device: s.device,
        problem: ProblemRef {
            path: problem.to_path_buf(),
            overrides: s.overrides.clone(),
        },
        candidate: CandidateRef {
            path: path.to_path_buf(),
            backend,
            kernels: report.kernels,
        },
        correctness: s.correctness.clone(),
        timing: s.timing.clone(),
        integrity: s.integrity(),
        limits: s.limits.clone(),
        progress_path: None,
        runner: Default::default(),
    };
    let (tx, phases) = mpsc::channel();
    let finished = std::thread::scope(|scope| {
        let evaluation = scope.spawn(move || driver::evaluate_watched(worker, request, Some(tx)));
        for phase in phases {
            on_phase(&phase);
        }
        evaluation.join()
    })
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    .map_err(EngineError::Worker)?;
    let verdict = match finished.outcome {
        EvalOutcome::Judged { verdict, .. } => verdict,
        EvalOutcome::ProblemError { message } => return Err(EngineError::Problem { message }),
        EvalOutcome::EnvironmentError { message } => {
            return Err(EngineError::Environment { message });
        }
        // A worker defect on one candidate is that candidate's outcome: the run goes on.
        EvalOutcome::WorkerError { message, detail } => Verdict::Crash(Crash {
            signal: None,
            signal_name: None,
            exit_code: None,
            cuda_error: None,
            memory_limit_bytes: None,
            phase: Some("worker".to_owned()),
            stderr_tail: format!("{message}\n{}", detail.unwrap_or_default()),
        }),
    };
    let interpreter_ms = match &verdict {
        Verdict::Correct(c) => c.interpreter_timing.as_ref().map(|t| t.candidate_ms.median),
        _ => None,
    };
    Ok(Evaluation {
        verdict,
        eval_seconds: started.elapsed().as_secs_f64(),
        interpreter_ms,
    })
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
