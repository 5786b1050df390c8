//! [`Provider`]: one completion, whoever answers it.

use crate::error::LlmError;
use crate::message::{Event, Reply, Request};

pub trait Provider: Send + Sync {
    /// `openai:gpt-4.1`, as the spec was written.
    fn describe(&self) -> String;

    /// One completion. `events` hears progress (attempts, tokens so far, retries); it is called
    /// on the calling thread.
    fn complete(&self, request: &Request, events: &mut dyn FnMut(Event))
    -> Result<Reply, LlmError>;
}
