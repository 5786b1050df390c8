//! Tasks shared out over a pool of slots (GPUs, or interpreter jobs): a thread per slot takes
//! the next task until none is left, each with its own worker settings (its GPU alone in
//! `CUDA_VISIBLE_DEVICES`), so one GPU never runs two of them at once. Each slot keeps the next
//! evaluation's judge started ahead (lathe_worker::warm_judge).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use lathe_worker::driver::{Prestart, WorkerConfig};

use crate::error::CliError;
use crate::settings::Settings;

/// Runs `work(i, slot, worker)` for every task index `0..count` over the slots (`slot`: the
/// index of the slot it runs on). An `Err` stops the pool (no further task starts) and is
/// returned; otherwise every task's result, in task order.
pub fn run_pool<T: Send>(
    settings: &Settings,
    slots: &[Option<String>],
    count: usize,
    work: impl Fn(usize, usize, &WorkerConfig) -> Result<T, CliError> + Sync,
) -> Result<Vec<T>, CliError> {
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..count).map(|_| None).collect());
    let fatal: Mutex<Option<CliError>> = Mutex::new(None);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for (index, slot) in slots.iter().enumerate() {
            let mut worker = settings.eval.worker_config();
            worker.gpu.clone_from(slot);
            // Each evaluation on this slot starts the next one's judge (warm_judge.rs).
            worker.prestart = if count > 1 {
                Prestart::WhileJudging
            } else {
                Prestart::Off
            };
            let (results, fatal, next, work) = (&results, &fatal, &next, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count || lock(fatal).is_some() {
                        break;
                    }
                    match work(i, index, &worker) {
                        Ok(result) => lock(results)[i] = Some(result),
                        Err(error) => {
                            lock(fatal).get_or_insert(error);
                        }
                    }
                }
                // The judge started for a task that never came.
                lathe_worker::warm_judge::release();
            });
        }
    });
    if let Some(error) = fatal.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(error);
    }
    Ok(results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect())
}

pub fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
