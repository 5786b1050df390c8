//! The stage table's rows, as plain text: one per stage of the loop, the seed included.

use lathe_core::StageLibrary;
use lathe_store::{StageRecord, StageStatus};

use crate::RunData;
use crate::attempt_outcome::{Measure, Outcome};
use crate::numbers;
use crate::run_data::Basis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StageRow {
    pub stage: String,
    /// The stage library's title, when this lathe knows the stage.
    pub title: Option<String>,
    /// `ran`, `skipped`, `not reached`.
    pub status: String,
    /// Why it ran or was skipped: the rule and its numbers.
    pub why: String,
    pub attempts: usize,
    pub correct: usize,
    /// `1.00 → 0.412`.
    pub best: String,
    /// The attempts it kept: `#5, #7`.
    pub kept: String,
}

/// The table's headers; the best times' header says what the times measure.
pub(crate) fn headers(basis: Basis) -> [&'static str; 7] {
    let best = match basis {
        Basis::Interpreter => "best interpreter ms, before → after",
        Basis::Gpu | Basis::Untimed => "best ms, before → after",
    };
    [
        "stage", "status", "why", "attempts", "correct", best, "kept",
    ]
}

impl StageRow {
    /// The cells under [`headers`], in order.
    pub(crate) fn cells(&self) -> [String; 7] {
        [
            self.stage.clone(),
            self.status.clone(),
            self.why.clone(),
            self.attempts.to_string(),
            self.correct.to_string(),
            self.best.clone(),
            self.kept.clone(),
        ]
    }
}

pub(crate) fn stage_rows(data: &RunData) -> Vec<StageRow> {
    data.stage_order()
        .into_iter()
        .map(|stage| {
            let record = data.stages.iter().find(|r| r.stage == stage);
            row(data, stage, record)
        })
        .collect()
}

fn row(data: &RunData, stage: &str, record: Option<&StageRecord>) -> StageRow {
    let attempts: Vec<_> = data.attempts_of(stage).collect();
    let correct = attempts
        .iter()
        .filter(|a| Outcome::of(a).is_correct())
        .count();
    let kept: Vec<String> = attempts
        .iter()
        .filter(|a| a.kept)
        .map(|a| format!("#{}", a.seq))
        .collect();
    let status = match (record.map(|r| r.status), attempts.is_empty()) {
        (Some(StageStatus::Ran), _) | (None, false) => "ran",
        (Some(StageStatus::Skipped), _) => "skipped",
        (Some(StageStatus::NotReached), _) | (None, true) => "not reached",
    };
    let (before, after) = match record {
        Some(r) => (r.best_before_ms, r.best_after_ms),
        // The seed has no record: it starts from nothing and ends at its last kept attempt.
        None => (
            None,
            attempts
                .iter()
                .rev()
                .find(|a| a.kept)
                .and_then(|a| Measure::of(a).map(|m| m.ms)),
        ),
    };
    let best = match (before, after) {
        (None, None) => numbers::NONE.to_owned(),
        (before, after) => format!(
            "{} → {}",
            numbers::ms_or_none(before),
            numbers::ms_or_none(after)
        ),
    };
    let title = match stage {
        "seed" => Some("A first correct kernel".to_owned()),
        id => StageLibrary::embedded()
            .lookup(data.run.category, id)
            .ok()
            .map(|s| s.title.clone()),
    };
    StageRow {
        stage: stage.to_owned(),
        title,
        status: status.to_owned(),
        why: record.and_then(|r| r.reason.clone()).unwrap_or_default(),
        attempts: attempts.len(),
        correct,
        best,
        kept: if kept.is_empty() {
            numbers::NONE.to_owned()
        } else {
            kept.join(", ")
        },
    }
}
