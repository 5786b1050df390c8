//! OpenAI Chat Completions, and every server that speaks it (vLLM, SGLang, Ollama, DeepSeek,
//! Together, OpenRouter): `POST {base}/chat/completions`, one JSON body or server-sent events.
//!
//! Reasoning comes three ways: `reasoning_content` (DeepSeek, vLLM's reasoning parsers),
//! `reasoning` (OpenRouter, Ollama, newer vLLM), or inline as `<think>…</think>` in the content
//! when the server parses nothing ([`split_reasoning`](crate::think::split_reasoning)).
//!
//! The token limit goes out as `max_completion_tokens` to api.openai.com, whose reasoning
//! models refuse `max_tokens`, and as `max_tokens` everywhere else, the name every compatible
//! server knows (some do not know the newer one).

mod completion;
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

const KEY_VAR: &str = "OPENAI_API_KEY";
const WIRE: Wire = Wire {
    json: completion::parse,
    sse: stream::read,
};

/// A Chat Completions endpoint and a model on it.
#[derive(Debug)]
pub struct OpenAi {
    model: String,
    url: String,
    key: Option<ApiKey>,
    token_field: TokenField,
    client: Client,
}

/// The request field that carries [`Request::max_tokens`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenField {
    MaxCompletionTokens,
    MaxTokens,
}

impl OpenAi {
    /// The endpoint at `config.openai_base_url`. A key is required except on a loopback host,
    /// where local servers (vLLM, Ollama, llama.cpp) take none: there, without a key, no
    /// `Authorization` header is sent.
    pub fn new(model: String, config: &LlmConfig) -> Result<OpenAi, LlmError> {
        let base = config.openai_base_url.trim().trim_end_matches('/');
        let host = host_of(base);
        if config.openai_key.is_none() && !is_loopback(host) {
            return Err(LlmError::MissingKey {
                provider: "openai",
                var: KEY_VAR,
            });
        }
        Ok(OpenAi {
            model,
            url: format!("{base}/chat/completions"),
            key: config.openai_key.clone(),
            token_field: if host.eq_ignore_ascii_case("api.openai.com") {
                TokenField::MaxCompletionTokens
            } else {
                TokenField::MaxTokens
            },
            client: Client::new(config.timeouts, config.retry),
        })
    }

    /// Spends the waits between attempts with `sleep` instead of sleeping: tests record the
    /// waits and skip them.
    pub fn with_sleep(mut self, sleep: impl Fn(Duration) + Send + Sync + 'static) -> OpenAi {
        self.client.set_sleep(Arc::new(sleep));
        self
    }

    fn body(&self, request: &Request) -> String {
        let mut messages = Vec::new();
        if let Some(system) = &request.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.push(json!({"role": "user", "content": request.prompt}));
        let mut body = Map::new();
        body.insert("model".to_owned(), self.model.clone().into());
        body.insert("messages".to_owned(), messages.into());
        let token_field = match self.token_field {
            TokenField::MaxCompletionTokens => "max_completion_tokens",
            TokenField::MaxTokens => "max_tokens",
        };
        body.insert(token_field.to_owned(), request.max_tokens.into());
        if let Some(temperature) = request.temperature {
            body.insert("temperature".to_owned(), temperature.into());
        }
        body.insert("stream".to_owned(), request.stream.into());
        if request.stream {
            // Without it the stream never says how many tokens it took.
            body.insert("stream_options".to_owned(), json!({"include_usage": true}));
        }
        Value::Object(body).to_string()
    }
}

impl Provider for OpenAi {
    fn describe(&self) -> String {
        format!("openai:{}", self.model)
    }

    fn complete(
        &self,
        request: &Request,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        let body = self.body(request);
        let call = Call {
            url: &self.url,
            // Local servers take no key: then no `Authorization` at all.
            headers: self
                .key
                .iter()
                .map(|key| ("authorization", format!("Bearer {}", key.expose())))
                .collect(),
            body: &body,
            key: self.key.as_ref(),
            key_var: KEY_VAR,
            model: &self.model,
        };
        self.client.complete(call, request.stream, WIRE, events)
    }
}

/// The host of a URL: `http://[::1]:8000/v1` → `::1`.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_loopback() {
        assert_eq!(host_of("https://api.openai.com/v1"), "api.openai.com");
        assert_eq!(host_of("http://[::1]:8000/v1"), "::1");
        assert_eq!(host_of("http://user:pw@localhost:11434/v1"), "localhost");
        assert!(is_loopback(host_of("http://127.0.0.1:8000/v1")));
        assert!(is_loopback(host_of("http://[::1]:8000/v1")));
        assert!(is_loopback(host_of("http://LocalHost/v1")));
        assert!(!is_loopback(host_of("https://api.deepseek.com/v1")));
        assert!(!is_loopback(host_of("http://127.0.0.1.example.com/v1")));
    }

    fn config(base: &str, key: Option<&str>) -> LlmConfig {
        LlmConfig {
            openai_base_url: base.to_owned(),
            openai_key: key.and_then(ApiKey::new),
            ..LlmConfig::from_env()
        }
    }

    #[test]
    fn a_key_is_needed_except_on_loopback() {
        let e = OpenAi::new("m".into(), &config("https://api.openai.com/v1", None)).unwrap_err();
        assert!(
            matches!(
                e,
                LlmError::MissingKey {
                    var: "OPENAI_API_KEY",
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(OpenAi::new("m".into(), &config("http://localhost:8000/v1/", None)).is_ok());
    }

    #[test]
    fn openai_gets_max_completion_tokens_and_others_max_tokens() {
        let request = Request {
            prompt: "p".into(),
            system: None,
            max_tokens: 99,
            temperature: None,
            stream: false,
        };
        let body = |base: &str| -> Value {
            let p = OpenAi::new("m".into(), &config(base, Some("k"))).unwrap();
            serde_json::from_str(&p.body(&request)).unwrap()
        };
        let openai = body("https://api.openai.com/v1");
        assert_eq!(openai["max_completion_tokens"], 99);
        assert!(openai.get("max_tokens").is_none());
        let local = body("http://localhost:8000/v1");
        assert_eq!(local["max_tokens"], 99);
        assert!(local.get("temperature").is_none());
        assert!(local.get("stream_options").is_none());
    }
}
