//! What a table says about an attempt beyond its verdict: what a tuner variant changed
//! (`BLOCK 32 → 64`), and why a correct, timed attempt was not kept (slower than the best,
//! inside the stage's margin, or inside the timings' spread; or a faster one of its stage was
//! kept instead). The reasons are the loop's own rule, [`lathe_core::beats`], applied to the
//! records again: the store keeps only whether an attempt was kept.

use lathe_core::{Speed, StageLibrary};
use lathe_store::AttemptRecord;

use crate::RunData;
use crate::numbers;
use crate::run_data::loop_stage;

/// A tuner variant's change, from the note the loop records as its prompt
/// (`lathe tune, stage grid_and_parallel: BLOCK 32 → 64`, lathe-engine's `tune_pass.rs`).
pub(crate) fn tuner_change(attempt: &AttemptRecord) -> Option<&str> {
    if attempt.stage != "tune" {
        return None;
    }
    let note = attempt.prompt.strip_prefix("lathe tune, stage ")?;
    let (_stage, change) = note.split_once(": ")?;
    Some(change.trim()).filter(|c| !c.is_empty())
}

/// Why a correct, timed attempt is not the best; `None` for any other attempt.
pub(crate) fn not_kept_reason(data: &RunData, attempt: &AttemptRecord) -> Option<String> {
    if attempt.kept {
        return None;
    }
    let speed = Speed::of(&attempt.evaluation.as_ref()?.verdict)?;
    let margin = margin_pct(data, loop_stage(attempt));
    if let Some(best) = best_before(data, attempt.seq) {
        let gain = (best.ms - speed.ms) / best.ms * 100.0;
        let spread = speed.spread_pct.max(best.spread_pct);
        if speed.interpreter != best.interpreter {
            return Some("timed differently from the best (GPU and CPU interpreter)".to_owned());
        }
        let times = format!(
            "{} ms vs the best's {} ms",
            numbers::ms(speed.ms),
            numbers::ms(best.ms)
        );
        if gain <= 0.0 {
            return Some(format!("slower: {times}"));
        }
        if gain <= margin && margin >= spread {
            return Some(format!(
                "within the margin: {gain:.1}% faster ({times}), more than {margin:.1}% needed"
            ));
        }
        if gain <= spread {
            return Some(format!(
                "within the spread: {gain:.1}% faster ({times}), but the timings spread {spread:.1}%"
            ));
        }
    }
    // It beat the best of its time: a faster attempt of its stage was kept instead.
    let winner = data
        .attempts
        .iter()
        .filter(|a| a.kept && loop_stage(a) == loop_stage(attempt))
        .find(|a| a.seq > attempt.seq);
    Some(match winner {
        Some(w) => format!("#{} of the same stage was faster and kept", w.seq),
        None => "faster than the best, but never weighed (the run stopped first)".to_owned(),
    })
}

/// The best when `seq` was judged: the last kept attempt before it, else the starting kernel.
fn best_before(data: &RunData, seq: u32) -> Option<Speed> {
    match data.attempts.iter().rev().find(|a| a.kept && a.seq < seq) {
        Some(kept) => Speed::of(&kept.evaluation.as_ref()?.verdict),
        None => Speed::of(&data.start.as_ref()?.verdict),
    }
}

/// The margin a candidate of `stage` had to beat: the run's own (`--margin`), else the stage's.
fn margin_pct(data: &RunData, stage: &str) -> f64 {
    let settings = &data.run.settings;
    settings
        .get("margin_pct")
        .and_then(serde_json::Value::as_f64)
        .or_else(|| {
            StageLibrary::embedded()
                .lookup(data.run.category, stage)
                .ok()
                .map(|s| s.margin_pct)
        })
        .unwrap_or(0.0)
}
