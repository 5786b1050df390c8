//! What the integration tests share: the fixtures under `tests/data`, a plain request, one
//! completion with what it told, and for the HTTP providers a config and a run against the
//! loopback server.
//!
//! Each test binary compiles this module (`mod support;`) and uses its part of it.

#![allow(
    dead_code,
    reason = "each test binary uses only part of the module; `expect` would fail in the others"
)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lathe_llm::testing::{LoopbackServer, Recorded};
use lathe_llm::{Event, LlmConfig, LlmError, Provider, Reply, Request, RetryPolicy, Timeouts};

/// A fixture's path: `relative` under `tests/data`.
pub fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// A fixture's text; a missing one fails the test with its path.
pub fn data(relative: &str) -> String {
    let path = data_path(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `prompt` alone: no system message, no temperature, no stream.
pub fn request(prompt: &str) -> Request {
    Request {
        prompt: prompt.to_owned(),
        system: None,
        max_tokens: 1000,
        temperature: None,
        stream: false,
    }
}

/// One completion, with the events it told.
pub fn complete(
    provider: &dyn Provider,
    request: &Request,
) -> (Result<Reply, LlmError>, Vec<Event>) {
    let mut events = Vec::new();
    let result = provider.complete(request, &mut |event| events.push(event));
    (result, events)
}

/// The environment's config with limits for a server on loopback: a stall or a missing first
/// byte fails in 0.4 s, and three attempts with short backoffs (recorded by [`run`], never
/// slept).
pub fn loopback_config() -> LlmConfig {
    LlmConfig {
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            first_byte: Duration::from_millis(400),
            stall: Duration::from_millis(400),
            total: Duration::from_secs(10),
        },
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(5),
        },
        ..LlmConfig::from_env()
    }
}

/// What the HTTP suites ask, with a system message; the limits are each suite's own.
pub fn kernel_request(max_tokens: u32, temperature: f64, stream: bool) -> Request {
    Request {
        prompt: "Make this kernel faster.".to_owned(),
        system: Some("You write Triton kernels.".to_owned()),
        max_tokens,
        temperature: Some(temperature),
        stream,
    }
}

/// How a provider under test spends the waits between attempts: given to its `with_sleep`.
pub type Sleep = Box<dyn Fn(Duration) + Send + Sync>;

/// One completion: its result, the events it told, and the waits it asked for.
pub struct Run {
    pub result: Result<Reply, LlmError>,
    pub events: Vec<Event>,
    pub waits: Vec<Duration>,
    pub seconds: f64,
}

/// Asks `request` of the provider `build` makes from a [`Sleep`] that records the waits
/// instead of sleeping.
pub fn run<P: Provider>(request: &Request, build: impl FnOnce(Sleep) -> P) -> Run {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let recorder = Arc::clone(&waits);
    let provider = build(Box::new(move |wait| recorder.lock().unwrap().push(wait)));
    let mut events = Vec::new();
    let started = Instant::now();
    let result = provider.complete(request, &mut |e| events.push(e));
    let waits = waits.lock().unwrap().clone();
    Run {
        result,
        events,
        waits,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// The one request the server received: the completion made a single attempt.
pub fn only_request(server: &LoopbackServer) -> Recorded {
    let mut requests = server.requests();
    assert_eq!(requests.len(), 1, "one attempt: {requests:?}");
    requests.remove(0)
}

/// `key` appears nowhere in what is kept of `reply`.
pub fn assert_key_free(reply: &Reply, key: &str) {
    let kept = serde_json::to_string(reply).unwrap();
    assert!(!kept.contains(key), "the key leaked into the reply: {kept}");
}
