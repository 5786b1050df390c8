//! The devices that judge candidates, shared by every task of a suite: a judging (and a
//! profile) holds one slot for as long as it runs, so one GPU never times two candidates at
//! once, while the tasks' model calls go on meanwhile.

use std::cell::RefCell;
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

thread_local! {
    /// The label of the slot this thread held last (any pool: labels name devices).
    static LAST_HELD: RefCell<Option<String>> = const { RefCell::new(None) };
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

    /// Waits for a free slot and holds it until the lease is dropped. The slot this thread
    /// held last is taken when it is free: the judge this thread started ahead
    /// (lathe_worker::warm_judge) was made for that slot's GPU and serves no other.
    pub fn lease(&self) -> Lease<'_> {
        let mut free = self.lock();
        loop {
            let last = LAST_HELD.with(|last| last.borrow().clone());
            let mine = last.and_then(|label| free.iter().position(|s| s.label == label));
            let taken = match mine {
                Some(index) => Some(free.remove(index)),
                None => free.pop(),
            };
            if let Some(slot) = taken {
                LAST_HELD.with(|last| *last.borrow_mut() = Some(slot.label.clone()));
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
    fn a_thread_gets_back_the_slot_it_held_last_when_that_one_is_free() {
        let pool = Arc::new(DevicePool::new(vec![
            DeviceSlot::gpu("0"),
            DeviceSlot::gpu("1"),
            DeviceSlot::gpu("2"),
        ]));
        let (to_main, from_thread) = std::sync::mpsc::channel();
        let (to_thread, from_main) = std::sync::mpsc::channel::<()>();
        // This thread takes 0 and holds it while the other takes its first slot (1).
        let first = pool.lease();
        let other = pool.clone();
        let thread = std::thread::spawn(move || {
            let label = other.lease().slot().label.clone();
            to_main.send(label).unwrap();
            // Slot 0, the pool's first, is free when this thread asks again.
            from_main.recv().unwrap();
            let again = other.lease().slot().label.clone();
            to_main.send(again).unwrap();
        });
        assert_eq!(first.slot().label, "0");
        let second = from_thread.recv().unwrap();
        assert_eq!(second, "1");
        drop(first);
        to_thread.send(()).unwrap();
        assert_eq!(
            from_thread.recv().unwrap(),
            "1",
            "its own slot, not the pool's first"
        );
        thread.join().unwrap();
        // Its last slot held elsewhere, a thread takes any free one rather than wait.
        assert_eq!(pool.lease().slot().label, "0");
        let held = pool.lease();
        assert_eq!(held.slot().label, "0");
        let other = pool.clone();
        let label = std::thread::spawn(move || {
            let lease = other.lease();
            // Slot 1 was this new thread's never; it is the first free one.
            lease.slot().label.clone()
        });
        assert_eq!(label.join().unwrap(), "1");
        drop(held);
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
            prestart: Default::default(),
            cluster: None,
        };
        let pool = DevicePool::new(vec![DeviceSlot::gpu("3")]);
        assert_eq!(pool.lease().worker(&worker).gpu.as_deref(), Some("3"));
        let cpu = DevicePool::new(vec![DeviceSlot::cpu(0)]);
        assert_eq!(cpu.lease().worker(&worker).gpu, None);
    }
}
