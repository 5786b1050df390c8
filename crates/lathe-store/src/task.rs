//! One problem a run optimizes. A run has one task today; the suite runner of a later issue
//! gives a run several.

use std::path::PathBuf;

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
