//! The OpenAI provider against a real HTTP server on loopback that speaks Chat Completions:
//! what it sends, what it makes of each documented reply, and how it fails.

mod support;

use std::time::{Duration, Instant};

use lathe_llm::openai::OpenAi;
use lathe_llm::testing::{LoopbackServer, Scripted};
use lathe_llm::{
    ApiKey, Event, Finish, LlmConfig, LlmError, Provider, Reply, Request, TimeoutPhase, Usage,
};
use serde_json::json;
use support::{Run, only_request};

const KEY: &str = "sk-loopback-test-7d3f9a";
const MODEL: &str = "gpt-test";

fn data(name: &str) -> String {
    support::data(&format!("http/openai/{name}"))
}

fn config(server: &LoopbackServer) -> LlmConfig {
    LlmConfig {
        openai_base_url: server.url(),
        openai_key: ApiKey::new(KEY),
        ..support::loopback_config()
    }
}

fn request(stream: bool) -> Request {
    support::kernel_request(500, 0.2, stream)
}

fn run_with(config: &LlmConfig, request: &Request) -> Run {
    support::run(request, |sleep| {
        OpenAi::new(MODEL.to_owned(), config)
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

fn progress(events: &[Event]) -> Vec<&Event> {
    events
        .iter()
        .filter(|e| matches!(e, Event::Progress { .. }))
        .collect()
}

#[test]
fn a_json_reply_gives_the_answer_usage_and_model_and_the_request_is_as_documented() {
    let body = data("completion.json");
    let server = LoopbackServer::start([Scripted::json(200, body.clone())]).unwrap();
    let run = run(&server, &request(false));
    let reply = run.result.unwrap();

    assert!(
        reply.text.starts_with("Fuse the two loops."),
        "{}",
        reply.text
    );
    assert_eq!(reply.reasoning, None);
    assert_eq!(
        reply.usage,
        Usage {
            input_tokens: 120,
            output_tokens: 340,
            reasoning_tokens: 200
        }
    );
    assert_eq!(reply.finish, Finish::Stop);
    assert_eq!(
        reply.model, "gpt-test-2025-01-01",
        "the model as the reply names it"
    );
    assert_eq!(reply.attempts, 1);
    assert_eq!(reply.cost_usd, None, "the registry prices replies");
    assert_eq!(run.events, vec![Event::Attempt { attempt: 1 }]);

    let sent = only_request(&server);
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.json().unwrap(),
        json!({
            "model": MODEL,
            "messages": [
                {"role": "system", "content": "You write Triton kernels."},
                {"role": "user", "content": "Make this kernel faster."}
            ],
            "max_tokens": 500,
            "temperature": 0.2,
            "stream": false
        })
    );
    assert_eq!(reply.transcript.request_body, sent.body);
    assert_eq!(reply.transcript.response_body, body);
    assert_key_free(&reply);
}

#[test]
fn a_stream_with_reasoning_content_keeps_reasoning_apart_and_tells_progress() {
    let stream = data("stream_reasoning_content.sse");
    let server = LoopbackServer::start([Scripted::sse_text(&stream)]).unwrap();
    let run = run(&server, &request(true));
    let reply = run.result.unwrap();

    assert_eq!(reply.text, "Use one block per row.");
    assert_eq!(reply.reasoning.as_deref(), Some("Rows fit in one block."));
    assert_eq!(
        reply.usage,
        Usage {
            input_tokens: 42,
            output_tokens: 17,
            reasoning_tokens: 9
        }
    );
    assert_eq!(reply.model, "deepseek-test");
    assert_eq!(
        reply.transcript.response_body, stream,
        "the stream as received"
    );

    let told = progress(&run.events);
    assert!(!told.is_empty(), "{:?}", run.events);
    assert_eq!(
        told.last().copied(),
        Some(&Event::Progress {
            answer_chars: 22,
            reasoning_chars: 22,
            output_tokens: Some(17)
        }),
        "the last progress is the whole reply"
    );

    let sent = only_request(&server).json().unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
    assert_key_free(&reply);
}

#[test]
fn progress_is_told_while_the_stream_flows_not_only_at_its_end() {
    let Scripted::Sse { events, .. } = Scripted::sse_text(&data("stream_reasoning_content.sse"))
    else {
        unreachable!("sse_text makes an event stream")
    };
    let server = LoopbackServer::start([Scripted::Sse {
        status: 200,
        events,
        delay_between: Duration::from_millis(60),
    }])
    .unwrap();
    let provider = OpenAi::new(MODEL.to_owned(), &config(&server)).unwrap();
    let mut told = Vec::new();
    provider
        .complete(&request(true), &mut |e| {
            if matches!(e, Event::Progress { .. }) {
                told.push(Instant::now());
            }
        })
        .unwrap();
    let ended = Instant::now();
    assert!(told.len() >= 2, "{told:?}");
    assert!(
        ended - told[0] > Duration::from_millis(150),
        "the first progress came {:?} before the end",
        ended - told[0]
    );
}

#[test]
fn a_stream_with_the_reasoning_field_keeps_reasoning_apart() {
    let server =
        LoopbackServer::start([Scripted::sse_text(&data("stream_reasoning.sse"))]).unwrap();
    let run = run(&server, &request(true));
    let reply = run.result.unwrap();
    assert_eq!(reply.text, "Coalesce the loads.");
    assert_eq!(
        reply.reasoning.as_deref(),
        Some("Think about memory traffic.")
    );
    assert_eq!(reply.usage.output_tokens, 12);
    assert_eq!(reply.finish, Finish::Stop);
    assert!(!progress(&run.events).is_empty());
}

#[test]
fn reasoning_under_both_names_is_taken_once() {
    let chunk = |delta: &str, finish: &str| {
        format!(
            "data: {{\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":{finish}}}]}}\n\n"
        )
    };
    let server = LoopbackServer::start([Scripted::sse([
        chunk(
            r#"{"reasoning_content":"Tile it.","reasoning":"Tile it."}"#,
            "null",
        ),
        chunk(r#"{"content":"Done."}"#, r#""stop""#),
        "data: [DONE]\n\n".to_owned(),
    ])])
    .unwrap();
    let reply = run(&server, &request(true)).result.unwrap();
    assert_eq!(reply.reasoning.as_deref(), Some("Tile it."));
    assert_eq!(reply.text, "Done.");
}

