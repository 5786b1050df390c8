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
    let sourced = settings
        .llm
        .spec
        .as_ref()
        .ok_or(CliError::NoLlmToOptimize)?;
    let spec = parse_spec(&sourced.value, sourced.whence().to_string())?;
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
        out_dir,
    };
    apply_budgets(&mut plan, &args.budgets);
    let parts = parts(settings, &spec, &plan)?;
    let store = Store::open(settings.runs_database())?;
    lathe_engine::create_run(&store, &id, &plan, &spec.to_string()).map_err(CliError::Engine)?;
    carry_out(&store, &id, &plan, &parts, &args.progress)
}
