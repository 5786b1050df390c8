//! Reading what a worker left: its result file (with the nonce), or the way it died.

use super::*;

pub(super) fn read_result(
    path: &Path,
    stderr: &Capture,
) -> Result<Option<WorkerResult>, DriverError> {
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
pub(super) fn forged(result: &WorkerResult) -> EvalOutcome {
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
pub(super) fn judge_died(
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

pub(super) fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

pub(super) fn judged(result: WorkerResult, stderr: &Capture) -> Result<EvalOutcome, DriverError> {
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
pub(super) fn check_interpreter(
    python: &Path,
    end: &ProcessEnd,
    stderr: &Capture,
) -> Result<(), DriverError> {
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
pub(super) fn died(end: &ProcessEnd, stderr: &Capture, phase: Option<String>) -> EvalOutcome {
    EvalOutcome::Judged {
        verdict: death_verdict(end, stderr, phase),
        notes: Vec::new(),
        phases: Vec::new(),
        fingerprint: serde_json::Value::Null,
    }
}

/// The verdict of a worker that died without writing its result.
pub(super) fn death_verdict(end: &ProcessEnd, stderr: &Capture, phase: Option<String>) -> Verdict {
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
pub(super) fn watch_phases(progress: &Path, running: &AtomicBool, phases: Sender<String>) {
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
pub(super) const PHASE_POLL: Duration = Duration::from_millis(100);

pub(super) fn last_phase(progress: &Path) -> Option<String> {
    let text = std::fs::read_to_string(progress).ok()?;
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let value: serde_json::Value = serde_json::from_str(line).ok()?;
    value.get("phase")?.as_str().map(str::to_owned)
}
