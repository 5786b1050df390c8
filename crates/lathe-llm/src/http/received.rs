//! [`Received`]: what one successful attempt brought, before it becomes a [`Reply`].

use std::time::Instant;

use crate::error::LlmError;
use crate::key::ApiKey;
use crate::message::{Finish, Reply, Transcript, Usage};

#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) text: String,
    pub(crate) reasoning: Option<String>,
    pub(crate) usage: Usage,
    pub(crate) finish: Finish,
    /// The model the reply names, if it names one.
    pub(crate) model: Option<String>,
    /// The response body as received (SSE included), not yet masked.
    pub(crate) raw: String,
}

/// What the reply is made from besides what arrived.
#[derive(Debug)]
pub(crate) struct ReplyContext<'a> {
    pub(crate) asked_model: &'a str,
    pub(crate) request_body: &'a str,
    pub(crate) key: Option<&'a ApiKey>,
    pub(crate) attempts: u32,
    pub(crate) started: Instant,
}

impl Received {
    /// The reply, its transcript masked; a reply cut at the token limit is
    /// [`LlmError::Truncated`] with all of it inside.
    pub(crate) fn into_reply(self, context: ReplyContext<'_>) -> Result<Reply, LlmError> {
        let mask = |text: &str| match context.key {
            Some(key) => key.mask(text),
            None => text.to_owned(),
        };
        let reply = Reply {
            text: self.text,
            reasoning: self.reasoning,
            usage: self.usage,
            // cost: filled by price::cost in the registry, which wraps every provider.
            cost_usd: None,
            finish: self.finish,
            model: self
                .model
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| context.asked_model.to_owned()),
            transcript: Transcript {
                request_body: mask(context.request_body),
                response_body: mask(&self.raw),
            },
            attempts: context.attempts,
            seconds: context.started.elapsed().as_secs_f64(),
        };
        match reply.finish {
            Finish::Length => Err(LlmError::Truncated {
                partial: Box::new(reply),
            }),
            Finish::Stop | Finish::Other(_) => Ok(reply),
        }
    }
}
