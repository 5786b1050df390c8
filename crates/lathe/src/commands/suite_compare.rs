//! `lathe suite compare RUN RUN`: two suite runs (two models, two lathe versions, two GPUs)
//! side by side, problem by problem, then their figures: which problems one solved and the
//! other did not, and how their best kernels' times compare.

use lathe_report::{SuiteReport, TaskRow};
use lathe_store::{RunId, Store};

use super::suite_plan::SuiteSettings;
use super::suite_rows::report_of;
use crate::cli::SuiteCompareArgs;
use crate::error::CliError;
use crate::output::emit;
use crate::run_lookup::{open_required, resolve};
use crate::settings::Settings;
use crate::table;

pub fn run(args: &SuiteCompareArgs, settings: &Settings) -> Result<(), CliError> {
    let store = open_required(&settings.runs_database())?;
    let a = resolve(&store, &args.a)?;
    let b = resolve(&store, &args.b)?;
    let (first, second) = (suite_report(&store, &a)?, suite_report(&store, &b)?);
    let rows = side_by_side(&first, &second);
    let text = if args.json {
        let json = serde_json::json!({
            "runs": [a.as_str(), b.as_str()],
            "tasks": rows.iter().map(|r| serde_json::json!({
                "problem": r[0],
                "outcomes": [r[1], r[2]],
                "ms": [r[3], r[4]],
                "speedup_vs_eager": [r[5], r[6]],
            })).collect::<Vec<_>>(),
            "figures": [&first.figures, &second.figures],
        });
        serde_json::to_string_pretty(&json).unwrap_or_else(|e| unreachable!("{e}")) + "\n"
    } else {
        let mut text = format!("A = {a}\nB = {b}\n\n");
        text += &table::render(&HEADER, &rows);
        text += "\nA\n";
        text += &table::render(&lathe_report::FIGURE_HEADER, &first.figure_rows());
        text += "\nB\n";
        text += &table::render(&lathe_report::FIGURE_HEADER, &second.figure_rows());
        text += first.device_note();
        text
    };
    emit(&text, None)
}

const HEADER: [&str; 7] = [
    "problem",
    "A",
    "B",
    "A ms",
    "B ms",
    "A vs eager",
    "B vs eager",
];

/// The report of a suite run; bad input for a run of one problem.
fn suite_report(store: &Store, id: &RunId) -> Result<SuiteReport, CliError> {
    let record = store.run(id)?;
    let suite = SuiteSettings::of(&record.settings)
        .ok_or_else(|| CliError::BadPlan {
            run: id.to_string(),
            message: "it is a run of one problem, not a suite (`lathe runs` lists both)".to_owned(),
        })?
        .map_err(|e| CliError::BadPlan {
            run: id.to_string(),
            message: e.to_string(),
        })?;
    report_of(store, id, &suite.suite)
}

/// One row per problem of either run, in A's order and then B's own.
fn side_by_side(a: &SuiteReport, b: &SuiteReport) -> Vec<[String; 7]> {
    let mut problems: Vec<&str> = a.tasks.iter().map(|t| t.problem.as_str()).collect();
    for t in &b.tasks {
        if !problems.contains(&t.problem.as_str()) {
            problems.push(&t.problem);
        }
    }
    let find = |report: &'_ SuiteReport, problem: &str| -> Option<TaskRow> {
        report.tasks.iter().find(|t| t.problem == problem).cloned()
    };
    let ms = |t: &Option<TaskRow>| {
        t.as_ref()
            .and_then(|t| t.candidate_ms)
            .map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
    };
    let speedup = |t: &Option<TaskRow>| {
        t.as_ref()
            .and_then(|t| t.speedup_vs_eager)
            .map_or_else(|| "-".to_owned(), |v| format!("{v:.2}x"))
    };
    let outcome = |t: &Option<TaskRow>| {
        t.as_ref()
            .map_or_else(|| "not in run".to_owned(), |t| t.outcome.clone())
    };
    problems
        .into_iter()
        .map(|problem| {
            let (x, y) = (find(a, problem), find(b, problem));
            [
                problem.to_owned(),
                outcome(&x),
                outcome(&y),
                ms(&x),
                ms(&y),
                speedup(&x),
                speedup(&y),
            ]
        })
        .collect()
}
