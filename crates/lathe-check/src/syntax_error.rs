//! A candidate that does not parse: reported as such, never as a list of findings, since the
//! checks have nothing to look at.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxError {
    /// 1-based line where the parser gave up.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The parser's message.
    pub message: String,
}
