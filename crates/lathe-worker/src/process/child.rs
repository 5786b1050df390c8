//! The running child, owned so that it is never leaked: [`Supervised`].
//!
//! Its exit is observed with `waitid(WEXITED | WNOWAIT)`, which leaves it a zombie: the pid,
//! and so the group id, stays ours until [`Supervised::reap`]. Until then, signalling the group
//! can only reach our processes. Dropping an unreaped child (an early return, a panic) kills
//! its group and reaps it.
//!
//! It also holds the group's place among the live groups (`live.rs`) that a signal to lathe
//! is forwarded to, marked as reaping before the reap, so that `stop_all` never signals an id
//! that may have been reused.

use std::io;
use std::process::{Child, ExitStatus};
use std::time::Duration;

use rustix::io::Errno;
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions, waitid};

use super::group::ProcessGroup;
use super::live::LiveGroup;

#[derive(Debug)]
pub(crate) struct Supervised {
    child: Child,
    pid: Pid,
    reaped: bool,
    /// `None` once handed to the caller of [`reap`](Self::reap).
    live: Option<LiveGroup>,
}

impl Supervised {
    /// Takes charge of a child spawned with `process_group(0)`, entering its group among the
    /// live ones with the spec's `grace`.
    pub(crate) fn new(child: Child, grace: Duration) -> Self {
        let pid = Pid::from_child(&child);
        Self {
            child,
            pid,
            reaped: false,
            live: Some(LiveGroup::enter(pid, grace)),
        }
    }

    /// The child's process group (it leads it).
    pub(crate) fn group(&self) -> ProcessGroup {
        ProcessGroup::led_by(self.pid)
    }

    /// For taking the pipes.
    pub(crate) fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Whether the child has exited, without reaping it.
    pub(crate) fn has_exited(&self) -> io::Result<bool> {
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT | WaitIdOptions::NOHANG;
        Ok(waitid(WaitId::Pid(self.pid), options)?.is_some())
    }

    /// Blocks until the child has exited, without reaping it.
    pub(crate) fn wait_exited(&self) -> io::Result<()> {
        let options = WaitIdOptions::EXITED | WaitIdOptions::NOWAIT;
        loop {
            match waitid(WaitId::Pid(self.pid), options) {
                Ok(_) => return Ok(()),
                Err(Errno::INTR) => {}
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Reaps the exited child and returns its status, with the group's live entry: the caller
    /// drops it once the group's last members are gone. Its group id may be reused from now
    /// on: the group must not be signalled again.
    pub(crate) fn reap(mut self) -> io::Result<(ExitStatus, Option<LiveGroup>)> {
        self.reaped = true;
        let live = self.live.take();
        if let Some(live) = &live {
            live.reaping();
        }
        Ok((self.child.wait()?, live))
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        if !self.reaped {
            self.group().signal(Signal::KILL);
            if let Some(live) = &self.live {
                live.reaping();
            }
            // Nothing to report from a drop: the point is that no zombie and no process is left.
            let _ = self.child.wait();
        }
    }
}
