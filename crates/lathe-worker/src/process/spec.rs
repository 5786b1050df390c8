//! What to run and under which limits: [`ProcessSpec`].

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// One child process to run, and the limits it runs under. Read by [`run`](fn@super::run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessSpec {
    /// The program. A bare name (`python3`) is looked up in the `PATH` of [`env`](Self::env),
    /// not in ours; a relative path with a `/` is taken relative to [`cwd`](Self::cwd).
    pub program: PathBuf,
    /// The arguments, without the program name.
    pub args: Vec<OsString>,
    /// The working directory; it must exist.
    pub cwd: PathBuf,
    /// The environment is built from scratch: only these variables (the caller decides; see
    /// [`scrubbed_env`](super::scrubbed_env) for a secret-free copy of ours).
    pub env: Vec<(OsString, OsString)>,
    /// Wall-clock time allowed from the spawn; then SIGTERM to the whole process group.
    pub wall_limit: Duration,
    /// Time between the SIGTERM and the SIGKILL to the group.
    pub grace: Duration,
    /// Bytes of resident memory (`VmRSS`), summed over the processes of the group and polled
    /// every 50 ms; over it, SIGKILL to the group. `None`: no limit.
    pub memory_limit: Option<u64>,
    /// How much of each of stdout and stderr to keep: the last `tail_bytes` bytes of each.
    pub tail_bytes: usize,
    /// Written to the child's stdin, which is then closed. `None`: stdin is `/dev/null`.
    pub stdin: Option<Vec<u8>>,
}

impl ProcessSpec {
    /// Default wall-clock limit of [`new`](Self::new).
    pub const DEFAULT_WALL_LIMIT: Duration = Duration::from_secs(600);
    /// Default grace between SIGTERM and SIGKILL of [`new`](Self::new).
    pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);
    /// Default tail of each output stream of [`new`](Self::new): 64 KiB.
    pub const DEFAULT_TAIL_BYTES: usize = 64 * 1024;

    /// A spec with no arguments, an empty environment, no stdin, no memory limit, and the
    /// default wall-clock limit, grace and tail size (the `DEFAULT_*` constants).
    pub fn new(program: impl Into<PathBuf>, cwd: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.into(),
            env: Vec::new(),
            wall_limit: Self::DEFAULT_WALL_LIMIT,
            grace: Self::DEFAULT_GRACE,
            memory_limit: None,
            tail_bytes: Self::DEFAULT_TAIL_BYTES,
            stdin: None,
        }
    }

    /// The value of `PATH` in [`env`](Self::env), if set (the last one wins, as in `Command`).
    pub(crate) fn path_var(&self) -> Option<&OsString> {
        self.env
            .iter()
            .rev()
            .find(|(name, _)| name == "PATH")
            .map(|(_, value)| value)
    }
}
