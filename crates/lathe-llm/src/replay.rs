//! [`ReplayProvider`]: recorded replies, served again. For tests, demos and re-running a session
//! without a model.
//!
//! A recording is keyed by [`prompt_hash`]: the SHA-256 of the prompt's UTF-8 bytes exactly as
//! sent (`Request::prompt`; the system message is not part of it), in lowercase hex, with no
//! normalisation of any kind (a changed space is another prompt).
//!
//! # Sources
//!
//! **A JSONL file**, one object per line (blank lines skipped, other fields ignored):
//!
//! ```json
//! {"prompt_sha256": "9f86d0…", "reply": "…", "reasoning": "…", "usage": {"input_tokens": 900, "output_tokens": 300}, "model": "gpt-4.1"}
//! {"prompt": "the full prompt text", "reply": "…"}
//! {"reply": "…"}
//! ```
//!
//! `reply` is required; `prompt_sha256` or `prompt` (hashed on loading) key it; `reasoning`,
//! `usage` (missing counts are zero) and `model` (default `replay`) are optional.
//!
//! **A directory**: `<sha256>.reply.md` (or `.md`, `.txt`) files, keyed by their name, and
//! numbered `001.md`, `002.md`, ... (or `.txt`) files, which carry no key. Other files are
//! ignored. Their order: the numbered files by number, then the keyed ones by name.
//!
//! # Matching
//!
//! - A prompt whose hash is recorded gets that reply. A hash recorded several times (the same
//!   prompt asked again, answered differently) gets its replies in recorded order, then the last
//!   one again.
//! - Otherwise, the next reply not served yet is taken in recorded order, among the unkeyed
//!   ones (numbered files, JSONL lines without a prompt: their order is their only key) or,
//!   with `llm.replay_in_order`, among all of them (for replies recorded against prompts that
//!   have since changed slightly).
//! - Otherwise the prompt is a [`LlmError::ReplayMiss`] naming its hash, its start and the
//!   source.
//!
//! Reasoning inside `<think>…</think>` is split off a reply, as for a live model (after a
//! recorded `reasoning`, when both exist).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::LlmConfig;
use crate::error::LlmError;
use crate::message::{Event, Finish, Reply, Request, Transcript, Usage};
use crate::provider::Provider;
use crate::think::split_reasoning;

/// How much of a missed prompt its error shows, in characters.
const PROMPT_HEAD_CHARS: usize = 80;

