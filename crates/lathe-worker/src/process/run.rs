//! Running one process under its limits: [`run`].

use std::io;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{ChildStdin, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::child::Supervised;
use super::drain::Drain;
use super::error::SpawnError;
use super::feed::feed;
use super::live;
use super::outcome::{ProcessEnd, ProcessOutcome};
use super::resolve;
use super::spec::ProcessSpec;
use super::watchdog::MemoryWatchdog;

/// How often the supervisor looks at the child (exit, wall-clock limit, grace).
const POLL: Duration = Duration::from_millis(10);

/// After the group is killed and the child reaped: how long to wait for the last members to
/// die and for the output pipes to reach their end. Only a process that escaped the group
/// (or one stuck in the kernel) makes us wait that long.
const SETTLE: Duration = Duration::from_secs(2);

/// Runs `spec`'s program to its end under `spec`'s limits, and says how it ended.
///
/// The child leads its own process group; on every path out, the whole group gets SIGKILL
/// before the child is reaped, so no descendant outlives the call (unless it left the group).
/// Blocks for at most about `wall_limit + grace + 2 s`, plus however long the kernel takes to
/// let a SIGKILLed process die.
///
/// Errors are only for a process that could not be started (or followed): every way a started
/// process ends is a [`ProcessEnd`].
///
/// Once [`stop_all`](super::stop_all) has been called (lathe received SIGINT or SIGTERM), `run`
/// never returns: it spawns nothing new, and a child that ended meanwhile was ended by the
/// stop, which is no outcome of the child's to hand back.
pub fn run(spec: &ProcessSpec) -> Result<ProcessOutcome, SpawnError> {
    if live::stopping() {
        live::park_forever();
    }
    let result = start(spec).and_then(|started| started.run_to_end(&[]));
    if live::stopping() {
        live::park_forever();
    }
    result
}

/// Starts `spec`'s program ahead of its work: spawned in its own group (among the live ones a
/// stop reaches), its output drained, its standard input held open when `spec.stdin` is `Some`.
/// [`Started::finish`] hands it the rest of its input and runs it to its end under the spec's
/// limits; the wall-clock limit counts from then, so the time a pre-started process spends
/// getting ready (a judge importing torch) is not charged to its work. Dropping a `Started`
/// kills its group and reaps it.
pub fn start(spec: &ProcessSpec) -> Result<Started, SpawnError> {
    let program = resolve::program(spec)?;
    let mut command = Command::new(&program);
    command
        .arg0(&spec.program)
        .args(&spec.args)
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(spec.env.iter().map(|(name, value)| (name, value)))
        .process_group(0)
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());

    let child = command
        .spawn()
        .map_err(|source| spawn_error(&program, source))?;
    // From here on, an early return drops `child`, which kills its group and reaps it.
    let mut child = Supervised::new(child, spec.grace);
    let io_error = |source| SpawnError::Io {
        program: spec.program.clone(),
        source,
    };
    let pipes = child.child_mut();
    let (stdout, stderr, stdin) = (pipes.stdout.take(), pipes.stderr.take(), pipes.stdin.take());
    let (Some(stdout), Some(stderr)) = (stdout, stderr) else {
        return Err(io_error(io::Error::other(
            "the output pipes were not created",
        )));
    };
    let stdout = Drain::start("lathe-stdout", stdout, spec.tail_bytes).map_err(io_error)?;
    let stderr = Drain::start("lathe-stderr", stderr, spec.tail_bytes).map_err(io_error)?;
    Ok(Started {
        spec: spec.clone(),
        child,
        stdout,
        stderr,
        stdin,
    })
}

/// A process [`start`]ed and not yet finished.
#[derive(Debug)]
pub struct Started {
    spec: ProcessSpec,
    child: Supervised,
    stdout: Drain,
    stderr: Drain,
    stdin: Option<ChildStdin>,
}

impl Started {
    /// Whether the process has already ended (a pre-started one that died while it waited is
    /// no use: its end says nothing about the work it was meant for).
    pub fn has_exited(&self) -> bool {
        self.child.has_exited().unwrap_or(true)
    }

