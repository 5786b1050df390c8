//! `replay:` from real files: JSONL keyed by hash or by prompt, directories keyed by hash or
//! numbered, repeated prompts, the in-order fallback, misses and malformed recordings.

mod support;

use std::fs;
use std::path::PathBuf;

use lathe_llm::replay::{ReplayProvider, prompt_hash};
use lathe_llm::{LlmConfig, LlmError, Provider, Reply, Usage};
use support::request;

fn config(in_order: bool) -> LlmConfig {
    let mut config = LlmConfig::from_env();
    config.replay_in_order = in_order;
    config
}

fn ask(provider: &ReplayProvider, prompt: &str) -> Result<Reply, LlmError> {
    provider.complete(&request(prompt), &mut |_| {})
}

fn text(provider: &ReplayProvider, prompt: &str) -> String {
    ask(provider, prompt)
        .unwrap_or_else(|error| panic!("{prompt}: {error}"))
        .text
}

fn fixture() -> PathBuf {
    support::data_path("local/replay.jsonl")
}

/// A JSONL file of `lines` in a fresh directory.
fn jsonl(lines: &[serde_json::Value]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replies.jsonl");
    let body: Vec<String> = lines.iter().map(|line| line.to_string()).collect();
    fs::write(&path, body.join("\n")).unwrap();
    (dir, path)
}

#[test]
fn a_jsonl_recording_keyed_by_hash_answers_its_prompt_with_usage_and_model() {
    // The fixture's hash was computed with Python's hashlib, not with `prompt_hash`.
    let provider = ReplayProvider::open(fixture(), &config(false)).unwrap();
    let reply = ask(&provider, "Write a softmax kernel.").unwrap();
    assert_eq!(reply.text, "```python\nsoftmax v1\n```");
    assert_eq!(reply.reasoning.as_deref(), Some("rows fit in one block"));
    assert_eq!(
        reply.usage,
        Usage {
            input_tokens: 1000,
            output_tokens: 500,
            reasoning_tokens: 100
        }
    );
    assert_eq!(reply.model, "gpt-4.1-2025-04-14");
    assert_eq!(reply.transcript.request_body, "Write a softmax kernel.");
    assert!(reply.transcript.response_body.starts_with("<think>"));
    assert_eq!(
        provider.describe(),
        format!("replay:{}", fixture().display())
    );
}

#[test]
fn a_jsonl_recording_keyed_by_the_full_prompt_answers_it() {
    let provider = ReplayProvider::open(fixture(), &config(false)).unwrap();
    let reply = ask(&provider, "Write a layernorm kernel.").unwrap();
    assert_eq!(reply.text, "layernorm v1");
    assert_eq!(reply.reasoning.as_deref(), Some("normalise each row"));
    assert_eq!(reply.model, "replay");
    assert_eq!(reply.usage, Usage::default());
}

#[test]
fn a_miss_names_the_hash_the_start_of_the_prompt_and_the_recording() {
    let provider = ReplayProvider::open(fixture(), &config(false)).unwrap();
    let prompt = format!("Write a matmul kernel. {}", "x".repeat(200));
    match ask(&provider, &prompt) {
        Err(LlmError::ReplayMiss {
            hash,
            prompt_head,
            recorded,
        }) => {
            assert_eq!(hash, prompt_hash(&prompt));
            assert_eq!(prompt_head.chars().count(), 80);
            assert!(prompt_head.starts_with("Write a matmul kernel. xxx"));
            assert_eq!(recorded, fixture());
        }
        other => panic!("expected a ReplayMiss, got {other:?}"),
    }
    // Hashing is of the exact bytes: one more space is another prompt.
    assert!(ask(&provider, "Write a softmax kernel. ").is_err());
}

#[test]
fn a_prompt_recorded_twice_gets_its_replies_in_order_then_the_last_again() {
    let (_dir, path) = jsonl(&[
        serde_json::json!({"prompt": "again", "reply": "first"}),
        serde_json::json!({"prompt": "other", "reply": "unrelated"}),
        serde_json::json!({"prompt_sha256": prompt_hash("again"), "reply": "second"}),
    ]);
    let provider = ReplayProvider::open(&path, &config(false)).unwrap();
    assert_eq!(text(&provider, "again"), "first");
    assert_eq!(text(&provider, "again"), "second");
    assert_eq!(text(&provider, "again"), "second");
    assert_eq!(text(&provider, "other"), "unrelated");
}

#[test]
fn in_order_a_miss_takes_the_next_reply_not_served_yet() {
    let (_dir, path) = jsonl(&[
        serde_json::json!({"prompt": "one", "reply": "1"}),
        serde_json::json!({"prompt": "two", "reply": "2"}),
        serde_json::json!({"prompt": "three", "reply": "3"}),
    ]);
    let strict = ReplayProvider::open(&path, &config(false)).unwrap();
    assert!(matches!(
        ask(&strict, "one, reworded"),
        Err(LlmError::ReplayMiss { .. })
    ));

    let provider = ReplayProvider::open(&path, &config(true)).unwrap();
    assert_eq!(text(&provider, "two"), "2", "a hit is still a hit");
    assert_eq!(text(&provider, "one, reworded"), "1");
    assert_eq!(text(&provider, "three, reworded"), "3", "2 was served");
    assert!(matches!(
        ask(&provider, "four"),
        Err(LlmError::ReplayMiss { .. })
    ));
}

