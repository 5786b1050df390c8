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

    /// Whether which reply a call gets depends on the order of the calls (a replay of
    /// numbered replies): callers then make their calls one at a time, in a fixed order.
    fn order_sensitive(&self) -> bool {
        false
    }

    /// Tells the provider that `prompt` was answered before this process started (a resumed
    /// run takes that answer from its store): a replay counts the reply as served, so the
    /// calls that follow get the replies they would have got had the run never stopped.
    fn served_before(&self, _prompt: &str) {}
}

/// One provider shared by several users (the tasks of a suite): its limits, such as
/// `llm.max_concurrency`, then hold across all of them.
impl<P: Provider + ?Sized> Provider for std::sync::Arc<P> {
    fn describe(&self) -> String {
        (**self).describe()
    }

    fn complete(
        &self,
        request: &Request,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        (**self).complete(request, events)
    }

    fn order_sensitive(&self) -> bool {
        (**self).order_sensitive()
    }

    fn served_before(&self, prompt: &str) {
        (**self).served_before(prompt);
    }
}
