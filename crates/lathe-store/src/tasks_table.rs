//! The tasks of a run of several (migration 0003): each one's status, and its stage records.

use rusqlite::{Transaction, params};

use crate::failure::{Failure, parsed, parsed_opt};
use crate::{RunId, RunStatus, StageRecord, Store, StoreError, TaskEnd, Timestamp};

impl Store {
    /// Fails with [`StoreError::UnknownTask`] unless `run` has a task `task`.
    pub(crate) fn require_task(
        &self,
        tx: &Transaction<'_>,
        run: &str,
        task: &str,
    ) -> Result<(), Failure> {
        self.require_run(tx, run)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM tasks WHERE run_id = ?1 AND task_id = ?2)",
            [run, task],
            |row| row.get(0),
        )?;
        if exists {
            return Ok(());
        }
        Err(StoreError::UnknownTask {
            path: self.path().to_path_buf(),
            run: run.to_owned(),
            task: task.to_owned(),
        }
        .into())
    }

    /// Sets a task's status; an ended status stamps its `finished_at`, `running` clears it.
    pub fn set_task_status(
        &self,
        run: &RunId,
        task: &str,
        status: &RunStatus,
    ) -> Result<(), StoreError> {
        let doing = format!("set the status of task `{task}` of run {run} to {status}");
        self.write(&doing, |tx| {
            self.require_task(tx, run.as_str(), task)?;
            let finished_at = status.is_ended().then(|| Timestamp::now().to_string());
            tx.execute(
                "UPDATE tasks SET status = ?3, status_detail = ?4, finished_at = ?5 \
                 WHERE run_id = ?1 AND task_id = ?2",
                params![
                    run.as_str(),
                    task,
                    status.name(),
                    status.detail(),
                    finished_at
                ],
            )?;
            Ok(())
        })
    }

    /// How each task of `run` stands, in the run's order.
    pub fn task_ends(&self, run: &RunId) -> Result<Vec<TaskEnd>, StoreError> {
        self.read(&format!("read the tasks of run {run}"), |tx| {
            self.require_run(tx, run.as_str())?;
            let mut statement = tx.prepare(
                "SELECT task_id, status, status_detail, finished_at FROM tasks \
                 WHERE run_id = ?1 ORDER BY position",
            )?;
            let mut rows = statement.query([run.as_str()])?;
            let mut ends = Vec::new();
            while let Some(row) = rows.next()? {
                let status = match row.get::<_, Option<String>>("status")? {
                    None => None,
                    Some(name) => Some(
                        RunStatus::from_columns(&name, row.get("status_detail")?).map_err(
                            |problem| Failure::Unreadable {
                                column: "tasks.status",
                                value: name.clone(),
                                problem,
                            },
                        )?,
                    ),
                };
                ends.push(TaskEnd {
                    task_id: row.get("task_id")?,
                    status,
                    finished_at: parsed_opt(row, "finished_at")?,
                });
            }
            Ok(ends)
        })
    }

    /// [`record_stage`](Store::record_stage) for one task of a run of several.
    pub fn record_task_stage(
        &self,
        run: &RunId,
        task: &str,
        record: &StageRecord,
    ) -> Result<(), StoreError> {
        let doing = format!(
            "record stage `{}` of task `{task}` of run {run}",
            record.stage
        );
        self.write(&doing, |tx| {
            self.require_task(tx, run.as_str(), task)?;
            tx.execute(
                "INSERT INTO stages (run_id, task_id, stage, position, status, reason, \
                 metrics_block, best_before_ms, best_after_ms, recorded_at) \
                 VALUES (?1, ?2, ?3, (SELECT coalesce(max(position), 0) + 1 FROM stages \
                 WHERE run_id = ?1 AND task_id = ?2), ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (run_id, task_id, stage) DO UPDATE SET status = excluded.status, \
                 reason = excluded.reason, metrics_block = excluded.metrics_block, \
                 best_before_ms = excluded.best_before_ms, \
                 best_after_ms = excluded.best_after_ms, recorded_at = excluded.recorded_at",
                params![
                    run.as_str(),
                    task,
                    record.stage,
                    record.status.as_str(),
                    record.reason,
                    record.metrics_block,
                    record.best_before_ms,
                    record.best_after_ms,
                    Timestamp::now().to_string(),
                ],
            )?;
            Ok(())
        })
    }

    /// One task's stage records, in the order its loop reached them.
    pub fn task_stages(&self, run: &RunId, task: &str) -> Result<Vec<StageRecord>, StoreError> {
        self.read(
            &format!("read the stages of task `{task}` of run {run}"),
            |tx| {
                self.require_task(tx, run.as_str(), task)?;
                let mut statement = tx.prepare(
                    "SELECT stage, status, reason, metrics_block, best_before_ms, best_after_ms \
                 FROM stages WHERE run_id = ?1 AND task_id = ?2 ORDER BY position",
                )?;
                let mut rows = statement.query([run.as_str(), task])?;
                let mut stages = Vec::new();
                while let Some(row) = rows.next()? {
                    stages.push(StageRecord {
                        stage: row.get("stage")?,
                        status: parsed(row, "status")?,
                        reason: row.get("reason")?,
                        metrics_block: row.get("metrics_block")?,
                        best_before_ms: row.get("best_before_ms")?,
                        best_after_ms: row.get("best_after_ms")?,
                    });
                }
                Ok(stages)
            },
        )
    }
}
