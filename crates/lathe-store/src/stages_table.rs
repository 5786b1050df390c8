//! The `stages` table for a run of one problem: its `main` task's stage records
//! (tasks_table.rs has them for any task).

use crate::{MAIN_TASK, RunId, StageRecord, Store, StoreError};

impl Store {
    /// Records what became of a stage, replacing an earlier record of the same stage (the
    /// loop may record it when it starts and again when it ends). A stage keeps the place in
    /// the run's order it was first recorded at.
    pub fn record_stage(&self, run: &RunId, record: &StageRecord) -> Result<(), StoreError> {
        self.record_task_stage(run, MAIN_TASK, record)
    }

    /// The run's stage records (of its `main` task), in the order the loop reached them.
    pub fn stages(&self, run: &RunId) -> Result<Vec<StageRecord>, StoreError> {
        self.task_stages(run, MAIN_TASK)
    }
}
