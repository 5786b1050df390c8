//! Error replies: an HTTP status and the server's error body, read as a [`Failure`].
//!
//! Both providers document their error body as `{"error": {"message", "type", "code"?}}`;
//! compatible servers vary (vLLM puts `message` at the top, Ollama makes `error` a string,
//! FastAPI servers write `detail`), so the reading is lenient and falls back to the body's head.

use std::time::Duration;

use serde_json::Value;

use super::client::Call;
use super::failure::{Cause, Failure, head};
use crate::error::LlmError;

/// Statuses where the same request may succeed later.
const RETRYABLE: [u16; 8] = [408, 409, 429, 500, 502, 503, 504, 529];

/// What the server said went wrong.
#[derive(Debug, PartialEq)]
struct ServerError {
    /// `error.message` (or the nearest thing), masked.
    message: String,
    /// The error's `code` and `type`, lowercased: what the patterns below look at.
    kind: String,
    /// The body was JSON with an error in it (not an HTML page from a proxy or a wrong path).
    structured: bool,
}

/// The failure a non-2xx reply means.
pub(crate) fn classify(
    status: u16,
    body: &str,
    retry_after: Option<Duration>,
    call: &Call<'_>,
) -> Failure {
    let error = read_error(body, call);
    let message = error.message.clone();
    let fail = |e: LlmError| Failure::Final(Cause::Error(e));
    match status {
        401 | 403 => fail(LlmError::Auth {
            status,
            message,
            var: call.key_var,
        }),
        400..=499 if status == 413 || error.says_prompt_too_long() => {
            fail(LlmError::PromptTooLong { status, message })
        }
        400..=499 if error.says_unknown_model() => fail(LlmError::UnknownModel {
            model: call.model.to_owned(),
            status,
            message,
        }),
        404 if error.structured => fail(LlmError::UnknownModel {
            model: call.model.to_owned(),
            status,
            message,
        }),
        404 => fail(LlmError::BadRequest {
            status,
            message: format!(
                "no such endpoint: POST {} ({message}); hint: the base URL usually ends in /v1",
                call.url
            ),
        }),
        // A quota, unlike a rate, does not refill while we wait.
        429 if error.kind.contains("insufficient_quota") => {
            Failure::Final(Cause::Status { status, message })
        }
        _ if RETRYABLE.contains(&status) => Failure::Retryable {
            cause: Cause::Status { status, message },
            retry_after,
        },
        400..=499 => fail(LlmError::BadRequest { status, message }),
        _ => Failure::Final(Cause::Status { status, message }),
    }
}

/// The failure an error inside a 2xx stream means: `status` is the HTTP status the same error
/// would have come with (Anthropic's `overloaded_error` is 529).
pub(crate) fn stream_error(status: u16, error: &Value, call: &Call<'_>) -> Failure {
    classify(status, &error.to_string(), None, call)
}

