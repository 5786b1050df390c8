//! `lathe optimize`: a new run of the loop over one problem.

use lathe_engine::{Budgets, Plan, TlSource};
use lathe_store::{RunId, Store, Timestamp};
use lathe_worker::protocol::Device;

use super::run_parts::{apply_budgets, carry_out, parse_spec, parts};
use super::stage_choice::{category, stage_list};
use crate::cli::OptimizeRunArgs;
use crate::error::{CliError, ExitStatus};
use crate::input::{FileRole, absolute_path, read_text};
use crate::settings::{Origin, Settings};

pub fn run(args: &OptimizeRunArgs, settings: &Settings) -> Result<ExitStatus, CliError> {
    let spec = match settings.llm.spec.as_ref() {
        Some(sourced) => Some(parse_spec(&sourced.value, sourced.whence().to_string())?),
        // No model: the tuner alone, on a kernel the user gives.
        None if args.kernel.is_some() => {
            tuner_only_note();
            None
        }
        None => return Err(CliError::NoLlmToOptimize),
    };
    read_text(&args.problem, FileRole::Problem)?;
    let kernel_source = args
        .kernel
        .as_deref()
        .map(|k| read_text(k, FileRole::Kernel))
        .transpose()?;
    let category = category(settings, Some(&args.problem))?;
    let stages = stage_list(category, args.stages.as_deref())?
        .into_iter()
        .map(|s| s.id.clone())
        .collect();
    let backend = match &kernel_source {
        Some(source) => super::eval::backend_of(settings, source),
        None => settings.backend.value,
    };
    let device = settings.eval.device.value;
    let gpu = settings
        .gpu
        .as_ref()
        .filter(|g| g.origin != Origin::Default)
        .map(|g| g.value.clone());
    let id = RunId::new(Timestamp::now());
    let out_dir = match &args.out {
        Some(dir) => absolute_path(dir)?,
        None => absolute_path(&settings.runs_dir.value.join(id.as_str()))?,
    };
    let mut plan = Plan {
        problem: absolute_path(&args.problem)?,
        kernel: args.kernel.as_deref().map(absolute_path).transpose()?,
        category,
        backend,
        device,
        gpu,
        stages,
        samples: args.samples,
        repair_rounds: args.repair_rounds,
        start_repair_rounds: args.start_repair_rounds,
        margin_pct: args.margin,
        budgets: Budgets::default(),
        tl: match &settings.triton_version {
            Some(v) => TlSource::Release(v.value.clone()),
            None => TlSource::Probe,
        },
        profile: device == Device::Cuda,
        tune_after_stages: !args.no_tune,
        tune_budget: args.tune_budget,
        out_dir,
    };
    apply_budgets(&mut plan, &args.budgets);
    let parts = parts(settings, spec.as_ref(), &plan)?;
    let store = Store::open(settings.runs_database())?;
    lathe_engine::create_run(&store, &id, &plan, &parts.model_name()).map_err(CliError::Engine)?;
    carry_out(&store, &id, &plan, &parts, &args.progress)
}

/// What a run without a model does, and how to give it one: on standard error, before it starts.
fn tuner_only_note() {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "no model configured: tuning the kernel's launch constants only (lathe tune's search, stage by stage)\n\
         to let a model rewrite the kernel too: --llm openai:MODEL (OPENAI_API_KEY) or anthropic:MODEL (ANTHROPIC_API_KEY), or LATHE_LLM"
    );
}
