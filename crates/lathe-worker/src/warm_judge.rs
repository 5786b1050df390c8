//! One judge started ahead, per thread: [`take`], [`prepare_next`], [`release`].
//!
//! A verdict's judge and runner each spend seconds importing torch before they can work. A
//! suite judges one candidate after another on each GPU, so while one evaluation runs, the
//! driver starts the judge of the next (with [`WorkerConfig::prestart`]; a loop does it once an
//! evaluation has ended, [`crate::driver::start_next`]): it hardens itself,
//! imports its modules and starts its runner, which imports its own and then waits; neither
//! touches CUDA until its request comes, so nothing reaches the GPU that the current
//! evaluation is timing. The next evaluation on the same thread with the same settings takes
//! it; one with other settings (another GPU, another Python) starts its own and the warm one
//! is ended.
//!
//! The slot is per thread because the judge dies with the thread that started it (the worker
//! sets `PR_SET_PDEATHSIG`, which follows the spawning thread), and because a pool gives each
//! GPU its own thread. A judge left in the slot is ended when the thread ends or [`release`]
//! is called; if lathe exits first, the judge reads the end of its standard input and exits.

use std::cell::RefCell;
use std::path::Path;

use crate::driver::{DriverError, WorkerConfig, scratch_dir};
use crate::process::Started;
use crate::protocol::Device;

/// A pre-started judge and its scratch directory. Field order matters: the process is ended
/// (dropped) before its directory is removed.
pub(crate) struct Warm {
    pub(crate) started: Started,
    pub(crate) scratch: tempfile::TempDir,
    key: String,
}

thread_local! {
    static SLOT: RefCell<Option<Warm>> = const { RefCell::new(None) };
}

/// Everything the judge's command line and environment were made from: a warm judge serves
/// only an evaluation that would have started the same process.
fn key(config: &WorkerConfig, device: Device, runner_cache: Option<&Path>) -> String {
    format!(
        "{:?}",
        (
            &config.python,
            &config.cache_dir,
            &config.scratch_root,
            config.wall_limit,
            config.grace,
            config.memory_limit,
            config.tail_bytes,
            &config.gpu,
            device,
            runner_cache,
        )
    )
}

/// This thread's warm judge, when it was started with these settings and is still alive.
pub(crate) fn take(
    config: &WorkerConfig,
    device: Device,
    runner_cache: Option<&Path>,
) -> Option<Warm> {
    let warm = SLOT.with(|slot| slot.borrow_mut().take())?;
    // A mismatch or a dead one is dropped here: its group is killed and reaped.
    (warm.key == key(config, device, runner_cache) && !warm.started.has_exited()).then_some(warm)
}

/// Starts the next judge into this thread's slot (ending any judge already there). A judge
/// that cannot be started now is left out: the evaluation that would have taken it starts
/// its own and reports the failure in full.
pub(crate) fn prepare_next(
    config: &WorkerConfig,
    device: Device,
    runner_cache: Option<&Path>,
    start: impl FnOnce(&Path) -> Result<Started, DriverError>,
) {
    release();
    let Ok(scratch) = scratch_dir(config) else {
        return;
    };
    if let Ok(started) = start(scratch.path()) {
        let key = key(config, device, runner_cache);
        SLOT.with(|slot| {
            *slot.borrow_mut() = Some(Warm {
                started,
                scratch,
                key,
            });
        });
    }
}

/// Ends this thread's warm judge, if it has one (a pool thread with no work left).
pub fn release() {
    // Taken out first, so the slot is not borrowed while the process is killed and reaped.
    let warm = SLOT.with(|slot| slot.borrow_mut().take());
    drop(warm);
}

/// Whether this thread holds a warm judge (for tests).
pub fn holds_one() -> bool {
    SLOT.with(|slot| slot.borrow().is_some())
}
