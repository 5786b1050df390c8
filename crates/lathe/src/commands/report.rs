//! `lathe report RUN`: rebuilds a run's outputs from the run database: `report.md`, with
//! `--html` the self-contained `report.html`, and `best.py` when the run has a best.

use std::path::PathBuf;

use lathe_report::RunData;

use super::suite_plan::SuiteSettings;
use super::suite_rows::write_report;
use crate::cli::ReportArgs;
use crate::error::CliError;
use crate::output::emit;
use crate::run_lookup::{open_required, resolve};
use crate::settings::Settings;

pub fn run(args: &ReportArgs, settings: &Settings) -> Result<(), CliError> {
    let store = open_required(&settings.runs_database())?;
    let id = resolve(&store, &args.run)?;
    let record = store.run(&id)?;
    if let Some(suite) = SuiteSettings::of(&record.settings) {
        return suite_report(&store, &id, suite, args);
    }
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

/// A suite run's tables, rebuilt into its folder (or `--out`); each problem's own report is
/// `lathe report`'s of its task, in the problem's folder.
fn suite_report(
    store: &lathe_store::Store,
    id: &lathe_store::RunId,
    suite: Result<SuiteSettings, serde_json::Error>,
    args: &ReportArgs,
) -> Result<(), CliError> {
    let mut suite = suite
        .map_err(|e| CliError::BadPlan {
            run: id.to_string(),
            message: e.to_string(),
        })?
        .suite;
    if let Some(out) = &args.out {
        suite.out_dir.clone_from(out);
    }
    let mut written = String::new();
    for task in &suite.tasks {
        let data = RunData::load_task(store, id, &task.id)?;
        let dir = &task.plan.out_dir;
        emit(
            &lathe_report::report_md(&data),
            Some(&dir.join("report.md")),
        )?;
        emit(
            &lathe_report::report_html(&data),
            Some(&dir.join("report.html")),
        )?;
        written.push_str(&format!("{}\n", dir.join("report.md").display()));
    }
    write_report(store, id, &suite)?;
    for name in ["suite.md", "suite.html", "suite.json"] {
        written.push_str(&format!("{}\n", suite.out_dir.join(name).display()));
    }
    emit(&written, None)
}
