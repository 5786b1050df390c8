//! `command:` against real processes through `/bin/sh`: the prompt on stdin, the reply on
//! stdout, reasoning split, failures with their stderr, the time limit, and an environment
//! without secrets.

mod support;

use std::ffi::OsString;
use std::time::{Duration, Instant};

use lathe_llm::command::CommandProvider;
use lathe_llm::{Event, Finish, LlmConfig, LlmError, Provider, TimeoutPhase, Usage};
use support::{complete, request};

fn config() -> LlmConfig {
    let mut config = LlmConfig::from_env();
    config.timeouts.total = Duration::from_secs(60);
    config
}

/// Only `PATH` (ours, so `cat` and `env` are found) and what the test adds.
fn env_with(extra: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    let mut env = vec![("PATH".into(), path)];
    env.extend(extra.iter().map(|(k, v)| (k.into(), v.into())));
    env
}

#[test]
fn the_reply_is_what_the_command_writes_for_the_prompt_on_its_stdin() {
    let provider = CommandProvider::new("cat", &config());
    let mut asked = request("Write a softmax kernel.");
    asked.system = Some("You write Triton.".to_owned());
    let (reply, events) = complete(&provider, &asked);
    let reply = reply.unwrap();
    assert_eq!(reply.text, "You write Triton.\n\nWrite a softmax kernel.");
    assert_eq!(reply.reasoning, None);
    assert_eq!(reply.finish, Finish::Stop);
    assert_eq!(reply.usage, Usage::default(), "a command reports no usage");
    assert_eq!(reply.cost_usd, None);
    assert_eq!(reply.model, "cat");
    assert_eq!(reply.transcript.request_body, reply.text);
    assert_eq!(reply.transcript.response_body, reply.text);
    assert_eq!(events, [Event::Attempt { attempt: 1 }]);
    assert_eq!(provider.describe(), "command:cat");
}

#[test]
fn reasoning_in_think_tags_is_split_from_the_answer() {
    let script = support::data_path("local/think-model.sh");
    let provider = CommandProvider::new(format!("sh '{}'", script.display()), &config());
    let (reply, _) = complete(&provider, &request("line one\nline two\n"));
    let reply = reply.unwrap();
    assert_eq!(reply.reasoning.as_deref(), Some("the prompt has 2 line(s)"));
    assert_eq!(reply.text, "answer: 2");
    assert!(
        reply
            .transcript
            .response_body
            .starts_with("<think>the prompt has 2 line(s)</think>"),
        "the transcript keeps the raw stdout: {:?}",
        reply.transcript.response_body
    );
}

#[test]
fn a_failing_command_reports_its_exit_code_and_the_end_of_its_stderr() {
    let line = "cat >/dev/null; echo 'loading model' >&2; echo 'error: no GPU memory' >&2; exit 3";
    let provider = CommandProvider::new(line, &config());
    let (result, _) = complete(&provider, &request("hi"));
    match result {
        Err(LlmError::Command {
            command,
            detail,
            stderr_tail,
        }) => {
            assert_eq!(command, line);
            assert!(detail.contains("exited with code 3"), "{detail}");
            assert!(
                stderr_tail.ends_with("error: no GPU memory\n"),
                "{stderr_tail:?}"
            );
        }
        other => panic!("expected a Command error, got {other:?}"),
    }
}

#[test]
fn a_command_killed_by_a_signal_names_it() {
    let provider = CommandProvider::new("kill -KILL $$", &config());
    let (result, _) = complete(&provider, &request("hi"));
    match result {
        Err(LlmError::Command { detail, .. }) => assert!(detail.contains("SIGKILL"), "{detail}"),
        other => panic!("expected a Command error, got {other:?}"),
    }
}

#[test]
fn an_empty_reply_is_an_error_that_says_where_the_reply_goes() {
    let provider = CommandProvider::new("cat >/dev/null; echo 'reply' >&2", &config());
    let (result, _) = complete(&provider, &request("hi"));
    match result {
        Err(error @ LlmError::Command { .. }) => {
            assert!(error.to_string().contains("nothing on stdout"), "{error}")
        }
        other => panic!("expected a Command error, got {other:?}"),
    }
}

#[test]
fn a_command_past_the_total_timeout_is_a_timeout_and_is_killed() {
    let mut config = config();
    config.timeouts.total = Duration::from_millis(300);
    let provider = CommandProvider::new("sleep 30", &config);
    let start = Instant::now();
    let (result, _) = complete(&provider, &request("hi"));
    match result {
        Err(LlmError::Timeout {
            phase: TimeoutPhase::Total,
            after_seconds,
            attempts: 1,
        }) => assert!((0.3..5.0).contains(&after_seconds), "{after_seconds}"),
        other => panic!("expected a Total timeout, got {other:?}"),
    }
    // SIGTERM ends `sleep` at once: no wait for the 30 s, nor for the grace.
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn the_command_never_sees_secrets_from_the_environment() {
    let env = env_with(&[
        ("OPENAI_API_KEY", "sk-test-not-for-the-command"),
        ("HF_TOKEN", "hf-test-not-for-the-command"),
        ("LATHE_PROBE", "visible"),
    ]);
    let provider = CommandProvider::with_env("cat >/dev/null; env", &config(), env);
    let (reply, _) = complete(&provider, &request("hi"));
    let text = reply.unwrap().text;
    assert!(text.contains("LATHE_PROBE=visible"), "{text}");
    assert!(!text.contains("not-for-the-command"), "{text}");
    assert!(!text.contains("OPENAI_API_KEY"), "{text}");
}

#[test]
fn a_reply_larger_than_a_pipe_arrives_whole() {
    // 1 MiB of output while stdin is being written: both pipes must flow at once.
    let provider = CommandProvider::new(
        "head -c 1048576 /dev/zero | tr '\\0' x; cat >/dev/null",
        &config(),
    );
    let (reply, _) = complete(&provider, &request(&"p".repeat(1 << 20)));
    let text = reply.unwrap().text;
    assert_eq!(text.len(), 1 << 20);
    assert!(text.bytes().all(|b| b == b'x'));
}
