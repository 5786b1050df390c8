//! Byte offsets, which the parser reports, turned into the 1-based lines and columns people
//! read, and short quotations of the source for evidence sentences.

use ruff_python_ast::ExprCall;
use ruff_text_size::{Ranged, TextRange, TextSize};

/// The longest quotation an evidence sentence carries, in characters.
const SNIPPET_CHARS: usize = 60;

#[derive(Debug)]
pub(crate) struct SourceMap<'s> {
    source: &'s str,
    /// Byte offset where each line starts; the first is 0.
    line_starts: Vec<usize>,
}

impl<'s> SourceMap<'s> {
    pub(crate) fn new(source: &'s str) -> Self {
        let bytes = source.as_bytes();
        let mut line_starts = vec![0];
        for (i, &byte) in bytes.iter().enumerate() {
            // Python ends a line at `\n`, `\r\n` or a lone `\r`.
            let ends_line = byte == b'\n' || (byte == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if ends_line {
                line_starts.push(i + 1);
            }
        }
        Self {
            source,
            line_starts,
        }
    }

    /// The 1-based line and character column of a byte offset.
    pub(crate) fn line_column(&self, offset: TextSize) -> (usize, usize) {
        let offset = usize::from(offset).min(self.source.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self
            .source
            .get(start..offset)
            .map_or(offset - start, |text| text.chars().count());
        (line, column + 1)
    }

    /// The source text of a range (empty if the range is not on character boundaries).
    pub(crate) fn text(&self, range: TextRange) -> &'s str {
        self.source
            .get(usize::from(range.start())..usize::from(range.end()))
            .unwrap_or("")
    }

    /// A one-line quotation of a range: whitespace runs collapsed, long text cut with `...`.
    pub(crate) fn snippet(&self, range: TextRange) -> String {
        quote(self.text(range))
    }

    /// A call quoted as its callee and `(...)`, or `()` without arguments:
    /// `torch.cuda.Stream(...)`, `x.half()`.
    pub(crate) fn call_snippet(&self, call: &ExprCall) -> String {
        let arguments = if call.arguments.is_empty() {
            "()"
        } else {
            "(...)"
        };
        format!("{}{arguments}", self.snippet(call.func.range()))
    }
}

/// `text` on one line, whitespace runs collapsed, cut to [`SNIPPET_CHARS`] characters.
pub(crate) fn quote(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= SNIPPET_CHARS {
        return collapsed;
    }
    let mut cut: String = collapsed.chars().take(SNIPPET_CHARS - 3).collect();
    cut.push_str("...");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based_and_count_characters() {
        let map = SourceMap::new("a = 1\nb = 'é' + c\r\nd\re");
        assert_eq!(map.line_column(TextSize::new(0)), (1, 1));
        assert_eq!(map.line_column(TextSize::new(6)), (2, 1));
        // `c` follows a two-byte character: byte 17, character column 11.
        assert_eq!(map.line_column(TextSize::new(17)), (2, 11));
        assert_eq!(map.line_column(TextSize::new(20)), (3, 1));
        assert_eq!(map.line_column(TextSize::new(22)), (4, 1));
    }

    #[test]
    fn quotes_are_one_line_and_short() {
        assert_eq!(
            quote("torch.cuda.Stream(\n    device)"),
            "torch.cuda.Stream( device)"
        );
        let long = "x".repeat(100);
        assert_eq!(quote(&long).chars().count(), SNIPPET_CHARS);
        assert!(quote(&long).ends_with("..."));
    }
}
