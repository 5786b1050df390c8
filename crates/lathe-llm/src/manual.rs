//! [`ManualProvider`]: a person answers. The prompt goes into a file; the reply is awaited in
//! another, beside it.
//!
//! For prompt `N` (counting from one past the highest number already in the directory, so a new
//! run never picks up an old reply) with prompt hash `H` (the first 8 hex digits of
//! [`prompt_hash`]):
//!
//! - `<dir>/NNN-H.prompt.md` holds the system message (when there is one), a blank line, then
//!   the prompt;
//! - the reply is read from `<dir>/NNN-H.reply.md` once it is **complete**: either the file
//!   `<dir>/NNN-H.reply.md.done` exists (`touch` it after saving: the sure way), or the reply is
//!   not empty and has kept the same size and modification time for [`SETTLE`] (an editor may
//!   save in several writes, or the person paste in several goes).
//!
//! Reasoning inside `<think>…</think>` is split off. Usage is unknown: zero tokens, no cost.
//! The wait is `llm.manual_wait`; past it, [`LlmError::Manual`] names the file awaited.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use crate::config::LlmConfig;
use crate::error::LlmError;
use crate::message::{Event, Finish, Reply, Request, Transcript, Usage};
use crate::provider::Provider;
use crate::replay::prompt_hash;
use crate::think::split_reasoning;

/// How often the reply file is looked at.
pub const POLL: Duration = Duration::from_millis(250);

/// A reply without a `.done` file is complete once unchanged this long.
pub const SETTLE: Duration = Duration::from_secs(2);

/// Writes prompts into a directory and waits for a person's replies there.
#[derive(Debug)]
pub struct ManualProvider {
    dir: PathBuf,
    wait: Duration,
    /// The next prompt number, at least: held while a number is chosen and its file written,
    /// so two completions at once never take the same one.
    next: Mutex<u32>,
}

/// The files of one exchange.
#[derive(Debug)]
struct Exchange {
    prompt: PathBuf,
    reply: PathBuf,
    done: PathBuf,
}

impl ManualProvider {
    /// Prompts and replies in `dir` (created on the first prompt), waiting `config.manual_wait`
    /// for each reply.
    pub fn new(dir: impl Into<PathBuf>, config: &LlmConfig) -> ManualProvider {
        ManualProvider {
            dir: dir.into(),
            wait: config.manual_wait,
            next: Mutex::new(1),
        }
    }

    /// Writes the prompt under a fresh number and returns where its reply is awaited.
    fn write_prompt(&self, text: &str, hash8: &str) -> Result<Exchange, LlmError> {
        let io = |path: &Path, error: std::io::Error| LlmError::Io {
            path: path.to_path_buf(),
            message: error.to_string(),
        };
        fs::create_dir_all(&self.dir).map_err(|e| io(&self.dir, e))?;
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let n = (*next).max(highest_number(&self.dir).map_err(|e| io(&self.dir, e))? + 1);
        let stem = format!("{n:03}-{hash8}");
        let exchange = Exchange {
            prompt: self.dir.join(format!("{stem}.prompt.md")),
            reply: self.dir.join(format!("{stem}.reply.md")),
            done: self.dir.join(format!("{stem}.reply.md.done")),
        };
        fs::write(&exchange.prompt, text).map_err(|e| io(&exchange.prompt, e))?;
        *next = n + 1;
        Ok(exchange)
    }
}

impl Provider for ManualProvider {
    fn describe(&self) -> String {
        format!("manual:{}", self.dir.display())
    }

    fn complete(
        &self,
        request: &Request,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        let start = Instant::now();
        let text = request.system_then_prompt();
        let exchange = self.write_prompt(&text, &prompt_hash(&request.prompt)[..8])?;
        events(Event::AwaitingReply {
            prompt_path: exchange.prompt.display().to_string(),
            reply_path: exchange.reply.display().to_string(),
        });
        let raw = await_reply(&exchange, self.wait)?;
        let (reasoning, answer) = split_reasoning(&raw);
        Ok(Reply {
            text: answer,
            reasoning,
            usage: Usage::default(),
            cost_usd: None,
            finish: Finish::Stop,
            model: "manual".to_owned(),
            transcript: Transcript {
                request_body: text,
                response_body: raw,
            },
            attempts: 1,
            seconds: start.elapsed().as_secs_f64(),
        })
    }
}

/// Polls until the reply is complete (see the module docs), then reads it.
fn await_reply(exchange: &Exchange, wait: Duration) -> Result<String, LlmError> {
    let deadline = Instant::now() + wait;
    // The reply's size and modification time, and since when they have not changed.
    let mut seen: Option<((u64, Option<SystemTime>), Instant)> = None;
    loop {
        let now = Instant::now();
        let state = fs::metadata(&exchange.reply)
            .ok()
            .map(|meta| (meta.len(), meta.modified().ok()));
        let complete = match state {
            None => false,
            Some(_) if exchange.done.exists() => true,
            Some(state) => {
                let since = match seen {
                    Some((before, since)) if before == state => since,
                    _ => now,
                };
                seen = Some((state, since));
                state.0 > 0 && now.duration_since(since) >= SETTLE
            }
        };
        if complete {
            let bytes = fs::read(&exchange.reply).map_err(|error| LlmError::Io {
                path: exchange.reply.clone(),
                message: error.to_string(),
            })?;
            return Ok(String::from_utf8_lossy(&bytes).into_owned());
        }
        if now >= deadline {
            return Err(LlmError::Manual {
                message: format!(
                    "no reply in {} after {:.0} s (the prompt is in {}); hint: write the reply \
                     there and create {} when it is complete, or raise llm.manual_wait",
                    exchange.reply.display(),
                    wait.as_secs_f64(),
                    exchange.prompt.display(),
                    exchange.done.display(),
                ),
            });
        }
        thread::sleep(POLL.min(deadline - now));
    }
}

/// The highest prompt number among the directory's `NNN-...` files, 0 when there is none.
fn highest_number(dir: &Path) -> std::io::Result<u32> {
    let mut highest = 0;
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let number = name
            .to_str()
            .and_then(|name| name.split_once('-'))
            .and_then(|(digits, _)| digits.parse::<u32>().ok());
        highest = highest.max(number.unwrap_or(0));
    }
    Ok(highest)
}
