//! `Limited` with a slow provider asked from many threads: no more completions at once than the
//! limit, no more starts per window than the rate, waits reported, slots given back after
//! failures and panics.

mod support;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use lathe_llm::limits::{Limited, Limits};
use lathe_llm::{Event, Finish, LlmError, Provider, Reply, Request, Transcript, Usage};
use support::request;

/// A provider that takes `delay` per completion and records how many run at once and when
/// each started. Prompt `fail` fails, prompt `panic` panics.
#[derive(Debug)]
struct Slow {
    delay: Duration,
    running: AtomicUsize,
    most: AtomicUsize,
    starts: Mutex<Vec<Instant>>,
}

impl Slow {
    fn new(delay: Duration) -> Slow {
        Slow {
            delay,
            running: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
            starts: Mutex::new(Vec::new()),
        }
    }
}

impl Provider for Slow {
    fn describe(&self) -> String {
        "slow".to_owned()
    }

    fn complete(&self, request: &Request, _: &mut dyn FnMut(Event)) -> Result<Reply, LlmError> {
        self.starts.lock().unwrap().push(Instant::now());
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        thread::sleep(self.delay);
        self.running.fetch_sub(1, Ordering::SeqCst);
        match request.prompt.as_str() {
            "fail" => Err(LlmError::Manual {
                message: "asked to fail".to_owned(),
            }),
            "panic" => panic!("asked to panic"),
            _ => Ok(Reply {
                text: request.prompt.clone(),
                reasoning: None,
                usage: Usage::default(),
                cost_usd: None,
                finish: Finish::Stop,
                model: "slow".to_owned(),
                transcript: Transcript::default(),
                attempts: 1,
                seconds: self.delay.as_secs_f64(),
            }),
        }
    }
}

/// Asks `limited` `count` times at once from as many threads; returns each one's events.
fn ask_from_threads(limited: &Limited<Slow>, prompt: &str, count: usize) -> Vec<Vec<Event>> {
    thread::scope(|scope| {
        let askers: Vec<_> = (0..count)
            .map(|_| {
                scope.spawn(|| {
                    let mut events = Vec::new();
                    let _ = limited.complete(&request(prompt), &mut |e| events.push(e));
                    events
                })
            })
            .collect();
        askers.into_iter().map(|a| a.join().unwrap()).collect()
    })
}

fn throttled(events: &[Vec<Event>]) -> Vec<f64> {
    events
        .iter()
        .flatten()
        .filter_map(|event| match event {
            Event::Throttled { wait_seconds } => Some(*wait_seconds),
            _ => None,
        })
        .collect()
}

#[test]
fn no_more_completions_run_at_once_than_the_limit() {
    let limits = Limits {
        max_concurrency: 2,
        requests: None,
        window: Duration::from_secs(60),
    };
    let limited = Limited::with_limits(Slow::new(Duration::from_millis(100)), limits);
    let start = Instant::now();
    let events = ask_from_threads(&limited, "hi", 8);
    assert_eq!(limited.inner().most.load(Ordering::SeqCst), 2);
    assert_eq!(limited.inner().starts.lock().unwrap().len(), 8);
    // Four rounds of two: at least 400 ms.
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    let waits = throttled(&events);
    assert!(
        waits.len() >= 6,
        "6 of the 8 had to wait for a slot: {waits:?}"
    );
    assert!(waits.iter().all(|&w| w > 0.0), "{waits:?}");
}

#[test]
fn no_more_requests_start_per_window_than_the_rate() {
    let window = Duration::from_millis(300);
    let limits = Limits {
        max_concurrency: 16,
        requests: Some(3),
        window,
    };
    let limited = Limited::with_limits(Slow::new(Duration::from_millis(1)), limits);
    let start = Instant::now();
    let events = ask_from_threads(&limited, "hi", 7);
    let mut starts = limited.inner().starts.lock().unwrap().clone();
    starts.sort();
    assert_eq!(starts.len(), 7);
    // Any 4 consecutive starts span at least a window: never 4 within one.
    for four in starts.windows(4) {
        let span = four[3] - four[0];
        assert!(span >= window, "4 requests within {span:?}");
    }
    // 3 at once, 3 after one window, 1 after two.
    let elapsed = start.elapsed();
    assert!(elapsed >= 2 * window, "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    let waits = throttled(&events);
    assert!(!waits.is_empty());
    assert!(
        waits.iter().all(|&w| w > 0.0 && w <= window.as_secs_f64()),
        "a rate wait is at most one window: {waits:?}"
    );
}

#[test]
fn without_waiting_nothing_is_reported() {
    let limits = Limits {
        max_concurrency: 4,
        requests: Some(10),
        window: Duration::from_secs(60),
    };
    let limited = Limited::with_limits(Slow::new(Duration::from_millis(1)), limits);
    let events = ask_from_threads(&limited, "hi", 4);
    assert_eq!(throttled(&events), Vec::<f64>::new());
    assert_eq!(limited.describe(), "slow");
}

#[test]
fn a_slot_is_given_back_after_an_error_and_after_a_panic() {
    let limits = Limits {
        max_concurrency: 1,
        requests: None,
        window: Duration::from_secs(60),
    };
    let limited = Limited::with_limits(Slow::new(Duration::from_millis(1)), limits);
    assert!(limited.complete(&request("fail"), &mut |_| {}).is_err());
    let panicked = thread::scope(|scope| {
        scope
            .spawn(|| limited.complete(&request("panic"), &mut |_| {}))
            .join()
            .is_err()
    });
    assert!(panicked);
    // With the only slot leaked, this would block forever.
    let reply = limited
        .complete(&request("still there"), &mut |_| {})
        .unwrap();
    assert_eq!(reply.text, "still there");
}
