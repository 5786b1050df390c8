//! `lathe ask` through the real binary, against a real HTTP server on loopback that speaks the
//! OpenAI wire format (JSON and server-sent events), with `OPENAI_BASE_URL` and `OPENAI_API_KEY`
//! set as a user would: the right code comes out, failures exit as documented, and the key never
//! appears in any output.

mod common;

use common::{Run, Sandbox};
use lathe_llm::testing::{LoopbackServer, Scripted};
use serde_json::json;

const KEY: &str = "sk-cli-test-5b1e77c2";

const KERNEL: &str = "import torch\nimport triton\n\n\nclass ModelNew(torch.nn.Module):\n    def forward(self, x):\n        return x";
const DECOY: &str = "class ModelNew:  # a first draft, inside the reasoning\n    pass";

fn sandbox(server: &LoopbackServer) -> Sandbox {
    let sandbox = Sandbox::new()
        .env("OPENAI_BASE_URL", &server.url())
        .env("OPENAI_API_KEY", KEY);
    sandbox.write("prompt.txt", "Make the kernel faster.\n");
    sandbox
}

fn ask(sandbox: &Sandbox, extra: &[&str]) -> Run {
    let mut args = vec!["ask", "--llm", "openai:gpt-test", "--prompt", "prompt.txt"];
    args.extend_from_slice(extra);
    let run = sandbox.run(&args);
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(KEY), "the key leaked: {text}");
    }
    run
}

fn answer() -> String {
    format!("Here is the faster kernel.\n\n```python\n{KERNEL}\n```\n\nIt fuses the epilogue.")
}

fn chunk(delta: serde_json::Value) -> String {
    let body = json!({"id": "c1", "object": "chat.completion.chunk", "model": "gpt-test",
        "choices": [{"index": 0, "delta": delta, "finish_reason": null}]});
    format!("data: {body}\n\n")
}

