//! `lathe eval`: judge one candidate through the judging service every command shares
//! (`lathe_engine::WorkerJudge`: static checks, then one worker process), and render its
//! verdict. A worker that breaks while judging is the candidate's `crash`, as in the loop.

use lathe_core::Backend;
use lathe_engine::{Candidate, EngineError, Judge, JudgeSettings, WorkerJudge};

use super::run_parts::judge_settings;
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
    let judge = WorkerJudge::new(settings.eval.worker_config(), eval_settings(args, settings));
    let problem = absolute_path(&args.problem)?;
    let kernel = absolute_path(&args.kernel)?;
    // Messages name the kernel as the user did.
    let name = args.kernel.display().to_string();
    let candidate = Candidate {
        problem: &problem,
        backend,
        source: &source,
        path: &kernel,
        name: &name,
    };
    let judgment = judge
        .judge(&candidate, &mut |_| {})
        .map_err(|error| match error {
            EngineError::Problem { message } => CliError::Problem { message },
            EngineError::Environment { message } => CliError::Environment {
                message,
                hint: None,
            },
            EngineError::Worker(error) => CliError::Worker(error),
            other => CliError::Engine(other),
        })?;
    let wall_seconds = judgment.worker.as_ref().map(|w| w.wall_seconds);
    let worker = judgment.worker.unwrap_or_default();
    let eval = EvalReport {
        problem: args.problem.clone(),
        kernel: args.kernel.clone(),
        backend,
        device: settings.eval.device.value,
        overrides: args.overrides.iter().cloned().collect(),
        kernels: judgment.checks.kernels,
        findings: judgment.checks.findings,
        verdict: Some(judgment.evaluation.verdict),
        notes: worker.notes,
        phases: worker.phases,
        fingerprint: worker.fingerprint,
        stdout_tail: worker.stdout_tail,
        stderr_tail: worker.stderr_tail,
        wall_seconds,
    };
    let correct = eval.verdict.as_ref().is_some_and(|v| v.is_correct());
    let text = if args.json {
        render_json(&eval)
    } else {
        render_text(&eval)
    };
    emit(&text, None)?;
    Ok(correct)
}

/// The loop's judging settings (`run_parts::judge_settings`), with this command's flags.
fn eval_settings(args: &EvalArgs, settings: &Settings) -> JudgeSettings {
    let mut judge = judge_settings(settings, settings.eval.device.value);
    // One verdict needs no order of kernels: the interpreter's time only when asked
    // (--interpreter-timing), where the loop always takes it on the CPU.
    judge.timing = settings.eval.timing.clone();
    judge.timing.enabled &= !args.no_timing;
    judge.timing.compile_baseline &= !args.no_compile_baseline;
    judge.overrides = args.overrides.iter().cloned().collect();
    judge
}

/// The backend setting, except that a kernel built with `load_inline` is CUDA unless someone
/// said otherwise.
pub fn backend_of(settings: &Settings, source: &str) -> Backend {
    match settings.backend.origin {
        Origin::Default if source.contains("load_inline") => Backend::Cuda,
        _ => settings.backend.value,
    }
}
