//! What `optimize` and `resume` share: the loop's working parts from the current settings, the
//! model spec, and running the loop with its progress shown.

use std::path::PathBuf;

use lathe_core::{Backend, Category};
use lathe_engine::{Budgets, Ground, JudgeSettings, Parts, Plan, RunEnd, TlSource};
use lathe_llm::LlmSpec;
use lathe_store::{RunId, RunStatus, Store};
use lathe_worker::protocol::{Device, Limits};

use super::run_progress::RunProgress;
use crate::cli::{BudgetArgs, LoopArgs, ProgressArgs};
use crate::error::{CliError, ExitStatus};
use crate::settings::{Origin, Settings};

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
        worker: loop_worker(settings),
        devices: None,
        judge: judge_settings(settings, plan.device),
        judging: None,
        profile,
        gpu,
        catalog: settings.gpu_catalog.clone(),
        style: settings.style.value,
        error_log_lines: settings.error_log_lines.value,
    })
}

/// The worker settings of a loop (optimize, resume, suite run, tune): it judges one candidate
/// after another on each thread, so each evaluation, once ended, starts the next one's judge
/// (lathe_worker::warm_judge): its imports overlap the model's call, not a verdict's timing.
pub fn loop_worker(settings: &Settings) -> lathe_worker::driver::WorkerConfig {
    let mut worker = settings.eval.worker_config();
    worker.prestart = lathe_worker::driver::Prestart::AfterJudging;
    worker
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

/// What a plan is made for: one problem, as `optimize` or a suite's task names it.
pub struct PlanTarget {
    pub problem: PathBuf,
    pub kernel: Option<PathBuf>,
    pub category: Category,
    pub backend: Backend,
    pub stages: Vec<String>,
    pub out_dir: PathBuf,
}

/// The loop's plan for `target`: the loop flags and the budgets over the settings' device,
/// target GPU (only one named, not the default) and Triton release.
pub fn new_plan(
    settings: &Settings,
    loop_args: &LoopArgs,
    budgets: &BudgetArgs,
    target: PlanTarget,
) -> Plan {
    let device = settings.eval.device.value;
    let mut plan = Plan {
        problem: target.problem,
        kernel: target.kernel,
        category: target.category,
        backend: target.backend,
        device,
        gpu: settings
            .gpu
            .as_ref()
            .filter(|g| g.origin != Origin::Default)
            .map(|g| g.value.clone()),
        stages: target.stages,
        samples: loop_args.samples,
        repair_rounds: loop_args.repair_rounds,
        start_repair_rounds: loop_args.start_repair_rounds,
        margin_pct: loop_args.margin,
        budgets: Budgets::default(),
        tl: match &settings.triton_version {
            Some(v) => TlSource::Release(v.value.clone()),
            None => TlSource::Probe,
        },
        profile: device == Device::Cuda,
        tune_after_stages: !loop_args.no_tune,
        tune_budget: loop_args.tune_budget,
        out_dir: target.out_dir,
    };
    apply_budgets(&mut plan, budgets);
    plan
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

/// Runs the loop, on `ground` when the machine was probed already, showing its progress, and
/// says how the command exits: 0 when the run has a correct kernel (finished, or stopped by a
/// budget), 4 when it found none.
pub fn carry_out(
    store: &Store,
    id: &RunId,
    plan: &Plan,
    parts: &Parts,
    ground: Option<Ground>,
    progress: &ProgressArgs,
) -> Result<ExitStatus, CliError> {
    let mut view = RunProgress::new(progress);
    let end = lathe_engine::run(store, id, plan, parts, ground, &mut |event| {
        view.show(event)
    })
    .map_err(CliError::Engine);
    // The judge the last evaluation started ahead has nothing left to judge.
    lathe_worker::warm_judge::release();
    let end: RunEnd = end?;
    Ok(match (&end.status, &end.best) {
        (RunStatus::Finished | RunStatus::Stopped { .. }, Some(_)) => ExitStatus::Success,
        _ => ExitStatus::NotCorrect,
    })
}
