//! [`Limited`]: any provider, with at most so many completions at once and so many started per
//! minute.
//!
//! Both limits protect the user's account and the server: a tuning run asks for many
//! candidates in parallel, and a provider answers a burst with HTTP 429s (retried, but each retry
//! costs time and sometimes tokens). Holding requests back here is cheaper than retrying them.
//!
//! - **Concurrency**: a counting semaphore (a count under a mutex, a condition variable to wake a
//!   waiter when a completion ends). A slot is released when the completion returns or unwinds.
//! - **Rate**: a sliding window of the instants requests started. A request starts when fewer
//!   than the limit started within the last window; otherwise it sleeps until the oldest start
//!   leaves the window. Requests are counted when they start, whatever they cost or however
//!   long they take, as providers count them.
//!
//! A slot is taken before the rate is checked, so a request waiting for the rate holds its slot
//! (nothing could start anyway) and the start recorded is the real one.
//!
//! Waiting emits [`Event::Throttled`]: for the rate, before sleeping, with the sleep ahead; for
//! a slot, whose wait cannot be known in advance, once the slot is had, with the time waited.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::config::LlmConfig;
use crate::error::LlmError;
use crate::message::{Event, Reply, Request};
use crate::provider::Provider;

/// The limits of a [`Limited`] provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Completions at once; 0 counts as 1 (0 would never start one).
    pub max_concurrency: usize,
    /// Requests started per `window`; `None`: no limit; 0 counts as 1.
    pub requests: Option<u32>,
    pub window: Duration,
}

impl Limits {
    /// `llm.max_concurrency` and `llm.requests_per_minute`.
    pub fn from_config(config: &LlmConfig) -> Limits {
        Limits {
            max_concurrency: config.max_concurrency,
            requests: config.requests_per_minute,
            window: Duration::from_secs(60),
        }
    }
}

/// `P` under [`Limits`].
#[derive(Debug)]
pub struct Limited<P> {
    inner: P,
    max_concurrency: usize,
    rate: Option<(usize, Duration)>,
    running: Mutex<usize>,
    freed: Condvar,
    /// When the requests of the current window started, oldest first.
    starts: Mutex<VecDeque<Instant>>,
}

impl<P: Provider> Limited<P> {
    /// `inner` under the limits of `config` (per minute).
    pub fn new(inner: P, config: &LlmConfig) -> Limited<P> {
        Limited::with_limits(inner, Limits::from_config(config))
    }

    /// `inner` under `limits`: a shorter window than a minute lets tests run quickly.
    pub fn with_limits(inner: P, limits: Limits) -> Limited<P> {
        Limited {
            inner,
            max_concurrency: limits.max_concurrency.max(1),
            rate: limits
                .requests
                .map(|requests| (requests.max(1) as usize, limits.window)),
            running: Mutex::new(0),
            freed: Condvar::new(),
            starts: Mutex::new(VecDeque::new()),
        }
    }

    /// The provider within.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// Blocks until a slot is free and takes it.
    fn acquire(&self, events: &mut dyn FnMut(Event)) -> Slot<'_, P> {
        let start = Instant::now();
        let mut running = lock(&self.running);
        let waited = *running >= self.max_concurrency;
        while *running >= self.max_concurrency {
            running = self
                .freed
                .wait(running)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *running += 1;
        drop(running);
        if waited {
            events(Event::Throttled {
                wait_seconds: start.elapsed().as_secs_f64(),
            });
        }
        Slot { limited: self }
    }

    /// Blocks until the rate allows one more request, and records its start.
    fn await_rate(&self, events: &mut dyn FnMut(Event)) {
        let Some((requests, window)) = self.rate else {
            return;
        };
        loop {
            let wait = {
                let mut starts = lock(&self.starts);
                let now = Instant::now();
                while starts
                    .front()
                    .is_some_and(|&start| now.duration_since(start) >= window)
                {
                    starts.pop_front();
                }
                match starts.front() {
                    Some(&oldest) if starts.len() >= requests => {
                        window - now.duration_since(oldest)
                    }
                    _ => {
                        starts.push_back(now);
                        return;
                    }
                }
            };
            events(Event::Throttled {
                wait_seconds: wait.as_secs_f64(),
            });
            thread::sleep(wait);
        }
    }
}

impl<P: Provider> Provider for Limited<P> {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn order_sensitive(&self) -> bool {
        self.inner.order_sensitive()
    }

    fn served_before(&self, prompt: &str) {
        self.inner.served_before(prompt);
    }

    fn complete(
        &self,
        request: &Request,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        let _slot = self.acquire(events);
        self.await_rate(events);
        self.inner.complete(request, events)
    }
}

/// A taken slot, given back on drop (a panicking provider included).
struct Slot<'a, P> {
    limited: &'a Limited<P>,
}

impl<P> Drop for Slot<'_, P> {
    fn drop(&mut self) {
        *lock(&self.limited.running) -= 1;
        self.limited.freed.notify_one();
    }
}

/// The counters stay consistent across a panic elsewhere: every update is one statement.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
