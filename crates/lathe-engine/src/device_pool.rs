//! The devices that judge candidates, shared by every task of a suite: a judging (and a
//! profile) holds one slot for as long as it runs, so one GPU never times two candidates at
//! once, while the tasks' model calls go on meanwhile.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use lathe_worker::driver::WorkerConfig;

/// One place candidates can be judged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceSlot {
    /// How records name it: the GPU's index (`0`), or `cpu0`, `cpu1`... on the interpreter.
    pub label: String,
    /// The GPU the worker is given alone (`CUDA_VISIBLE_DEVICES`); `None` on the interpreter.
    pub gpu: Option<String>,
}

impl DeviceSlot {
    /// A GPU, by the index `CUDA_VISIBLE_DEVICES` takes.
    pub fn gpu(index: &str) -> DeviceSlot {
        DeviceSlot {
            label: index.to_owned(),
            gpu: Some(index.to_owned()),
        }
    }

    /// A logical slot of the CPU interpreter: `n` of them judge `n` candidates at once.
    pub fn cpu(number: usize) -> DeviceSlot {
        DeviceSlot {
            label: format!("cpu{number}"),
            gpu: None,
        }
    }
}

#[derive(Debug)]
pub struct DevicePool {
    free: Mutex<Vec<DeviceSlot>>,
    freed: Condvar,
}

impl DevicePool {
    /// A pool of `slots`, taken first to last while all are free.
    pub fn new(mut slots: Vec<DeviceSlot>) -> DevicePool {
        assert!(!slots.is_empty(), "a device pool needs a slot");
        // Taken from the end: reversed, the first slot is the first taken.
        slots.reverse();
        DevicePool {
            free: Mutex::new(slots),
            freed: Condvar::new(),
        }
    }

    /// Waits for a free slot and holds it until the lease is dropped.
    pub fn lease(&self) -> Lease<'_> {
        let mut free = self.lock();
        loop {
            if let Some(slot) = free.pop() {
                return Lease { pool: self, slot };
            }
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<DeviceSlot>> {
        // A panic while holding the lock leaves the list whole (push and pop do not unwind).
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A slot held: the worker settings that use it alone, and its return on drop.
#[derive(Debug)]
pub struct Lease<'a> {
    pool: &'a DevicePool,
    slot: DeviceSlot,
}

impl Lease<'_> {
    pub fn slot(&self) -> &DeviceSlot {
        &self.slot
    }

    /// `worker` pinned to this slot's GPU (unchanged on the interpreter).
    pub fn worker(&self, worker: &WorkerConfig) -> WorkerConfig {
        let mut pinned = worker.clone();
        if self.slot.gpu.is_some() {
            pinned.gpu.clone_from(&self.slot.gpu);
        }
        pinned
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.pool.lock().push(self.slot.clone());
        self.pool.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_slot_is_held_by_one_lease_at_a_time() {
        let pool = Arc::new(DevicePool::new(vec![
            DeviceSlot::cpu(0),
            DeviceSlot::cpu(1),
        ]));
        let holding = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (pool, holding, most) = (pool.clone(), holding.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..5 {
                        let lease = pool.lease();
                        let index: usize = lease.slot().label[3..].parse().unwrap();
                        let now = holding[index].fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(2));
                        holding[index].fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(
            most.load(Ordering::SeqCst),
            1,
            "never two holders of one slot"
        );
        assert_eq!(pool.lock().len(), 2, "every slot came back");
    }

    #[test]
    fn a_gpu_lease_pins_the_worker_to_its_gpu() {
        let worker = WorkerConfig {
            python: "python3".into(),
            cache_dir: "cache".into(),
            scratch_root: None,
            wall_limit: Duration::from_secs(1),
            grace: Duration::from_secs(1),
            memory_limit: None,
            tail_bytes: 100,
            gpu: None,
            prestart: false,
            cluster: None,
        };
        let pool = DevicePool::new(vec![DeviceSlot::gpu("3")]);
        assert_eq!(pool.lease().worker(&worker).gpu.as_deref(), Some("3"));
        let cpu = DevicePool::new(vec![DeviceSlot::cpu(0)]);
        assert_eq!(cpu.lease().worker(&worker).gpu, None);
    }
}
