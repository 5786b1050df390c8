//! Every process group [`run`](fn@super::run) has started and not yet finished, so that a
//! signal to lathe reaches them: [`stop_all`].
//!
//! Each child leads its own process group, so a Ctrl-C in the terminal (SIGINT to lathe's
//! foreground group) or a `kill` of lathe (SIGTERM to lathe alone) never reaches it. Without
//! this registry, lathe would die and leave a worker holding the GPU, or a `command:` model
//! still generating, as an orphan.
//!
//! **Only unreaped leaders are signalled.** A group id is its leader's pid; once the leader is
//! reaped, the id may be reused by someone else's group. `run` marks its entry
//! [`reaping`](LiveGroup::reaping) under the registry's lock before it reaps, and `stop_all`
//! signals under the same lock, so no signal can reach a reused id.
//!
//! **A stop waits for processes, not for their owners.** It is over when no group has a living
//! member: a pre-started process that nobody is running yet (a warm judge) has no thread that
//! would take its entry out, and once its processes are dead there is nothing left to wait for.
//! A group whose leader is being reaped is waited for until `run` takes it out (its settle
//! period, at most 2 s), since its id may already name someone else's group.
//!
//! **A stop is final.** After `stop_all`, a `run` that was about to spawn does not, and a `run`
//! whose child has ended never returns (it parks its thread): the child's death was our doing,
//! and handing it back would have the caller record it as the candidate's crash or the model's
//! failure, and go on to start the next process. `stop_all` is for a process about to exit.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};

use super::group::ProcessGroup;

/// How long `stop_all` waits after the SIGKILL for the last processes to die: more than `run`'s
/// own settle period of 2 s.
const AFTER_KILL: Duration = Duration::from_secs(3);

/// How often `stop_all` looks at the groups again while it waits: a process's death notifies
/// nobody here.
const POLL: Duration = Duration::from_millis(10);

/// The signal [`stop_all`] forwards to every live group: the one lathe received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT: Ctrl-C in the terminal.
    Interrupt,
    /// SIGTERM: `kill`, a CI runner's timeout, a service manager.
    Terminate,
}

impl StopSignal {
    /// Its number on Linux (2 or 15); a process it ended exits with 128 plus this.
    pub fn number(self) -> i32 {
        self.signal().as_raw()
    }

    fn signal(self) -> Signal {
        match self {
            StopSignal::Interrupt => Signal::INT,
            StopSignal::Terminate => Signal::TERM,
        }
    }
}

/// One group `run` has started.
#[derive(Debug)]
struct Entry {
    leader: Pid,
    /// The spec's grace between SIGTERM and SIGKILL, honoured by `stop_all` too.
    grace: Duration,
    /// Its leader is being reaped: its id may be reused, so it must not be signalled.
    reaping: bool,
}

#[derive(Debug)]
struct Live {
    groups: Vec<Entry>,
    stopping: Option<StopSignal>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    groups: Vec::new(),
    stopping: None,
});

/// Notified whenever an entry leaves `LIVE`.
static LEFT: Condvar = Condvar::new();

fn live() -> MutexGuard<'static, Live> {
    // A panic elsewhere while holding the lock leaves the list as it was: still usable.
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A group's place in the registry, held by `run` from the spawn until the end of its settle
/// period; dropping it (on any path out of `run`) takes the group out.
#[derive(Debug)]
pub(crate) struct LiveGroup {
    leader: Pid,
}

impl LiveGroup {
    /// Enters the group led by `leader`, just spawned. A stop already under way reaches it at
    /// once: it was spawned after the others were signalled.
    pub(crate) fn enter(leader: Pid, grace: Duration) -> LiveGroup {
        let mut live = live();
        if let Some(stop) = live.stopping {
            signal_group(leader, stop.signal());
        }
        live.groups.push(Entry {
            leader,
            grace,
            reaping: false,
        });
        LiveGroup { leader }
    }

    /// The leader is about to be reaped: never signal its group id again.
    pub(crate) fn reaping(&self) {
        let mut live = live();
        if let Some(entry) = live.groups.iter_mut().find(|e| e.leader == self.leader) {
            entry.reaping = true;
        }
    }
}

impl Drop for LiveGroup {
    fn drop(&mut self) {
        let mut live = live();
        live.groups.retain(|entry| entry.leader != self.leader);
        LEFT.notify_all();
    }
}

/// Whether [`stop_all`] has been called.
pub(crate) fn stopping() -> bool {
    live().stopping.is_some()
}

/// Never returns: the thread of a `run` that must not hand back its result during a stop.
pub(crate) fn park_forever() -> ! {
    loop {
        thread::park();
    }
}

/// Forwards `signal` to every process group `run` started and has not finished, waits each
/// group's grace for their processes to end, sends SIGKILL to those still there, and waits a
/// few seconds more. Says whether every group ended.
///
/// From then on no `run` spawns anything, and none returns: call this only on the way out of
/// the process (the binary's handler of SIGINT and SIGTERM), then exit.
pub fn stop_all(signal: StopSignal) -> bool {
    let grace = {
        let mut live = live();
        live.stopping = Some(signal);
        for entry in live.groups.iter().filter(|e| !e.reaping) {
            signal_group(entry.leader, signal.signal());
        }
        live.groups.iter().map(|e| e.grace).max()
    };
    let Some(grace) = grace else {
        return true;
    };
    if wait_until_ended(Instant::now() + grace) {
        return true;
    }
    {
        let live = live();
        for entry in live.groups.iter().filter(|e| !e.reaping) {
            let _ = kill_process_group(entry.leader, Signal::KILL);
        }
    }
    wait_until_ended(Instant::now() + AFTER_KILL)
}

/// `signal` to the group, and SIGCONT: a stopped member would only act on it once continued.
fn signal_group(leader: Pid, signal: Signal) {
    // ESRCH (the group is empty) and EPERM (a member changed its credentials) leave nothing
    // more to do from here; the SIGKILL after the grace is the next step either way.
    let _ = kill_process_group(leader, signal);
    let _ = kill_process_group(leader, Signal::CONT);
}

/// Waits until every group has ended (see the module's notes), or until `deadline`.
fn wait_until_ended(deadline: Instant) -> bool {
    let mut live = live();
    loop {
        if live.groups.iter().all(has_ended) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        live = LEFT
            .wait_timeout(live, POLL.min(deadline - now))
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}

/// Whether nothing of the entry's group runs any more. Its leader unreaped, the group id is
/// still ours to look up; once it is being reaped, only its removal says it is over.
fn has_ended(entry: &Entry) -> bool {
    !entry.reaping
        && !ProcessGroup::led_by(entry.leader)
            .members()
            .into_iter()
            .any(|member| member.is_alive())
}
