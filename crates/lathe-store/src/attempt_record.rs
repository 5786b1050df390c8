//! An attempt as the store holds it: as far as it got.

use lathe_core::AttemptKey;
use rusqlite::Row;

use crate::failure::{Failure, count, json, json_opt, parsed, parsed_opt};
use crate::{
    AttemptId, CallOutcome, Evaluation, Extraction, ModelCall, RunId, Timestamp, TokenUsage,
};

#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    pub id: AttemptId,
    pub run: RunId,
    /// The task of the run it belongs to (`main` in a run of one problem).
    pub task: String,
    /// 1, 2, 3… within the run: the order of the loop.
    pub seq: u32,
    /// Stored as its text (`stage:memory_access/s2`), as every lathe has written it.
    pub key: AttemptKey,
    pub stage: String,
    pub round: u32,
    pub sample: u32,
    pub parent: Option<AttemptId>,
    pub prompt: String,
    /// Lowercase hex SHA-256 of the prompt's UTF-8 bytes.
    pub prompt_sha256: String,
    pub started_at: Timestamp,
    /// `None` until the model call is committed.
    pub call: Option<ModelCall>,
    pub extraction: Option<Extraction>,
    pub evaluation: Option<Evaluation>,
    /// Whether it became the run's best when it was judged.
    pub kept: bool,
    /// When its last outcome (a verdict, a failed call, no code) was recorded; `None` while
    /// it is under way, or was when the run was killed.
    pub finished_at: Option<Timestamp>,
    /// The device slot that judged it and when the judging began, for a judged attempt of
    /// a run that records it (`lathe suite run`).
    pub judged_on: Option<JudgedOn>,
}

/// Where and from when an attempt was judged.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedOn {
    /// A GPU's index, or a logical slot (`cpu0`) on the CPU interpreter.
    pub slot: String,
    pub started_at: Timestamp,
}

/// The columns [`AttemptRecord::from_row`] reads.
pub(crate) const ATTEMPT_COLUMNS: &str = "id, run_id, seq, key, stage, round, sample, \
     parent_id, prompt, prompt_sha256, started_at, called_at, reply, reasoning, input_tokens, \
     output_tokens, reasoning_tokens, cost_usd, llm_seconds, llm_error, code, extract_error, \
     findings_json, verdict_json, eval_seconds, interpreter_ms, kept, finished_at, task_id, \
     judged_on, judge_started_at";

impl AttemptRecord {
    pub(crate) fn from_row(row: &Row<'_>) -> Result<AttemptRecord, Failure> {
        Ok(AttemptRecord {
            id: AttemptId(row.get("id")?),
            run: parsed(row, "run_id")?,
            task: row.get("task_id")?,
            seq: count(row, "seq")?,
            key: parsed(row, "key")?,
            stage: row.get("stage")?,
            round: count(row, "round")?,
            sample: count(row, "sample")?,
            parent: row.get::<_, Option<i64>>("parent_id")?.map(AttemptId),
            prompt: row.get("prompt")?,
            prompt_sha256: row.get("prompt_sha256")?,
            started_at: parsed(row, "started_at")?,
            call: call(row)?,
            extraction: extraction(row)?,
            evaluation: evaluation(row)?,
            kept: row.get("kept")?,
            finished_at: parsed_opt(row, "finished_at")?,
            judged_on: judged_on(row)?,
        })
    }
}

fn judged_on(row: &Row<'_>) -> Result<Option<JudgedOn>, Failure> {
    let Some(slot) = row.get::<_, Option<String>>("judged_on")? else {
        return Ok(None);
    };
    Ok(parsed_opt(row, "judge_started_at")?.map(|started_at| JudgedOn { slot, started_at }))
}

fn call(row: &Row<'_>) -> Result<Option<ModelCall>, Failure> {
    if row.get::<_, Option<String>>("called_at")?.is_none() {
        return Ok(None);
    }
    let reply: Option<String> = row.get("reply")?;
    let outcome = match (row.get::<_, Option<String>>("llm_error")?, reply) {
        (Some(error), partial) => CallOutcome::Failed { error, partial },
        (None, Some(text)) => CallOutcome::Replied { text },
        // The schema requires a reply or an error once the call is recorded.
        (None, None) => {
            return Err(Failure::Unreadable {
                column: "attempts.reply",
                value: "NULL".to_owned(),
                problem: "a recorded call has neither a reply nor an error".to_owned(),
            });
        }
    };
    // Stored as SQLite's signed 64-bit integers, which the schema keeps non-negative.
    let tokens = |column: &'static str| -> Result<u64, Failure> {
        let value: i64 = row.get(column)?;
        u64::try_from(value).map_err(|e| Failure::Unreadable {
            column,
            value: value.to_string(),
            problem: e.to_string(),
        })
    };
    Ok(Some(ModelCall {
        outcome,
        reasoning: row.get("reasoning")?,
        usage: TokenUsage {
            input_tokens: tokens("input_tokens")?,
            output_tokens: tokens("output_tokens")?,
            reasoning_tokens: tokens("reasoning_tokens")?,
        },
        cost_usd: row.get("cost_usd")?,
        seconds: row.get("llm_seconds")?,
    }))
}

fn extraction(row: &Row<'_>) -> Result<Option<Extraction>, Failure> {
    if let Some(error) = row.get::<_, Option<String>>("extract_error")? {
        return Ok(Some(Extraction::Failed { error }));
    }
    let Some(source) = row.get::<_, Option<String>>("code")? else {
        return Ok(None);
    };
    let findings = json_opt(row, "findings_json")?.unwrap_or(serde_json::Value::Array(Vec::new()));
    Ok(Some(Extraction::Code { source, findings }))
}

fn evaluation(row: &Row<'_>) -> Result<Option<Evaluation>, Failure> {
    if row.get::<_, Option<String>>("verdict_json")?.is_none() {
        return Ok(None);
    }
    Ok(Some(Evaluation {
        verdict: json(row, "verdict_json")?,
        eval_seconds: row.get("eval_seconds")?,
        interpreter_ms: row.get("interpreter_ms")?,
    }))
}
