//! HTTP for the two HTTP providers: one POST, retried with backoff, read as JSON or as
//! server-sent events.
//!
//! Design note. A completion is one [`Client::complete`]: [`Client::post`]'s loop makes
//! attempts, each a fresh request; the provider's reader (of its [`Wire`]) turns a 2xx body into
//! a [`Received`]; anything else becomes a [`Failure`] that says whether another attempt is
//! worth making. The [`Received`] of the attempt that counted becomes the reply.
//!
//! - Retried: 408, 409, 429 (but not OpenAI's `insufficient_quota`), 500, 502, 503, 504, 529,
//!   a refused or dropped connection, a stream that ends before its end marker, no connection
//!   or no first byte in time, and errors a stream reports mid-way with one of those statuses.
//!   Never retried: 400, 401, 403, 404, 422 and the other 4xx, a stalled body or the total
//!   limit (the tokens are paid for; the user decides), an unknown host, TLS failures.
//! - Waits: full jitter, `uniform(0, min(max_delay, base * 2^(n-1)))`, unless the server said
//!   `Retry-After` (or `retry-after-ms`): then exactly that, capped by `max_delay`.
//! - Timeouts map onto ureq's: `connect` → connect (and name resolution), `first_byte` →
//!   receiving the response head, `total` → the whole attempt. `stall` → ureq's per-read limit,
//!   which also covers reads of the response head: so that it never cuts a slow first byte
//!   short, it is set to `max(stall, first_byte)`.
//! - Keys: only the provider puts a key in a header; everything kept (transcripts, messages)
//!   passes through [`ApiKey::mask`](crate::ApiKey::mask).
//!
//! Adding a provider: build the body, list the headers (its key's among them) in a [`Call`],
//! write a reader for its JSON and one for its stream (an [`SseReader`] and a [`Progress`]),
//! name both in a [`Wire`], and hand them to [`Client::complete`].

mod backoff;
mod client;
mod failure;
mod progress;
mod received;
mod retry_after;
mod sse;
mod status;
mod wire;

pub(crate) use client::{Call, Client};
pub(crate) use failure::{Failure, decode};
pub(crate) use progress::Progress;
pub(crate) use received::Received;
pub(crate) use sse::SseReader;
pub(crate) use status::stream_error;
pub(crate) use wire::Wire;
