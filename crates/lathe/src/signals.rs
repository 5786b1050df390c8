//! SIGINT and SIGTERM: forwarded to every process group lathe started, then lathe exits.
//!
//! Workers, `command:` models and ncu each run in a process group of their own, so that a
//! time limit can end all of a child's descendants at once; the price is that the Ctrl-C the
//! terminal sends to lathe's group, or a `kill` of lathe, never reaches them. Left alone they
//! would outlive lathe as orphans, holding a GPU or generating for nobody. This thread takes
//! both signals, has `lathe_worker::process::stop_all` forward the one received to every live
//! group and wait for them (the grace, then SIGKILL), and exits with 128 plus its number, as
//! the shell reports a process that a signal ended.
//!
//! A run stopped this way is left as a killed one: `running` in the store, every committed step
//! kept, ready for `lathe resume`. Nothing about the stopped children is recorded, since their
//! deaths were not theirs: `run` never hands them back once the stop has begun.

use std::io::{self, Write};
use std::thread;

use lathe_worker::process::{StopSignal, stop_all};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Takes SIGINT and SIGTERM from now on. An error leaves their default action (lathe dies at
/// once, its children run on), which is no reason to refuse to work.
pub fn forward_to_children() -> io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    thread::Builder::new()
        .name("lathe-signals".to_owned())
        .spawn(move || {
            let Some(number) = signals.forever().next() else {
                return;
            };
            let (stop, name) = if number == SIGINT {
                (StopSignal::Interrupt, "SIGINT")
            } else {
                (StopSignal::Terminate, "SIGTERM")
            };
            let ended = stop_all(stop);
            let mut stderr = io::stderr().lock();
            let _ = if ended {
                writeln!(stderr, "error: stopped by {name}")
            } else {
                writeln!(
                    stderr,
                    "error: stopped by {name}; a process lathe started did not end after SIGKILL \
                     (stuck in the kernel, or it left its process group)"
                )
            };
            std::process::exit(128 + stop.number());
        })?;
    Ok(())
}
