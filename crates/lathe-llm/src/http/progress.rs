//! [`Progress`]: what a stream has brought so far, told at a pace a display can follow.

use std::time::{Duration, Instant};

use crate::message::Event;

/// At most one [`Event::Progress`] per this interval while text flows (a stream brings tens of
/// deltas a second), and one at the end.
const INTERVAL: Duration = Duration::from_millis(200);

#[derive(Debug, Default)]
pub(crate) struct Progress {
    answer_chars: usize,
    reasoning_chars: usize,
    output_tokens: Option<u64>,
    last_told: Option<Instant>,
    told: (usize, usize, Option<u64>),
}

impl Progress {
    pub(crate) fn answer(&mut self, delta: &str) {
        self.answer_chars += delta.chars().count();
    }

    pub(crate) fn reasoning(&mut self, delta: &str) {
        self.reasoning_chars += delta.chars().count();
    }

    pub(crate) fn output_tokens(&mut self, tokens: u64) {
        self.output_tokens = Some(tokens);
    }

    /// Tells what arrived, unless the last telling was too recent or nothing changed.
    pub(crate) fn tick(&mut self, events: &mut dyn FnMut(Event)) {
        if self.last_told.is_none_or(|at| at.elapsed() >= INTERVAL) {
            self.tell(events);
        }
    }

    /// Tells what arrived, if anything changed since the last telling: the stream is over.
    pub(crate) fn finish(&mut self, events: &mut dyn FnMut(Event)) {
        self.tell(events);
    }

    fn tell(&mut self, events: &mut dyn FnMut(Event)) {
        let now = (self.answer_chars, self.reasoning_chars, self.output_tokens);
        if now == self.told {
            return;
        }
        self.told = now;
        self.last_told = Some(Instant::now());
        events(Event::Progress {
            answer_chars: self.answer_chars,
            reasoning_chars: self.reasoning_chars,
            output_tokens: self.output_tokens,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_in_a_burst_are_told_once_then_at_the_end() {
        let mut told = Vec::new();
        let mut progress = Progress::default();
        for _ in 0..100 {
            progress.reasoning("ab");
            progress.tick(&mut |e| told.push(e));
        }
        progress.answer("héllo");
        progress.output_tokens(42);
        progress.finish(&mut |e| told.push(e));
        progress.finish(&mut |e| told.push(e));
        assert_eq!(
            told,
            vec![
                Event::Progress {
                    answer_chars: 0,
                    reasoning_chars: 2,
                    output_tokens: None
                },
                Event::Progress {
                    answer_chars: 5,
                    reasoning_chars: 200,
                    output_tokens: Some(42)
                },
            ]
        );
    }
}
