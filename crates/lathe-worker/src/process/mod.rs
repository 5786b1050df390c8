//! Process control: run one child process (the Python worker judging one untrusted candidate)
//! under a wall-clock limit, a memory limit and a bounded capture of its output, and say how it
//! ended in one closed enum.
//!
//! The entry point is [`run`](fn@run): a [`ProcessSpec`] in, a [`ProcessOutcome`] out (or a
//! [`SpawnError`] when the process could not be started at all). Linux only.
//!
//! # Design
//!
//! **Its own process group.** The child is spawned with `process_group(0)`, so it leads a new
//! group whose id is its pid. Everything it starts (a compiler, a `multiprocessing` pool, a
//! background `sleep` left behind on purpose) inherits that group, and one `kill(-pgid, sig)`
//! reaches all of it. Signalling only the child would leave its descendants running, holding the
//! GPU and our pipes, after the evaluation is over. A descendant that leaves the group on purpose
//! (`setsid`, `setpgid`) escapes both the signals and the memory accounting: closing that hole
//! needs cgroups, which this module does not use.
//!
//! **The group is signalled before the child is reaped.** We watch the child with
//! `waitid(WEXITED | WNOWAIT)`, which reports its exit but leaves it a zombie. A zombie still
//! holds its pid, so the group id cannot be reused by an unrelated process while we send the
//! final SIGKILL to the stragglers; only then is the child reaped (`Child::wait`).
//!
//! **stdout and stderr drained concurrently, from the start.** A pipe holds 64 KiB. A child that
//! fills the stderr pipe while we block reading stdout stops forever, and we with it. Two
//! threads (`drain.rs`) read both pipes from the moment of the spawn until end of file, whatever
//! the child prints and in whatever order.
//!
//! **Tails, not transcripts.** The candidate owns its output and may print gigabytes. Each
//! drain keeps only the last `tail_bytes` in a ring buffer and counts the rest, so memory is
//! bounded by the spec, not by the child. The end of the output is the part that explains a
//! death (the traceback, the CUDA error), hence tails rather than heads.
//!
//! **Bounded waits after the end.** The drains end when every write end of the pipes is closed,
//! which a process that escaped the group can postpone forever. After the group is killed we
//! wait for the drains (and for the group to empty) a bounded time, the settle period of 2 s,
//! then return what was captured so far and leave the thread to finish on its own.
//!
//! **Polling.** The supervising loop checks for the child's exit every 10 ms, the wall-clock
//! limit at the same pace and the memory limit every 50 ms (`watchdog.rs`). Resident memory is
//! read from `/proc/<pid>/status` (`VmRSS`) for every process of the group, summed; pages shared
//! between processes of the group are counted once per process, so the sum errs on the high side.
//!
//! **Timeouts are polite first.** At the wall-clock limit the group gets SIGTERM (a worker may
//! catch it to flush its output), then after `grace` SIGKILL. [`ProcessEnd::TimedOut`] says
//! whether the SIGKILL was needed.
//!
//! **A signal to lathe reaches every group.** The groups `run` has started and not finished
//! are listed (`live.rs`); the binary's SIGINT/SIGTERM handler calls [`stop_all`], which
//! forwards the signal to each, waits its grace, then sends SIGKILL, before lathe exits. A
//! child in its own group would otherwise never see the Ctrl-C that the terminal sends to
//! lathe's group, and would outlive lathe as an orphan.
//!
//! **What it does not stop.** A descendant that leaves the group (`setsid`) is out of reach (the
//! run still returns, after the settle period, with the output captured so far). A process
//! stuck in the kernel (uninterruptible sleep, e.g. inside a GPU driver call) dies of SIGKILL
//! only when the kernel lets it, and `run` waits for that. The memory watchdog does not sample
//! during the grace after SIGTERM, nor see a spike shorter than its interval. If our own
//! process dies of a signal it cannot catch (SIGKILL) or without calling [`stop_all`], the
//! group is not killed with it (that needs `PR_SET_PDEATHSIG` in the child before exec, which
//! std offers only through `unsafe` `pre_exec`).
//!
//! # Adding a new limit
//!
//! 1. Add the setting to [`ProcessSpec`] (an `Option` when it can be off), documented with its
//!    unit, and to [`ProcessSpec::new`]'s defaults.
//! 2. Add a variant to [`ProcessEnd`] carrying the measured value and the limit (never a bool
//!    plus a sentinel), with its serde name.
//! 3. Measure it in its own small file beside `watchdog.rs` (read from `/proc`, never from the
//!    child's own report: the child is untrusted) and check it in `run.rs`'s supervising loop,
//!    after the exit check and the wall-clock check, so an exit always wins over a late kill.
//! 4. Enforce it on the whole group (`ProcessGroup::signal` in `group.rs`), never on the child
//!    alone.
//! 5. Add a test in `crates/lathe-worker/tests/process.rs` with a real process that crosses the
//!    limit, and one that stays under it; keep the slack generous (CI is a loaded 2-core
//!    machine).
//! 6. Map the new end to a verdict where the harness classifies deaths
//!    (docs/design/worker-protocol.md, `crash` / `timeout`).

mod background;
mod capture;
mod child;
mod drain;
mod env;
mod error;
mod feed;
mod group;
mod live;
mod outcome;
mod resolve;
mod run;
mod spec;
mod watchdog;

pub use capture::Capture;
pub use env::{SECRET_NAMES, SECRET_PREFIXES, SECRET_SUFFIXES, is_secret_name, scrubbed_env};
pub use error::SpawnError;
pub use live::{StopSignal, stop_all};
pub use outcome::{ProcessEnd, ProcessOutcome, signal_name};
pub use run::{Started, run, start};
pub use spec::ProcessSpec;
