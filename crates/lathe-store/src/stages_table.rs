//! The `stages` table: one record per stage of a run, written as the loop reaches it.

use rusqlite::params;

use crate::failure::parsed;
use crate::{RunId, StageRecord, Store, StoreError, Timestamp};

impl Store {
    /// Records what became of a stage, replacing an earlier record of the same stage (the
    /// loop may record it when it starts and again when it ends). A stage keeps the place in
    /// the run's order it was first recorded at.
    pub fn record_stage(&self, run: &RunId, record: &StageRecord) -> Result<(), StoreError> {
        let doing = format!("record stage `{}` of run {run}", record.stage);
        self.write(&doing, |tx| {
            self.require_run(tx, run.as_str())?;
            tx.execute(
                "INSERT INTO stages (run_id, stage, position, status, reason, metrics_block, \
                 best_before_ms, best_after_ms, recorded_at) \
                 VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM stages \
                 WHERE run_id = ?1), ?3, ?4, ?5, ?6, ?7, ?8) \
                 ON CONFLICT (run_id, stage) DO UPDATE SET status = excluded.status, \
                 reason = excluded.reason, metrics_block = excluded.metrics_block, \
                 best_before_ms = excluded.best_before_ms, \
                 best_after_ms = excluded.best_after_ms, recorded_at = excluded.recorded_at",
                params![
                    run.as_str(),
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

    /// The run's stage records, in the order the loop reached them.
    pub fn stages(&self, run: &RunId) -> Result<Vec<StageRecord>, StoreError> {
        self.read(&format!("read the stages of run {run}"), |tx| {
            self.require_run(tx, run.as_str())?;
            let mut statement = tx.prepare(
                "SELECT stage, status, reason, metrics_block, best_before_ms, best_after_ms \
                 FROM stages WHERE run_id = ?1 ORDER BY position",
            )?;
            let mut rows = statement.query([run.as_str()])?;
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
        })
    }
}
