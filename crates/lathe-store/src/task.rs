//! One problem a run optimizes: a run of one problem has one task, `main`; a suite run
//! (`lathe suite run`) has one per problem.

use std::path::PathBuf;

use crate::{RunStatus, Timestamp};

/// The id of the one task of a run of one problem.
pub const MAIN_TASK: &str = "main";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Unique within the run; `main` for a run of one problem, by convention.
    pub task_id: String,
    pub problem_path: PathBuf,
    /// The kernel the run started from instead of a seed, when it was given one.
    pub starting_kernel: Option<StartingKernel>,
}

/// A kernel given to start from, with its hash: the file may change after the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartingKernel {
    pub path: PathBuf,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// How a task of a run stands: `None` status until it first starts.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskEnd {
    pub task_id: String,
    pub status: Option<RunStatus>,
    /// When the status last left `running`.
    pub finished_at: Option<Timestamp>,
}