    /// Writes `spec.stdin` and then `stdin` to the process's standard input (then closes it),
    /// and runs it to its end as [`run`] does, the wall-clock limit counting from now.
    pub fn finish(self, stdin: &[u8]) -> Result<ProcessOutcome, SpawnError> {
        if live::stopping() {
            live::park_forever();
        }
        let result = self.run_to_end(stdin);
        if live::stopping() {
            live::park_forever();
        }
        result
    }

    fn run_to_end(self, late_stdin: &[u8]) -> Result<ProcessOutcome, SpawnError> {
        let Self {
            spec,
            child,
            stdout,
            stderr,
            stdin,
        } = self;
        let start = Instant::now();
        let io_error = |source| SpawnError::Io {
            program: spec.program.clone(),
            source,
        };
        let feeder = match (stdin, &spec.stdin) {
            (Some(pipe), Some(bytes)) => {
                let mut all = bytes.clone();
                all.extend_from_slice(late_stdin);
                Some(feed(pipe, all).map_err(io_error)?)
            }
            _ => None,
        };

        let lost = |source| SpawnError::Lost {
            program: spec.program.clone(),
            source,
        };
        let ended_by_us = supervise(&child, &spec, start).map_err(lost)?;
        child.wait_exited().map_err(lost)?;
        let wall = start.elapsed();
        // The child is a zombie, still holding the group id: kill what is left of its group (a
        // leaked grandchild must not outlive the evaluation), then reap.
        let group = child.group();
        group.signal(Signal::KILL);
        let (status, live) = child.reap().map_err(lost)?;

        let deadline = Instant::now() + SETTLE;
        group.wait_until_empty(deadline);
        // The group is gone (or out of reach): a stop no longer needs to wait for it.
        drop(live);
        let stdout = stdout.finish(deadline);
        let stderr = stderr.finish(deadline);
        if let Some(feeder) = feeder {
            feeder.wait_until(deadline);
        }
        Ok(ProcessOutcome {
            end: ended_by_us.unwrap_or_else(|| ProcessEnd::from_status(status)),
            wall,
            stdout,
            stderr,
        })
    }
}

/// Watches the child until it exits or a limit ends it. `None`: it exited on its own (its end
/// is read from its status); `Some`: we ended it, and why.
fn supervise(
    child: &Supervised,
    spec: &ProcessSpec,
    start: Instant,
) -> io::Result<Option<ProcessEnd>> {
    let mut watchdog = spec.memory_limit.map(MemoryWatchdog::new);
    loop {
        // An exit is checked first, so a process that finished in time is never reported as
        // killed by a limit checked a moment later.
        if child.has_exited()? {
            return Ok(None);
        }
        let elapsed = start.elapsed();
        if elapsed >= spec.wall_limit {
            return terminate(child, spec.grace, elapsed).map(Some);
        }
        if let Some(watchdog) = &mut watchdog
            && let Some(rss_bytes) = watchdog.check(child.group())
        {
            child.group().signal(Signal::KILL);
            return Ok(Some(ProcessEnd::MemoryLimit {
                rss_bytes,
                limit: watchdog.limit(),
            }));
        }
        thread::sleep(POLL.min(spec.wall_limit - elapsed));
    }
}

/// The wall-clock limit passed `after` the spawn: SIGTERM to the group, then SIGKILL if the
/// child is still there after `grace`.
fn terminate(child: &Supervised, grace: Duration, after: Duration) -> io::Result<ProcessEnd> {
    let group = child.group();
    group.signal(Signal::TERM);
    // A stopped member would only act on the SIGTERM once continued.
    group.signal(Signal::CONT);
    let deadline = Instant::now() + grace;
    let killed = loop {
        if child.has_exited()? {
            break false;
        }
        let now = Instant::now();
        if now >= deadline {
            group.signal(Signal::KILL);
            break true;
        }
        thread::sleep(POLL.min(deadline - now));
    };
    Ok(ProcessEnd::TimedOut { after, killed })
}

/// What a failed `spawn` means, once `resolve` has found an executable file and the cwd.
fn spawn_error(program: &Path, source: io::Error) -> SpawnError {
    let program = program.to_path_buf();
    match source.kind() {
        // The file went away meanwhile, or a script's `#!` interpreter is missing.
        io::ErrorKind::NotFound => SpawnError::ProgramNotFound { program },
        io::ErrorKind::PermissionDenied => SpawnError::NotExecutable { program },
        _ => SpawnError::Io { program, source },
    }
}
