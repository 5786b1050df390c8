//! The Anthropic provider against a real HTTP server on loopback that speaks the Messages API:
//! what it sends, what it makes of each documented reply, and how it fails.

mod support;

use std::time::Duration;

use lathe_llm::anthropic::Anthropic;
use lathe_llm::testing::{LoopbackServer, Scripted};
use lathe_llm::{ApiKey, Event, Finish, LlmConfig, LlmError, Reply, Request, TimeoutPhase, Usage};
use serde_json::json;
use support::{Run, only_request};

const KEY: &str = "sk-ant-loopback-test-41c2";
const MODEL: &str = "claude-test";

fn data(name: &str) -> String {
    support::data(&format!("http/anthropic/{name}"))
}

fn config(server: &LoopbackServer) -> LlmConfig {
    LlmConfig {
        anthropic_base_url: server.url(),
        anthropic_key: ApiKey::new(KEY),
        thinking_budget: None,
        ..support::loopback_config()
    }
}

fn request(stream: bool) -> Request {
    support::kernel_request(4096, 0.5, stream)
}

fn run_with(config: &LlmConfig, request: &Request) -> Run {
    support::run(request, |sleep| {
        Anthropic::new(MODEL.to_owned(), config)
            .unwrap()
            .with_sleep(sleep)
    })
}

fn run(server: &LoopbackServer, request: &Request) -> Run {
    run_with(&config(server), request)
}

fn assert_key_free(reply: &Reply) {
    support::assert_key_free(reply, KEY);
}

fn error_body(kind: &str, message: &str) -> String {
    json!({"type": "error", "error": {"type": kind, "message": message}}).to_string()
}

#[test]
fn a_json_reply_gives_the_answer_and_usage_and_the_request_is_as_documented() {
    let body = data("message.json");
    let server = LoopbackServer::start([Scripted::json(200, body.clone())]).unwrap();
    let run = run(&server, &request(false));
    let reply = run.result.unwrap();

    assert_eq!(
        reply.text,
        "Fuse the two loops.\n\n```python\ndef kernel(): pass\n```"
    );
    assert_eq!(reply.reasoning, None);
    assert_eq!(
        reply.usage,
        Usage {
            input_tokens: 150,
            output_tokens: 60,
            reasoning_tokens: 0
        }
    );
    assert_eq!(reply.finish, Finish::Stop);
    assert_eq!(reply.model, "claude-test-20250101");
    assert_eq!(reply.attempts, 1);
    assert_eq!(run.events, vec![Event::Attempt { attempt: 1 }]);

    let sent = only_request(&server);
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/messages")
    );
    assert_eq!(sent.header("x-api-key"), Some(KEY));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(
        sent.json().unwrap(),
        json!({
            "model": MODEL,
            "max_tokens": 4096,
            "system": "You write Triton kernels.",
            "messages": [{"role": "user", "content": "Make this kernel faster."}],
            "stream": false,
            "temperature": 0.5
        })
    );
    assert_eq!(reply.transcript.request_body, sent.body);
    assert_eq!(reply.transcript.response_body, body);
    assert_key_free(&reply);
}

