//! `lathe report RUN`: rebuilds a run's outputs from the run database: `report.md`, with
//! `--html` the self-contained `report.html`, and `best.py` when the run has a best.

use std::path::PathBuf;

use lathe_report::RunData;

use crate::cli::ReportArgs;
use crate::error::CliError;
use crate::output::emit;
use crate::run_lookup::{open_required, resolve};
use crate::settings::Settings;

pub fn run(args: &ReportArgs, settings: &Settings) -> Result<(), CliError> {
    let store = open_required(&settings.runs_database())?;
    let id = resolve(&store, &args.run)?;
    let data = RunData::load(&store, &id)?;
    let dir = args.out.clone().unwrap_or_else(|| data.run.out_dir.clone());
    let mut files: Vec<(PathBuf, String)> =
        vec![(dir.join("report.md"), lathe_report::report_md(&data))];
    if args.html {
        files.push((dir.join("report.html"), lathe_report::report_html(&data)));
    }
    if let Some(best) = lathe_report::best_py(&data) {
        files.push((dir.join("best.py"), best));
    }
    let mut written = String::new();
    for (path, text) in &files {
        // Each file through a temporary and a rename: a reader never sees half a report.
        emit(text, Some(path))?;
        written.push_str(&format!("{}\n", path.display()));
    }
    emit(&written, None)
}
