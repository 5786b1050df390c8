//! Reading one output pipe of the child until end of file: [`Drain`].
//!
//! Each of stdout and stderr gets its own thread from the moment of the spawn, so a child that
//! writes a lot to one while we read the other never blocks (a pipe holds 64 KiB). The thread
//! keeps the end of the stream in a [`TailBuffer`] shared with the supervisor, so what was
//! captured can be read even when the thread cannot be joined in time.

use std::io::{self, ErrorKind, Read};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use super::background::Background;
use super::capture::{Capture, TailBuffer};

/// Bytes read from the pipe at a time: the size of a default Linux pipe buffer.
const CHUNK: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct Drain {
    buffer: Arc<Mutex<TailBuffer>>,
    thread: Background,
}

impl Drain {
    /// Starts a thread that reads `source` to its end into a tail of `tail_bytes`.
    pub(crate) fn start(
        name: &str,
        mut source: impl Read + Send + 'static,
        tail_bytes: usize,
    ) -> io::Result<Self> {
        let buffer = Arc::new(Mutex::new(TailBuffer::new(tail_bytes)));
        let sink = Arc::clone(&buffer);
        let thread = Background::spawn(name, move || {
            let mut chunk = vec![0; CHUNK];
            loop {
                match source.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(read) => lock(&sink).push(&chunk[..read]),
                    Err(error) if error.kind() == ErrorKind::Interrupted => {}
                    // Any other read error on a pipe means there is nothing more to read.
                    Err(_) => break,
                }
            }
        })?;
        Ok(Self { buffer, thread })
    }

    /// Waits for the end of the stream until `deadline`, then returns what was captured.
    pub(crate) fn finish(self, deadline: Instant) -> Capture {
        self.thread.wait_until(deadline);
        lock(&self.buffer).capture()
    }
}

/// The buffer stays consistent even if a holder panicked: every push is complete or absent.
fn lock(buffer: &Mutex<TailBuffer>) -> MutexGuard<'_, TailBuffer> {
    buffer.lock().unwrap_or_else(PoisonError::into_inner)
}