#[test]
fn thinking_asks_for_its_budget_drops_temperature_and_comes_back_apart() {
    let server =
        LoopbackServer::start([Scripted::json(200, data("message_thinking.json"))]).unwrap();
    let mut config = config(&server);
    config.thinking_budget = Some(2048);
    let reply = run_with(&config, &request(false)).result.unwrap();

    assert_eq!(reply.text, "Split the reduction.");
    assert_eq!(
        reply.reasoning.as_deref(),
        Some("The reduction is the bottleneck.")
    );
    let sent = only_request(&server).json().unwrap();
    assert_eq!(
        sent["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );
    assert!(
        sent.get("temperature").is_none(),
        "the API refuses it with thinking: {sent}"
    );
}

#[test]
fn a_stream_with_thinking_keeps_it_apart_and_tells_progress() {
    let stream = data("stream_thinking.sse");
    let server = LoopbackServer::start([Scripted::sse_text(&stream)]).unwrap();
    let mut config = config(&server);
    config.thinking_budget = Some(1024);
    let run = run_with(&config, &request(true));
    let reply = run.result.unwrap();

    assert_eq!(reply.text, "Transpose the tile first.");
    assert_eq!(reply.reasoning.as_deref(), Some("Loads are not coalesced."));
    assert_eq!(
        reply.usage,
        Usage {
            input_tokens: 77,
            output_tokens: 321,
            reasoning_tokens: 0
        }
    );
    assert_eq!(reply.finish, Finish::Stop);
    assert_eq!(reply.model, "claude-test-20250101");
    assert_eq!(
        reply.transcript.response_body, stream,
        "the stream as received"
    );
    assert_key_free(&reply);

    let told: Vec<&Event> = run
        .events
        .iter()
        .filter(|e| matches!(e, Event::Progress { .. }))
        .collect();
    assert!(!told.is_empty(), "{:?}", run.events);
    assert_eq!(
        told.last().copied(),
        Some(&Event::Progress {
            answer_chars: 25,
            reasoning_chars: 24,
            output_tokens: Some(321)
        })
    );
    let sent = only_request(&server);
    assert_eq!(sent.json().unwrap()["stream"], true);
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
}

#[test]
fn a_rate_limit_waits_as_retry_after_says_then_succeeds() {
    let server = LoopbackServer::start([
        Scripted::Json {
            status: 429,
            headers: vec![("retry-after".to_owned(), "1".to_owned())],
            body: error_body(
                "rate_limit_error",
                "Number of requests has exceeded your rate limit.",
            ),
        },
        Scripted::json(200, data("message.json")),
    ])
    .unwrap();
    let run = run(&server, &request(false));
    assert_eq!(run.result.unwrap().attempts, 2);
    assert_eq!(run.waits, vec![Duration::from_secs(1)]);
    assert_eq!(server.requests().len(), 2);
    assert!(
        matches!(&run.events[..], [
            Event::Attempt { attempt: 1 },
            Event::Retry { attempt: 1, wait_seconds, .. },
            Event::Attempt { attempt: 2 },
        ] if *wait_seconds == 1.0),
        "{:?}",
        run.events
    );
}

#[test]
fn overloaded_is_retried() {
    let server = LoopbackServer::start([
        Scripted::json(529, error_body("overloaded_error", "Overloaded")),
        Scripted::json(200, data("message.json")),
    ])
    .unwrap();
    let run = run(&server, &request(false));
    assert_eq!(run.result.unwrap().attempts, 2);
    assert_eq!(run.waits.len(), 1);
    assert!(run.waits[0] < Duration::from_millis(10), "{:?}", run.waits);
}

#[test]
fn overloaded_in_the_middle_of_a_stream_is_retried_as_529() {
    let server = LoopbackServer::start([
        Scripted::sse_text(&data("stream_overloaded.sse")),
        Scripted::sse_text(&data("stream_thinking.sse")),
    ])
    .unwrap();
    let run = run(&server, &request(true));
    let reply = run.result.unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.text, "Transpose the tile first.");
    assert!(
        run.events
            .iter()
            .any(|e| matches!(e, Event::Retry { reason, .. }
            if reason == "HTTP 529: Overloaded")),
        "{:?}",
        run.events
    );
}

#[test]
fn a_server_error_is_retried() {
    let server = LoopbackServer::start([
        Scripted::json(500, error_body("api_error", "Internal server error")),
        Scripted::json(200, data("message.json")),
    ])
    .unwrap();
    assert_eq!(run(&server, &request(false)).result.unwrap().attempts, 2);
}

#[test]
fn a_refused_key_is_auth_after_one_attempt() {
    let server = LoopbackServer::start([Scripted::json(
        401,
        error_body("authentication_error", "invalid x-api-key"),
    )])
    .unwrap();
    let run = run(&server, &request(false));
    let error = run.result.unwrap_err();
    match &error {
        LlmError::Auth {
            status: 401,
            message,
            var: "ANTHROPIC_API_KEY",
        } => assert_eq!(message, "invalid x-api-key"),
        e => panic!("{e:?}"),
    }
    assert!(error.to_string().contains("ANTHROPIC_API_KEY"), "{error}");
    only_request(&server);
    assert!(run.waits.is_empty());
}

#[test]
fn an_unknown_model_is_named() {
    let server = LoopbackServer::start([Scripted::json(
        404,
        error_body("not_found_error", "model: claude-test"),
    )])
    .unwrap();
    match run(&server, &request(false)).result.unwrap_err() {
        LlmError::UnknownModel {
            model,
            status: 404,
            message,
        } => assert_eq!(
            (model.as_str(), message.as_str()),
            (MODEL, "model: claude-test")
        ),
        e => panic!("{e:?}"),
    }
    only_request(&server);
}

#[test]
fn an_overlong_prompt_is_prompt_too_long() {
    let server = LoopbackServer::start([Scripted::json(
        400,
        error_body(
            "invalid_request_error",
            "prompt is too long: 210000 tokens > 200000 maximum",
        ),
    )])
    .unwrap();
    let error = run(&server, &request(false)).result.unwrap_err();
    assert!(
        matches!(&error, LlmError::PromptTooLong { status: 400, message } if message.contains("210000")),
        "{error:?}"
    );
    only_request(&server);
}

#[test]
fn a_reply_cut_at_max_tokens_is_truncated_with_all_of_it() {
    let server =
        LoopbackServer::start([Scripted::json(200, data("message_max_tokens.json"))]).unwrap();
    match run(&server, &request(false)).result.unwrap_err() {
        LlmError::Truncated { partial } => {
            assert_eq!(partial.text, "```python\ndef kernel(x_ptr,");
            assert_eq!(partial.reasoning.as_deref(), Some("Plan the tiling."));
            assert_eq!(partial.usage.output_tokens, 128);
            assert_eq!(partial.finish, Finish::Length);
            assert_key_free(&partial);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_stream_cut_at_max_tokens_is_truncated_with_all_of_it() {
    let server =
        LoopbackServer::start([Scripted::sse_text(&data("stream_max_tokens.sse"))]).unwrap();
    match run(&server, &request(true)).result.unwrap_err() {
        LlmError::Truncated { partial } => {
            assert_eq!(partial.text, "```python\ndef kernel(");
            assert_eq!(partial.usage.output_tokens, 64);
            assert_eq!(partial.usage.input_tokens, 20);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_reply_that_is_not_json_is_malformed() {
    let server = LoopbackServer::start([Scripted::json(200, "<html>gateway</html>")]).unwrap();
    match run(&server, &request(false)).result.unwrap_err() {
        LlmError::Malformed { body_head, .. } => assert_eq!(body_head, "<html>gateway</html>"),
        e => panic!("{e:?}"),
    }
    only_request(&server);
}

#[test]
fn a_stall_after_the_head_is_a_stall_timeout() {
    let server = LoopbackServer::start([Scripted::Stall {
        after_headers: true,
        for_: Duration::from_secs(5),
    }])
    .unwrap();
    let run = run(&server, &request(true));
    assert!(
        matches!(
            run.result,
            Err(LlmError::Timeout {
                phase: TimeoutPhase::Stall,
                attempts: 1,
                ..
            })
        ),
        "{:?}",
        run.result
    );
    assert!(run.seconds < 2.0, "it took {} s", run.seconds);
}

#[test]
fn no_first_byte_is_a_first_byte_timeout() {
    let server = LoopbackServer::start([Scripted::Stall {
        after_headers: false,
        for_: Duration::from_secs(5),
    }])
    .unwrap();
    let mut config = config(&server);
    config.retry.max_attempts = 1;
    let run = run_with(&config, &request(false));
    assert!(
        matches!(
            run.result,
            Err(LlmError::Timeout {
                phase: TimeoutPhase::FirstByte,
                attempts: 1,
                ..
            })
        ),
        "{:?}",
        run.result
    );
    assert!(run.seconds < 2.0, "it took {} s", run.seconds);
}

#[test]
fn a_dropped_connection_is_retried() {
    let server =
        LoopbackServer::start([Scripted::Close, Scripted::json(200, data("message.json"))])
            .unwrap();
    let reply = run(&server, &request(false)).result.unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(server.requests().len(), 2);
}
