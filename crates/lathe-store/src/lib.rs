//! The record of every run: one SQLite database (`lathe-runs/lathe.db`) holding each run, its
//! tasks, every attempt (one model call and what came of it) and what became of each stage,
//! as docs/design/engine.md lays them out.
//!
//! [`Store`] is the only way in: typed records go in and come out, and no SQL leaves this
//! crate. Every write is one transaction, committed before it returns, so a run killed at any
//! moment resumes from what was committed: an attempt's model call is its own commit, and
//! resume takes it back by key ([`Store::committed_reply`]) instead of calling the model again.
//! The schema is versioned with SQLite's `user_version` and upgraded on open by the SQL files
//! under `migrations/`; a database from a newer lathe is refused. Nothing here prints.

mod attempt_id;
mod attempt_record;
mod attempt_step;
mod attempts_table;
mod baselines_table;
mod budget;
mod error;
mod evaluation;
mod extraction;
mod failure;
mod migrations;
mod model_call;
mod new_attempt;
mod new_run;
mod run_id;
mod run_record;
mod run_status;
mod run_summary;
mod runs_table;
mod stage_record;
mod stages_table;
mod start_table;
mod store;
mod task;
mod tasks_table;
mod timestamp;
mod token_usage;

pub use attempt_id::AttemptId;
pub use attempt_record::{AttemptRecord, JudgedOn};
pub use baselines_table::Baseline;
pub use budget::{Budget, UnknownBudget};
pub use error::StoreError;
pub use evaluation::Evaluation;
pub use extraction::Extraction;
pub use migrations::SCHEMA_VERSION;
pub use model_call::{CallOutcome, ModelCall};
pub use new_attempt::NewAttempt;
pub use new_run::NewRun;
pub use run_id::{InvalidRunId, RunId};
pub use run_record::RunRecord;
pub use run_status::RunStatus;
pub use run_summary::{BestAttempt, RunSummary};
pub use stage_record::{StageRecord, StageStatus, UnknownStageStatus};
pub use store::{BUSY_TIMEOUT, Store};
pub use task::{MAIN_TASK, StartingKernel, Task, TaskEnd};
pub use timestamp::{InvalidTimestamp, Timestamp};
pub use token_usage::TokenUsage;
