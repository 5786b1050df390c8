//! What ncu's CSV output says: one [`Launch`] per profiled kernel launch, with its metric cells.
//!
//! ncu writes its table between its own `==PROF==` lines and whatever the profiled program
//! printed, so the header is found by its shape, not its position. Two layouts are read: the raw
//! page (`--page raw`: one row per launch, one column per metric, a row of units under the
//! header) and the details page (`--page details`: one row per metric per launch). Cells keep
//! their text as written; a metric ncu left empty for a launch is absent from that launch, so it
//! can never be mistaken for a zero.

mod csv_record;
mod details;
mod error;
mod identity;
mod raw;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::number::{NcuNumber, parse_ncu_number};
pub(crate) use csv_record::parse_line as parse_csv_line;
use csv_record::parse_line;
pub use error::CaptureError;

/// Everything read from one ncu run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capture {
    /// In the order ncu lists them (the order of the launches).
    pub launches: Vec<Launch>,
    /// The metrics the table has, in header order (first-seen order on the details page).
    pub metric_columns: Vec<String>,
    /// The unit of each metric that has one (`%`, `ns`, `register/thread`).
    pub units: BTreeMap<String, String>,
    /// ncu's own lines (`==PROF==`, `==WARNING==`, `==ERROR==`, ...) from anywhere in the text.
    pub messages: Vec<String>,
    pub page: Page,
}

/// Which `--page` ncu wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Page {
    Raw,
    Details,
}

/// One profiled kernel launch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Launch {
    /// ncu's running number of the launch within the capture.
    pub id: u64,
    pub process_id: Option<u32>,
    /// As ncu shows it: a Triton kernel's function name, or a demangled C++ signature.
    pub kernel_name: String,
    /// As written, e.g. `(256, 1, 1)`.
    pub block_size: String,
    pub grid_size: String,
    /// The non-empty metric cells of this launch, by metric name.
    pub values: BTreeMap<String, Cell>,
}

/// One metric cell: its text as ncu wrote it and, when it is one, the number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub text: String,
    pub number: Option<NcuNumber>,
}

impl Cell {
    fn new(text: &str) -> Cell {
        Cell {
            text: text.to_owned(),
            number: parse_ncu_number(text),
        }
    }
}

/// The launches, metric columns and units read from the rows under the header.
struct Table {
    launches: Vec<Launch>,
    metric_columns: Vec<String>,
    units: BTreeMap<String, String>,
}

/// One line of the table, split into fields.
#[derive(Debug)]
struct Record {
    /// 1-based, in the whole text.
    line: usize,
    fields: Vec<String>,
}

/// Reads the output of `ncu --csv --page raw` or `--page details`.
pub fn parse_capture(text: &str) -> Result<Capture, CaptureError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().zip(1..);
    let mut messages = Vec::new();
    let Some((header, header_line)) = find_header(&mut lines, &mut messages) else {
        return Err(CaptureError::NoHeader {
            messages,
            first_lines: first_lines(text),
        });
    };
    let rows = read_rows(lines, &mut messages, header.len(), header_line)?;
    let details = ["Metric Name", "Metric Value"]
        .iter()
        .all(|name| header.iter().any(|h| h == name));
    let (page, table) = if details {
        (Page::Details, details::read(&header, rows)?)
    } else {
        (Page::Raw, raw::read(&header, rows)?)
    };
    Ok(Capture {
        launches: table.launches,
        metric_columns: table.metric_columns,
        units: table.units,
        messages,
        page,
    })
}

/// Moves past the header, keeping ncu's messages on the way; the profiled program's output and
/// anything else that is not the header is skipped, even when it is broken CSV.
fn find_header<'a>(
    lines: &mut impl Iterator<Item = (&'a str, usize)>,
    messages: &mut Vec<String>,
) -> Option<(Vec<String>, usize)> {
    for (line, number) in lines {
        if is_message(line) {
            messages.push(line.to_owned());
        } else if let Some(fields) = parse_line(line).ok().filter(|fields| is_header(fields)) {
            return Some((fields, number));
        }
    }
    None
}

fn is_header(fields: &[String]) -> bool {
    fields.first().is_some_and(|f| f == "ID") && fields.iter().any(|f| f == "Kernel Name")
}

/// ncu's own lines: `==PROF==`, `==WARNING==`, `==ERROR==` and any other `==WORD==` prefix.
fn is_message(line: &str) -> bool {
    line.strip_prefix("==")
        .and_then(|rest| rest.split_once("=="))
        .is_some_and(|(word, _)| !word.is_empty() && word.bytes().all(|b| b.is_ascii_uppercase()))
}

/// The table's rows, each as wide as the header; ncu's messages and blank lines are set aside.
fn read_rows<'a>(
    lines: impl Iterator<Item = (&'a str, usize)>,
    messages: &mut Vec<String>,
    width: usize,
    header_line: usize,
) -> Result<Vec<Record>, CaptureError> {
    let mut rows = Vec::new();
    for (line, number) in lines {
        if is_message(line) {
            messages.push(line.to_owned());
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |message| CaptureError::Malformed {
            line: number,
            message,
        };
        let fields = parse_line(line).map_err(malformed)?;
        if fields.len() != width {
            return Err(malformed(format!(
                "expected {width} fields like the header on line {header_line}, found {}",
                fields.len()
            )));
        }
        rows.push(Record {
            line: number,
            fields,
        });
    }
    Ok(rows)
}

/// The start of the text, for an error that has to show what came instead of a table.
fn first_lines(text: &str) -> String {
    const LINES: usize = 5;
    const CHARS: usize = 200;
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .take(LINES)
        .map(|line| match line.char_indices().nth(CHARS) {
            Some((cut, _)) => format!("{}...", &line[..cut]),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_ncu_prefixes_only() {
        assert!(is_message("==PROF== Connected to process 1"));
        assert!(is_message("==WARNING== something"));
        assert!(is_message("==ERROR== Failed"));
        assert!(!is_message("=== test ==="));
        assert!(!is_message("==== done"));
        assert!(!is_message("==prof== lower"));
    }

    #[test]
    fn first_lines_are_few_and_short() {
        let long = "x".repeat(500);
        let text = format!("\n{long}\n2\n3\n4\n5\n6\n");
        let shown = first_lines(&text);
        assert_eq!(shown.lines().count(), 5);
        assert_eq!(shown.lines().next().map(str::len), Some(203));
    }
}
