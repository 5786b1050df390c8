//! Why a process could not be run: [`SpawnError`]. Each message names the path and the fix.

use std::io;
use std::path::PathBuf;

/// The process could not be started (or, rarely, could not be followed to its end). A process
/// that started and then failed is never an error: it is a [`ProcessEnd`](super::ProcessEnd).
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// No file by that name: not at the path given, or not in any directory of the `PATH` of
    /// the spec's environment.
    #[error(
        "program not found: {}\nhint: give its path, or put its directory on PATH; for a script, \
         check its `#!` interpreter",
        program.display()
    )]
    ProgramNotFound {
        /// The program as the spec named it.
        program: PathBuf,
    },
    /// The file exists but may not be executed.
    #[error(
        "program is not executable: {}\nhint: `chmod +x` it, or run it through its interpreter \
         (`python3 script.py`)",
        program.display()
    )]
    NotExecutable {
        /// The file found.
        program: PathBuf,
    },
    /// The working directory is missing (or is not a directory).
    #[error(
        "working directory does not exist or is not a directory: {}\nhint: create it before \
         running the process",
        cwd.display()
    )]
    CwdMissing {
        /// The spec's `cwd`.
        cwd: PathBuf,
    },
    /// Another failure of the operating system while starting the process (too many open
    /// files, no memory for a thread, an executable of the wrong format, ...).
    #[error("could not start {}: {source}", program.display())]
    Io {
        /// The program as the spec named it.
        program: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The process started but could no longer be waited for: something else in this process
    /// reaped it.
    #[error(
        "lost track of {} after starting it: {source}\nhint: something else in this process \
         reaps child processes (is SIGCHLD ignored?)",
        program.display()
    )]
    Lost {
        /// The program as the spec named it.
        program: PathBuf,
        /// What `waitid` or `wait` said.
        source: io::Error,
    },
}
