//! The run's facts and its result, as plain text: the markdown and the HTML each escape and
//! lay out the same words.

use lathe_store::{AttemptRecord, Budget, CallOutcome, RunStatus};

use crate::RunData;
use crate::attempt_outcome::{Measure, first_line};
use crate::numbers;

/// The words every report uses for a time that is not GPU performance (engine.md).
pub(crate) const INTERPRETER_WORDS: &str = "timed on Triton's CPU interpreter: not GPU performance";

/// One labelled fact about the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fact {
    pub label: &'static str,
    pub value: String,
    /// A name or a path, shown as code rather than prose.
    pub literal: bool,
}

pub(crate) fn facts(data: &RunData) -> Vec<Fact> {
    let run = &data.run;
    let gpu = match run.gpu.as_str() {
        "interpret" => "none: Triton's CPU interpreter (interpret)".to_owned(),
        gpu => gpu.to_owned(),
    };
    let finished = match run.finished_at {
        Some(at) => {
            let seconds = (at.unix_ms() - run.created_at.unix_ms()) as f64 / 1000.0;
            format!("{at} (after {})", numbers::duration(seconds))
        }
        None => numbers::NONE.to_owned(),
    };
    let fact = |label, value| Fact {
        label,
        value,
        literal: false,
    };
    let literal = |label, value| Fact {
        label,
        value,
        literal: true,
    };
    vec![
        literal("problem", run.problem_path.display().to_string()),
        fact("category", run.category.to_string()),
        fact("backend", run.backend.display_name().to_owned()),
        fact("GPU", gpu),
        literal("model", run.llm_spec.clone()),
        fact("status", status_words(&run.status)),
        fact("started", run.created_at.to_string()),
        fact("finished", finished),
        fact("model use", model_use(&data.attempts)),
        literal("run", run.id.to_string()),
        literal("outputs", run.out_dir.display().to_string()),
    ]
}

/// The status as a sentence that says what stopped the run.
pub(crate) fn status_words(status: &RunStatus) -> String {
    match status {
        RunStatus::Running => "running (a killed run stays so until it is resumed)".to_owned(),
        RunStatus::Finished => "finished: every stage ran or was skipped".to_owned(),
        RunStatus::Stopped { budget } => {
            let name = match budget {
                Budget::Calls => "calls",
                Budget::Tokens => "tokens",
                Budget::Cost => "cost",
                Budget::WallTime => "wall-time",
            };
            format!("stopped: the {name} budget was spent")
        }
        RunStatus::Failed { message } => format!("failed: {}", first_line(message)),
    }
}

/// Calls, tokens and cost over every model call. A tuner variant (stage `tune`) is recorded in a
/// call's shape but is no model call: it is counted apart.
fn model_use(attempts: &[AttemptRecord]) -> String {
    let tuned = attempts.iter().filter(|a| a.stage == "tune").count();
    let calls: Vec<_> = attempts
        .iter()
        .filter(|a| a.stage != "tune")
        .filter_map(|a| a.call.as_ref())
        .collect();
    let failed = calls
        .iter()
        .filter(|c| matches!(c.outcome, CallOutcome::Failed { .. }))
        .count();
    let input: u64 = calls.iter().map(|c| c.usage.input_tokens).sum();
    let output: u64 = calls.iter().map(|c| c.usage.output_tokens).sum();
    // Rust's float sum of nothing is -0.0, which would print as "$-0.00".
    let cost: f64 = calls.iter().filter_map(|c| c.cost_usd).sum::<f64>() + 0.0;
    let unpriced = calls.iter().filter(|c| c.cost_usd.is_none()).count();
    let mut words = format!(
        "{} call{}",
        calls.len(),
        if calls.len() == 1 { "" } else { "s" }
    );
    if failed > 0 {
        words.push_str(&format!(" ({failed} failed)"));
    }
    words.push_str(&format!(
        ", {} tokens in, {} out, {}",
        numbers::count(input),
        numbers::count(output),
        numbers::cost(cost)
    ));
    if unpriced > 0 {
        words.push_str(&format!(" (and {unpriced} unpriced)"));
    }
    if tuned > 0 {
        words.push_str(&format!(
            "; {tuned} tuner variant{}",
            if tuned == 1 { "" } else { "s" }
        ));
    }
    words
}

/// The results line: the best's speed, or that there is none.
pub(crate) fn results(data: &RunData) -> String {
    match data.best() {
        Some(best) => format!(
            "best: attempt #{} ({}): {}",
            best.seq,
            best.key,
            speed_words(best)
        ),
        None => "no correct kernel".to_owned(),
    }
}

/// A correct attempt's speed in words: against both baselines with their times on a GPU;
/// on the interpreter, its time and that it is not GPU performance.
pub(crate) fn speed_words(attempt: &AttemptRecord) -> String {
    let Some(evaluation) = &attempt.evaluation else {
        return "not judged".to_owned();
    };
    let measure = Measure::of(attempt);
    match (evaluation.timing(), measure) {
        (Some(timing), _) => {
            let compile = match (timing.speedup_vs_compile, evaluation.compile_ms()) {
                (Some(vs), Some(ms)) => format!(
                    "{} vs torch.compile ({} ms)",
                    numbers::speedup(vs),
                    numbers::ms(ms)
                ),
                _ => {
                    let why = timing
                        .compile
                        .as_ref()
                        .and_then(|c| c.error.as_deref())
                        .map(|e| format!(": {}", first_line(e)))
                        .unwrap_or_default();
                    format!("torch.compile not measured{why}")
                }
            };
            format!(
                "{} ms, {} vs eager ({} ms), {compile}",
                numbers::ms(timing.candidate.median_ms),
                numbers::speedup(timing.speedup_vs_eager),
                numbers::ms(timing.eager.median_ms),
            )
        }
        (None, Some(m)) => format!("{} ms, {INTERPRETER_WORDS}", numbers::ms(m.ms)),
        (None, None) => {
            let note = match &evaluation.verdict {
                lathe_core::Verdict::Correct(c) => c.timing_note.as_deref(),
                _ => None,
            };
            format!(
                "not timed: {}",
                note.map_or_else(|| "no timing was measured".to_owned(), first_line)
            )
        }
    }
}
