//! The `attempts` table: an attempt's steps, each its own commit, and reading them back.
//!
//! The steps go in order: [`begin_attempt`](Store::begin_attempt) (the prompt),
//! [`record_reply`](Store::record_reply) (the model call), [`record_code`](Store::record_code),
//! [`record_verdict`](Store::record_verdict), then perhaps [`mark_kept`](Store::mark_kept).
//! A step out of order is refused with [`StoreError::OutOfOrder`], saying what the record
//! holds; the schema's CHECKs refuse the same rows, as a second line.

use lathe_core::AttemptKey;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::attempt_record::ATTEMPT_COLUMNS;
use crate::attempt_step::{Step, require_changed};
use crate::failure::{Failure, optional};
use crate::{
    AttemptId, AttemptRecord, Evaluation, Extraction, MAIN_TASK, ModelCall, NewAttempt, RunId,
    Store, StoreError, Timestamp,
};

impl Store {
    /// Starts an attempt of `run`, numbering it next in the run, and returns its id.
    ///
    /// A key already begun whose model call was never committed (the run was killed during
    /// the call) is taken over: same row, same `seq`, the new prompt. A key whose call was
    /// committed is refused with [`StoreError::CallCommitted`]: resume takes that reply with
    /// [`committed_reply`](Store::committed_reply) instead of calling the model again.
    pub fn begin_attempt(&self, run: &RunId, new: &NewAttempt) -> Result<AttemptId, StoreError> {
        self.begin_task_attempt(run, MAIN_TASK, new)
    }

