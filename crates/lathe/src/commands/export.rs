//! `lathe export RUN --jsonl FILE`: a run's attempts as JSON lines, one object per model call.

use lathe_report::RunData;

use crate::cli::ExportArgs;
use crate::error::CliError;
use crate::output::emit;
use crate::run_lookup::{open_required, resolve};
use crate::settings::Settings;

pub fn run(args: &ExportArgs, settings: &Settings) -> Result<(), CliError> {
    let store = open_required(&settings.runs_database())?;
    let id = resolve(&store, &args.run)?;
    let data = RunData::load(&store, &id)?;
    let text = lathe_report::export_jsonl(&data);
    // Written whole or not at all (a temporary file renamed into place).
    emit(&text, Some(&args.jsonl))?;
    let lines = text.lines().count();
    let noun = if lines == 1 { "line" } else { "lines" };
    emit(
        &format!(
            "{lines} {noun} ({id}) written to {}\n",
            args.jsonl.display()
        ),
        None,
    )
}
