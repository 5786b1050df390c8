//! [`Failure`]: how one attempt failed, and whether another is worth making.

use std::io;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::error::{LlmError, TimeoutPhase};

/// One failed attempt.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Another attempt may succeed (overload, rate limit, a dropped connection, a slow start).
    /// `retry_after` is what the server asked for, if it did.
    Retryable {
        cause: Cause,
        retry_after: Option<Duration>,
    },
    /// Another attempt would fail the same way, or costs more than it is likely to bring.
    Final(Cause),
}

/// What went wrong, before the attempt count is known.
#[derive(Debug)]
pub(crate) enum Cause {
    /// An HTTP status that maps to no more specific error.
    Status { status: u16, message: String },
    /// The connection could not be made, or broke.
    Connect { message: String },
    /// A time limit passed; the client knows which limit it set.
    Timeout { phase: TimeoutPhase },
    /// Already a complete error.
    Error(LlmError),
}

/// Where the attempt was when ureq failed: a timeout reads differently in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Connecting, sending, waiting for the response head.
    Head,
    /// Reading a 2xx body.
    Body,
}

impl Failure {
    pub(crate) fn retryable(cause: Cause) -> Failure {
        Failure::Retryable {
            cause,
            retry_after: None,
        }
    }

    /// The reply does not have the documented shape. `body` is the text it came in (the head of
    /// it is kept in the error; the caller has masked it).
    pub(crate) fn malformed(message: impl Into<String>, body: &str) -> Failure {
        Failure::Final(Cause::Error(LlmError::Malformed {
            message: message.into(),
            body_head: head(body, 500),
        }))
    }

    /// A stream ended before `end_marker`, its last event: cut off mid-way, as if the connection
    /// had dropped, and retried like a dropped connection.
    pub(crate) fn cut_off(end_marker: &str) -> Failure {
        Failure::retryable(Cause::Connect {
            message: format!("the stream ended before `{end_marker}`"),
        })
    }

    /// Reading the 2xx body failed.
    pub(crate) fn reading(error: io::Error) -> Failure {
        Failure::from_ureq(ureq::Error::from(error), Stage::Body)
    }

    pub(crate) fn from_ureq(error: ureq::Error, stage: Stage) -> Failure {
        let connect = |message: String| Cause::Connect { message };
        match error {
            ureq::Error::Timeout(timeout) => Failure::timeout(timeout, stage),
            ureq::Error::Io(e) => Failure::retryable(connect(match stage {
                Stage::Head => e.to_string(),
                Stage::Body => format!("the connection broke while the reply arrived: {e}"),
            })),
            ureq::Error::Protocol(e) => {
                Failure::retryable(connect(format!("the server did not speak HTTP/1.1: {e}")))
            }
            ureq::Error::ConnectionFailed => {
                Failure::retryable(connect("the connection failed".to_owned()))
            }
            ureq::Error::HostNotFound => Failure::Final(connect(
                "host not found; hint: check the base URL".to_owned(),
            )),
            ureq::Error::BadUri(uri) => Failure::Final(connect(format!(
                "`{uri}` is not a usable URL; hint: check the base URL"
            ))),
            ureq::Error::BodyExceedsLimit(limit) => {
                Failure::Final(Cause::Error(LlmError::Malformed {
                    message: format!("the reply is larger than {limit} bytes"),
                    body_head: String::new(),
                }))
            }
            // TLS, proxies and the rest: another attempt meets the same configuration.
            other => Failure::Final(connect(other.to_string())),
        }
    }

    fn timeout(timeout: ureq::Timeout, stage: Stage) -> Failure {
        let phase = match (timeout, stage) {
            (ureq::Timeout::Global | ureq::Timeout::PerCall, _) => TimeoutPhase::Total,
            (ureq::Timeout::Connect | ureq::Timeout::Resolve, _) => TimeoutPhase::Connect,
            (ureq::Timeout::PerRead | ureq::Timeout::RecvBody, Stage::Body) => TimeoutPhase::Stall,
            // Sending the request and waiting for the head: the server has not begun to answer.
            _ => TimeoutPhase::FirstByte,
        };
        let cause = Cause::Timeout { phase };
        match phase {
            TimeoutPhase::Connect | TimeoutPhase::FirstByte => Failure::retryable(cause),
            TimeoutPhase::Stall | TimeoutPhase::Total => Failure::Final(cause),
        }
    }
}

impl Cause {
    /// One line for [`Event::Retry`](crate::Event::Retry).
    pub(crate) fn describe(&self) -> String {
        match self {
            Cause::Status { status, message } => format!("HTTP {status}: {message}"),
            Cause::Connect { message } => format!("connection: {message}"),
            Cause::Timeout { phase } => format!("timeout: {phase:?}"),
            Cause::Error(error) => error.to_string(),
        }
    }
}

/// `json` read as a `T`, else [`Failure::malformed`] saying that `expected` (`"a message"`) was
/// expected, with the head of `body`: the whole reply, or the stream so far.
pub(crate) fn decode<T: DeserializeOwned>(
    json: &str,
    expected: &str,
    body: &str,
) -> Result<T, Failure> {
    serde_json::from_str(json)
        .map_err(|e| Failure::malformed(format!("{expected} is expected: {e}"), body))
}

/// The first `max` characters of `text`, with `…` when cut.
pub(crate) fn head(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_before_the_head_are_retried_and_after_it_are_not() {
        let phase_of = |f: Failure| match f {
            Failure::Retryable {
                cause: Cause::Timeout { phase },
                ..
            } => (phase, true),
            Failure::Final(Cause::Timeout { phase }) => (phase, false),
            other => panic!("not a timeout: {other:?}"),
        };
        let t = |timeout, stage| phase_of(Failure::timeout(timeout, stage));
        assert_eq!(
            t(ureq::Timeout::Connect, Stage::Head),
            (TimeoutPhase::Connect, true)
        );
        assert_eq!(
            t(ureq::Timeout::RecvResponse, Stage::Head),
            (TimeoutPhase::FirstByte, true)
        );
        assert_eq!(
            t(ureq::Timeout::PerRead, Stage::Head),
            (TimeoutPhase::FirstByte, true)
        );
        assert_eq!(
            t(ureq::Timeout::PerRead, Stage::Body),
            (TimeoutPhase::Stall, false)
        );
        assert_eq!(
            t(ureq::Timeout::Global, Stage::Body),
            (TimeoutPhase::Total, false)
        );
    }

    #[test]
    fn heads_cut_on_characters() {
        assert_eq!(head("héllo", 2), "hé…");
        assert_eq!(head("hé", 2), "hé");
    }
}