/// The key of a recording: the SHA-256 of `prompt`'s UTF-8 bytes, as 64 lowercase hex digits.
pub fn prompt_hash(prompt: &str) -> String {
    Sha256::digest(prompt.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Serves recorded replies (see the module docs).
#[derive(Debug)]
pub struct ReplayProvider {
    source: PathBuf,
    in_order: bool,
    recorded: Vec<Recorded>,
    /// For each recorded hash, the indices of its replies in `recorded`, in order.
    by_hash: HashMap<String, Vec<usize>>,
    state: Mutex<Served>,
}

/// One recorded reply.
#[derive(Debug)]
struct Recorded {
    hash: Option<String>,
    reply: String,
    reasoning: Option<String>,
    usage: Usage,
    model: String,
}

/// What has been served so far.
#[derive(Debug, Default)]
struct Served {
    /// Indexed like `recorded`.
    used: Vec<bool>,
    /// How many times each hash was asked for.
    asked: HashMap<String, usize>,
}

/// A JSONL line.
#[derive(Deserialize)]
struct Line {
    prompt_sha256: Option<String>,
    prompt: Option<String>,
    reply: String,
    reasoning: Option<String>,
    #[serde(default)]
    usage: LineUsage,
    model: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct LineUsage {
    input_tokens: u64,
    output_tokens: u64,
    reasoning_tokens: u64,
}

impl ReplayProvider {
    /// Loads the recordings at `source` (a JSONL file or a directory). Errors name the file and,
    /// for JSONL, the line.
    pub fn open(
        source: impl Into<PathBuf>,
        config: &LlmConfig,
    ) -> Result<ReplayProvider, LlmError> {
        let source = source.into();
        let recorded = if source.is_dir() {
            load_dir(&source)?
        } else {
            load_jsonl(&source)?
        };
        if recorded.is_empty() {
            return Err(LlmError::Io {
                path: source,
                message: "no recorded replies; hint: a JSONL file of {\"prompt_sha256\": ..., \
                          \"reply\": ...} lines, or a directory of <sha256>.reply.md or 001.md \
                          files"
                    .to_owned(),
            });
        }
        let mut by_hash: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, entry) in recorded.iter().enumerate() {
            if let Some(hash) = &entry.hash {
                by_hash.entry(hash.clone()).or_default().push(index);
            }
        }
        Ok(ReplayProvider {
            source,
            in_order: config.replay_in_order,
            state: Mutex::new(Served {
                used: vec![false; recorded.len()],
                asked: HashMap::new(),
            }),
            recorded,
            by_hash,
        })
    }

    /// The index of the recording that answers a prompt of this hash, marked as served.
    fn pick(&self, hash: &str) -> Option<usize> {
        let mut served = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let index = match self.by_hash.get(hash) {
            Some(indices) => {
                let asked = served.asked.entry(hash.to_owned()).or_default();
                let index = indices[(*asked).min(indices.len() - 1)];
                *asked += 1;
                index
            }
            None => (0..self.recorded.len()).find(|&index| {
                !served.used[index] && (self.in_order || self.recorded[index].hash.is_none())
            })?,
        };
        served.used[index] = true;
        Some(index)
    }
}

impl Provider for ReplayProvider {
    fn describe(&self) -> String {
        format!("replay:{}", self.source.display())
    }

    /// Numbered replies go to calls in the order the calls come.
    fn order_sensitive(&self) -> bool {
        self.in_order || self.recorded.iter().any(|r| r.hash.is_none())
    }

    fn served_before(&self, prompt: &str) {
        // The same choice a call would make, its reply dropped.
        let _ = self.pick(&prompt_hash(prompt));
    }

    fn complete(
        &self,
        request: &Request,
        _events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        let start = Instant::now();
        let hash = prompt_hash(&request.prompt);
        let Some(index) = self.pick(&hash) else {
            return Err(LlmError::ReplayMiss {
                prompt_head: request.prompt.chars().take(PROMPT_HEAD_CHARS).collect(),
                hash,
                recorded: self.source.clone(),
            });
        };
        let entry = &self.recorded[index];
        let (thought, text) = split_reasoning(&entry.reply);
        let reasoning = match (entry.reasoning.clone(), thought) {
            (Some(recorded), Some(thought)) => Some(format!("{recorded}\n\n{thought}")),
            (recorded, thought) => recorded.or(thought),
        };
        Ok(Reply {
            text,
            reasoning,
            usage: entry.usage,
            cost_usd: None,
            finish: Finish::Stop,
            model: entry.model.clone(),
            transcript: Transcript {
                request_body: request.prompt.clone(),
                response_body: entry.reply.clone(),
            },
            attempts: 1,
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}

fn io_error(path: &Path, message: impl ToString) -> LlmError {
    LlmError::Io {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn load_jsonl(path: &Path) -> Result<Vec<Recorded>, LlmError> {
    let text = fs::read_to_string(path).map_err(|error| io_error(path, error))?;
    let mut recorded = Vec::new();
    for (number, line) in text.lines().enumerate().map(|(i, line)| (i + 1, line)) {
        if line.trim().is_empty() {
            continue;
        }
        let at = |message: String| io_error(path, format!("line {number}: {message}"));
        let line: Line = serde_json::from_str(line).map_err(|error| {
            at(format!(
                "{error}; hint: each line is one JSON object with a \"reply\" string"
            ))
        })?;
        let hash = match (line.prompt_sha256, &line.prompt) {
            (Some(given), prompt) => {
                let given = valid_hash(&given).ok_or_else(|| {
                    at(format!(
                        "prompt_sha256 `{given}` is not 64 hex digits; hint: replay::prompt_hash"
                    ))
                })?;
                if let Some(prompt) = prompt
                    && prompt_hash(prompt) != given
                {
                    return Err(at(format!(
                        "prompt_sha256 `{given}` is not the hash of its prompt ({}); hint: keep \
                         only one of the two",
                        prompt_hash(prompt)
                    )));
                }
                Some(given)
            }
            (None, Some(prompt)) => Some(prompt_hash(prompt)),
            (None, None) => None,
        };
        recorded.push(Recorded {
            hash,
            reply: line.reply,
            reasoning: line.reasoning,
            usage: Usage {
                input_tokens: line.usage.input_tokens,
                output_tokens: line.usage.output_tokens,
                reasoning_tokens: line.usage.reasoning_tokens,
            },
            model: line.model.unwrap_or_else(|| "replay".to_owned()),
        });
    }
    Ok(recorded)
}

/// A directory's replies: numbered files by number, then keyed files by name.
fn load_dir(dir: &Path) -> Result<Vec<Recorded>, LlmError> {
    let mut numbered: Vec<(u64, PathBuf)> = Vec::new();
    let mut keyed: Vec<(String, PathBuf)> = Vec::new();
    for entry in fs::read_dir(dir).map_err(|error| io_error(dir, error))? {
        let path = entry.map_err(|error| io_error(dir, error))?.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if !path.is_file() {
            continue;
        }
        let stem = [".reply.md", ".md", ".txt"]
            .iter()
            .find_map(|extension| name.strip_suffix(extension));
        let Some(stem) = stem else {
            continue;
        };
        if let Some(hash) = valid_hash(stem) {
            keyed.push((hash, path));
        } else if !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) {
            // All digits and not a hash: a number, unless it overflows u64 (then ignored).
            if let Ok(number) = stem.parse() {
                numbered.push((number, path));
            }
        }
    }
    numbered.sort();
    keyed.sort();
    let files = numbered
        .into_iter()
        .map(|(_, path)| (None, path))
        .chain(keyed.into_iter().map(|(hash, path)| (Some(hash), path)));
    files
        .map(|(hash, path)| {
            let reply = fs::read_to_string(&path).map_err(|error| io_error(&path, error))?;
            Ok(Recorded {
                hash,
                reply,
                reasoning: None,
                usage: Usage::default(),
                model: "replay".to_owned(),
            })
        })
        .collect()
}

/// `text` as a hash key (lowercase), if it is 64 hex digits.
fn valid_hash(text: &str) -> Option<String> {
    (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_in_lowercase_hex() {
        assert_eq!(
            prompt_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