#[test]
fn a_directory_keyed_by_hash_answers_by_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let softmax = prompt_hash("softmax please");
    let layernorm = prompt_hash("layernorm please");
    fs::write(
        dir.path().join(format!("{softmax}.reply.md")),
        "softmax reply",
    )
    .unwrap();
    // Upper-case hex and the .txt extension are accepted too.
    fs::write(
        dir.path().join(format!("{}.txt", layernorm.to_uppercase())),
        "<think>hmm</think>layernorm reply",
    )
    .unwrap();
    fs::write(dir.path().join("README.md"), "not a reply").unwrap();
    let provider = ReplayProvider::open(dir.path(), &config(false)).unwrap();
    assert_eq!(text(&provider, "layernorm please"), "layernorm reply");
    assert_eq!(text(&provider, "softmax please"), "softmax reply");
    assert!(matches!(
        ask(&provider, "README"),
        Err(LlmError::ReplayMiss { .. })
    ));
}

#[test]
fn a_numbered_directory_replays_in_numeric_order() {
    let dir = tempfile::tempdir().unwrap();
    for (name, reply) in [
        ("002.md", "two"),
        ("010.md", "ten"),
        ("001.md", "one"),
        ("9.txt", "nine"),
    ] {
        fs::write(dir.path().join(name), reply).unwrap();
    }
    let provider = ReplayProvider::open(dir.path(), &config(true)).unwrap();
    let served: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .map(|prompt| text(&provider, prompt))
        .collect();
    assert_eq!(served, ["one", "two", "nine", "ten"]);
    assert!(matches!(
        ask(&provider, "e"),
        Err(LlmError::ReplayMiss { .. })
    ));
}

#[test]
fn numbered_replies_are_served_in_order_even_without_the_setting() {
    // They carry no hash to match: their order is the only way to serve them.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("1.md"), "one").unwrap();
    fs::write(dir.path().join("2.md"), "two").unwrap();
    let provider = ReplayProvider::open(dir.path(), &config(false)).unwrap();
    assert_eq!(text(&provider, "a"), "one");
    assert_eq!(text(&provider, "b"), "two");
}

#[test]
fn a_bad_line_is_an_error_naming_the_file_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replies.jsonl");
    fs::write(
        &path,
        "{\"prompt\": \"a\", \"reply\": \"b\"}\n\n{\"prompt\": \"c\"}\n",
    )
    .unwrap();
    let error = ReplayProvider::open(&path, &config(false)).unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("reply"), "{message}");

    fs::write(&path, "{\"prompt_sha256\": \"abc\", \"reply\": \"b\"}\n").unwrap();
    let message = ReplayProvider::open(&path, &config(false))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("line 1") && message.contains("64 hex digits"),
        "{message}"
    );
}

#[test]
fn a_missing_or_empty_recording_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.jsonl");
    let message = ReplayProvider::open(&missing, &config(false))
        .unwrap_err()
        .to_string();
    assert!(message.contains("nope.jsonl"), "{message}");
    let message = ReplayProvider::open(dir.path(), &config(false))
        .unwrap_err()
        .to_string();
    assert!(message.contains("no recorded replies"), "{message}");
}

#[test]
fn concurrent_askers_each_get_a_different_reply() {
    let dir = tempfile::tempdir().unwrap();
    for n in 1..=8 {
        fs::write(dir.path().join(format!("{n}.md")), format!("reply {n}")).unwrap();
    }
    let provider = ReplayProvider::open(dir.path(), &config(true)).unwrap();
    let mut served: Vec<String> = std::thread::scope(|scope| {
        let askers: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| text(&provider, "same prompt")))
            .collect();
        askers.into_iter().map(|a| a.join().unwrap()).collect()
    });
    served.sort();
    let expected: Vec<String> = (1..=8).map(|n| format!("reply {n}")).collect();
    assert_eq!(served, expected);
}

#[test]
fn numbered_replies_make_the_provider_order_sensitive_and_a_resume_continues_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    for (n, body) in ["first", "second", "third"].iter().enumerate() {
        fs::write(dir.path().join(format!("{:03}.md", n + 1)), body).unwrap();
    }
    let killed = ReplayProvider::open(dir.path().to_path_buf(), &config(false)).unwrap();
    assert!(killed.order_sensitive());
    assert_eq!(text(&killed, "a"), "first");
    assert_eq!(text(&killed, "b"), "second");

    // A new process: the two answered prompts come from the store, not from the provider.
    let resumed = ReplayProvider::open(dir.path().to_path_buf(), &config(false)).unwrap();
    resumed.served_before("a");
    resumed.served_before("b");
    assert_eq!(text(&resumed, "c"), "third");
}

#[test]
fn a_recording_keyed_only_by_hash_is_not_order_sensitive() {
    let provider = ReplayProvider::open(fixture(), &config(false)).unwrap();
    let keyed_only = fs::read_to_string(fixture())
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .all(|l| l.contains("prompt"));
    assert_eq!(provider.order_sensitive(), !keyed_only);
    assert!(
        ReplayProvider::open(fixture(), &config(true))
            .unwrap()
            .order_sensitive()
    );
}
