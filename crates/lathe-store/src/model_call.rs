//! One model call as the store keeps it: the first of an attempt's two commits.
//!
//! The store's own shape rather than `lathe-llm`'s `Reply`, so that this crate does not
//! depend on the providers; the engine converts.

use crate::TokenUsage;

#[derive(Debug, Clone, PartialEq)]
pub struct ModelCall {
    pub outcome: CallOutcome,
    /// The model's reasoning, kept apart from the answer.
    pub reasoning: Option<String>,
    pub usage: TokenUsage,
    /// `None` when the price table has no price for the model.
    pub cost_usd: Option<f64>,
    /// Wall time of the call, retries included.
    pub seconds: f64,
}

/// What the call came to. A failed call is an outcome to record, not a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// The answer, without the reasoning.
    Replied { text: String },
    /// The call failed: the error as lathe-llm reported it, and whatever part of the answer
    /// arrived (a reply cut at the token limit).
    Failed {
        error: String,
        partial: Option<String>,
    },
}

impl ModelCall {
    /// The answer's text, partial or not.
    pub fn text(&self) -> Option<&str> {
        match &self.outcome {
            CallOutcome::Replied { text } => Some(text),
            CallOutcome::Failed { partial, .. } => partial.as_deref(),
        }
    }

    pub fn error(&self) -> Option<&str> {
        match &self.outcome {
            CallOutcome::Replied { .. } => None,
            CallOutcome::Failed { error, .. } => Some(error),
        }
    }
}
