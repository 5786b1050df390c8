//! The Anthropic Messages API: `POST {base}/messages`, one JSON body or server-sent events,
//! with extended thinking when `llm.thinking_budget` is set.
//!
//! Thinking arrives in its own content blocks (`thinking`), never mixed into the answer's
//! `text` blocks; `redacted_thinking` blocks carry nothing readable and are dropped. With
//! thinking on, `temperature` is left out: the API accepts none but the default then.

mod message;
mod stream;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::config::LlmConfig;
use crate::error::LlmError;
use crate::http::{Call, Client, Wire};
use crate::key::ApiKey;
use crate::message::{Event, Reply, Request};
use crate::provider::Provider;

const KEY_VAR: &str = "ANTHROPIC_API_KEY";
const API_VERSION: &str = "2023-06-01";
const WIRE: Wire = Wire {
    json: message::parse,
    sse: stream::read,
};

/// The Messages API and a model on it.
#[derive(Debug)]
pub struct Anthropic {
    model: String,
    url: String,
    key: ApiKey,
    thinking_budget: Option<u32>,
    client: Client,
}

impl Anthropic {
    /// The API at `config.anthropic_base_url`, with `config.anthropic_key`.
    pub fn new(model: String, config: &LlmConfig) -> Result<Anthropic, LlmError> {
        let key = config.anthropic_key.clone().ok_or(LlmError::MissingKey {
            provider: "anthropic",
            var: KEY_VAR,
        })?;
        let base = config.anthropic_base_url.trim().trim_end_matches('/');
        Ok(Anthropic {
            model,
            url: format!("{base}/messages"),
            key,
            thinking_budget: config.thinking_budget,
            client: Client::new(config.timeouts, config.retry),
        })
    }

    /// Spends the waits between attempts with `sleep` instead of sleeping: tests record the
    /// waits and skip them.
    pub fn with_sleep(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> Anthropic {
        self.client.set_sleep(Arc::new(sleep));
        self
    }

    fn body(&self, request: &Request) -> String {
        let mut body = Map::new();
        body.insert("model".to_owned(), self.model.clone().into());
        body.insert("max_tokens".to_owned(), request.max_tokens.into());
        if let Some(system) = &request.system {
            body.insert("system".to_owned(), system.clone().into());
        }
        body.insert(
            "messages".to_owned(),
            json!([{"role": "user", "content": request.prompt}]),
        );
        body.insert("stream".to_owned(), request.stream.into());
        match (self.thinking_budget, request.temperature) {
            (Some(budget), _) => {
                body.insert(
                    "thinking".to_owned(),
                    json!({"type": "enabled", "budget_tokens": budget}),
                );
            }
            (None, Some(temperature)) => {
                body.insert("temperature".to_owned(), temperature.into());
            }
            (None, None) => {}
        }
        Value::Object(body).to_string()
    }
}

impl Provider for Anthropic {
    fn describe(&self) -> String {
        format!("anthropic:{}", self.model)
    }

    fn complete(
        &self,
        request: &Request,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        let body = self.body(request);
        let call = Call {
            url: &self.url,
            headers: vec![
                ("x-api-key", self.key.expose().to_owned()),
                ("anthropic-version", API_VERSION.to_owned()),
            ],
            body: &body,
            key: Some(&self.key),
            key_var: KEY_VAR,
            model: &self.model,
        };
        self.client.complete(call, request.stream, WIRE, events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_needed() {
        let config = LlmConfig {
            anthropic_key: None,
            ..LlmConfig::from_env()
        };
        let e = Anthropic::new("claude".into(), &config).unwrap_err();
        assert!(
            matches!(
                e,
                LlmError::MissingKey {
                    var: "ANTHROPIC_API_KEY",
                    ..
                }
            ),
            "{e:?}"
        );
    }
}
