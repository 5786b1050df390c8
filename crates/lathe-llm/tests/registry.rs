//! `provider_for`: specs become working providers (limited and priced), and what can fail before
//! a request (a missing key, a missing recording) fails at once.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use lathe_llm::price::Priced;
use lathe_llm::testing::{LoopbackServer, Scripted};
use lathe_llm::{
    Event, Finish, LlmConfig, LlmError, LlmSpec, Provider, Reply, Request, Transcript, Usage,
    provider_for,
};
use support::request;

fn config() -> LlmConfig {
    let mut config = LlmConfig::from_env();
    config.openai_key = None;
    config.anthropic_key = None;
    config.prices = BTreeMap::from([("gpt-4.1".to_owned(), [2.0, 8.0])]);
    config
}

fn spec(text: &str) -> LlmSpec {
    text.parse().unwrap()
}

#[test]
fn a_replay_spec_answers_and_its_reply_is_priced() {
    let path = support::data_path("local/replay.jsonl");
    let provider = provider_for(&spec(&format!("replay:{}", path.display())), &config()).unwrap();
    assert_eq!(provider.describe(), format!("replay:{}", path.display()));
    let reply = provider
        .complete(&request("Write a softmax kernel."), &mut |_| {})
        .unwrap();
    assert_eq!(reply.text, "```python\nsoftmax v1\n```");
    // gpt-4.1-2025-04-14 at gpt-4.1's price: 1000 in at $2/M, 500 out at $8/M.
    let cost = reply.cost_usd.expect("priced by prefix");
    assert!((cost - 0.006).abs() < 1e-12, "{cost}");

    // A model without a price: no cost, not a guessed one.
    let reply = provider
        .complete(&request("Write a layernorm kernel."), &mut |_| {})
        .unwrap();
    assert_eq!(reply.cost_usd, None);
}

#[test]
fn a_command_spec_answers() {
    let provider = provider_for(&spec("command:tr a-z A-Z"), &config()).unwrap();
    assert_eq!(provider.describe(), "command:tr a-z A-Z");
    let reply = provider.complete(&request("shout"), &mut |_| {}).unwrap();
    assert_eq!(reply.text, "SHOUT");
}

#[test]
fn a_manual_spec_writes_into_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config();
    config.manual_wait = Duration::from_millis(50);
    let provider =
        provider_for(&spec(&format!("manual:{}", dir.path().display())), &config).unwrap();
    let mut events = Vec::new();
    let result = provider.complete(&request("anyone?"), &mut |e| events.push(e));
    assert!(matches!(result, Err(LlmError::Manual { .. })), "{result:?}");
    let Some(Event::AwaitingReply { prompt_path, .. }) = events.first() else {
        panic!("{events:?}");
    };
    assert!(
        Path::new(prompt_path).starts_with(dir.path()),
        "{prompt_path}"
    );
    assert_eq!(std::fs::read_to_string(prompt_path).unwrap(), "anyone?");
}

#[test]
fn a_missing_recording_fails_before_any_request() {
    let result = provider_for(&spec("replay:/nonexistent/replies.jsonl"), &config());
    match result {
        Err(LlmError::Io { path, .. }) => assert_eq!(path, Path::new("/nonexistent/replies.jsonl")),
        Err(other) => panic!("expected an Io error, got {other:?}"),
        Ok(provider) => panic!("expected an Io error, got {}", provider.describe()),
    }
}

#[test]
fn openai_without_a_key_for_a_remote_server_is_a_missing_key() {
    let mut config = config();
    config.openai_base_url = "https://api.example.com/v1".to_owned();
    match provider_for(&spec("openai:x"), &config) {
        Err(LlmError::MissingKey { var, .. }) => assert_eq!(var, "OPENAI_API_KEY"),
        Err(other) => panic!("expected MissingKey, got {other:?}"),
        Ok(provider) => panic!("expected MissingKey, got {}", provider.describe()),
    }
}

#[test]
fn an_openai_spec_answers_from_a_local_server_and_is_priced() {
    let server = LoopbackServer::start([Scripted::json(
        200,
        r#"{"id": "c1", "model": "gpt-4.1-2025-04-14",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "the kernel"},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500}}"#,
    )])
    .unwrap();
    let mut config = config();
    // Loopback: no key needed.
    config.openai_base_url = server.url();
    let provider = provider_for(&spec("openai:gpt-4.1"), &config).unwrap();
    let reply = provider.complete(&request("go"), &mut |_| {}).unwrap();
    assert_eq!(reply.text, "the kernel");
    let cost = reply.cost_usd.expect("priced by prefix");
    assert!((cost - 0.006).abs() < 1e-12, "{cost}");
}

/// Always cut at the token limit, with usage.
#[derive(Debug)]
struct Cut;

impl Provider for Cut {
    fn describe(&self) -> String {
        "cut".to_owned()
    }

    fn complete(&self, _: &Request, _: &mut dyn FnMut(Event)) -> Result<Reply, LlmError> {
        Err(LlmError::Truncated {
            partial: Box::new(Reply {
                text: "def kernel(".to_owned(),
                reasoning: None,
                usage: Usage {
                    input_tokens: 500_000,
                    output_tokens: 1_000_000,
                    reasoning_tokens: 0,
                },
                cost_usd: None,
                finish: Finish::Length,
                model: "gpt-4.1".to_owned(),
                transcript: Transcript::default(),
                attempts: 1,
                seconds: 1.0,
            }),
        })
    }
}

#[test]
fn a_truncated_reply_is_priced_too() {
    let priced = Priced::new(Cut, config().prices);
    match priced.complete(&request("go"), &mut |_| {}) {
        Err(LlmError::Truncated { partial }) => assert_eq!(partial.cost_usd, Some(1.0 + 8.0)),
        other => panic!("expected Truncated, got {other:?}"),
    }
}
