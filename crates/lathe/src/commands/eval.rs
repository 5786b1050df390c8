//! `lathe eval`: judge one candidate. Static checks first (a rejected or unparsable source costs
//! no GPU time), then one worker process for correctness, integrity and timing.

use std::path::Path;

use lathe_core::{Backend, Verdict};
use lathe_worker::driver::{self, EvalOutcome};
use lathe_worker::protocol::{
    CandidateRef, EvalRequest, IntegrityConfig, Limits, PROTOCOL_VERSION, ProblemRef, RequestKind,
};

use crate::cli::EvalArgs;
use crate::error::CliError;
use crate::input::{FileRole, absolute_path, read_text};
use crate::output::emit;
use crate::settings::{Origin, Settings};
use crate::verdict_view::{EvalReport, render_json, render_text};

pub fn run(args: &EvalArgs, settings: &Settings) -> Result<bool, CliError> {
    read_text(&args.problem, FileRole::Problem)?;
    let source = read_text(&args.kernel, FileRole::Kernel)?;
    let backend = backend_of(settings, &source);
    let policy = settings.eval.policy.value;
    let report = lathe_check::check(&source, backend, policy);
    let mut eval = EvalReport {
        problem: args.problem.clone(),
        kernel: args.kernel.clone(),
        backend,
        device: settings.eval.device.value,
        overrides: args.overrides.iter().cloned().collect(),
        kernels: report.kernels.clone(),
        findings: report.findings.clone(),
        verdict: None,
        notes: Vec::new(),
        phases: Vec::new(),
        fingerprint: serde_json::Value::Null,
        stdout_tail: String::new(),
        stderr_tail: String::new(),
        wall_seconds: None,
    };
    let static_verdict = report.verdict(&display(&args.kernel));
    if let Some(verdict) = static_verdict {
        eval.verdict = Some(verdict);
    } else {
        let request = request(args, settings, backend, report.kernels)?;
        let finished =
            driver::evaluate(&settings.eval.worker_config(), request).map_err(CliError::Worker)?;
        eval.stdout_tail = finished.stdout.tail;
        eval.stderr_tail = finished.stderr.tail;
        eval.wall_seconds = Some(finished.wall.as_secs_f64());
        match finished.outcome {
            EvalOutcome::Judged {
                verdict,
                notes,
                phases,
                fingerprint,
            } => {
                eval.verdict = Some(verdict);
                eval.notes = notes;
                eval.phases = phases;
                eval.fingerprint = fingerprint;
            }
            EvalOutcome::ProblemError { message } => return Err(CliError::Problem { message }),
            EvalOutcome::EnvironmentError { message } => {
                return Err(CliError::Environment {
                    message,
                    hint: None,
                });
            }
            EvalOutcome::WorkerError { message, detail } => {
                return Err(CliError::WorkerDefect { message, detail });
            }
        }
    }
    let correct = eval.verdict.as_ref().is_some_and(Verdict::is_correct);
    let text = if args.json {
        render_json(&eval)
    } else {
        render_text(&eval)
    };
    emit(&text, None)?;
    Ok(correct)
}

fn request(
    args: &EvalArgs,
    settings: &Settings,
    backend: Backend,
    kernels: Vec<String>,
) -> Result<EvalRequest, CliError> {
    let e = &settings.eval;
    let mut timing = e.timing.clone();
    timing.enabled &= !args.no_timing;
    timing.compile_baseline &= !args.no_compile_baseline;
    Ok(EvalRequest {
        protocol: PROTOCOL_VERSION,
        kind: RequestKind::Eval,
        device: e.device.value,
        problem: ProblemRef {
            path: absolute_path(&args.problem)?,
            overrides: args.overrides.iter().cloned().collect(),
        },
        candidate: CandidateRef {
            path: absolute_path(&args.kernel)?,
            backend,
            kernels,
        },
        correctness: e.correctness(),
        timing,
        integrity: IntegrityConfig {
            policy: e.policy.value,
        },
        limits: Limits {
            file_size_bytes: Some(e.file_size_limit_mb.value * 1_000_000),
        },
        progress_path: None,
        runner: Default::default(),
    })
}

/// The backend setting, except that a kernel built with `load_inline` is CUDA unless someone
/// said otherwise.
pub fn backend_of(settings: &Settings, source: &str) -> Backend {
    match settings.backend.origin {
        Origin::Default if source.contains("load_inline") => Backend::Cuda,
        _ => settings.backend.value,
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
