//! The attempts as JSON lines: one object per model call with what was asked, what came back
//! and how it was judged, ready to become a training set.

use serde_json::{Value, json};

use crate::RunData;
use crate::attempt_notes::{not_kept_reason, tuner_change};
use crate::attempt_outcome::{Measure, Outcome};
use crate::run_data::code;

/// One JSON object per attempt, in the loop's order, each on its own line ending in `\n`.
pub fn export_jsonl(data: &RunData) -> String {
    let mut out = String::new();
    for attempt in &data.attempts {
        let call = attempt.call.as_ref();
        let outcome = Outcome::of(attempt);
        let measure = Measure::of(attempt);
        let verdict_kind = attempt
            .evaluation
            .as_ref()
            .map(|e| e.verdict.kind().as_str());
        let line = json!({
            "run_id": data.run.id.as_str(),
            "task": attempt.task,
            "seq": attempt.seq,
            "key": attempt.key,
            "stage": attempt.stage,
            "round": attempt.round,
            "sample": attempt.sample,
            "parent_seq": attempt.parent.and_then(|p| data.seq_of(p)),
            "prompt": attempt.prompt,
            "reply": call.and_then(|c| c.text()),
            "reasoning": call.and_then(|c| c.reasoning.as_deref()),
            "code": code(attempt),
            "outcome": outcome.label(),
            "verdict_kind": verdict_kind,
            "error": error(&outcome),
            "verdict": attempt.evaluation.as_ref().map(|e| &e.verdict),
            "ms": measure.map(|m| m.ms),
            "timed_on": measure.map(|m| if m.on_interpreter { "cpu_interpreter" } else { "gpu" }),
            "speedup_vs_eager": measure.and_then(|m| m.speedup_vs_eager),
            "kept": attempt.kept,
            "change": tuner_change(attempt),
            "not_kept_reason": not_kept_reason(data, attempt),
            "usage": call.map(|c| json!({
                "input_tokens": c.usage.input_tokens,
                "output_tokens": c.usage.output_tokens,
                "reasoning_tokens": c.usage.reasoning_tokens,
            })),
            "cost_usd": call.and_then(|c| c.cost_usd),
        });
        // A Value always serializes.
        out.push_str(&serde_json::to_string(&line).unwrap_or_else(|_| Value::Null.to_string()));
        out.push('\n');
    }
    out
}

/// What went wrong, whole: the call's or the extraction's error, or the verdict's summary
/// (the full verdict is beside it).
fn error(outcome: &Outcome<'_>) -> Option<String> {
    match outcome {
        Outcome::CallFailed(error) | Outcome::NoCode(error) => Some((*error).to_owned()),
        Outcome::Judged(verdict) if !verdict.is_correct() => Some(verdict.summary()),
        Outcome::Judged(_) | Outcome::NoReply | Outcome::NotJudged | Outcome::Diagnosis => None,
    }
}
