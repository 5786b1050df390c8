//! The starting kernel's evaluation, kept on its task (migration 0002): a resumed run must
//! compare its candidates with the numbers the killed one used, not with a fresh timing.

use rusqlite::{OptionalExtension, params};

use crate::failure::{Failure, json_opt};
use crate::{Evaluation, RunId, Store, StoreError};

impl Store {
    /// Records how the starting kernel of `task_id` was judged, replacing an earlier record.
    pub fn record_start(
        &self,
        run: &RunId,
        task_id: &str,
        evaluation: &Evaluation,
    ) -> Result<(), StoreError> {
        let doing = format!("record the starting kernel's verdict of run {run}");
        self.write(&doing, |tx| {
            self.require_run(tx, run.as_str())?;
            let verdict = serde_json::to_string(&evaluation.verdict)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            let changed = tx.execute(
                "UPDATE tasks SET start_verdict_json = ?3, start_eval_seconds = ?4, \
                 start_interpreter_ms = ?5 WHERE run_id = ?1 AND task_id = ?2",
                params![
                    run.as_str(),
                    task_id,
                    verdict,
                    evaluation.eval_seconds,
                    evaluation.interpreter_ms
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::OutOfOrder {
                    path: self.path().to_path_buf(),
                    doing: doing.clone(),
                    reason: format!("the run has no task `{task_id}`"),
                }
                .into());
            }
            Ok(())
        })
    }

    /// The starting kernel's recorded evaluation, if it was judged.
    pub fn start_evaluation(
        &self,
        run: &RunId,
        task_id: &str,
    ) -> Result<Option<Evaluation>, StoreError> {
        let doing = format!("read the starting kernel's verdict of run {run}");
        self.read(&doing, |tx| {
            self.require_run(tx, run.as_str())?;
            let row = tx
                .query_row(
                    "SELECT start_verdict_json, start_eval_seconds, start_interpreter_ms \
                     FROM tasks WHERE run_id = ?1 AND task_id = ?2",
                    params![run.as_str(), task_id],
                    |row| {
                        Ok((
                            json_opt(row, "start_verdict_json"),
                            row.get::<_, Option<f64>>("start_eval_seconds")?,
                            row.get::<_, Option<f64>>("start_interpreter_ms")?,
                        ))
                    },
                )
                .optional()?;
            let Some((verdict, eval_seconds, interpreter_ms)) = row else {
                return Ok(None);
            };
            let verdict = verdict.map_err(|f: Failure| f)?;
            Ok(verdict.map(|verdict| Evaluation {
                verdict,
                eval_seconds: eval_seconds.unwrap_or_default(),
                interpreter_ms,
            }))
        })
    }
}