fn read_error(body: &str, call: &Call<'_>) -> ServerError {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let error = json.as_ref().and_then(|json| {
        let inner = json.get("error");
        let message = inner
            .and_then(|e| e.get("message"))
            .or_else(|| inner.filter(|e| e.is_string()))
            .or_else(|| json.get("message"))
            .or_else(|| json.get("detail"))
            .and_then(Value::as_str)?;
        let kind = [inner, Some(json)]
            .into_iter()
            .flatten()
            .flat_map(|v| [v.get("code"), v.get("type")])
            .flatten()
            .map(|v| match v {
                Value::String(s) => s.to_lowercase(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ");
        Some((message.to_owned(), kind))
    });
    let mask = |text: &str| match call.key {
        Some(key) => key.mask(text),
        None => text.to_owned(),
    };
    match error {
        Some((message, kind)) => ServerError {
            message: mask(&message),
            kind,
            structured: true,
        },
        None => ServerError {
            message: match body.trim() {
                "" => "(empty body)".to_owned(),
                text => mask(&head(text, 300)),
            },
            kind: String::new(),
            structured: false,
        },
    }
}

impl ServerError {
    fn says_prompt_too_long(&self) -> bool {
        let message = self.message.to_lowercase();
        self.kind.contains("context_length_exceeded")
            || [
                "prompt is too long",
                "maximum context length",
                "context_length_exceeded",
                "context window",
            ]
            .iter()
            .any(|p| message.contains(p))
    }

    fn says_unknown_model(&self) -> bool {
        let message = self.message.to_lowercase();
        let names_model = message.contains("model");
        self.kind.contains("model_not_found")
            || (names_model
                && (message.contains("does not exist") || message.contains("not found")))
            || (self.kind.contains("not_found_error") && names_model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::ApiKey;

    fn call(key: Option<&ApiKey>) -> Call<'_> {
        Call {
            url: "http://127.0.0.1:1/v1/chat/completions",
            headers: Vec::new(),
            body: "{}",
            key,
            key_var: "OPENAI_API_KEY",
            model: "gpt-test",
        }
    }

    fn error_of(failure: Failure) -> LlmError {
        match failure {
            Failure::Final(Cause::Error(e)) => e,
            other => panic!("not a final error: {other:?}"),
        }
    }

    #[test]
    fn the_message_comes_from_every_known_shape() {
        let c = call(None);
        let openai = r#"{"error":{"message":"Rate limited.","type":"requests","code":"rate_limit_exceeded"}}"#;
        assert_eq!(read_error(openai, &c).message, "Rate limited.");
        assert_eq!(read_error(openai, &c).kind, "rate_limit_exceeded requests");
        let vllm = r#"{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","code":404}"#;
        assert_eq!(
            read_error(vllm, &c).message,
            "The model `x` does not exist."
        );
        assert_eq!(read_error(vllm, &c).kind, "404 notfounderror");
        let ollama = r#"{"error":"model \"x\" not found, try pulling it first"}"#;
        assert!(read_error(ollama, &c).message.starts_with("model \"x\""));
        let page = "<html>502 Bad Gateway</html>";
        let e = read_error(page, &c);
        assert_eq!((e.message.as_str(), e.structured), (page, false));
    }

    #[test]
    fn a_key_echoed_by_the_server_is_masked() {
        let key = ApiKey::new("sk-echoed-secret").unwrap();
        let body = r#"{"error":{"message":"Incorrect API key provided: sk-echoed-secret."}}"#;
        let e = error_of(classify(401, body, None, &call(Some(&key))));
        assert!(!e.to_string().contains("sk-echoed-secret"), "{e}");
    }

    #[test]
    fn statuses_map_to_errors() {
        let c = call(None);
        let e = error_of(classify(
            400,
            r#"{"error":{"message":"The model `gpt-test` does not exist","code":"model_not_found"}}"#,
            None,
            &c,
        ));
        assert!(
            matches!(e, LlmError::UnknownModel { status: 400, .. }),
            "{e:?}"
        );
        let e = error_of(classify(404, "Not Found", None, &c));
        assert!(
            matches!(&e, LlmError::BadRequest { status: 404, message } if message.contains("/v1")),
            "{e:?}"
        );
        let e = error_of(classify(413, "", None, &c));
        assert!(matches!(e, LlmError::PromptTooLong { .. }), "{e:?}");
        let e = error_of(classify(422, r#"{"detail":"bad field"}"#, None, &c));
        assert!(
            matches!(&e, LlmError::BadRequest { status: 422, message } if message == "bad field"),
            "{e:?}"
        );
        let quota = r#"{"error":{"message":"You exceeded your current quota.","code":"insufficient_quota"}}"#;
        assert!(matches!(
            classify(429, quota, None, &c),
            Failure::Final(Cause::Status { status: 429, .. })
        ));
        for status in RETRYABLE {
            assert!(
                matches!(classify(status, "", None, &c), Failure::Retryable { .. }),
                "{status}"
            );
        }
        assert!(matches!(
            classify(501, "", None, &c),
            Failure::Final(Cause::Status { status: 501, .. })
        ));
    }
}
