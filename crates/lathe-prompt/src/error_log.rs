//! The tail of an error log, as much of it as a prompt shows.

/// The last lines of a log. Errors surface at the end of a traceback or a compiler's output, so
/// the tail is what a model needs; the count of lines left out is shown so it knows there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorLog {
    pub text: String,
    pub omitted_lines: usize,
}

impl ErrorLog {
    pub fn tail(log: &str, max_lines: usize) -> ErrorLog {
        let lines: Vec<&str> = log.trim_end().lines().collect();
        let omitted_lines = lines.len().saturating_sub(max_lines);
        ErrorLog {
            text: lines[omitted_lines..].join("\n"),
            omitted_lines,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines() {
        let log = ErrorLog::tail("a\nb\nc\nd\n\n", 2);
        assert_eq!(log.text, "c\nd");
        assert_eq!(log.omitted_lines, 2);
        assert_eq!(ErrorLog::tail("a\nb", 150).omitted_lines, 0);
    }
}
