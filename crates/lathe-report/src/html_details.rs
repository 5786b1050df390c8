//! One attempt in full for the HTML report, folded: what was asked, what came back, what the
//! worker found. All of it is model-produced or derived from model output, so all of it is
//! escaped.

use std::fmt::Write as _;

use lathe_core::Verdict;
use lathe_store::AttemptRecord;

use crate::RunData;
use crate::attempt_outcome::Outcome;
use crate::escape::html;
use crate::run_data::code;

/// A `<details id="attempt-N">` whose summary is the attempt's key and outcome.
pub(crate) fn attempt_details(data: &RunData, attempt: &AttemptRecord) -> String {
    let outcome = Outcome::of(attempt);
    let summary = outcome.headline();
    let mut out = format!(
        "<details class=\"attempt\" id=\"attempt-{}\">\n<summary>#{} <code>{}</code>: {}{}</summary>\n",
        attempt.seq,
        attempt.seq,
        html(&attempt.key.to_string()),
        html(&summary),
        if attempt.kept { " (kept)" } else { "" }
    );

    let mut about = format!(
        "stage {}, round {}, sample {}",
        attempt.stage, attempt.round, attempt.sample
    );
    if let Some(parent) = attempt.parent.and_then(|p| data.seq_of(p)) {
        let _ = write!(about, "; from attempt #{parent}");
    }
    let _ = write!(about, "; started {}", attempt.started_at);
    if let Some(call) = &attempt.call {
        let _ = write!(about, "; model call {:.1} s", call.seconds);
    }
    if let Some(evaluation) = &attempt.evaluation {
        let _ = write!(about, "; evaluation {:.1} s", evaluation.eval_seconds);
    }
    let _ = writeln!(out, "<p>{}</p>", html(&about));

    if let Some(error) = attempt.call.as_ref().and_then(|c| c.error()) {
        section(&mut out, "model call error", error, true);
    }
    if let Some(lathe_store::Extraction::Failed { error }) = &attempt.extraction {
        section(&mut out, "why no code was taken", error, true);
    }
    if let Some(evaluation) = &attempt.evaluation {
        if let Some(problem) = what_went_wrong(&evaluation.verdict) {
            section(&mut out, "what went wrong", &problem, true);
        }
        // Pretty JSON of a verdict the store read back always serializes; if it ever did not,
        // its one-line summary still says what happened.
        let verdict = serde_json::to_string_pretty(&evaluation.verdict)
            .unwrap_or_else(|_| evaluation.verdict.summary());
        section(&mut out, "verdict (JSON)", &verdict, false);
    }
    section(&mut out, "prompt", &attempt.prompt, false);
    if let Some(reasoning) = attempt.call.as_ref().and_then(|c| c.reasoning.as_deref()) {
        section(&mut out, "reasoning", reasoning, false);
    }
    if let Some(reply) = attempt.call.as_ref().and_then(|c| c.text()) {
        section(&mut out, "reply", reply, false);
    }
    if let Some(source) = code(attempt) {
        section(&mut out, "code", source, false);
    }
    out.push_str("</details>\n");
    out
}

/// A folded block of text; `open` shows it unfolded (errors, which are short and the point).
fn section(out: &mut String, title: &str, text: &str, open: bool) {
    let _ = writeln!(
        out,
        "<details{}><summary>{}</summary><pre class=\"text\">{}</pre></details>",
        if open { " open" } else { "" },
        html(title),
        html(text)
    );
}

/// A failed verdict's evidence as a person reads it: messages and tracebacks with their line
/// breaks, which the verdict's JSON writes as `\n`.
fn what_went_wrong(verdict: &Verdict) -> Option<String> {
    let joined = |parts: &[&str]| {
        let parts: Vec<&str> = parts
            .iter()
            .map(|p| p.trim_end())
            .filter(|p| !p.is_empty())
            .collect();
        parts.join("\n\n")
    };
    let text = match verdict {
        Verdict::Correct(_) => return None,
        Verdict::CompileError {
            message,
            traceback_tail,
            ..
        } => joined(&[message, traceback_tail]),
        Verdict::RuntimeError {
            exception,
            message,
            traceback_tail,
            ..
        } => joined(&[&format!("{exception}: {message}"), traceback_tail]),
        Verdict::Crash(crash) => joined(&[&verdict.summary(), &crash.stderr_tail]),
        Verdict::Rejected { rule, evidence, .. } => format!("{rule}: {evidence}"),
        Verdict::Wrong(_) | Verdict::Timeout { .. } => verdict.summary(),
    };
    Some(text)
}
