//! `lathe ask`: one prompt to one model, the code out of its reply, and what it cost.

use std::io::{IsTerminal, Write};

use lathe_llm::extract::{ExtractedCode, extract_code};
use lathe_llm::{Event, LlmError, LlmSpec, Reply};
use serde::Serialize;

use crate::cli::AskArgs;
use crate::error::CliError;
use crate::input::{FileRole, read_text};
use crate::output::emit;
use crate::settings::Settings;

pub fn run(args: &AskArgs, settings: &Settings) -> Result<(), CliError> {
    let spec = spec(settings)?;
    let prompt = read_text(&args.prompt, FileRole::Prompt)?;
    let system = args
        .system
        .as_deref()
        .map(|p| read_text(p, FileRole::Prompt))
        .transpose()?;
    let env = |name: &str| std::env::var(name).ok();
    let config = settings.llm.config(&env);
    let mut request = settings.llm.request(prompt, system);
    if args.no_stream {
        request.stream = false;
    }
    let provider = lathe_llm::provider_for(&spec, &config).map_err(CliError::Llm)?;
    let mut progress = Progress::new(provider.describe());
    let outcome = provider.complete(&request, &mut |event| progress.show(&event));
    progress.finish();
    let reply = match outcome {
        Ok(reply) => reply,
        Err(LlmError::Truncated { partial }) => {
            if args.json {
                emit(
                    &summary_json(&spec, &partial, None, Some("truncated")),
                    None,
                )?;
            }
            usage_line(&partial);
            return Err(CliError::Llm(LlmError::Truncated { partial }));
        }
        Err(e) => return Err(CliError::Llm(e)),
    };
    // Before the code is looked for: a reply without code is when the reasoning is most wanted
    // (the no-code error's hint points here).
    if let Some(path) = &args.reasoning_out {
        emit(reply.reasoning.as_deref().unwrap_or_default(), Some(path))?;
    }
    let code = match extract_code(&reply.text) {
        Ok(code) => code,
        Err(error) => {
            if args.json {
                emit(&summary_json(&spec, &reply, None, Some("no_code")), None)?;
            }
            usage_line(&reply);
            return Err(CliError::NoCode(error));
        }
    };
    let mut text = code.code.clone();
    text.push('\n');
    match (&args.out, args.json) {
        (Some(out), json) => {
            emit(&text, Some(out))?;
            if json {
                emit(&summary_json(&spec, &reply, Some(&code), None), None)?;
            }
        }
        (None, true) => emit(&summary_json(&spec, &reply, Some(&code), None), None)?,
        (None, false) => emit(&text, None)?,
    }
    usage_line(&reply);
    Ok(())
}

fn spec(settings: &Settings) -> Result<LlmSpec, CliError> {
    let sourced = settings.llm.spec.as_ref().ok_or(CliError::NoLlm)?;
    sourced
        .value
        .parse()
        .map_err(|error: lathe_llm::UnknownProvider| CliError::BadLlmSpec {
            message: error.message,
            whence: sourced.whence().to_string(),
        })
}

#[derive(Serialize)]
struct Summary<'a> {
    llm: String,
    model: &'a str,
    outcome: &'a str,
    code: Option<&'a str>,
    complete_fence: Option<bool>,
    defines_model_new: Option<bool>,
    answer_chars: usize,
    reasoning_chars: usize,
    usage: lathe_llm::Usage,
    cost_usd: Option<f64>,
    finish: &'a lathe_llm::Finish,
    attempts: u32,
    seconds: f64,
}

fn summary_json(
    spec: &LlmSpec,
    reply: &Reply,
    code: Option<&ExtractedCode>,
    failure: Option<&str>,
) -> String {
    let summary = Summary {
        llm: spec.to_string(),
        model: &reply.model,
        outcome: failure.unwrap_or("code"),
        code: code.map(|c| c.code.as_str()),
        complete_fence: code.map(|c| c.complete_fence),
        defines_model_new: code.map(|c| c.defines_model_new),
        answer_chars: reply.text.chars().count(),
        reasoning_chars: reply.reasoning.as_deref().map_or(0, |r| r.chars().count()),
        usage: reply.usage,
        cost_usd: reply.cost_usd,
        finish: &reply.finish,
        attempts: reply.attempts,
        seconds: reply.seconds,
    };
    let mut text = serde_json::to_string_pretty(&summary)
        .unwrap_or_else(|e| unreachable!("a summary always serializes: {e}"));
    text.push('\n');
    text
}

/// Tokens, cost and time, on standard error (standard output holds the code).
fn usage_line(reply: &Reply) {
    let u = &reply.usage;
    let cost = reply
        .cost_usd
        .map(|c| format!(" · ${c:.4}"))
        .unwrap_or_else(|| " · cost unknown (no price for this model in [llm.prices])".to_owned());
    let reasoning = if u.reasoning_tokens > 0 {
        format!(" ({} reasoning)", u.reasoning_tokens)
    } else {
        String::new()
    };
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}: {} tokens in, {} out{reasoning}{cost} · {:.1} s · {} attempt{}",
        reply.model,
        u.input_tokens,
        u.output_tokens,
        reply.seconds,
        reply.attempts,
        if reply.attempts == 1 { "" } else { "s" }
    );
}

/// Progress on standard error: a live line on a terminal, retries and waits always.
struct Progress {
    name: String,
    live: bool,
    drawn: bool,
}

impl Progress {
    fn new(name: String) -> Progress {
        Progress {
            name,
            live: std::io::stderr().is_terminal(),
            drawn: false,
        }
    }

    fn show(&mut self, event: &Event) {
        let mut err = std::io::stderr().lock();
        match event {
            Event::Progress {
                answer_chars,
                reasoning_chars,
                output_tokens,
            } if self.live => {
                let tokens = output_tokens
                    .map(|t| format!(" · {t} tokens"))
                    .unwrap_or_default();
                let _ = write!(
                    err,
                    "\r{}: answer {answer_chars} chars · reasoning {reasoning_chars} chars{tokens}   ",
                    self.name
                );
                self.drawn = true;
            }
            Event::Retry {
                attempt,
                wait_seconds,
                reason,
            } => {
                self.end_line(&mut err);
                let _ = writeln!(
                    err,
                    "{}: attempt {attempt} failed ({reason}); retrying in {wait_seconds:.1} s",
                    self.name
                );
            }
            Event::Throttled { wait_seconds } if *wait_seconds >= 1.0 => {
                self.end_line(&mut err);
                let _ = writeln!(
                    err,
                    "{}: waiting {wait_seconds:.1} s for the rate limit",
                    self.name
                );
            }
            Event::AwaitingReply {
                prompt_path,
                reply_path,
            } => {
                self.end_line(&mut err);
                let _ = writeln!(
                    err,
                    "the prompt is in {prompt_path}\nwrite the reply to {reply_path} (then create {reply_path}.done, or stop writing for 2 s)"
                );
            }
            _ => {}
        }
    }

    fn end_line(&mut self, err: &mut impl Write) {
        if self.drawn {
            let _ = writeln!(err);
            self.drawn = false;
        }
    }

    fn finish(&mut self) {
        let mut err = std::io::stderr().lock();
        self.end_line(&mut err);
    }
}
