//! Tokens a model call used.

/// As the provider reported them; zeros where it reported nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub input_tokens: u64,
    /// Reasoning included.
    pub output_tokens: u64,
    /// The part of `output_tokens` spent reasoning, where the provider says.
    pub reasoning_tokens: u64,
}
