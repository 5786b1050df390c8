//! [`LlmError`]: every way a completion fails, each with what to fix.

use std::path::PathBuf;

use serde::Serialize;

use crate::message::Reply;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutPhase {
    /// Connecting to the server.
    Connect,
    /// Waiting for the response's first byte (its status line).
    FirstByte,
    /// The body stopped flowing (no byte for the stall limit).
    Stall,
    /// The whole request, retries excluded.
    Total,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("{provider} needs an API key: set {var}")]
    MissingKey {
        provider: &'static str,
        var: &'static str,
    },
    #[error("the server refused the API key (HTTP {status}): {message}; hint: check {var}")]
    Auth {
        status: u16,
        message: String,
        var: &'static str,
    },
    #[error(
        "the server does not know model `{model}` (HTTP {status}): {message}; hint: check the model name in --llm, or the server's model list"
    )]
    UnknownModel {
        model: String,
        status: u16,
        message: String,
    },
    #[error(
        "the prompt is too long for the model (HTTP {status}): {message}; hint: use a model with a larger context, or the compact prompt style"
    )]
    PromptTooLong { status: u16, message: String },
    #[error("the server rejected the request (HTTP {status}): {message}")]
    BadRequest { status: u16, message: String },
    #[error("HTTP {status} after {attempts} attempt(s): {message}")]
    Http {
        status: u16,
        message: String,
        attempts: u32,
    },
    #[error("cannot reach {url} after {attempts} attempt(s): {message}")]
    Connect {
        url: String,
        message: String,
        attempts: u32,
    },
    #[error(
        "no answer within the {phase:?} limit of {after_seconds:.0} s after {attempts} attempt(s); hint: raise the llm timeouts"
    )]
    Timeout {
        phase: TimeoutPhase,
        after_seconds: f64,
        attempts: u32,
    },
    #[error("the server's reply is not what its API documents: {message}")]
    Malformed { message: String, body_head: String },
    /// The reply hit the token limit: `partial` holds what arrived (usage included).
    #[error("the reply was cut at the token limit ({} output tokens); hint: raise llm.max_tokens", partial.usage.output_tokens)]
    Truncated { partial: Box<Reply> },
    #[error("the command `{command}` failed: {detail}")]
    Command {
        command: String,
        detail: String,
        stderr_tail: String,
    },
    #[error("no recorded reply for this prompt (sha256 {hash}, starting `{prompt_head}`) in {}", recorded.display())]
    ReplayMiss {
        hash: String,
        prompt_head: String,
        recorded: PathBuf,
    },
    #[error("{message}")]
    Manual { message: String },
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
}