    /// [`begin_attempt`](Store::begin_attempt) for one task of a run of several: its key is
    /// unique within the task, its `seq` within the run.
    pub fn begin_task_attempt(
        &self,
        run: &RunId,
        task: &str,
        new: &NewAttempt,
    ) -> Result<AttemptId, StoreError> {
        let doing = format!("begin attempt `{}` of task `{task}` of run {run}", new.key);
        self.write(&doing, |tx| {
            self.require_task(tx, run.as_str(), task)?;
            if let Some(parent) = new.parent {
                let parent_run: Option<String> = tx
                    .query_row(
                        "SELECT run_id FROM attempts WHERE id = ?1",
                        [parent.0],
                        |row| row.get(0),
                    )
                    .optional()?;
                match parent_run {
                    None => return Err(self.unknown_attempt(parent)),
                    Some(parent_run) if parent_run != run.as_str() => {
                        return Err(StoreError::ParentElsewhere {
                            path: self.path().to_path_buf(),
                            run: run.clone(),
                            key: new.key.clone(),
                            parent,
                        }
                        .into());
                    }
                    Some(_) => {}
                }
            }
            let earlier: Option<(i64, i64, bool)> = tx
                .query_row(
                    "SELECT id, seq, called_at IS NOT NULL FROM attempts \
                     WHERE run_id = ?1 AND task_id = ?2 AND key = ?3",
                    params![run.as_str(), task, new.key.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            let sha256 = hex_sha256(&new.prompt);
            let now = Timestamp::now().to_string();
            match earlier {
                Some((_, seq, true)) => Err(StoreError::CallCommitted {
                    path: self.path().to_path_buf(),
                    run: run.clone(),
                    key: new.key.clone(),
                    seq: u32::try_from(seq).unwrap_or(u32::MAX),
                }
                .into()),
                Some((id, _, false)) => {
                    tx.execute(
                        "UPDATE attempts SET stage = ?2, round = ?3, sample = ?4, \
                         parent_id = ?5, prompt = ?6, prompt_sha256 = ?7, started_at = ?8 \
                         WHERE id = ?1",
                        params![
                            id,
                            new.stage,
                            new.round,
                            new.sample,
                            new.parent.map(|p| p.0),
                            new.prompt,
                            sha256,
                            now
                        ],
                    )?;
                    Ok(AttemptId(id))
                }
                None => {
                    tx.execute(
                        "INSERT INTO attempts (run_id, seq, key, stage, round, sample, \
                         parent_id, prompt, prompt_sha256, started_at, task_id) \
                         VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM attempts \
                         WHERE run_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        params![
                            run.as_str(),
                            new.key.to_string(),
                            new.stage,
                            new.round,
                            new.sample,
                            new.parent.map(|p| p.0),
                            new.prompt,
                            sha256,
                            now,
                            task
                        ],
                    )?;
                    Ok(AttemptId(tx.last_insert_rowid()))
                }
            }
        })
    }

    /// Commits the model call: the reply, or the error it ended in. A failed call ends the
    /// attempt (`finished_at`).
    pub fn record_reply(&self, id: AttemptId, call: &ModelCall) -> Result<(), StoreError> {
        self.write(&format!("record the model call of attempt {id}"), |tx| {
            let now = Timestamp::now().to_string();
            let finished = call.error().map(|_| now.as_str());
            let changed = tx.execute(
                "UPDATE attempts SET called_at = ?2, reply = ?3, reasoning = ?4, \
                 input_tokens = ?5, output_tokens = ?6, reasoning_tokens = ?7, cost_usd = ?8, \
                 llm_seconds = ?9, llm_error = ?10, finished_at = ?11 \
                 WHERE id = ?1 AND called_at IS NULL",
                params![
                    id.0,
                    now,
                    call.text(),
                    call.reasoning,
                    tokens(call.usage.input_tokens),
                    tokens(call.usage.output_tokens),
                    tokens(call.usage.reasoning_tokens),
                    call.cost_usd,
                    call.seconds,
                    call.error(),
                    finished,
                ],
            )?;
            require_changed(tx, self.path(), id, changed, Step::Reply)
        })
    }

    /// Records what was made of the reply. May be repeated until the verdict is recorded (a
    /// resumed run redoes the evaluation of an attempt killed during it). No code ends the
    /// attempt (`finished_at`).
    pub fn record_code(&self, id: AttemptId, extraction: &Extraction) -> Result<(), StoreError> {
        self.write(&format!("record the code of attempt {id}"), |tx| {
            let (code, findings, error) = match extraction {
                Extraction::Code { source, findings } => {
                    (Some(source.as_str()), Some(findings.to_string()), None)
                }
                Extraction::Failed { error } => (None, None, Some(error.as_str())),
            };
            let finished = error.map(|_| Timestamp::now().to_string());
            let changed = tx.execute(
                "UPDATE attempts SET code = ?2, findings_json = ?3, extract_error = ?4, \
                 finished_at = ?5 \
                 WHERE id = ?1 AND called_at IS NOT NULL AND llm_error IS NULL \
                 AND verdict_kind IS NULL",
                params![id.0, code, findings, error, finished],
            )?;
            require_changed(tx, self.path(), id, changed, Step::Code)
        })
    }

    /// Commits the evaluation in one write: the verdict, its kind and timings. Ends the attempt.
    pub fn record_verdict(&self, id: AttemptId, evaluation: &Evaluation) -> Result<(), StoreError> {
        self.write(&format!("record the verdict of attempt {id}"), |tx| {
            let verdict = serde_json::to_string(&evaluation.verdict)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            let changed = tx.execute(
                "UPDATE attempts SET verdict_kind = ?2, verdict_json = ?3, eval_seconds = ?4, \
                 candidate_ms = ?5, eager_ms = ?6, compile_ms = ?7, interpreter_ms = ?8, \
                 spread_pct = ?9, finished_at = ?10 \
                 WHERE id = ?1 AND code IS NOT NULL AND verdict_kind IS NULL",
                params![
                    id.0,
                    evaluation.verdict.kind().as_str(),
                    verdict,
                    evaluation.eval_seconds,
                    evaluation.candidate_ms(),
                    evaluation.eager_ms(),
                    evaluation.compile_ms(),
                    evaluation.interpreter_ms,
                    evaluation.spread_pct(),
                    Timestamp::now().to_string(),
                ],
            )?;
            require_changed(tx, self.path(), id, changed, Step::Verdict)
        })
    }

    /// Marks a correct attempt as the run's new best. Marking it again changes nothing.
    pub fn mark_kept(&self, id: AttemptId) -> Result<(), StoreError> {
        self.write(&format!("mark attempt {id} as the best"), |tx| {
            let changed = tx.execute(
                "UPDATE attempts SET kept = 1 WHERE id = ?1 AND verdict_kind = 'correct'",
                [id.0],
            )?;
            require_changed(tx, self.path(), id, changed, Step::Kept)
        })
    }

    /// For resume: the attempt of `run`'s `task` with this key, if its model call was
    /// committed.
    pub fn committed_reply(
        &self,
        run: &RunId,
        task: &str,
        key: &AttemptKey,
    ) -> Result<Option<AttemptRecord>, StoreError> {
        self.read(&format!("look up attempt `{key}` of run {run}"), |tx| {
            self.require_run(tx, run.as_str())?;
            optional(tx.query_row_and_then(
                &format!(
                    "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE run_id = ?1 \
                     AND task_id = ?2 AND key = ?3 AND called_at IS NOT NULL"
                ),
                params![run.as_str(), task, key.to_string()],
                AttemptRecord::from_row,
            ))
        })
    }

    /// Records the device slot that judges attempt `id`, and that the judging begins now:
    /// called with the slot held, before the verdict is.
    pub fn record_judging(&self, id: AttemptId, slot: &str) -> Result<(), StoreError> {
        self.write(&format!("record the device of attempt {id}"), |tx| {
            let changed = tx.execute(
                "UPDATE attempts SET judged_on = ?2, judge_started_at = ?3 WHERE id = ?1",
                params![id.0, slot, Timestamp::now().to_string()],
            )?;
            if changed == 0 {
                return Err(self.unknown_attempt(id));
            }
            Ok(())
        })
    }

    /// Every attempt of `run`, of all its tasks, in the loop's order.
    pub fn attempts(&self, run: &RunId) -> Result<Vec<AttemptRecord>, StoreError> {
        self.read(&format!("read the attempts of run {run}"), |tx| {
            self.require_run(tx, run.as_str())?;
            let mut statement = tx.prepare(&format!(
                "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE run_id = ?1 ORDER BY seq"
            ))?;
            let mut rows = statement.query([run.as_str()])?;
            let mut attempts = Vec::new();
            while let Some(row) = rows.next()? {
                attempts.push(AttemptRecord::from_row(row)?);
            }
            Ok(attempts)
        })
    }

    /// The attempts of one task of `run`, in the loop's order.
    pub fn task_attempts(&self, run: &RunId, task: &str) -> Result<Vec<AttemptRecord>, StoreError> {
        self.read(
            &format!("read the attempts of task `{task}` of run {run}"),
            |tx| {
                self.require_task(tx, run.as_str(), task)?;
                let mut statement = tx.prepare(&format!(
                    "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE run_id = ?1 AND task_id = ?2 \
                 ORDER BY seq"
                ))?;
                let mut rows = statement.query([run.as_str(), task])?;
                let mut attempts = Vec::new();
                while let Some(row) = rows.next()? {
                    attempts.push(AttemptRecord::from_row(row)?);
                }
                Ok(attempts)
            },
        )
    }

    /// One attempt, as far as it got.
    pub fn attempt(&self, id: AttemptId) -> Result<AttemptRecord, StoreError> {
        self.read(&format!("read attempt {id}"), |tx| {
            optional(tx.query_row_and_then(
                &format!("SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE id = ?1"),
                [id.0],
                AttemptRecord::from_row,
            ))?
            .ok_or_else(|| self.unknown_attempt(id))
        })
    }

    fn unknown_attempt(&self, id: AttemptId) -> Failure {
        StoreError::UnknownAttempt {
            path: self.path().to_path_buf(),
            id,
        }
        .into()
    }
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A token count as SQLite's signed integer; no provider reports 2^63 tokens, so saturating is
/// only a guard.
fn tokens(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
