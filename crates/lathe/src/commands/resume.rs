//! `lathe resume`: the loop again over a run that was killed or stopped, taking every committed
//! step from the store, so no model call is made twice.

use lathe_engine::Plan;

use super::run_parts::{apply_budgets, carry_out, parse_spec, parts};
use crate::cli::ResumeArgs;
use crate::error::{CliError, ExitStatus};
use crate::run_lookup::{open_required, resolve};
use crate::settings::Settings;

pub fn run(args: &ResumeArgs, settings: &Settings) -> Result<ExitStatus, CliError> {
    let store = open_required(&settings.runs_database())?;
    let id = resolve(&store, &args.run)?;
    let record = store.run(&id)?;
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
    carry_out(&store, &id, &plan, &parts, &args.progress)
}
