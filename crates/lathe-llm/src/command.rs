//! [`CommandProvider`]: a program answers. `command:LINE` runs `LINE` with `/bin/sh -c`, writes
//! the prompt to its stdin and takes its stdout as the reply.
//!
//! This is how a local model CLI (`ollama run qwen2.5-coder`, `llm -m ...`, a script of your own)
//! becomes a provider. The contract, for whoever writes such a command:
//!
//! - **stdin** carries the system message (when the request has one), a blank line, then the
//!   prompt; stdin is closed after it. `max_tokens` and `temperature` are not passed: set them in
//!   the command line.
//! - **stdout** is the reply, UTF-8 (invalid bytes become U+FFFD), at most [`MAX_REPLY_BYTES`].
//!   Reasoning inside `<think>…</think>` is split off, as for an HTTP model.
//! - **exit 0** means success. Any other exit, a signal, or an empty stdout is
//!   [`LlmError::Command`] with the end of stderr. Running past `llm.timeouts.total` is
//!   [`LlmError::Timeout`] (phase `Total`), like an HTTP model that is too slow, so that callers
//!   handle slowness one way whoever the provider is; the process group is sent SIGTERM, then
//!   SIGKILL after [`GRACE`].
//! - **The environment is ours minus secrets** ([`scrubbed_env`]): no `*_API_KEY`, `*_TOKEN`,
//!   `OPENAI_*`, `AWS_*` and so on. The command's output lands in prompts, logs and the store;
//!   a command that can read lathe's keys can leak them there, and a local model needs none.
//!   A command that wraps a hosted API must read its credentials from its own configuration
//!   file (`llm keys set`, `~/.config/...`), never from a key written into the `--llm` spec,
//!   which is stored with every run.
//! - Usage is unknown: zero tokens, no cost.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use lathe_worker::process::{self, ProcessEnd, ProcessSpec, scrubbed_env};

use crate::config::LlmConfig;
use crate::error::{LlmError, TimeoutPhase};
use crate::message::{Event, Finish, Reply, Request, Transcript, Usage};
use crate::provider::Provider;
use crate::think::split_reasoning;

/// The longest reply kept: a longer stdout is an error rather than a reply cut at the front.
pub const MAX_REPLY_BYTES: usize = 16 * 1024 * 1024;

/// Between the SIGTERM at the time limit and the SIGKILL: long enough for a CLI to close its
/// connection or unload a model, short enough not to stall the run.
pub const GRACE: Duration = Duration::from_secs(2);

/// How much of stderr an error keeps: the end, where a CLI says what went wrong.
const STDERR_TAIL_CHARS: usize = 2000;

/// Runs a shell command line per completion.
#[derive(Debug)]
pub struct CommandProvider {
    command: String,
    env: Vec<(OsString, OsString)>,
    limit: Duration,
}

impl CommandProvider {
    /// The command line `command`, with our environment minus secrets and the total timeout of
    /// `config`.
    pub fn new(command: impl Into<String>, config: &LlmConfig) -> CommandProvider {
        CommandProvider::with_env(command, config, std::env::vars_os())
    }

    /// As [`new`](Self::new), with the environment built from `vars` instead of ours (minus
    /// secrets all the same): for tests, which cannot change their own environment safely.
    pub fn with_env(
        command: impl Into<String>,
        config: &LlmConfig,
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> CommandProvider {
        CommandProvider {
            command: command.into(),
            env: scrubbed_env(vars),
            limit: config.timeouts.total,
        }
    }

    fn failure(&self, detail: String, stderr: &str) -> LlmError {
        LlmError::Command {
            command: self.command.clone(),
            detail,
            stderr_tail: tail_chars(stderr, STDERR_TAIL_CHARS).to_owned(),
        }
    }
}

impl Provider for CommandProvider {
    fn describe(&self) -> String {
        format!("command:{}", self.command)
    }

    fn complete(
        &self,
        request: &Request,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        let input = request.system_then_prompt();
        let spec = ProcessSpec {
            args: vec!["-c".into(), self.command.clone().into()],
            env: self.env.clone(),
            wall_limit: self.limit,
            grace: GRACE,
            // One limit for both streams: stderr's tail is cut again below.
            tail_bytes: MAX_REPLY_BYTES,
            stdin: Some(input.clone().into_bytes()),
            // `/bin/sh` by path: the scrubbed environment may lack a `PATH` to find it with.
            // The working directory is lathe's own, so relative paths in the line work.
            ..ProcessSpec::new("/bin/sh", PathBuf::from("."))
        };
        events(Event::Attempt { attempt: 1 });
        let outcome = process::run(&spec).map_err(|error| self.failure(error.to_string(), ""))?;
        let stderr = &outcome.stderr.tail;
        match outcome.end {
            ProcessEnd::Exited { code: 0 } => {}
            ProcessEnd::Exited { code } => {
                return Err(self.failure(format!("it exited with code {code}"), stderr));
            }
            ProcessEnd::Signaled { signal, name } => {
                return Err(self.failure(format!("it was killed by {name} ({signal})"), stderr));
            }
            ProcessEnd::TimedOut { after, .. } => {
                return Err(LlmError::Timeout {
                    phase: TimeoutPhase::Total,
                    after_seconds: after.as_secs_f64(),
                    attempts: 1,
                });
            }
            // No memory limit is set; kept so that a new limit cannot go unreported.
            ProcessEnd::MemoryLimit { rss_bytes, limit } => {
                return Err(self.failure(
                    format!("it used {rss_bytes} bytes of memory, over the limit of {limit}"),
                    stderr,
                ));
            }
        }
        if outcome.stdout.truncated {
            return Err(self.failure(
                format!(
                    "its reply has {} bytes, more than the {MAX_REPLY_BYTES} kept",
                    outcome.stdout.total_bytes
                ),
                stderr,
            ));
        }
        let raw = outcome.stdout.tail;
        if raw.trim().is_empty() {
            return Err(self.failure(
                "it exited with code 0 but wrote nothing on stdout; hint: the reply must go to \
                 stdout"
                    .to_owned(),
                stderr,
            ));
        }
        let (reasoning, text) = split_reasoning(&raw);
        Ok(Reply {
            text,
            reasoning,
            usage: Usage::default(),
            cost_usd: None,
            finish: Finish::Stop,
            model: self.command.clone(),
            transcript: Transcript {
                request_body: input,
                response_body: raw,
            },
            attempts: 1,
            seconds: outcome.wall.as_secs_f64(),
        })
    }
}

/// The last `max` characters of `text`.
fn tail_chars(text: &str, max: usize) -> &str {
    let count = text.chars().count();
    match text.char_indices().nth(count.saturating_sub(max)) {
        Some((start, _)) if count > max => &text[start..],
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_characters() {
        assert_eq!(tail_chars("abcdef", 3), "def");
        assert_eq!(tail_chars("ab", 3), "ab");
        assert_eq!(tail_chars("éèà", 2), "èà");
        assert_eq!(tail_chars("", 2), "");
    }
}
