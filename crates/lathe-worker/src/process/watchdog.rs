//! The memory limit: [`MemoryWatchdog`] samples the resident memory of the child's group.
//!
//! Polled, not enforced by the kernel: `RLIMIT_AS` counts address space (a CUDA context maps
//! tens of gigabytes it never touches) and per process, and cgroups need privileges we do not
//! assume. A sample every 50 ms sees any allocation that stays resident longer than that; a
//! spike shorter than one interval can slip through, which is the price of polling.

use std::time::{Duration, Instant};

use super::group::ProcessGroup;

#[derive(Debug)]
pub(crate) struct MemoryWatchdog {
    limit: u64,
    next_sample: Instant,
}

impl MemoryWatchdog {
    /// Time between two samples.
    pub(crate) const INTERVAL: Duration = Duration::from_millis(50);

    /// A watchdog for `limit` bytes whose first sample is due now.
    pub(crate) fn new(limit: u64) -> Self {
        Self {
            limit,
            next_sample: Instant::now(),
        }
    }

    pub(crate) fn limit(&self) -> u64 {
        self.limit
    }

    /// Samples the group if a sample is due, and returns its resident bytes when they exceed
    /// the limit.
    pub(crate) fn check(&mut self, group: ProcessGroup) -> Option<u64> {
        let now = Instant::now();
        if now < self.next_sample {
            return None;
        }
        self.next_sample = now + Self::INTERVAL;
        let resident = group.resident_bytes();
        (resident > self.limit).then_some(resident)
    }
}
