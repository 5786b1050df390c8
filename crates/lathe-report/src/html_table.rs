//! Tables for the HTML report, from cells already escaped.

use std::fmt::Write as _;

use crate::escape::html;

/// A table row of cells already escaped.
#[derive(Debug)]
pub(crate) struct Row {
    pub class: &'static str,
    pub cells: Vec<Cell>,
}

#[derive(Debug)]
pub(crate) struct Cell {
    html: String,
    class: &'static str,
}

impl Cell {
    pub(crate) fn raw(html: String) -> Cell {
        Cell { html, class: "" }
    }

    pub(crate) fn text(text: &str) -> Cell {
        Cell::raw(html(text))
    }

    /// Numbers align right, digit under digit.
    pub(crate) fn number(text: &str) -> Cell {
        Cell::text(text).right()
    }

    pub(crate) fn right(self) -> Cell {
        self.class("r")
    }

    pub(crate) fn class(self, class: &'static str) -> Cell {
        Cell { class, ..self }
    }
}

pub(crate) fn table(headers: &[&str], rows: &[Row]) -> String {
    let mut out = String::from("<table>\n<thead><tr>");
    // A header sits over its column's cells: right-aligned over numbers.
    let first = rows
        .first()
        .map(|row| row.cells.as_slice())
        .unwrap_or_default();
    for (i, header) in headers.iter().enumerate() {
        match first.get(i).map(|cell| cell.class) {
            Some("r") => {
                let _ = write!(out, "<th class=\"r\">{}</th>", html(header));
            }
            _ => {
                let _ = write!(out, "<th>{}</th>", html(header));
            }
        }
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        match row.class {
            "" => out.push_str("<tr>"),
            class => {
                let _ = write!(out, "<tr class=\"{class}\">");
            }
        }
        for cell in &row.cells {
            match cell.class {
                "" => {
                    let _ = write!(out, "<td>{}</td>", cell.html);
                }
                class => {
                    let _ = write!(out, "<td class=\"{class}\">{}</td>", cell.html);
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