#[test]
fn inline_think_is_split_from_the_answer() {
    let server =
        LoopbackServer::start([Scripted::json(200, data("completion_think_inline.json"))]).unwrap();
    let reply = run(&server, &request(false)).result.unwrap();
    let reasoning = reply.reasoning.unwrap();
    assert!(reasoning.contains("def draft()"), "{reasoning}");
    assert_eq!(reply.text, "```python\ndef kernel(): pass\n```");
}

#[test]
fn a_rate_limit_waits_as_retry_after_says_then_succeeds() {
    let server = LoopbackServer::start([
        Scripted::Json {
            status: 429,
            headers: vec![("Retry-After".to_owned(), "1".to_owned())],
            body: r#"{"error":{"message":"Rate limit reached.","type":"requests","code":"rate_limit_exceeded"}}"#.to_owned(),
        },
        Scripted::json(200, data("completion.json")),
    ])
    .unwrap();
    let run = run(&server, &request(false));
    let reply = run.result.unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(run.waits, vec![Duration::from_secs(1)]);
    assert_eq!(server.requests().len(), 2);
    assert_eq!(run.events.len(), 3, "{:?}", run.events);
    assert_eq!(run.events[0], Event::Attempt { attempt: 1 });
    assert!(
        matches!(&run.events[1], Event::Retry { attempt: 1, wait_seconds, reason }
            if *wait_seconds == 1.0 && reason.contains("429") && reason.contains("Rate limit reached.")),
        "{:?}",
        run.events[1]
    );
    assert_eq!(run.events[2], Event::Attempt { attempt: 2 });
}

