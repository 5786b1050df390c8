//! The optimization loop (docs/design/engine.md): probe the machine, take or make a first
//! kernel (repairing it while it is broken), then for each stage profile the best kernel, skip
//! the stage when its thresholds are met, prompt the model for candidates, judge them, repair
//! the failures, and keep the fastest correct one only when it is faster by more than the
//! stage's margin and the timing's spread.
//!
//! Every step is committed to the run store before the next begins, and every step looks in
//! the store first: `lathe resume` runs the same loop over a killed run and calls the model
//! only for keys with no committed reply. A candidate's failure is its attempt's outcome; the
//! run goes on and `best.py` always holds the best so far. Nothing here prints: progress goes
//! out as [`Event`]s.

mod attempts;
mod device_pool;
mod engine;
mod error;
mod event;
mod files;
mod ground;
pub mod judge;
mod kernel_tuning;
mod parts;
mod plan;
mod repair;
mod spent;
mod stage_loop;
mod start;
mod tune_pass;
mod worker_judge;

pub use device_pool::{DevicePool, DeviceSlot, Lease};
pub use engine::{RunEnd, TASK, TUNE_STAGE, create_run, run, run_task};
pub use error::EngineError;
pub use event::Event;
pub use ground::Ground;
pub use judge::{Candidate, Judge, Judgment, WorkerAccount};
pub use kernel_tuning::{KernelToTune, TuningEnd, TuningError, tune_kernel};
pub use lathe_core::{Speed, beats};
pub use parts::{JudgeSettings, Parts};
pub use plan::{Budgets, Plan, TlSource};
pub use spent::Spent;
pub use worker_judge::WorkerJudge;
