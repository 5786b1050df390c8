//! A helper thread whose end can be awaited until a deadline: [`Background`].
//!
//! `JoinHandle::join` has no timeout, and a drain thread may never end while a process that
//! escaped the group holds the write end of its pipe. The thread drops a channel sender when
//! it ends (or unwinds); waiting on the receiver with a timeout is a bounded join.

use std::io;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::Instant;

#[derive(Debug)]
pub(crate) struct Background {
    ended: mpsc::Receiver<()>,
    handle: JoinHandle<()>,
}

impl Background {
    pub(crate) fn spawn(name: &str, work: impl FnOnce() + Send + 'static) -> io::Result<Self> {
        let (sender, ended) = mpsc::channel::<()>();
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // Dropped when `work` returns or unwinds: the receiver then sees a disconnection.
                let _ended = sender;
                work();
            })?;
        Ok(Self { ended, handle })
    }

    /// Waits for the thread until `deadline` and says whether it ended. A thread still running
    /// then is left detached: it ends on its own when its pipe closes.
    pub(crate) fn wait_until(self, deadline: Instant) -> bool {
        let timeout = deadline.saturating_duration_since(Instant::now());
        match self.ended.recv_timeout(timeout) {
            Err(RecvTimeoutError::Timeout) => false,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                // A panic in the thread is not ours to propagate: what it captured is kept.
                let _ = self.handle.join();
                true
            }
        }
    }
}
