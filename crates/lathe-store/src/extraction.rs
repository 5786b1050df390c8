//! What was made of a reply: a kernel with its static check's findings, or why there is none.

#[derive(Debug, Clone, PartialEq)]
pub enum Extraction {
    Code {
        source: String,
        /// The static check's findings (JSON, as lathe-check reports them); `[]` for none.
        findings: serde_json::Value,
    },
    /// No kernel could be taken from the reply; the message says why.
    Failed { error: String },
}
