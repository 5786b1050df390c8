//! `report.md`: the run in markdown, for a terminal, a pull request or a notebook.
//!
//! Text from outside lathe's own code (errors, reasons, paths) is escaped so that it cannot
//! open markup: a `<script>` in an error is shown, never run, by a renderer that allows HTML.

use crate::RunData;
use crate::attempt_rows::{self, attempt_rows, filled_columns, only_filled};
use crate::facts::{facts, results};
use crate::run_data::code;
use crate::stage_rows::{self, stage_rows};

/// The report as markdown.
pub fn report_md(data: &RunData) -> String {
    let run = &data.run;
    let basis = data.basis();
    let name = run.problem_path.file_name().map_or_else(
        || run.problem_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = format!("# lathe report: {}\n\n", code_span(&name));

    for fact in facts(data) {
        let value = if fact.literal {
            code_span(&fact.value)
        } else {
            text(&fact.value)
        };
        out.push_str(&format!("- **{}:** {value}\n", fact.label));
    }
    out.push_str(&format!("\n**Result:** {}\n", text(&results(data))));

    out.push_str("\n## Stages\n\n");
    let stages = stage_rows(data);
    let filled = filled_columns(&stages.iter().map(|r| r.cells()).collect::<Vec<_>>());
    let rows: Vec<Vec<String>> = stages
        .iter()
        .map(|row| {
            let [stage, status, why, attempts, correct, best, kept] = row.cells();
            let cells = [
                code_cell(&stage),
                text(&status),
                text(&why),
                attempts,
                correct,
                best,
                kept,
            ];
            only_filled(&cells, &filled)
        })
        .collect();
    out.push_str(&table(
        &only_filled(&stage_rows::headers(basis), &filled),
        &rows,
    ));

    out.push_str("\n## Metrics shown to each stage\n");
    let mut shown = false;
    for record in &data.stages {
        let Some(block) = &record.metrics_block else {
            continue;
        };
        shown = true;
        let title = stages
            .iter()
            .find(|row| row.stage == record.stage)
            .and_then(|row| row.title.as_deref())
            .map(|title| format!(": {}", text(title)))
            .unwrap_or_default();
        out.push_str(&format!("\n### {}{title}\n\n", code_span(&record.stage)));
        out.push_str(&fenced("json", block));
    }
    if !shown {
        out.push_str("\nNo stage showed metrics.\n");
    }

    out.push_str("\n## Attempts\n\n");
    let attempts = attempt_rows(data);
    let filled = filled_columns(&attempts.iter().map(|r| r.cells()).collect::<Vec<_>>());
    let rows: Vec<Vec<String>> = attempts
        .iter()
        .map(|row| {
            let [seq, key, stage, verdict, ms, vs, tokens, cost, kept, note] = row.cells();
            let (key, stage, verdict) = (code_cell(&key), code_cell(&stage), code_cell(&verdict));
            let cells = [
                seq,
                key,
                stage,
                verdict,
                ms,
                vs,
                tokens,
                cost,
                kept,
                text(&note),
            ];
            only_filled(&cells, &filled)
        })
        .collect();
    if rows.is_empty() {
        out.push_str("No attempt was made.\n");
    } else {
        out.push_str(&table(
            &only_filled(&attempt_rows::headers(basis), &filled),
            &rows,
        ));
    }

    out.push_str("\n## Best kernel\n\n");
    match data.best().and_then(|best| Some((best, code(best)?))) {
        Some((best, source)) => {
            out.push_str(&format!(
                "Attempt #{} ({}):\n\n",
                best.seq,
                code_span(&best.key.to_string())
            ));
            out.push_str(&fenced("python", source));
        }
        None => out.push_str("No correct kernel.\n"),
    }
    out
}

/// A table of cells already escaped for markdown.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let cells: Vec<&str> = cells.collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(&mut headers.iter().copied());
    out.push_str(&line(&mut headers.iter().map(|_| "---")));
    for row in rows {
        out.push_str(&line(&mut row.iter().map(|cell| match cell.as_str() {
            "" => " ",
            cell => cell,
        })));
    }
    out
}

/// Prose that may hold anything: on one line, with every character that could open markup
/// (emphasis, links, code, HTML, entities, table cells) escaped. Underscores inside a word
/// (`pct_of_peak`) cannot open emphasis, so they stay as they are, readable in the raw file.
pub(crate) fn text(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\n' | '\r' => out.push(' '),
            '_' if inside_word(&chars, i) => out.push('_'),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '|' | '&' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether the run of underscores around `at` has a letter or digit on both sides.
fn inside_word(chars: &[char], at: usize) -> bool {
    let before = chars[..at].iter().rev().find(|&&c| c != '_');
    let after = chars[at..].iter().find(|&&c| c != '_');
    before
        .zip(after)
        .is_some_and(|(b, a)| b.is_alphanumeric() && a.is_alphanumeric())
}

/// A name or path as inline code: fenced by more backticks than it holds, on one line.
fn code_span(raw: &str) -> String {
    let flat: String = raw
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let ticks = "`".repeat(longest_run(&flat, '`') + 1);
    // A span that starts or ends with a backtick needs a space between it and the fence.
    let pad = if flat.starts_with('`') || flat.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{flat}{pad}{ticks}")
}

/// [`code_span`] in a table cell: a `|` would end the cell even inside the span, so it is
/// escaped (GitHub shows `\|` in a code span in a table as `|`).
fn code_cell(raw: &str) -> String {
    code_span(&raw.replace('|', "\\|"))
}

/// A fenced block whose fence is longer than any run of backticks inside it, so that the
/// content (a reply's code may hold a fence) cannot close it.
fn fenced(info: &str, body: &str) -> String {
    let fence = "`".repeat(longest_run(body, '`').max(2) + 1);
    let newline = if body.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{info}\n{body}{newline}{fence}\n")
}

fn longest_run(text: &str, of: char) -> usize {
    let (mut longest, mut current) = (0, 0);
    for c in text.chars() {
        current = if c == of { current + 1 } else { 0 };
        longest = longest.max(current);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(text("<script>a|b</script>"), "\\<script>a\\|b\\</script>");
        assert_eq!(
            text("sm__pct_of x_ _y __init__"),
            "sm__pct_of x\\_ \\_y \\_\\_init\\_\\_"
        );
        assert_eq!(text("two\nlines"), "two lines");
    }

    #[test]
    fn fences_outgrow_their_content() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(
            fenced("python", "```\ncode"),
            "````python\n```\ncode\n````\n"
        );
        assert_eq!(fenced("json", "{}\n"), "```json\n{}\n```\n");
    }
}
