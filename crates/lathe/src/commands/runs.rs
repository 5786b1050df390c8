//! `lathe runs`: every recorded run, newest first, with how it ended and its best kernel.

use lathe_report::numbers;
use lathe_store::{BestAttempt, RunSummary};
use serde_json::{Value, json};

use crate::cli::RunsArgs;
use crate::error::CliError;
use crate::output::emit;
use crate::run_lookup::open_existing;
use crate::settings::Settings;

pub fn run(args: &RunsArgs, settings: &Settings) -> Result<(), CliError> {
    let database = settings.runs_database();
    let runs = match open_existing(&database)? {
        Some(store) => store.runs()?,
        None => Vec::new(),
    };
    if args.json {
        let rows: Vec<Value> = runs.iter().map(to_json).collect();
        let mut text = serde_json::to_string_pretty(&rows).unwrap_or_else(|e| unreachable!("{e}"));
        text.push('\n');
        return emit(&text, None);
    }
    if runs.is_empty() {
        return emit(&format!("no runs yet in {}\n", database.display()), None);
    }
    let header = [
        "ID",
        "STARTED (UTC)",
        "PROBLEM",
        "STATUS",
        "ATTEMPTS",
        "CORRECT",
        "BEST",
    ];
    let rows: Vec<[String; 7]> = runs
        .iter()
        .map(|s| {
            [
                s.run.id.to_string(),
                started(s),
                problem(s),
                status_cell(&s.run.status.to_string()),
                s.attempts.to_string(),
                s.correct.to_string(),
                if is_suite(s) {
                    // Each problem has its own best: `lathe report RUN` writes the tables.
                    "see suite.md".to_owned()
                } else {
                    best(s.best.as_ref())
                },
            ]
        })
        .collect();
    emit(&crate::table::render(&header, &rows), None)
}

fn is_suite(summary: &RunSummary) -> bool {
    super::suite_plan::SuiteSettings::of(&summary.run.settings).is_some()
}

/// The problem's path; for a suite, its folder and how many problems it has.
fn problem(summary: &RunSummary) -> String {
    let path = summary.run.problem_path.display();
    if is_suite(summary) {
        format!("suite: {path} ({} problems)", summary.run.tasks.len())
    } else {
        path.to_string()
    }
}

/// `2026-11-21 16:07:33`: the stored timestamp to the second.
fn started(summary: &RunSummary) -> String {
    let text = summary.run.created_at.to_string();
    text.get(..19).unwrap_or(&text).replacen('T', " ", 1)
}

/// The speedup over eager PyTorch on a GPU; else the CPU interpreter's time, labelled, since it
/// is not GPU performance; else `-`.
fn best(best: Option<&BestAttempt>) -> String {
    let Some(best) = best else {
        return "-".to_owned();
    };
    match (
        best.speedup_vs_eager,
        best.candidate_ms,
        best.interpreter_ms,
    ) {
        (Some(speedup), _, _) => numbers::speedup(speedup),
        (None, Some(ms), _) => format!("{} ms", numbers::ms(ms)),
        (None, None, Some(ms)) => format!("{} ms (CPU interpreter)", numbers::ms(ms)),
        (None, None, None) => format!("#{} (untimed)", best.seq),
    }
}

/// The status in a table cell: its first line, cut to [`STATUS_CHARS`]. A failure's message may
/// run over several lines and hundreds of characters; `lathe runs --json` and `lathe report`
/// give it whole.
fn status_cell(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= STATUS_CHARS {
        return line.to_owned();
    }
    let cut: String = line.chars().take(STATUS_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}

/// The STATUS column's width at most: a table row fits a wide terminal.
const STATUS_CHARS: usize = 60;

fn to_json(s: &RunSummary) -> Value {
    let run = &s.run;
    json!({
        "id": run.id.as_str(),
        "created_at": run.created_at.to_string(),
        "finished_at": run.finished_at.map(|t| t.to_string()),
        "last_activity": s.last_activity.to_string(),
        "problem": run.problem_path.display().to_string(),
        "category": run.category.as_str(),
        "backend": run.backend.as_str(),
        "gpu": run.gpu,
        "llm": run.llm_spec,
        "status": run.status.name(),
        "status_detail": run.status.detail(),
        "out_dir": run.out_dir.display().to_string(),
        "attempts": s.attempts,
        "correct": s.correct,
        "best": s.best.as_ref().map(|b| json!({
            "seq": b.seq,
            "candidate_ms": b.candidate_ms,
            "speedup_vs_eager": b.speedup_vs_eager,
            "interpreter_ms": b.interpreter_ms,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::{STATUS_CHARS, status_cell};

    #[test]
    fn a_long_status_is_cut_to_one_short_line() {
        assert_eq!(status_cell("finished"), "finished");
        assert_eq!(status_cell("failed: two\nlines"), "failed: two");
        let long = format!("failed: {}", "x".repeat(400));
        let cell = status_cell(&long);
        assert_eq!(cell.chars().count(), STATUS_CHARS);
        assert!(
            cell.starts_with("failed: xxx") && cell.ends_with('…'),
            "{cell}"
        );
    }
}
