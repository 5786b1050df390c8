//! [`Client`]: the ureq agent set up from [`Timeouts`], and the retry loop around one POST.

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::backoff;
use super::failure::{Cause, Failure, Stage};
use super::received::ReplyContext;
use super::retry_after::retry_after;
use super::status::classify;
use super::wire::Wire;
use crate::config::{RetryPolicy, Timeouts};
use crate::error::{LlmError, TimeoutPhase};
use crate::key::ApiKey;
use crate::message::{Event, Reply};

/// How the wait between attempts is spent: `std::thread::sleep`, or a recorder in tests.
pub(crate) type Sleep = Arc<dyn Fn(Duration) + Send + Sync>;

/// A reply larger than this is not a completion.
const MAX_BODY: u64 = 64 << 20;
/// Of an error body, this much is read for its message.
const MAX_ERROR_BODY: u64 = 1 << 20;

pub(crate) struct Client {
    agent: ureq::Agent,
    timeouts: Timeouts,
    retry: RetryPolicy,
    sleep: Sleep,
}

/// One POST, as the provider wants it made.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    pub(crate) url: &'a str,
    /// Besides `content-type: application/json`; the key's header among them.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: &'a str,
    /// Masked out of every message kept.
    pub(crate) key: Option<&'a ApiKey>,
    /// Where the key comes from, for [`LlmError::Auth`].
    pub(crate) key_var: &'static str,
    pub(crate) model: &'a str,
}

impl Client {
    pub(crate) fn new(timeouts: Timeouts, retry: RetryPolicy) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .user_agent(concat!("lathe/", env!("CARGO_PKG_VERSION")))
            .timeout_resolve(Some(timeouts.connect))
            .timeout_connect(Some(timeouts.connect))
            .timeout_recv_response(Some(timeouts.first_byte))
            // ureq's per-read limit also covers reads of the response head; see `http`'s note.
            .timeout_per_read(Some(Self::stall_limit(&timeouts)))
            .timeout_global(Some(timeouts.total))
            .build();
        Client {
            agent: config.into(),
            timeouts,
            retry,
            sleep: Arc::new(std::thread::sleep),
        }
    }

    pub(crate) fn set_sleep(&mut self, sleep: Sleep) {
        self.sleep = sleep;
    }

    fn stall_limit(timeouts: &Timeouts) -> Duration {
        timeouts.stall.max(timeouts.first_byte)
    }

    /// One completion: `call` POSTed as [`post`](Self::post) does, with `accept:
    /// text/event-stream` when `stream`; the 2xx body read by `wire`'s reader for it; the
    /// reply made with its transcript masked.
    pub(crate) fn complete(
        &self,
        mut call: Call<'_>,
        stream: bool,
        wire: Wire,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        let started = Instant::now();
        if stream {
            call.headers
                .push(("accept", "text/event-stream".to_owned()));
        }
        let (received, attempts) = self.post(&call, events, |reader, events| {
            if stream {
                (wire.sse)(reader, events, &call)
            } else {
                (wire.json)(&read_to_string(reader)?)
            }
        })?;
        received.into_reply(ReplyContext {
            asked_model: call.model,
            request_body: call.body,
            key: call.key,
            attempts,
            started,
        })
    }

    /// POSTs `call` until an attempt succeeds, a failure is final or the attempts run out.
    /// `read` turns a 2xx body into the result. Returns it with the number of attempts made.
    pub(crate) fn post<T>(
        &self,
        call: &Call<'_>,
        events: &mut dyn FnMut(Event),
        mut read: impl FnMut(&mut dyn BufRead, &mut dyn FnMut(Event)) -> Result<T, Failure>,
    ) -> Result<(T, u32), LlmError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            events(Event::Attempt { attempt });
            match self.attempt(call, events, &mut read) {
                Ok(value) => return Ok((value, attempt)),
                Err(Failure::Retryable { cause, retry_after }) if attempt < max_attempts => {
                    let wait = backoff::wait(&self.retry, attempt, retry_after);
                    events(Event::Retry {
                        attempt,
                        wait_seconds: wait.as_secs_f64(),
                        reason: cause.describe(),
                    });
                    (self.sleep)(wait);
                    attempt += 1;
                }
                Err(Failure::Retryable { cause, .. } | Failure::Final(cause)) => {
                    return Err(self.error(cause, call, attempt));
                }
            }
        }
    }

    fn attempt<T>(
        &self,
        call: &Call<'_>,
        events: &mut dyn FnMut(Event),
        read: &mut impl FnMut(&mut dyn BufRead, &mut dyn FnMut(Event)) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut request = self
            .agent
            .post(call.url)
            .header("content-type", "application/json");
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        let response = request
            .send(call.body)
            .map_err(|e| Failure::from_ureq(e, Stage::Head))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            let wait = retry_after(response.headers(), SystemTime::now());
            let mut body = Vec::new();
            // An unreadable error body still leaves the status to go by.
            let _ = response
                .into_body()
                .into_with_config()
                .limit(MAX_ERROR_BODY)
                .reader()
                .read_to_end(&mut body);
            return Err(classify(
                status,
                &String::from_utf8_lossy(&body),
                wait,
                call,
            ));
        }
        let body = response
            .into_body()
            .into_with_config()
            .limit(MAX_BODY)
            .reader();
        read(&mut BufReader::new(body), events)
    }

    fn error(&self, cause: Cause, call: &Call<'_>, attempts: u32) -> LlmError {
        match cause {
            Cause::Status { status, message } => LlmError::Http {
                status,
                message,
                attempts,
            },
            Cause::Connect { message } => LlmError::Connect {
                url: call.url.to_owned(),
                message,
                attempts,
            },
            Cause::Timeout { phase } => LlmError::Timeout {
                phase,
                after_seconds: match phase {
                    TimeoutPhase::Connect => self.timeouts.connect,
                    TimeoutPhase::FirstByte => self.timeouts.first_byte,
                    TimeoutPhase::Stall => Self::stall_limit(&self.timeouts),
                    TimeoutPhase::Total => self.timeouts.total,
                }
                .as_secs_f64(),
                attempts,
            },
            // The providers build these from the server's text: keep the key out of them too.
            Cause::Error(LlmError::Malformed { message, body_head }) => {
                let mask = |text: String| match call.key {
                    Some(key) => key.mask(&text),
                    None => text,
                };
                LlmError::Malformed {
                    message: mask(message),
                    body_head: mask(body_head),
                }
            }
            Cause::Error(error) => error,
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// A whole 2xx body as text (a non-streaming reply).
fn read_to_string(reader: &mut dyn BufRead) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(Failure::reading)?;
    String::from_utf8(bytes).map_err(|e| {
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        Failure::malformed("the reply is not UTF-8", &text)
    })
}
