//! Writing the spec's stdin bytes to the child: [`feed`].
//!
//! A thread, not a write from the supervisor: a child that reads slowly (or not at all) while
//! its input is larger than the pipe would otherwise block the supervisor, and with it the
//! wall-clock limit.

use std::io::{self, Write};
use std::process::ChildStdin;

use super::background::Background;

/// Starts a thread that writes `bytes` to the child's stdin, then closes it.
pub(crate) fn feed(mut stdin: ChildStdin, bytes: Vec<u8>) -> io::Result<Background> {
    Background::spawn("lathe-stdin", move || {
        // A child that exits (or is killed) without reading all its input closes the pipe: the
        // resulting EPIPE says nothing about the run. (Rust programs ignore SIGPIPE from
        // `main` on, so the write fails instead of killing us; a host that restores SIGPIPE's
        // default must not pass stdin bytes to a child that may not read them.)
        let _ = stdin.write_all(&bytes);
        // `stdin` is dropped here: the pipe closes and the child reads end of file.
    })
}
