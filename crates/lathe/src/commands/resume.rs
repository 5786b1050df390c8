//! `lathe resume`: the loop again over a run that was killed or stopped, taking every committed
//! step from the store, so no model call is made twice.

use lathe_engine::Plan;

use super::run_parts::{apply_budgets, carry_out, parse_spec, parts};
use super::suite_plan::SuiteSettings;
use crate::cli::ResumeArgs;
use crate::error::{CliError, ExitStatus};
use crate::run_lookup::{open_required, resolve};
use crate::settings::Settings;

pub fn run(args: &ResumeArgs, settings: &Settings) -> Result<ExitStatus, CliError> {
    let store = open_required(&settings.runs_database())?;
    let id = resolve(&store, &args.run)?;
    let record = store.run(&id)?;
    if let Some(suite) = SuiteSettings::of(&record.settings) {
        let suite = suite.map_err(|e| CliError::BadPlan {
            run: id.to_string(),
            message: e.to_string(),
        })?;
        let text = args.llm.as_deref().unwrap_or(&record.llm_spec);
        let whence = match &args.llm {
            Some(_) => "--llm".to_owned(),
            None => format!("run {id}'s record"),
        };
        let spec = parse_spec(text, whence)?;
        let mut suite = suite.suite;
        for task in &mut suite.tasks {
            apply_budgets(&mut task.plan, &args.budgets);
        }
        return super::suite_run::carry_out(&store, &id, &suite, settings, &spec, &args.progress);
    }
    let mut plan = Plan::from_json(&record.settings).map_err(|e| CliError::BadPlan {
        run: id.to_string(),
        message: e.to_string(),
    })?;
    apply_budgets(&mut plan, &args.budgets);
    let spec = match &args.llm {
        Some(text) => Some(parse_spec(text, "--llm".to_owned())?),
        // A run without a model was recorded with the tuner's name, not a spec.
        None if record.llm_spec.starts_with("none") => None,
        None => Some(parse_spec(&record.llm_spec, format!("run {id}'s record"))?),
    };
    let parts = parts(settings, spec.as_ref(), &plan)?;
    carry_out(&store, &id, &plan, &parts, None, &args.progress)
}