#[test]
fn a_server_error_is_retried_after_a_jittered_backoff() {
    let server = LoopbackServer::start([
        Scripted::json(500, r#"{"error":{"message":"boom","type":"server_error"}}"#),
        Scripted::json(200, data("completion.json")),
    ])
    .unwrap();
    let run = run(&server, &request(false));
    assert_eq!(run.result.unwrap().attempts, 2);
    assert_eq!(run.waits.len(), 1);
    assert!(
        run.waits[0] < Duration::from_millis(10),
        "under the base delay: {:?}",
        run.waits
    );
}

#[test]
fn retries_end_at_max_attempts_with_the_last_status() {
    let overloaded = || Scripted::json(503, r#"{"error":{"message":"try later"}}"#);
    let server = LoopbackServer::start([overloaded(), overloaded(), overloaded()]).unwrap();
    let run = run(&server, &request(false));
    match run.result.unwrap_err() {
        LlmError::Http {
            status: 503,
            message,
            attempts: 3,
        } => assert_eq!(message, "try later"),
        e => panic!("{e:?}"),
    }
    assert_eq!(server.requests().len(), 3);
    assert_eq!(run.waits.len(), 2);
}

#[test]
fn a_refused_key_is_auth_after_one_attempt() {
    let server = LoopbackServer::start([Scripted::json(
        401,
        r#"{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
    )])
    .unwrap();
    let run = run(&server, &request(false));
    let error = run.result.unwrap_err();
    match &error {
        LlmError::Auth {
            status: 401,
            message,
            var: "OPENAI_API_KEY",
        } => assert_eq!(message, "Incorrect API key provided."),
        e => panic!("{e:?}"),
    }
    assert!(error.to_string().contains("OPENAI_API_KEY"), "{error}");
    only_request(&server);
    assert!(run.waits.is_empty());
}

#[test]
fn an_unknown_model_is_named() {
    let server = LoopbackServer::start([Scripted::json(
        404,
        r#"{"error":{"message":"The model `gpt-test` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#,
    )])
    .unwrap();
    match run(&server, &request(false)).result.unwrap_err() {
        LlmError::UnknownModel {
            model,
            status: 404,
            message,
        } => {
            assert_eq!(model, MODEL);
            assert!(
                message.starts_with("The model `gpt-test` does not exist"),
                "{message}"
            );
        }
        e => panic!("{e:?}"),
    }
    only_request(&server);
}

#[test]
fn an_overlong_prompt_is_prompt_too_long() {
    let server = LoopbackServer::start([Scripted::json(
        400,
        r#"{"error":{"message":"This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#,
    )])
    .unwrap();
    let error = run(&server, &request(false)).result.unwrap_err();
    assert!(
        matches!(&error, LlmError::PromptTooLong { status: 400, message } if message.contains("8192")),
        "{error:?}"
    );
    only_request(&server);
}

#[test]
fn another_bad_request_is_not_retried() {
    let server = LoopbackServer::start([Scripted::json(
        400,
        r#"{"error":{"message":"Unsupported value: 'temperature'.","type":"invalid_request_error","code":"unsupported_value"}}"#,
    )])
    .unwrap();
    let error = run(&server, &request(false)).result.unwrap_err();
    assert!(
        matches!(&error, LlmError::BadRequest { status: 400, message } if message == "Unsupported value: 'temperature'."),
        "{error:?}"
    );
    only_request(&server);
}

#[test]
fn a_reply_cut_at_the_limit_is_truncated_with_all_of_it() {
    let server =
        LoopbackServer::start([Scripted::json(200, data("completion_length.json"))]).unwrap();
    match run(&server, &request(false)).result.unwrap_err() {
        LlmError::Truncated { partial } => {
            assert_eq!(partial.text, "```python\ndef kernel(x_ptr,");
            assert_eq!(
                partial.reasoning.as_deref(),
                Some("Plan: one block per row.")
            );
            assert_eq!(partial.usage.output_tokens, 64);
            assert_eq!(partial.finish, Finish::Length);
            assert_key_free(&partial);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_stream_cut_at_the_limit_is_truncated_with_all_of_it() {
    let server = LoopbackServer::start([Scripted::sse_text(&data("stream_length.sse"))]).unwrap();
    match run(&server, &request(true)).result.unwrap_err() {
        LlmError::Truncated { partial } => {
            assert_eq!(partial.text, "```python\ndef kernel(");
            assert_eq!(partial.usage.output_tokens, 64);
            assert_eq!(partial.finish, Finish::Length);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn a_reply_that_is_not_json_is_malformed() {
    let server = LoopbackServer::start([Scripted::json(200, "{\"choices\": [oops")]).unwrap();
    match run(&server, &request(false)).result.unwrap_err() {
        LlmError::Malformed { body_head, .. } => assert_eq!(body_head, "{\"choices\": [oops"),
        e => panic!("{e:?}"),
    }
    only_request(&server);
}

#[test]
fn a_stall_after_the_head_is_a_stall_timeout_and_not_retried() {
    let server = LoopbackServer::start([Scripted::Stall {
        after_headers: true,
        for_: Duration::from_secs(5),
    }])
    .unwrap();
    let run = run(&server, &request(true));
    match run.result.unwrap_err() {
        LlmError::Timeout {
            phase: TimeoutPhase::Stall,
            attempts: 1,
            after_seconds,
        } => assert!((after_seconds - 0.4).abs() < 1e-9, "{after_seconds}"),
        e => panic!("{e:?}"),
    }
    assert!(run.seconds < 2.0, "it took {} s", run.seconds);
    only_request(&server);
}

#[test]
fn no_first_byte_is_a_first_byte_timeout_and_retried() {
    let stall = || Scripted::Stall {
        after_headers: false,
        for_: Duration::from_secs(5),
    };
    let server = LoopbackServer::start([stall(), stall()]).unwrap();
    let mut config = config(&server);
    config.retry.max_attempts = 2;
    let run = run_with(&config, &request(false));
    assert!(
        matches!(
            run.result,
            Err(LlmError::Timeout {
                phase: TimeoutPhase::FirstByte,
                attempts: 2,
                ..
            })
        ),
        "{:?}",
        run.result
    );
    assert!(run.seconds < 3.0, "it took {} s", run.seconds);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_dropped_connection_is_retried() {
    let server = LoopbackServer::start([
        Scripted::Close,
        Scripted::json(200, data("completion.json")),
    ])
    .unwrap();
    let run = run(&server, &request(false));
    assert_eq!(run.result.unwrap().attempts, 2);
    assert!(
        matches!(&run.events[1], Event::Retry { reason, .. } if reason.starts_with("connection")),
        "{:?}",
        run.events
    );
}

#[test]
fn a_stream_that_ends_before_done_is_retried() {
    let whole = data("stream_reasoning_content.sse");
    let cut: String = whole.split_inclusive("\n\n").take(3).collect();
    let server =
        LoopbackServer::start([Scripted::sse_text(&cut), Scripted::sse_text(&whole)]).unwrap();
    let reply = run(&server, &request(true)).result.unwrap();
    assert_eq!(reply.attempts, 2);
    assert_eq!(reply.text, "Use one block per row.");
    assert_eq!(
        reply.transcript.response_body, whole,
        "the transcript of the attempt that counted"
    );
}

#[test]
fn an_error_inside_a_stream_is_read_as_its_status() {
    let server = LoopbackServer::start([
        Scripted::sse([
            "data: {\"error\":{\"message\":\"The server had an error.\",\"type\":\"server_error\"}}\n\n",
        ]),
        Scripted::sse_text(&data("stream_reasoning.sse")),
    ])
    .unwrap();
    let run = run(&server, &request(true));
    assert_eq!(run.result.unwrap().attempts, 2);
    assert!(
        matches!(&run.events[1], Event::Retry { reason, .. } if reason.contains("The server had an error.")),
        "{:?}",
        run.events
    );
}

#[test]
fn a_loopback_server_needs_no_key_and_gets_no_authorization() {
    let server = LoopbackServer::start([Scripted::json(200, data("completion.json"))]).unwrap();
    let mut config = config(&server);
    config.openai_key = None;
    run_with(&config, &request(false)).result.unwrap();
    assert_eq!(only_request(&server).header("authorization"), None);
}
