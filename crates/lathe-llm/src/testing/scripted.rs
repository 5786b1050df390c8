//! [`Scripted`]: what the loopback server does with one request.

use std::time::Duration;

/// One response, or a way of not giving one. Every response carries `Connection: close`, so
/// each request comes on its own connection and takes the next entry of the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripted {
    /// A complete body with `Content-Type: application/json` and its `Content-Length`;
    /// `headers` come on top (`Retry-After`, ...).
    Json {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// `Content-Type: text/event-stream`, then each event as given (raw text, blank line
    /// included: `"data: {...}\n\n"`), flushed one by one with `delay_between` between them;
    /// the connection closes after the last.
    Sse {
        status: u16,
        events: Vec<String>,
        delay_between: Duration,
    },
    /// Silence for `for_` (or until the client gives up), then the connection closes: before
    /// any byte of the response, or after a 200 event-stream head.
    Stall { after_headers: bool, for_: Duration },
    /// The connection closes once the request is read, with no response.
    Close,
}

impl Scripted {
    /// A JSON response with no extra headers.
    pub fn json(status: u16, body: impl Into<String>) -> Scripted {
        Scripted::Json {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A 200 event stream sent without delays.
    pub fn sse<S: Into<String>>(events: impl IntoIterator<Item = S>) -> Scripted {
        Scripted::Sse {
            status: 200,
            events: events.into_iter().map(Into::into).collect(),
            delay_between: Duration::ZERO,
        }
    }

    /// The events of a recorded stream: `text` split after each blank line.
    pub fn sse_text(text: &str) -> Scripted {
        let normalized = text.replace("\r\n", "\n");
        Scripted::sse(
            normalized
                .split_inclusive("\n\n")
                .filter(|event| !event.trim().is_empty()),
        )
    }
}
