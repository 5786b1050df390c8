//! A run's progress as people follow it (lines on standard error, a live token count on a
//! terminal), as JSON lines for programs (`--json`, on standard output), or only its end
//! (`--quiet`).

use std::io::{IsTerminal, Write};

use lathe_engine::Event;
use lathe_report::numbers;

use crate::cli::ProgressArgs;

pub struct RunProgress {
    mode: Mode,
    live: bool,
    drawn: bool,
    interpreter: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    People,
    Json,
    Quiet,
}

impl RunProgress {
    pub fn new(args: &ProgressArgs) -> RunProgress {
        let mode = match (args.json, args.quiet) {
            (true, _) => Mode::Json,
            (_, true) => Mode::Quiet,
            _ => Mode::People,
        };
        RunProgress {
            mode,
            live: std::io::stderr().is_terminal(),
            drawn: false,
            interpreter: false,
        }
    }

    pub fn show(&mut self, event: &Event) {
        if let Event::Kept { interpreter, .. } = event {
            self.interpreter |= interpreter;
        }
        match self.mode {
            Mode::Json => {
                let line = serde_json::to_string(event)
                    .unwrap_or_else(|e| unreachable!("events serialize: {e}"));
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
            Mode::Quiet => {
                if let Event::RunFinished { .. } = event {
                    self.line(&describe(event, self.interpreter).unwrap_or_default());
                }
            }
            Mode::People => {
                if let Event::Tokens {
                    key,
                    answer_chars,
                    output_tokens,
                    ..
                } = event
                {
                    if self.live {
                        let tokens = output_tokens
                            .map(|t| format!(" · {t} tokens"))
                            .unwrap_or_default();
                        let _ = write!(
                            std::io::stderr().lock(),
                            "\r  {key}: {answer_chars} chars{tokens}   "
                        );
                        self.drawn = true;
                    }
                    return;
                }
                if let Some(text) = describe(event, self.interpreter) {
                    self.line(&text);
                }
            }
        }
    }

    fn line(&mut self, text: &str) {
        let mut err = std::io::stderr().lock();
        if self.drawn {
            let _ = writeln!(err);
            self.drawn = false;
        }
        let _ = writeln!(err, "{text}");
    }
}

/// One line per event a person wants to see; `None` for the rest.
fn describe(event: &Event, interpreter: bool) -> Option<String> {
    let cpu = if interpreter {
        " (CPU-interpreter time, not GPU speed)"
    } else {
        ""
    };
    Some(match event {
        Event::RunStarted {
            run,
            problem,
            out_dir,
            llm,
            resumed,
        } => format!(
            "{} run {run}: {problem} with {llm}\n  files in {out_dir}",
            if *resumed { "resuming" } else { "starting" }
        ),
        Event::Probed {
            gpu,
            triton,
            device,
        } => format!(
            "machine: {} · Triton {} · candidates run on {device}",
            gpu.as_deref().unwrap_or("no GPU"),
            triton.as_deref().unwrap_or("not found")
        ),
        Event::StartJudged { summary, .. } => format!("starting kernel: {summary}"),
        Event::StageStarted {
            stage,
            index,
            total,
        } => {
            format!("[{}/{total}] stage {stage}", index + 1)
        }
        Event::Profiled { seconds, .. } => format!("  profiled the best kernel ({seconds:.1} s)"),
        Event::ProfileUnavailable { reason, .. } => {
            format!("  no metrics for the prompt: {reason}")
        }
        Event::StageSkipped { stage, reason } => format!("  skipped {stage}: {reason}"),
        Event::Calling { key, reused: true } => {
            format!("  {key}: reply taken from the run's record")
        }
        Event::Replied {
            key,
            seconds,
            output_tokens,
            error,
        } => match error {
            Some(e) => format!("  {key}: the model call failed after {seconds:.1} s: {e}"),
            None => format!("  {key}: replied in {seconds:.1} s, {output_tokens} tokens"),
        },
        Event::Judged {
            key,
            summary,
            reused,
            ..
        } => format!(
            "  {key} → {summary}{}",
            if *reused { " (on record)" } else { "" }
        ),
        Event::Kept {
            key,
            ms,
            speedup_vs_start,
            interpreter,
        } => format!(
            "  best so far: {key}, {} ms{}{}",
            numbers::ms(*ms),
            speedup_vs_start
                .map(|s| format!(", {} the starting kernel", numbers::speedup(s)))
                .unwrap_or_default(),
            if *interpreter {
                " (CPU-interpreter time, not GPU speed)"
            } else {
                ""
            }
        ),
        Event::NotKept { key, reason, .. } => match key {
            Some(key) => format!("  not kept: {key}: {reason}"),
            None => format!("  nothing kept: {reason}"),
        },
        Event::BudgetSpent { budget, detail } => format!("budget `{budget}` spent: {detail}"),
        Event::RunFinished {
            run,
            status,
            detail,
            best,
            best_ms,
            speedup_vs_start,
            model_calls,
            tokens,
            cost_usd,
            ..
        } => {
            let status = match detail {
                Some(d) => format!("{status} ({d})"),
                None => status.clone(),
            };
            let best = match (best, best_ms) {
                (Some(path), Some(ms)) => format!(
                    "best {path}: {} ms{}{cpu}",
                    numbers::ms(*ms),
                    speedup_vs_start
                        .map(|s| format!(", {} the starting kernel", numbers::speedup(s)))
                        .unwrap_or_default()
                ),
                (Some(path), None) => format!("best {path} (untimed)"),
                _ => "no correct kernel".to_owned(),
            };
            format!(
                "run {run} {status}: {best}\n  {model_calls} model calls, {tokens} tokens, {}; `lathe report {run} --html` rebuilds the report",
                numbers::cost(*cost_usd)
            )
        }
        Event::Calling { .. }
        | Event::Tokens { .. }
        | Event::Retrying { .. }
        | Event::Judging { .. }
        | Event::StageFinished { .. } => return None,
    })
}
