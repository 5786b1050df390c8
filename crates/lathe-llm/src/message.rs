//! What goes to a model and what comes back.

use serde::{Deserialize, Serialize};

/// One prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub prompt: String,
    #[serde(default)]
    pub system: Option<String>,
    /// The most output tokens the reply may have (reasoning included where the API counts it).
    pub max_tokens: u32,
    #[serde(default)]
    pub temperature: Option<f64>,
    /// Server-sent events when true, one JSON body when false.
    pub stream: bool,
}

impl Request {
    /// The system message (when there is one), a blank line, then the prompt: one text, for the
    /// providers that have no separate place for a system message (a program's stdin, a file a
    /// person reads).
    pub(crate) fn system_then_prompt(&self) -> String {
        match &self.system {
            Some(system) if !system.is_empty() => format!("{system}\n\n{}", self.prompt),
            _ => self.prompt.clone(),
        }
    }
}

/// A complete reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// The answer, without the reasoning.
    pub text: String,
    /// The model's reasoning, from a separate field or from `<think>…</think>`.
    pub reasoning: Option<String>,
    pub usage: Usage,
    /// From the price table; `None` when the model has no price there.
    pub cost_usd: Option<f64>,
    pub finish: Finish,
    /// The model as the provider named it in the reply (or as asked).
    pub model: String,
    pub transcript: Transcript,
    /// HTTP attempts it took (1 without retries).
    pub attempts: u32,
    pub seconds: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Part of `output_tokens` spent reasoning, where the provider says.
    pub reasoning_tokens: u64,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finish {
    /// It finished its answer.
    Stop,
    /// It hit the token limit: the reply is cut ([`LlmError::Truncated`](crate::LlmError)).
    Length,
    /// Anything else the provider said (`content_filter`, `tool_calls`, ...).
    Other(String),
}

/// The request and reply bodies as sent and received (SSE as the raw event text), keys masked:
/// what the store keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub request_body: String,
    pub response_body: String,
}

/// Progress of one completion, for the binary to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// An attempt starts (1, then 2 after a retry...).
    Attempt { attempt: u32 },
    /// Streaming: what has arrived so far.
    Progress {
        answer_chars: usize,
        reasoning_chars: usize,
        /// Output tokens so far, where the stream reports them.
        output_tokens: Option<u64>,
    },
    /// A retryable failure: the next attempt comes after `wait_seconds`.
    Retry {
        attempt: u32,
        wait_seconds: f64,
        reason: String,
    },
    /// Waiting for a slot (concurrency limit) or for the rate limit.
    Throttled { wait_seconds: f64 },
    /// `manual`: the prompt is in `prompt_path`; the reply is awaited in `reply_path`.
    AwaitingReply {
        prompt_path: String,
        reply_path: String,
    },
}
