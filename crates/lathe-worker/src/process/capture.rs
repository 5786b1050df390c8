//! The kept end of one output stream: [`Capture`], and the ring buffer that builds it.

use std::collections::VecDeque;

use serde::Serialize;

/// The end of one output stream (stdout or stderr) of a finished process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capture {
    /// The last `tail_bytes` bytes, decoded as lossy UTF-8. When the output was truncated, the
    /// bytes of a character cut in half at the start are dropped, so the tail starts on a
    /// character boundary (it may then be up to 3 bytes shorter than `tail_bytes`). Invalid
    /// UTF-8 becomes U+FFFD.
    pub tail: String,
    /// Every byte the process wrote to the stream, kept or not.
    pub total_bytes: u64,
    /// Whether bytes were dropped from the front: `total_bytes` exceeds what was kept.
    pub truncated: bool,
}

/// Keeps the last `capacity` bytes written to it and counts them all. Memory is bounded by the
/// capacity, whatever is pushed.
#[derive(Debug)]
pub(crate) struct TailBuffer {
    kept: VecDeque<u8>,
    capacity: usize,
    total: u64,
}

impl TailBuffer {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            // Grown on demand: a quiet stream should not cost the full tail up front.
            kept: VecDeque::new(),
            capacity,
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.total = self.total.saturating_add(bytes.len() as u64);
        if bytes.len() >= self.capacity {
            self.kept.clear();
            self.kept.extend(&bytes[bytes.len() - self.capacity..]);
            return;
        }
        let excess = (self.kept.len() + bytes.len()).saturating_sub(self.capacity);
        self.kept.drain(..excess);
        self.kept.extend(bytes);
    }

    pub(crate) fn capture(&self) -> Capture {
        let truncated = self.total > self.kept.len() as u64;
        let (front, back) = self.kept.as_slices();
        let mut bytes = Vec::with_capacity(self.kept.len());
        bytes.extend_from_slice(front);
        bytes.extend_from_slice(back);
        let start = if truncated {
            // UTF-8 continuation bytes are 0b10xx_xxxx; a character has at most 3 of them.
            bytes
                .iter()
                .take(3)
                .take_while(|&&b| b & 0xC0 == 0x80)
                .count()
        } else {
            0
        };
        Capture {
            tail: String::from_utf8_lossy(&bytes[start..]).into_owned(),
            total_bytes: self.total,
            truncated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_under_the_capacity() {
        let mut buffer = TailBuffer::new(10);
        buffer.push(b"abc");
        buffer.push(b"def");
        let capture = buffer.capture();
        assert_eq!(capture.tail, "abcdef");
        assert_eq!(capture.total_bytes, 6);
        assert!(!capture.truncated);
    }

    #[test]
    fn keeps_the_end_across_pushes() {
        let mut buffer = TailBuffer::new(4);
        for chunk in [&b"abc"[..], b"def", b"g", b"", b"hi"] {
            buffer.push(chunk);
        }
        let capture = buffer.capture();
        assert_eq!(capture.tail, "fghi");
        assert_eq!(capture.total_bytes, 9);
        assert!(capture.truncated);
    }

    #[test]
    fn a_push_larger_than_the_capacity_keeps_its_end() {
        let mut buffer = TailBuffer::new(3);
        buffer.push(b"ab");
        buffer.push(b"0123456789");
        assert_eq!(buffer.capture().tail, "789");
        assert_eq!(buffer.capture().total_bytes, 12);
    }

    #[test]
    fn zero_capacity_counts_only() {
        let mut buffer = TailBuffer::new(0);
        buffer.push(b"hello");
        let capture = buffer.capture();
        assert_eq!(capture.tail, "");
        assert_eq!(capture.total_bytes, 5);
        assert!(capture.truncated);
    }

    #[test]
    fn a_character_cut_at_the_start_is_dropped() {
        let mut buffer = TailBuffer::new(4);
        // "é" is 0xC3 0xA9 and "€" three bytes: the last four start on the second byte of "é".
        buffer.push("xé€".as_bytes());
        let capture = buffer.capture();
        assert_eq!(capture.tail, "€");
        assert!(capture.truncated);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let mut buffer = TailBuffer::new(16);
        buffer.push(b"ok\xFF!");
        assert_eq!(buffer.capture().tail, "ok\u{FFFD}!");
    }
}
