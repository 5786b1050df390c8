//! The judge that runs candidates for real: [`WorkerJudge`], static checks and then one worker
//! process (the rules are in `judge.rs`).

use std::sync::mpsc;
use std::time::Instant;

use lathe_core::{Crash, Verdict};
use lathe_store::Evaluation;
use lathe_worker::driver::{self, EvalOutcome, WorkerConfig};
use lathe_worker::protocol::{
    CandidateRef, EvalRequest, PROTOCOL_VERSION, ProblemRef, RequestKind,
};

use crate::judge::{Candidate, Judge, Judgment, WorkerAccount};
use crate::{EngineError, JudgeSettings};

/// Judges with the worker `worker` under `settings`.
#[derive(Debug, Clone)]
pub struct WorkerJudge {
    worker: WorkerConfig,
    settings: JudgeSettings,
}

impl WorkerJudge {
    pub fn new(worker: WorkerConfig, settings: JudgeSettings) -> WorkerJudge {
        WorkerJudge { worker, settings }
    }

    fn request(&self, candidate: &Candidate<'_>, kernels: Vec<String>) -> EvalRequest {
        let s = &self.settings;
        EvalRequest {
            protocol: PROTOCOL_VERSION,
            kind: RequestKind::Eval,
            device: s.device,
            problem: ProblemRef {
                path: candidate.problem.to_path_buf(),
                overrides: s.overrides.clone(),
            },
            candidate: CandidateRef {
                path: candidate.path.to_path_buf(),
                backend: candidate.backend,
                kernels,
            },
            correctness: s.correctness.clone(),
            timing: s.timing.clone(),
            integrity: s.integrity(),
            limits: s.limits.clone(),
            progress_path: None,
            runner: Default::default(),
        }
    }
}

impl Judge for WorkerJudge {
    fn judge(
        &self,
        candidate: &Candidate<'_>,
        on_phase: &mut dyn FnMut(&str),
    ) -> Result<Judgment, EngineError> {
        let started = Instant::now();
        let checks = lathe_check::check(candidate.source, candidate.backend, self.settings.policy);
        if let Some(verdict) = checks.verdict(candidate.name) {
            return Ok(Judgment {
                evaluation: Evaluation {
                    verdict,
                    eval_seconds: started.elapsed().as_secs_f64(),
                    interpreter_ms: None,
                },
                checks,
                worker: None,
            });
        }
        let request = self.request(candidate, checks.kernels.clone());
        let (tx, phases) = mpsc::channel();
        let worker = &self.worker;
        // Prepared here, on the caller's thread: the judge it starts ahead for the next
        // evaluation dies with the thread that started it, and the thread below ends with this
        // evaluation.
        let prepared = driver::prepare(worker, request);
        let next = prepared.next_judge();
        let finished = std::thread::scope(|scope| {
            let evaluation =
                scope.spawn(move || driver::evaluate_prepared(worker, prepared, Some(tx)));
            for phase in phases {
                on_phase(&phase);
            }
            evaluation.join()
        })
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // A loop's next judge starts now, its imports overlapping the model's next call.
        driver::start_next(worker, &next);
        let finished = finished.map_err(EngineError::Worker)?;
        let mut account = WorkerAccount {
            stdout_tail: finished.stdout.tail,
            stderr_tail: finished.stderr.tail,
            wall_seconds: finished.wall.as_secs_f64(),
            ..WorkerAccount::default()
        };
        let verdict = match finished.outcome {
            EvalOutcome::Judged {
                verdict,
                notes,
                phases,
                fingerprint,
            } => {
                account.notes = notes;
                account.phases = phases;
                account.fingerprint = fingerprint;
                verdict
            }
            EvalOutcome::ProblemError { message } => return Err(EngineError::Problem { message }),
            EvalOutcome::EnvironmentError { message } => {
                return Err(EngineError::Environment { message });
            }
            // The candidate ran in that process and may be what broke it: a crash, never a
            // failure of the caller (judge.rs).
            EvalOutcome::WorkerError { message, detail } => Verdict::Crash(Crash {
                signal: None,
                signal_name: None,
                exit_code: None,
                cuda_error: None,
                memory_limit_bytes: None,
                phase: Some("worker".to_owned()),
                stderr_tail: match detail {
                    Some(detail) => format!("{message}\n{detail}"),
                    None => message,
                },
            }),
        };
        let interpreter_ms = match &verdict {
            Verdict::Correct(c) => c.interpreter_timing.as_ref().map(|t| t.candidate_ms.median),
            _ => None,
        };
        Ok(Judgment {
            evaluation: Evaluation {
                verdict,
                eval_seconds: started.elapsed().as_secs_f64(),
                interpreter_ms,
            },
            checks,
            worker: Some(account),
        })
    }
}
