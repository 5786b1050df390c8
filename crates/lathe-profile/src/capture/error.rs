//! Why ncu's output could not be read as a capture.

/// ncu's output holds no table, or a table that is not well-formed CSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    /// No header row: ncu failed before writing its table (the `==ERROR==` lines in `messages`
    /// say why, e.g. no permission for the performance counters), or this is not ncu's output.
    #[error("{}", no_header_message(messages, first_lines))]
    NoHeader {
        /// ncu's own `==PROF==`/`==WARNING==`/`==ERROR==` lines, in order.
        messages: Vec<String>,
        /// The first few lines of the text, to show what came instead.
        first_lines: String,
    },
    /// The table is there but a row of it cannot be read; `line` is 1-based in the whole text.
    #[error("line {line} of ncu's CSV output: {message}")]
    Malformed { line: usize, message: String },
}

fn no_header_message(messages: &[String], first_lines: &str) -> String {
    let mut text = "ncu's output holds no CSV table: expected a header row starting with \"ID\" \
                    and holding \"Kernel Name\""
        .to_owned();
    let errors: Vec<&str> = messages
        .iter()
        .filter(|m| m.starts_with("==ERROR=="))
        .map(String::as_str)
        .collect();
    if !errors.is_empty() {
        text.push_str("; ncu reported:");
        for error in errors {
            text.push_str("\n  ");
            text.push_str(error);
        }
    } else if first_lines.trim().is_empty() {
        text.push_str(
            "; the output is empty\nhint: check that ncu ran with `--csv` and that the program \
             launched a kernel inside the profiled range",
        );
    } else {
        text.push_str("; it begins:");
        for line in first_lines.lines() {
            text.push_str("\n  ");
            text.push_str(line);
        }
        text.push_str("\nhint: run ncu with `--csv --page raw` (or `--page details`)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_header_shows_ncu_errors_first() {
        let err = CaptureError::NoHeader {
            messages: vec![
                "==PROF== Connected to process 123".to_owned(),
                "==ERROR== ERR_NVGPUCTRPERM - no permission".to_owned(),
            ],
            first_lines: "==PROF== Connected to process 123".to_owned(),
        };
        assert_eq!(
            err.to_string(),
            "ncu's output holds no CSV table: expected a header row starting with \"ID\" and \
             holding \"Kernel Name\"; ncu reported:\n  ==ERROR== ERR_NVGPUCTRPERM - no permission"
        );
    }

    #[test]
    fn no_header_without_errors_shows_the_text() {
        let err = CaptureError::NoHeader {
            messages: vec![],
            first_lines: "hello\nworld".to_owned(),
        };
        assert!(err.to_string().ends_with(
            "; it begins:\n  hello\n  world\nhint: run ncu with `--csv --page raw` (or `--page \
             details`)"
        ));
        let err = CaptureError::NoHeader {
            messages: vec![],
            first_lines: String::new(),
        };
        assert!(err.to_string().contains("the output is empty"));
    }
}
