//! What came of one attempt, as far as it got, and what it measured: the one reading of an
//! [`AttemptRecord`] that every table, the plot and the export share.

use lathe_core::Verdict;
use lathe_store::{AttemptRecord, Evaluation, Extraction};

/// How far an attempt got. Only a judged attempt has a verdict; the others stopped earlier,
/// and a report must say where rather than show an empty cell.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<'a> {
    /// No model call committed: under way, or the run was killed during the call.
    NoReply,
    /// The model call failed; the error as lathe-llm reported it.
    CallFailed(&'a str),
    /// No kernel could be taken from the reply.
    NoCode(&'a str),
    /// Code was taken but never judged (the run was killed during the evaluation).
    NotJudged,
    /// The analyst's reply: a diagnosis for the repair that follows, no kernel to judge.
    Diagnosis,
    Judged(&'a Verdict),
}

impl Outcome<'_> {
    pub(crate) fn of(attempt: &AttemptRecord) -> Outcome<'_> {
        if let Some(evaluation) = &attempt.evaluation {
            return Outcome::Judged(&evaluation.verdict);
        }
        let Some(call) = &attempt.call else {
            return Outcome::NoReply;
        };
        if let Some(error) = call.error() {
            return Outcome::CallFailed(error);
        }
        match &attempt.extraction {
            Some(Extraction::Failed { error }) => Outcome::NoCode(error),
            None if attempt.stage == "analyst" => Outcome::Diagnosis,
            _ => Outcome::NotJudged,
        }
    }

    /// The verdict's kind, or what stands in for one: `compile_error`, `call failed`.
    pub(crate) fn label(&self) -> &'static str {
        match self {
            Outcome::NoReply => "no reply",
            Outcome::CallFailed(_) => "call failed",
            Outcome::NoCode(_) => "no code",
            Outcome::NotJudged => "not judged",
            Outcome::Diagnosis => "diagnosis",
            Outcome::Judged(verdict) => verdict.kind().as_str(),
        }
    }

    pub(crate) fn is_correct(&self) -> bool {
        matches!(self, Outcome::Judged(v) if v.is_correct())
    }

    /// The outcome in one line, for a heading or a tooltip: `call failed: <error>`, the
    /// verdict's own summary (`compile error: <message>`), or just `correct`: the numbers
    /// of a correct attempt are shown beside it, in the report's format.
    pub(crate) fn headline(&self) -> String {
        match self {
            Outcome::Judged(verdict) if !verdict.is_correct() => first_line(&verdict.summary()),
            _ => match self.note() {
                Some(note) => format!("{}: {note}", self.label()),
                None => self.label().to_owned(),
            },
        }
    }

    /// One line on what went wrong; `None` for a correct attempt, whose numbers say it all.
    pub(crate) fn note(&self) -> Option<String> {
        match self {
            Outcome::NoReply | Outcome::NotJudged | Outcome::Diagnosis => None,
            Outcome::CallFailed(error) | Outcome::NoCode(error) => Some(first_line(error)),
            Outcome::Judged(verdict) if verdict.is_correct() => None,
            Outcome::Judged(verdict) => Some(first_line(&verdict.summary())),
        }
    }
}

/// What an attempt measured. A time is the GPU median when there is one, else the CPU
/// interpreter's wall time; `on_interpreter` says which, so that no one reads the second as
/// the first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measure {
    pub ms: f64,
    pub on_interpreter: bool,
    /// Against eager PyTorch on the GPU; never on the interpreter, which times no baseline.
    pub speedup_vs_eager: Option<f64>,
    pub speedup_vs_compile: Option<f64>,
}

impl Measure {
    pub(crate) fn of(attempt: &AttemptRecord) -> Option<Measure> {
        Measure::of_evaluation(attempt.evaluation.as_ref()?)
    }

    /// What an evaluation measured: an attempt's, or the starting kernel's.
    pub(crate) fn of_evaluation(evaluation: &Evaluation) -> Option<Measure> {
        if let Some(timing) = evaluation.timing() {
            return Some(Measure {
                ms: timing.candidate.median_ms,
                on_interpreter: false,
                speedup_vs_eager: Some(timing.speedup_vs_eager),
                speedup_vs_compile: timing.speedup_vs_compile,
            });
        }
        // Only a correct kernel's time means anything, on the interpreter as on a GPU.
        let correct = evaluation.verdict.is_correct();
        evaluation
            .interpreter_ms
            .filter(|_| correct)
            .map(|ms| Measure {
                ms,
                on_interpreter: true,
                speedup_vs_eager: None,
                speedup_vs_compile: None,
            })
    }
}

/// The first non-blank line, trimmed and cut to a length a table cell can hold.
pub(crate) fn first_line(text: &str) -> String {
    const MAX_CHARS: usize = 120;
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    if line.chars().count() <= MAX_CHARS {
        return line.to_owned();
    }
    let cut: String = line.chars().take(MAX_CHARS - 1).collect();
    format!("{cut}…")
}
