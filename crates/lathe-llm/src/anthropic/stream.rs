//! A streamed message (`"stream": true`): `message_start`, content blocks and their deltas,
//! `message_delta`, `message_stop`; read into a [`Received`] while [`Event::Progress`] tells
//! how far it got.

use std::io::BufRead;

use serde::Deserialize;
use serde_json::Value;

use super::message::{Block, WireUsage, finish, reasoning};
use crate::http::{Call, Failure, Progress, Received, SseReader, decode, stream_error};
use crate::message::{Event, Usage};

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum StreamEvent {
    MessageStart {
        message: Started,
    },
    ContentBlockStart {
        content_block: Block,
    },
    ContentBlockDelta {
        delta: Delta,
    },
    MessageDelta {
        #[serde(default)]
        delta: Stopped,
        #[serde(default)]
        usage: WireUsage,
    },
    MessageStop {},
    /// A failure after the 200: `overloaded_error` is the usual one.
    Error {
        error: Value,
    },
    /// `ping`, `content_block_stop` and events added later.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Started {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: WireUsage,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Delta {
    #[serde(rename = "text_delta")]
    Text { text: String },
    #[serde(rename = "thinking_delta")]
    Thinking { thinking: String },
    /// `signature_delta` (the thinking block's signature) and the rest.
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Default)]
struct Stopped {
    #[serde(default)]
    stop_reason: Option<String>,
}

pub(super) fn read(
    reader: &mut dyn BufRead,
    events: &mut dyn FnMut(Event),
    call: &Call<'_>,
) -> Result<Received, Failure> {
    let mut sse = SseReader::new(reader);
    let mut progress = Progress::default();
    let mut text = String::new();
    let mut thinking: Vec<String> = Vec::new();
    let mut usage = Usage::default();
    let mut stop_reason: Option<String> = None;
    let mut model: Option<String> = None;
    let mut stopped = false;

    while let Some(event) = sse.next_event().map_err(Failure::reading)? {
        let parsed: StreamEvent = decode(&event.data, "a Messages stream event", sse.raw())?;
        match parsed {
            StreamEvent::MessageStart { message } => {
                model = message.model;
                usage.input_tokens = message.usage.input_tokens.unwrap_or(0);
                usage.output_tokens = message.usage.output_tokens.unwrap_or(0);
            }
            StreamEvent::ContentBlockStart { content_block } => match content_block {
                Block::Text { text: t } => {
                    progress.answer(&t);
                    text.push_str(&t);
                }
                Block::Thinking { thinking: t } => {
                    progress.reasoning(&t);
                    thinking.push(t);
                }
                Block::Other => {}
            },
            StreamEvent::ContentBlockDelta { delta } => match delta {
                Delta::Text { text: t } => {
                    progress.answer(&t);
                    text.push_str(&t);
                }
                Delta::Thinking { thinking: t } => {
                    progress.reasoning(&t);
                    match thinking.last_mut() {
                        Some(block) => block.push_str(&t),
                        None => thinking.push(t),
                    }
                }
                Delta::Other => {}
            },
            StreamEvent::MessageDelta { delta, usage: u } => {
                stop_reason = delta.stop_reason.or(stop_reason);
                if let Some(input) = u.input_tokens {
                    usage.input_tokens = input;
                }
                if let Some(output) = u.output_tokens {
                    // A running total, not an increment.
                    usage.output_tokens = output;
                    progress.output_tokens(output);
                }
            }
            StreamEvent::MessageStop {} => {
                stopped = true;
                break;
            }
            StreamEvent::Error { error } => {
                let kind = error.get("type").and_then(Value::as_str).unwrap_or("");
                let wrapped = serde_json::json!({"type": "error", "error": error});
                return Err(stream_error(status_of(kind), &wrapped, call));
            }
            StreamEvent::Other => {}
        }
        progress.tick(events);
    }
    if !stopped && stop_reason.is_none() {
        return Err(Failure::cut_off("message_stop"));
    }
    progress.finish(events);
    Ok(Received {
        text,
        reasoning: reasoning(thinking),
        usage,
        finish: finish(stop_reason.as_deref()),
        model,
        raw: sse.into_raw(),
    })
}

/// The HTTP status the API documents for each error type.
fn status_of(error_type: &str) -> u16 {
    match error_type {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        _ => 500, // api_error and unknown types
    }
}
