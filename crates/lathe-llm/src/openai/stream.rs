//! A streamed Chat Completion (`"stream": true`): `chat.completion.chunk` events up to
//! `data: [DONE]`, read into a [`Received`] while [`Event::Progress`] tells how far it got.

use std::io::BufRead;

use serde::Deserialize;
use serde_json::Value;

use super::completion::{Message, WireUsage, answer_and_reasoning, finish, first_filled};
use crate::http::{Call, Failure, Progress, Received, SseReader, decode, stream_error};
use crate::message::Event;

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    /// Servers report a failure after the 200 this way (OpenAI, vLLM).
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Message,
    #[serde(default)]
    finish_reason: Option<String>,
}

pub(super) fn read(
    reader: &mut dyn BufRead,
    events: &mut dyn FnMut(Event),
    call: &Call<'_>,
) -> Result<Received, Failure> {
    let mut sse = SseReader::new(reader);
    let mut progress = Progress::default();
    let mut content = String::new();
    let mut reasoning = String::new();
    let mut usage = WireUsage::default();
    let mut finish_reason: Option<String> = None;
    let mut model: Option<String> = None;
    let mut done = false;

    while let Some(event) = sse.next_event().map_err(Failure::reading)? {
        if event.is_done() {
            done = true;
            break;
        }
        let chunk: Chunk = decode(&event.data, "a chat completion chunk", sse.raw())?;
        if let Some(error) = chunk.error {
            let status = error
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok())
                .filter(|c| (400..600).contains(c))
                .unwrap_or(500);
            return Err(stream_error(status, &error, call));
        }
        model = model.or(chunk.model);
        if let Some(u) = chunk.usage {
            usage = u;
            progress.output_tokens(usage.usage().output_tokens);
        }
        if let Some(choice) = chunk.choices.into_iter().next() {
            let delta = choice.delta;
            // Servers moving from one name to the other send both, with the same text.
            if let Some(piece) = first_filled(delta.reasoning_content, delta.reasoning) {
                progress.reasoning(&piece);
                reasoning.push_str(&piece);
            }
            if let Some(piece) = delta.content {
                progress.answer(&piece);
                content.push_str(&piece);
            }
            finish_reason = choice.finish_reason.or(finish_reason);
        }
        progress.tick(events);
    }
    if !done && finish_reason.is_none() {
        return Err(Failure::cut_off("data: [DONE]"));
    }
    progress.finish(events);
    let (reasoning, text) = answer_and_reasoning(content, Some(reasoning));
    Ok(Received {
        text,
        reasoning,
        usage: usage.usage(),
        finish: finish(finish_reason.as_deref()),
        model,
        raw: sse.into_raw(),
    })
}
