//! The wait before the next attempt: exponential backoff with full jitter.
//!
//! Full jitter (a uniform draw between zero and the exponential cap) spreads the retries of
//! many concurrent completions that failed together, so they do not return to an overloaded
//! server in step.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::config::RetryPolicy;

/// The wait after attempt `failed` (1 for the first) failed. What the server asked for wins,
/// capped by `max_delay`; otherwise a uniform draw in `[0, min(max_delay, base * 2^(failed-1)))`.
pub(crate) fn wait(policy: &RetryPolicy, failed: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(asked) = retry_after {
        return asked.min(policy.max_delay);
    }
    let factor = 2f64.powi(i32::try_from(failed.saturating_sub(1)).unwrap_or(i32::MAX));
    let cap = (policy.base_delay.as_secs_f64() * factor).min(policy.max_delay.as_secs_f64());
    Duration::from_secs_f64(cap * unit_random())
}

/// A draw from `[0, 1)`. Jitter needs spread, not quality: std's per-instance hash keys are
/// random, which spares a dependency.
fn unit_random() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    // 53 random bits make every representable fraction of [0, 1) equally likely.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
        }
    }

    #[test]
    fn waits_stay_under_the_exponential_cap() {
        for failed in 1..=8 {
            let cap = Duration::from_secs((1u64 << (failed - 1)).min(8));
            for _ in 0..50 {
                let w = wait(&policy(), failed, None);
                assert!(w < cap, "attempt {failed}: {w:?} >= {cap:?}");
            }
        }
    }

    #[test]
    fn waits_are_spread() {
        let waits: Vec<Duration> = (0..20).map(|_| wait(&policy(), 4, None)).collect();
        assert!(waits.iter().any(|w| *w != waits[0]), "{waits:?}");
    }

    #[test]
    fn the_server_asked_wait_is_kept_and_capped() {
        let asked = Some(Duration::from_secs(3));
        assert_eq!(wait(&policy(), 1, asked), Duration::from_secs(3));
        let asked = Some(Duration::from_secs(3600));
        assert_eq!(wait(&policy(), 1, asked), Duration::from_secs(8));
    }
}
