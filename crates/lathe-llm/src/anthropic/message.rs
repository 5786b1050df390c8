//! A whole message (`"stream": false`) read into a [`Received`], and the pieces of the wire
//! format the stream shares.

use serde::Deserialize;

use crate::http::{Failure, Received, decode};
use crate::message::{Finish, Usage};

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    content: Vec<Block>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: WireUsage,
}

/// A content block.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(super) enum Block {
    Text {
        #[serde(default)]
        text: String,
    },
    Thinking {
        #[serde(default)]
        thinking: String,
    },
    /// `redacted_thinking`, `tool_use` and whatever comes next: nothing for lathe.
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
pub(super) struct WireUsage {
    #[serde(default)]
    pub(super) input_tokens: Option<u64>,
    #[serde(default)]
    pub(super) output_tokens: Option<u64>,
}

pub(super) fn parse(body: &str) -> Result<Received, Failure> {
    let message: Message = decode(body, "a message", body)?;
    let mut text = String::new();
    let mut thinking: Vec<String> = Vec::new();
    for block in message.content {
        match block {
            Block::Text { text: t } => text.push_str(&t),
            Block::Thinking { thinking: t } => thinking.push(t),
            Block::Other => {}
        }
    }
    Ok(Received {
        text,
        reasoning: reasoning(thinking),
        usage: Usage {
            input_tokens: message.usage.input_tokens.unwrap_or(0),
            output_tokens: message.usage.output_tokens.unwrap_or(0),
            // Thinking is inside `output_tokens`; the API does not say how much of it.
            reasoning_tokens: 0,
        },
        finish: finish(message.stop_reason.as_deref()),
        model: message.model,
        raw: body.to_owned(),
    })
}

/// Thinking blocks joined with a blank line; `None` when there were none or all were empty.
pub(super) fn reasoning(blocks: Vec<String>) -> Option<String> {
    let blocks: Vec<String> = blocks
        .into_iter()
        .filter(|b| !b.trim().is_empty())
        .collect();
    (!blocks.is_empty()).then(|| blocks.join("\n\n"))
}

pub(super) fn finish(stop_reason: Option<&str>) -> Finish {
    match stop_reason {
        Some("end_turn" | "stop_sequence") => Finish::Stop,
        Some("max_tokens") => Finish::Length,
        Some(other) => Finish::Other(other.to_owned()),
        None => Finish::Other("none given".to_owned()),
    }
}
