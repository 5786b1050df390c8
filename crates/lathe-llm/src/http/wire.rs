//! [`Wire`]: a provider's readers of a successful reply, one for each way it can come.

use std::io::BufRead;

use super::client::Call;
use super::failure::Failure;
use super::received::Received;
use crate::message::Event;

/// Reads a whole body (`"stream": false`), read as text first.
pub(crate) type ReadJson = fn(&str) -> Result<Received, Failure>;

/// Reads server-sent events (`"stream": true`) as they arrive, while [`Event::Progress`] tells
/// how far they got; the [`Call`] is for errors the stream reports mid-way.
pub(crate) type ReadStream =
    fn(&mut dyn BufRead, &mut dyn FnMut(Event), &Call<'_>) -> Result<Received, Failure>;

/// How a provider reads a 2xx body: [`Client::complete`](super::Client::complete) takes `sse`
/// when the request asked for a stream, `json` when it did not.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wire {
    pub(crate) json: ReadJson,
    pub(crate) sse: ReadStream,
}
