//! Server-sent events (the WHATWG `text/event-stream` format), read one event at a time as the
//! bytes arrive, and kept verbatim for the transcript.

use std::io::{self, BufRead};

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` field; `None` for the default (`message`).
    pub(crate) name: Option<String>,
    /// The `data:` lines, joined with `\n`.
    pub(crate) data: String,
}

impl SseEvent {
    /// OpenAI-style end of stream: `data: [DONE]`.
    pub(crate) fn is_done(&self) -> bool {
        self.data.trim() == "[DONE]"
    }
}

/// Reads events from a stream; everything read is kept in [`raw`](SseReader::raw).
#[derive(Debug)]
pub(crate) struct SseReader<R> {
    reader: R,
    raw: String,
    line: Vec<u8>,
}

impl<R: BufRead> SseReader<R> {
    pub(crate) fn new(reader: R) -> SseReader<R> {
        SseReader {
            reader,
            raw: String::new(),
            line: Vec::new(),
        }
    }

    /// The next event, as soon as its blank line arrives; `None` at the end of the stream.
    /// An event the stream ends in without its blank line is still returned: some servers
    /// close right after their last `data:` line.
    pub(crate) fn next_event(&mut self) -> io::Result<Option<SseEvent>> {
        let mut name: Option<String> = None;
        let mut data: Option<String> = None;
        loop {
            self.line.clear();
            if self.reader.read_until(b'\n', &mut self.line)? == 0 {
                return Ok(data.map(|data| SseEvent { name, data }));
            }
            let text = String::from_utf8_lossy(&self.line);
            self.raw.push_str(&text);
            let line = text
                .strip_suffix('\n')
                .unwrap_or(&text)
                .trim_end_matches('\r')
                .trim_start_matches('\u{feff}');
            if line.is_empty() {
                if let Some(data) = data {
                    return Ok(Some(SseEvent { name, data }));
                }
                name = None;
                continue;
            }
            if line.starts_with(':') {
                continue; // a comment: keep-alive
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "data" => match &mut data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => data = Some(value.to_owned()),
                },
                "event" => name = Some(value.to_owned()),
                _ => {} // `id`, `retry` and unknown fields mean nothing to a completion
            }
        }
    }

    /// Everything read so far, byte for byte (invalid UTF-8 replaced).
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    pub(crate) fn into_raw(self) -> String {
        self.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(text: &str) -> Vec<SseEvent> {
        let mut reader = SseReader::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(event) = reader.next_event().unwrap() {
            out.push(event);
        }
        assert_eq!(reader.raw(), text, "the raw text is kept as received");
        out
    }

    fn data(name: Option<&str>, data: &str) -> SseEvent {
        SseEvent {
            name: name.map(str::to_owned),
            data: data.to_owned(),
        }
    }

    #[test]
    fn data_names_comments_and_done() {
        let text = ": keep-alive\n\nevent: ping\ndata: {}\n\ndata: {\"a\":1}\n\ndata: [DONE]\n\n";
        let got = events(text);
        assert_eq!(
            got,
            vec![
                data(Some("ping"), "{}"),
                data(None, "{\"a\":1}"),
                data(None, "[DONE]")
            ]
        );
        assert!(got[2].is_done());
    }

    #[test]
    fn multi_line_data_and_crlf() {
        let text = "data: one\r\ndata:two\r\nid: 7\r\n\r\nevent: x\n\ndata: last";
        assert_eq!(
            events(text),
            vec![data(None, "one\ntwo"), data(None, "last")],
            "a name with no data is dropped; a final event without its blank line counts"
        );
    }
}
