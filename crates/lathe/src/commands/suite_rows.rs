//! A suite run's tables, read back from its store: each task's best kernel (its verdict, its
//! GPU timing against the baselines), what the loop spent on it, and its own run report.

use lathe_engine::Spent;
use lathe_report::{SuiteReport, TaskRow, TaskSpend, suite_html, suite_md};
use lathe_store::{AttemptRecord, RunId, RunStatus, Store};

use super::suite_plan::SuitePlan;
use crate::error::CliError;
use crate::output::emit;

/// Writes `suite.json`, `suite.md` and `suite.html` into the suite's folder, and returns the
/// report they were made from.
pub fn write_report(store: &Store, id: &RunId, suite: &SuitePlan) -> Result<SuiteReport, CliError> {
    let report = report_of(store, id, suite)?;
    let json = serde_json::to_string_pretty(&report).unwrap_or_else(|e| unreachable!("{e}")) + "\n";
    emit(&json, Some(&suite.out_dir.join("suite.json")))?;
    emit(&suite_md(&report), Some(&suite.out_dir.join("suite.md")))?;
    emit(
        &suite_html(&report),
        Some(&suite.out_dir.join("suite.html")),
    )?;
    Ok(report)
}

/// The suite run's report, as its store holds it now.
pub fn report_of(store: &Store, id: &RunId, suite: &SuitePlan) -> Result<SuiteReport, CliError> {
    let ends = store.task_ends(id)?;
    let mut rows = Vec::new();
    for task in &suite.tasks {
        let attempts = store.task_attempts(id, &task.id)?;
        let start = store.start_evaluation(id, &task.id)?;
        let status = ends
            .iter()
            .find(|e| e.task_id == task.id)
            .and_then(|e| e.status.clone());
        let mut row = row_of(&task.id, task.level, &attempts, start.as_ref(), status);
        let report = task.plan.out_dir.join("report.html");
        if let Some(spend) = row.spend.as_mut() {
            spend.report = report
                .strip_prefix(&suite.out_dir)
                .ok()
                .filter(|_| report.is_file())
                .map(|p| p.display().to_string());
        }
        if row.outcome == "correct" {
            row.kernel = Some(task.plan.out_dir.join("best.py").display().to_string());
        }
        rows.push(row);
    }
    Ok(SuiteReport::new(
        suite.device.as_str(),
        true,
        suite
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        format!("the kernels of suite run {id}"),
        rows,
    ))
}

/// One task's line: the last kept attempt is its best (else a correct starting kernel, else
/// what its last judged attempt was).
fn row_of(
    task: &str,
    level: Option<u32>,
    attempts: &[AttemptRecord],
    start: Option<&lathe_store::Evaluation>,
    status: Option<RunStatus>,
) -> TaskRow {
    let best = attempts
        .iter()
        .rev()
        .find(|a| a.kept)
        .and_then(|a| a.evaluation.as_ref())
        .or(start.filter(|e| e.verdict.is_correct()));
    let last = attempts.iter().rev().find_map(|a| a.evaluation.as_ref());
    let status_text = status.as_ref().map_or_else(
        || "not started".to_owned(),
        |s| match s.detail() {
            Some(d) => format!("{} ({d})", s.name()),
            None => s.name().to_owned(),
        },
    );
    let mut row = match best.or(last).or(start) {
        Some(evaluation) => {
            let mut row = TaskRow::unjudged(
                task.to_owned(),
                level,
                evaluation.verdict.kind().as_str(),
                format!("{}; {status_text}", evaluation.verdict.summary()),
            );
            row.set_timing(&evaluation.verdict);
            row
        }
        None => TaskRow::unjudged(
            task.to_owned(),
            level,
            "no_kernel",
            format!("no kernel was judged; {status_text}"),
        ),
    };
    if best.is_none() && row.outcome == "correct" {
        // Correct but never kept: not the task's best (a later attempt's verdict stands).
        row.outcome = "not_kept".to_owned();
    }
    let spent = Spent::of(attempts);
    let judged = attempts.iter().filter_map(|a| a.evaluation.as_ref());
    row.seconds =
        Some(judged.map(|e| e.eval_seconds).sum::<f64>() + start.map_or(0.0, |e| e.eval_seconds));
    row.gpu = attempts
        .iter()
        .rev()
        .find(|a| a.kept)
        .and_then(|a| a.judged_on.as_ref())
        .map(|j| j.slot.clone());
    row.spend = Some(TaskSpend {
        attempts: u32::try_from(attempts.len()).unwrap_or(u32::MAX),
        model_calls: spent.calls,
        tokens: spent.tokens,
        cost_usd: spent.cost_usd,
        gpu_seconds: row.seconds.unwrap_or(0.0),
        report: None,
    });
    row
}
