//! `report.html`: the markdown report's content in one self-contained page (inline CSS and
//! SVG, no scripts, nothing fetched), with the speedup plot, the best kernel highlighted and
//! every attempt's prompt, reply and verdict behind a `<details>`.
//!
//! Every piece of text goes through [`html`] (or the highlighter, which escapes the same way)
//! on its way in: a reply holding `<script>` shows the tag as text.

use std::fmt::Write as _;

use crate::RunData;
use crate::attempt_rows::{self, attempt_rows, filled_columns, only_filled};
use crate::escape::html;
use crate::facts::{facts, results};
use crate::highlight::highlight_python;
use crate::html_details::attempt_details;
use crate::html_table::{Cell, Row, table};
use crate::run_data::code;
use crate::stage_rows::{self, stage_rows};
use crate::style::CSS;
use crate::svg_plot::speedup_plot;

/// The report as one HTML page.
pub fn report_html(data: &RunData) -> String {
    let run = &data.run;
    let basis = data.basis();
    let name = run.problem_path.file_name().map_or_else(
        || run.problem_path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>lathe report: {} ({})</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>lathe report: <code>{}</code></h1>\n",
        html(&name),
        html(run.id.as_str()),
        html(&name)
    );

    out.push_str("<dl class=\"facts\">\n");
    for fact in facts(data) {
        let value = if fact.literal {
            format!("<code>{}</code>", html(&fact.value))
        } else {
            html(&fact.value)
        };
        let _ = writeln!(out, "<dt>{}</dt><dd>{value}</dd>", html(fact.label));
    }
    out.push_str("</dl>\n");
    let class = if data.best().is_some() {
        "result"
    } else {
        "result none"
    };
    let _ = writeln!(
        out,
        "<p class=\"{class}\"><strong>Result:</strong> {}</p>",
        html(&results(data))
    );
    let _ = writeln!(
        out,
        "<figure>\n{}\n<figcaption>Hover a point for its attempt; the square is the starting kernel \
         when one was given. Crosses on the bottom row: attempts with no time, coloured by what \
         went wrong; diamonds: the analyst's diagnoses.</figcaption>\n</figure>",
        speedup_plot(data)
    );

    out.push_str("<h2>Stages</h2>\n");
    let stages = stage_rows(data);
    let filled = filled_columns(&stages.iter().map(|r| r.cells()).collect::<Vec<_>>());
    let rows: Vec<Row> = stages
        .iter()
        .map(|row| {
            let [stage, status, why, attempts, correct, best, kept] = row.cells();
            let stage = match &row.title {
                Some(title) => format!("<code title=\"{}\">{}</code>", html(title), html(&stage)),
                None => format!("<code>{}</code>", html(&stage)),
            };
            let cells = [
                Cell::raw(stage),
                Cell::text(&status),
                Cell::text(&why),
                Cell::number(&attempts),
                Cell::number(&correct),
                Cell::number(&best),
                Cell::text(&kept),
            ];
            Row {
                class: "",
                cells: only_filled_cells(cells, &filled),
            }
        })
        .collect();
    out.push_str(&table(
        &only_filled(&stage_rows::headers(basis), &filled),
        &rows,
    ));

    out.push_str("<h2>Metrics shown to each stage</h2>\n");
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
            .map(|title| format!(": {}", html(title)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<h3><code>{}</code>{title}</h3>\n<pre class=\"json\"><code>{}</code></pre>",
            html(&record.stage),
            html(block)
        );
    }
    if !shown {
        out.push_str("<p>No stage showed metrics.</p>\n");
    }

    out.push_str("<h2>Attempts</h2>\n");
    let attempts = attempt_rows(data);
    let filled = filled_columns(&attempts.iter().map(|r| r.cells()).collect::<Vec<_>>());
    let rows: Vec<Row> = attempts
        .iter()
        .map(|row| {
            let [seq, key, stage, verdict, ms, vs, tokens, cost, kept, note] = row.cells();
            // A diagnosis is the analyst's reply, not a failed kernel.
            let bad = match verdict.as_str() {
                "correct" | "diagnosis" => "",
                _ => "bad",
            };
            let cells = [
                Cell::raw(format!("<a href=\"#attempt-{seq}\">{seq}</a>")).right(),
                Cell::raw(format!("<code>{}</code>", html(&key))),
                Cell::raw(format!("<code>{}</code>", html(&stage))),
                Cell::text(&verdict).class(bad),
                Cell::number(&ms),
                Cell::number(&vs),
                Cell::number(&tokens),
                Cell::number(&cost),
                Cell::text(&kept),
                Cell::text(&note),
            ];
            Row {
                class: if row.kept { "kept" } else { "" },
                cells: only_filled_cells(cells, &filled),
            }
        })
        .collect();
    if rows.is_empty() {
        out.push_str("<p>No attempt was made.</p>\n");
    } else {
        out.push_str(&table(
            &only_filled(&attempt_rows::headers(basis), &filled),
            &rows,
        ));
    }

    out.push_str("<h2>Best kernel</h2>\n");
    match data.best().and_then(|best| Some((best, code(best)?))) {
        Some((best, source)) => {
            let _ = writeln!(
                out,
                "<p>Attempt <a href=\"#attempt-{0}\">#{0}</a> (<code>{1}</code>):</p>\n\
                 <pre class=\"code\" id=\"best-kernel\"><code>{2}</code></pre>",
                best.seq,
                html(&best.key.to_string()),
                highlight_python(source)
            );
        }
        None => out.push_str("<p>No correct kernel.</p>\n"),
    }

    out.push_str("<h2>Attempt details</h2>\n");
    for attempt in &data.attempts {
        out.push_str(&attempt_details(data, attempt));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The cells whose column is filled (cells are not `Clone`: they move).
fn only_filled_cells<const N: usize>(cells: [Cell; N], filled: &[bool; N]) -> Vec<Cell> {
    cells
        .into_iter()
        .zip(filled)
        .filter(|(_, f)| **f)
        .map(|(cell, _)| cell)
        .collect()
}
