//! A whole Chat Completion (`"stream": false`) read into a [`Received`].

use serde::Deserialize;

use crate::http::{Failure, Received, decode};
use crate::message::{Finish, Usage};
use crate::think::split_reasoning;

#[derive(Deserialize)]
struct Completion {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
    #[serde(default)]
    finish_reason: Option<String>,
}

/// A choice's `message`, and a stream chunk's `delta`: the same fields, whole or in pieces.
#[derive(Deserialize, Default)]
pub(super) struct Message {
    #[serde(default)]
    pub(super) content: Option<String>,
    #[serde(default)]
    pub(super) reasoning_content: Option<String>,
    #[serde(default)]
    pub(super) reasoning: Option<String>,
}

/// `usage`, in replies and in a stream's last chunk.
#[derive(Deserialize, Default)]
pub(super) struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    completion_tokens_details: Option<Details>,
}

#[derive(Deserialize, Default)]
struct Details {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl WireUsage {
    pub(super) fn usage(&self) -> Usage {
        Usage {
            input_tokens: self.prompt_tokens,
            output_tokens: self.completion_tokens,
            reasoning_tokens: self
                .completion_tokens_details
                .as_ref()
                .and_then(|d| d.reasoning_tokens)
                .unwrap_or(0),
        }
    }
}

pub(super) fn parse(body: &str) -> Result<Received, Failure> {
    let completion: Completion = decode(body, "a chat completion", body)?;
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err(Failure::malformed("the completion has no choices", body));
    };
    let content = choice.message.content.unwrap_or_default();
    let (reasoning, text) = answer_and_reasoning(
        content,
        first_filled(choice.message.reasoning_content, choice.message.reasoning),
    );
    Ok(Received {
        text,
        reasoning,
        usage: completion.usage.unwrap_or_default().usage(),
        finish: finish(choice.finish_reason.as_deref()),
        model: completion.model,
        raw: body.to_owned(),
    })
}

/// `reasoning_content` if it holds anything, else `reasoning`: never both, since servers moving
/// from the one name to the other fill both with the same text.
pub(super) fn first_filled(first: Option<String>, second: Option<String>) -> Option<String> {
    first.filter(|s| !s.is_empty()).or(second)
}

/// The reasoning from its own field when the server filled one, else from inline `<think>`.
pub(super) fn answer_and_reasoning(
    content: String,
    reasoning: Option<String>,
) -> (Option<String>, String) {
    match reasoning.filter(|r| !r.trim().is_empty()) {
        Some(reasoning) => (Some(reasoning), content),
        None => split_reasoning(&content),
    }
}

pub(super) fn finish(reason: Option<&str>) -> Finish {
    match reason {
        Some("stop") => Finish::Stop,
        Some("length") => Finish::Length,
        Some(other) => Finish::Other(other.to_owned()),
        None => Finish::Other("none given".to_owned()),
    }
}
