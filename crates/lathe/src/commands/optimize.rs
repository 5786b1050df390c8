//! `lathe optimize`: a new run of the loop over one problem.

use lathe_engine::Ground;
use lathe_store::{RunId, Store, Timestamp};

use super::run_parts::{PlanTarget, carry_out, new_plan, parse_spec, parts};
use super::stage_choice::{category, stage_list};
use crate::cli::OptimizeRunArgs;
use crate::error::{CliError, ExitStatus};
use crate::input::{FileRole, absolute_path, read_text};
use crate::settings::Settings;

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
    let id = RunId::new(Timestamp::now());
    let out_dir = match &args.out {
        Some(dir) => absolute_path(dir)?,
        None => absolute_path(&settings.runs_dir.value.join(id.as_str()))?,
    };
    let target = PlanTarget {
        problem: absolute_path(&args.problem)?,
        kernel: args.kernel.as_deref().map(absolute_path).transpose()?,
        category,
        backend,
        stages,
        out_dir,
    };
    let plan = new_plan(settings, &args.loop_args, &args.budgets, target);
    let parts = parts(settings, spec.as_ref(), &plan)?;
    // A run that cannot start (no usable Python, no target GPU) is not recorded as a run.
    let ground = Ground::probe(&parts).map_err(CliError::Engine)?;
    let store = Store::open(settings.runs_database())?;
    lathe_engine::create_run(&store, &id, &plan, &parts.model_name(), &ground)
        .map_err(CliError::Engine)?;
    carry_out(&store, &id, &plan, &parts, Some(ground), &args.progress)
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