fn stream_events(reasoning: &str, answer: &str, finish: &str) -> Vec<String> {
    let done = json!({"id": "c1", "object": "chat.completion.chunk", "model": "gpt-test",
        "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]});
    let usage = json!({"id": "c1", "object": "chat.completion.chunk", "model": "gpt-test",
        "choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 300,
        "completion_tokens_details": {"reasoning_tokens": 120}}});
    let (head, tail) = answer.split_at(answer.len() / 2);
    vec![
        chunk(json!({"role": "assistant", "reasoning_content": reasoning})),
        chunk(json!({"content": head})),
        chunk(json!({"content": tail})),
        format!("data: {done}\n\n"),
        format!("data: {usage}\n\n"),
        "data: [DONE]\n\n".to_owned(),
    ]
}

fn completion(content: &str, finish: &str) -> String {
    json!({"id": "c1", "object": "chat.completion", "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": finish,
            "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 300}})
    .to_string()
}

#[test]
fn streaming_writes_the_answers_kernel_not_the_reasonings_decoy() {
    let reasoning = format!("Let me sketch it first.\n```python\n{DECOY}\n```\nNow the real one.");
    let server =
        LoopbackServer::start([Scripted::sse(stream_events(&reasoning, &answer(), "stop"))])
            .unwrap();
    let sandbox = sandbox(&server);
    let run = ask(&sandbox, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{KERNEL}\n"));
    assert!(
        run.stderr
            .contains("gpt-test: 50 tokens in, 300 out (120 reasoning)"),
        "{}",
        run.stderr
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let body = sent.json().unwrap();
    assert_eq!(body["stream"], true);
    assert_eq!(body["model"], "gpt-test");
    assert_eq!(body["messages"][0]["content"], "Make the kernel faster.\n");
}

#[test]
fn a_json_reply_goes_to_the_out_file_with_a_summary_and_the_reasoning_apart() {
    let content = format!(
        "<think>A decoy:\n```python\n{DECOY}\n```\n</think>{}",
        answer()
    );
    let server =
        LoopbackServer::start([Scripted::json(200, completion(&content, "stop"))]).unwrap();
    let sandbox = sandbox(&server);
    let run = ask(
        &sandbox,
        &[
            "--no-stream",
            "--json",
            "--out",
            "kernel.py",
            "--reasoning-out",
            "reasoning.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(sandbox.path().join("kernel.py")).unwrap();
    assert_eq!(written, format!("{KERNEL}\n"));
    let reasoning = std::fs::read_to_string(sandbox.path().join("reasoning.txt")).unwrap();
    assert!(reasoning.contains(DECOY), "{reasoning}");
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["outcome"], "code");
    assert_eq!(summary["code"], KERNEL);
    assert_eq!(summary["defines_model_new"], true);
    assert_eq!(summary["usage"]["input_tokens"], 50);
    assert_eq!(summary["attempts"], 1);
    assert_eq!(summary["llm"], "openai:gpt-test");
    assert_eq!(server.requests()[0].json().unwrap()["stream"], false);
    assert!(!written.contains(KEY) && !reasoning.contains(KEY));
}

#[test]
fn a_reply_without_code_and_a_cut_reply_exit_4() {
    let prose = "I would fuse the softmax with the bias, but here is only the idea.";
    let server = LoopbackServer::start([
        Scripted::json(200, completion(prose, "stop")),
        Scripted::sse(stream_events(
            "thinking",
            "```python\nclass ModelNew",
            "length",
        )),
    ])
    .unwrap();
    let sandbox = sandbox(&server);
    let run = ask(&sandbox, &["--no-stream"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("the reply holds no code"),
        "{}",
        run.stderr
    );

    let run = ask(&sandbox, &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("cut at the token limit"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_refused_key_exits_5_and_names_the_variable_without_the_key() {
    // The server echoes the key, as OpenAI's error message does: it must be masked.
    let refusal = json!({"error": {"message": format!("Incorrect API key provided: {KEY}."),
        "type": "invalid_request_error", "code": "invalid_api_key"}});
    let server = LoopbackServer::start([Scripted::json(401, refusal.to_string())]).unwrap();
    let run = ask(&sandbox(&server), &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("OPENAI_API_KEY"), "{}", run.stderr);
    assert_eq!(server.requests().len(), 1, "401 is not retried");
}

#[test]
fn a_rate_limit_is_waited_out_and_said() {
    let limited = Scripted::Json {
        status: 429,
        headers: vec![("Retry-After".to_owned(), "1".to_owned())],
        body: json!({"error": {"message": "Rate limit reached", "type": "requests"}}).to_string(),
    };
    let server =
        LoopbackServer::start([limited, Scripted::json(200, completion(&answer(), "stop"))])
            .unwrap();
    let run = ask(&sandbox(&server), &["--no-stream"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{KERNEL}\n"));
    assert!(run.stderr.contains("retrying in 1.0 s"), "{}", run.stderr);
    assert!(run.stderr.contains("2 attempts"), "{}", run.stderr);
}

#[test]
fn with_no_model_configured_it_says_how_to_name_one() {
    let sandbox = Sandbox::new();
    sandbox.write("prompt.txt", "x");
    let run = sandbox.run(&["ask", "--prompt", "prompt.txt"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("no model is configured"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--llm PROVIDER:MODEL"),
        "{}",
        run.stderr
    );
    let run = sandbox.run(&["ask", "--llm", "opnai:gpt", "--prompt", "prompt.txt"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `openai`"),
        "{}",
        run.stderr
    );
}

#[test]
fn replay_and_command_providers_answer_from_files_and_processes() {
    let sandbox = Sandbox::new();
    sandbox.write("prompt.txt", "Make the kernel faster.\n");
    let reply = answer();
    sandbox.write(
        "replies.jsonl",
        &format!(
            "{}\n",
            json!({"prompt": "Make the kernel faster.\n", "reply": reply})
        ),
    );
    let run = sandbox.run(&[
        "ask",
        "--llm",
        "replay:replies.jsonl",
        "--prompt",
        "prompt.txt",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{KERNEL}\n"));

    sandbox.write("reply.md", &reply);
    let run = sandbox.run(&[
        "ask",
        "--llm",
        "command:cat reply.md",
        "--prompt",
        "prompt.txt",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, format!("{KERNEL}\n"));

    sandbox.write("other.txt", "Another prompt.\n");
    let run = sandbox.run(&[
        "ask",
        "--llm",
        "replay:replies.jsonl",
        "--prompt",
        "other.txt",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("no recorded reply"), "{}", run.stderr);
}
