//! The attempts table's rows, as plain text: one per model call, in the loop's order.

use crate::RunData;
use crate::attempt_notes::{not_kept_reason, tuner_change};
use crate::attempt_outcome::{Measure, Outcome};
use crate::numbers;
use crate::run_data::Basis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttemptRow {
    pub seq: u32,
    pub key: String,
    pub stage: String,
    /// The verdict's kind, or how far the attempt got without one.
    pub verdict: String,
    pub ms: String,
    pub speedup: String,
    /// `1,200 / 800`: input and output tokens.
    pub tokens: String,
    pub cost: String,
    pub kept: bool,
    /// What a tuner variant changed, then what went wrong or why a correct attempt was not
    /// kept, in one line; empty for a kept model attempt.
    pub note: String,
}

/// The table's headers; the time's header says what it measures.
pub(crate) fn headers(basis: Basis) -> [&'static str; 10] {
    let ms = match basis {
        Basis::Interpreter => "interpreter ms",
        Basis::Gpu | Basis::Untimed => "ms",
    };
    [
        "seq",
        "key",
        "stage",
        "verdict",
        ms,
        "vs eager",
        "tokens in / out",
        "cost",
        "kept",
        "note",
    ]
}

impl AttemptRow {
    /// The cells under [`headers`], in order.
    pub(crate) fn cells(&self) -> [String; 10] {
        [
            self.seq.to_string(),
            self.key.clone(),
            self.stage.clone(),
            self.verdict.clone(),
            self.ms.clone(),
            self.speedup.clone(),
            self.tokens.clone(),
            self.cost.clone(),
            if self.kept { "yes" } else { "" }.to_owned(),
            self.note.clone(),
        ]
    }
}

pub(crate) fn attempt_rows(data: &RunData) -> Vec<AttemptRow> {
    data.attempts
        .iter()
        .map(|attempt| {
            let outcome = Outcome::of(attempt);
            let measure = Measure::of(attempt);
            let call = attempt.call.as_ref();
            AttemptRow {
                seq: attempt.seq,
                key: attempt.key.to_string(),
                stage: attempt.stage.clone(),
                verdict: outcome.label().to_owned(),
                ms: numbers::ms_or_none(measure.map(|m| m.ms)),
                speedup: numbers::speedup_or_none(measure.and_then(|m| m.speedup_vs_eager)),
                tokens: call.map_or_else(
                    || numbers::NONE.to_owned(),
                    |c| {
                        format!(
                            "{} / {}",
                            numbers::count(c.usage.input_tokens),
                            numbers::count(c.usage.output_tokens)
                        )
                    },
                ),
                cost: call
                    .and_then(|c| c.cost_usd)
                    .map_or_else(|| numbers::NONE.to_owned(), numbers::cost),
                kept: attempt.kept,
                note: note(data, attempt, &outcome),
            }
        })
        .collect()
}

/// The note column: `BLOCK 32 → 64; not kept: slower: …`.
fn note(data: &RunData, attempt: &lathe_store::AttemptRecord, outcome: &Outcome<'_>) -> String {
    let why = outcome
        .note()
        .or_else(|| not_kept_reason(data, attempt).map(|why| format!("not kept: {why}")));
    [tuner_change(attempt).map(str::to_owned), why]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
}

/// Which of the table's columns hold anything: a column that is blank (or `—`, or `0 / 0`
/// tokens) in every row says nothing and is left out.
pub(crate) fn filled_columns<const N: usize>(rows: &[[String; N]]) -> [bool; N] {
    let mut filled = [false; N];
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            filled[column] |= !matches!(cell.trim(), "" | numbers::NONE | "0 / 0");
        }
    }
    filled
}

/// The items of `all` whose column is filled.
pub(crate) fn only_filled<T: Clone, const N: usize>(all: &[T; N], filled: &[bool; N]) -> Vec<T> {
    all.iter()
        .zip(filled)
        .filter(|(_, f)| **f)
        .map(|(item, _)| item.clone())
        .collect()
}
