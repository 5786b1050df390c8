//! What `optimize` and `resume` share: the loop's working parts from the current settings, the
//! model spec, and running the loop with its progress shown.

use lathe_engine::{JudgeSettings, Parts, Plan, RunEnd};
use lathe_llm::LlmSpec;
use lathe_store::{RunId, RunStatus, Store};
use lathe_worker::protocol::{Device, Limits};

use super::run_progress::RunProgress;
use crate::cli::{BudgetArgs, ProgressArgs};
use crate::error::{CliError, ExitStatus};
use crate::settings::Settings;

pub fn parse_spec(text: &str, whence: String) -> Result<LlmSpec, CliError> {
    text.parse()
        .map_err(|error: lathe_llm::UnknownProvider| CliError::BadLlmSpec {
            message: error.message,
            whence,
        })
}

pub fn parts(settings: &Settings, spec: Option<&LlmSpec>, plan: &Plan) -> Result<Parts, CliError> {
    let env = |name: &str| std::env::var(name).ok();
    let config = settings.llm.config(&env);
    let provider = spec
        .map(|spec| lathe_llm::provider_for(spec, &config))
        .transpose()
        .map_err(CliError::Llm)?;
    let gpu = match &plan.gpu {
        Some(name) => Some(
            settings
                .gpu_catalog
                .lookup(name)
                .map_err(|error| CliError::UnknownGpu {
                    error,
                    whence: "the run's --gpu".to_owned(),
                })?
                .clone(),
        ),
        None => None,
    };
    let e = &settings.eval;
    let mut profile = settings.profile.config(e);
    profile.device = plan.device;
    Ok(Parts {
        provider,
        request: settings.llm.request(String::new(), None),
        parallel_calls: config.max_concurrency > 1,
        worker: e.worker_config(),
        devices: None,
        judge: judge_settings(settings, plan.device),
        profile,
        gpu,
        catalog: settings.gpu_catalog.clone(),
        style: settings.style.value,
        error_log_lines: settings.error_log_lines.value,
    })
}

/// How candidates are judged on `device`, from the settings.
pub fn judge_settings(settings: &Settings, device: Device) -> JudgeSettings {
    let e = &settings.eval;
    let mut timing = e.timing.clone();
    // On the CPU the interpreter's wall time is the only order there is (engine.md).
    timing.interpreter |= device == Device::Interpret;
    JudgeSettings {
        device,
        overrides: Default::default(),
        correctness: e.correctness(),
        timing,
        policy: e.policy.value,
        limits: Limits {
            file_size_bytes: Some(e.file_size_limit_mb.value * 1_000_000),
        },
    }
}

/// Budget flags over the plan's.
pub fn apply_budgets(plan: &mut Plan, flags: &BudgetArgs) {
    let b = &mut plan.budgets;
    b.max_calls = flags.max_calls.or(b.max_calls);
    b.max_tokens = flags.max_tokens.or(b.max_tokens);
    b.max_cost_usd = flags.max_cost.or(b.max_cost_usd);
    b.time_limit_seconds = flags
        .time_limit
        .map(|d| d.as_secs_f64())
        .or(b.time_limit_seconds);
}

/// Runs the loop, showing its progress, and says how the command exits: 0 when the run has a
/// correct kernel (finished, or stopped by a budget), 4 when it found none.
pub fn carry_out(
    store: &Store,
    id: &RunId,
    plan: &Plan,
    parts: &Parts,
    progress: &ProgressArgs,
) -> Result<ExitStatus, CliError> {
    let mut view = RunProgress::new(progress);
    let end: RunEnd = lathe_engine::run(store, id, plan, parts, &mut |event| view.show(event))
        .map_err(CliError::Engine)?;
    Ok(match (&end.status, &end.best) {
        (RunStatus::Finished | RunStatus::Stopped { .. }, Some(_)) => ExitStatus::Success,
        _ => ExitStatus::NotCorrect,
    })
}
