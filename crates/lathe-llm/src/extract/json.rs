//! [`extract_json`]: the analyst's JSON object from its reply, or [`NoJson`].
//!
//! The analyst is asked for `{"critical_issue": ..., "why_it_matters": ..., "minimal_fix_hint":
//! ...}` and usually gives it, but wrapped: in a ```json fence, after a sentence of preamble, or
//! followed by a remark. So the object is looked for, not assumed to be the whole reply.

use serde_json::Value;

use super::fence::fenced_blocks;
use super::{count, thousands};

/// A reply with no JSON object in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no JSON object in a {}-character reply: {}",
    thousands(*.answer_chars),
    tried(*.json_blocks, *.spans, .last_error.as_deref())
)]
pub struct NoJson {
    /// The answer's length in characters.
    pub answer_chars: usize,
    /// How many ```json blocks it holds.
    pub json_blocks: usize,
    /// How many brace-balanced `{...}` spans it holds at top level.
    pub spans: usize,
    /// Why the last thing tried did not parse as an object.
    pub last_error: Option<String>,
}

fn tried(json_blocks: usize, spans: usize, last_error: Option<&str>) -> String {
    if json_blocks == 0 && spans == 0 {
        return "it holds no ```json block and no {...} span".to_string();
    }
    let what = format!(
        "{} and {}, none an object",
        count(json_blocks, "```json block"),
        count(spans, "{...} span")
    );
    match last_error {
        Some(error) => format!("{what} ({error})"),
        None => what,
    }
}

/// The JSON object in `answer`, a reply's answer text: the last ```json block's content when it
/// parses as an object, else the last top-level brace-balanced span of the text that does (the
/// scan skips braces inside JSON strings, so `"use {x}"` in a value does not split the object).
/// The result is always a `Value::Object`: an array or a string is not what the analyst was asked
/// for, and would fail later with a less clear message.
pub fn extract_json(answer: &str) -> Result<Value, NoJson> {
    let mut last_error = None;
    let json_blocks: Vec<_> = fenced_blocks(answer)
        .into_iter()
        .filter(|b| b.language == "json")
        .collect();
    if let Some(block) = json_blocks.last() {
        match parse_object(&block.body) {
            Ok(value) => return Ok(value),
            Err(error) => last_error = Some(format!("last ```json block: {error}")),
        }
    }
    let spans = top_level_objects(answer);
    for span in spans.iter().rev() {
        match parse_object(span) {
            Ok(value) => return Ok(value),
            // The last span is the likeliest answer, so its error is the one worth showing.
            Err(error) if last_error.is_none() => last_error = Some(format!("last span: {error}")),
            Err(_) => {}
        }
    }
    Err(NoJson {
        answer_chars: answer.chars().count(),
        json_blocks: json_blocks.len(),
        spans: spans.len(),
        last_error,
    })
}

fn parse_object(text: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(other) => Err(format!("a JSON {}, not an object", kind(&other))),
        Err(error) => Err(error.to_string()),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// How many never-closing `{` the scan skips before it gives up. Each costs a scan to the end of
/// the text, so without a limit a degenerate reply (a model repeating `{` for thousands of
/// tokens) would take quadratic time; an honest reply has a few stray braces at most.
const MAX_UNCLOSED: usize = 64;

/// The top-level `{...}` spans of `text`, in order. A `{` whose span never closes (prose such as
/// "a { b", or a stray `"` that opens a string to the end) is skipped, and the scan goes on from
/// the next character, so a stray brace before the object does not hide it.
fn top_level_objects(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut unclosed = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'{' {
            i += 1;
            continue;
        }
        match matching_brace(bytes, i) {
            Some(end) => {
                // `{` and `}` are ASCII, so both ends are character boundaries.
                spans.push(&text[i..=end]);
                i = end + 1;
            }
            None if unclosed == MAX_UNCLOSED => break,
            None => {
                unclosed += 1;
                i += 1;
            }
        }
    }
    spans
}

/// The index of the `}` closing the `{` at `open`, skipping braces inside JSON strings.
fn matching_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(open) {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_respect_strings_and_escapes() {
        let text = r#"a {"k": "}{ \" }"} b {"n": {"m": 1}} c"#;
        assert_eq!(
            top_level_objects(text),
            [r#"{"k": "}{ \" }"}"#, r#"{"n": {"m": 1}}"#]
        );
    }

    #[test]
    fn an_unclosed_brace_does_not_hide_a_later_object() {
        assert_eq!(top_level_objects("x { y\n{\"a\": 1}"), ["{\"a\": 1}"]);
        assert!(top_level_objects("{ \"never closed }").is_empty());
    }

    #[test]
    fn a_degenerate_run_of_braces_is_given_up_on() {
        let degenerate = "{".repeat(200_000);
        assert!(top_level_objects(&degenerate).is_empty());
        let few = format!("{}{{\"a\": 1}}", "{".repeat(MAX_UNCLOSED));
        assert_eq!(top_level_objects(&few), ["{\"a\": 1}"]);
    }

    #[test]
    fn message_says_what_was_tried() {
        let nothing = NoJson {
            answer_chars: 1_500,
            json_blocks: 0,
            spans: 0,
            last_error: None,
        };
        assert_eq!(
            nothing.to_string(),
            "no JSON object in a 1,500-character reply: it holds no ```json block and no {...} span"
        );
    }
}
