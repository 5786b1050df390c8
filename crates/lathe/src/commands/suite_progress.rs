//! A suite's progress on standard error: one bar for the suite and a line per GPU (or
//! interpreter job) saying what it is judging and in which phase, redrawn in place on a
//! terminal. Elsewhere (a log file, CI) only a line per finished task, naming its GPU.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

use lathe_report::TaskRow;

use super::suite_pool::lock;

const BAR_WIDTH: usize = 24;

pub struct SuiteProgress {
    total: usize,
    live: bool,
    started: Instant,
    state: Mutex<State>,
}

struct State {
    done: usize,
    outcomes: BTreeMap<String, usize>,
    slots: Vec<Slot>,
    /// Lines of the live block on screen now, erased before the next drawing.
    drawn: usize,
}

struct Slot {
    label: String,
    task: Option<(String, String, Instant)>,
}

impl SuiteProgress {
    /// `labels`: one per slot of the pool, in slot order (`GPU 0`, `job 1`).
    pub fn new(total: usize, labels: Vec<String>) -> SuiteProgress {
        SuiteProgress {
            total,
            live: std::io::stderr().is_terminal(),
            started: Instant::now(),
            state: Mutex::new(State {
                done: 0,
                outcomes: BTreeMap::new(),
                slots: labels
                    .into_iter()
                    .map(|label| Slot { label, task: None })
                    .collect(),
                drawn: 0,
            }),
        }
    }

    /// Slot `slot` begins judging `problem`.
    pub fn begin(&self, slot: usize, problem: &str) {
        let mut state = lock(&self.state);
        if let Some(s) = state.slots.get_mut(slot) {
            s.task = Some((problem.to_owned(), "start".to_owned(), Instant::now()));
        }
        self.redraw(&mut state, None);
    }

    /// The judge on slot `slot` entered `phase`.
    pub fn phase(&self, slot: usize, phase: &str) {
        let mut state = lock(&self.state);
        if let Some((_, current, _)) = state.slots.get_mut(slot).and_then(|s| s.task.as_mut()) {
            phase.clone_into(current);
        }
        self.redraw(&mut state, None);
    }

    /// Slot `slot` finished `row`: a line that stays, and the slot is idle.
    pub fn finish(&self, slot: usize, row: &TaskRow) {
        let mut state = lock(&self.state);
        state.done += 1;
        *state.outcomes.entry(row.outcome.clone()).or_default() += 1;
        let label = state.slots.get(slot).map(|s| s.label.clone());
        if let Some(s) = state.slots.get_mut(slot) {
            s.task = None;
        }
        let on = label.map(|l| format!(" {l} ·")).unwrap_or_default();
        let line = format!(
            "[{}/{}]{on} {}: {}",
            state.done, self.total, row.problem, row.summary
        );
        self.redraw(&mut state, Some(&line));
    }

    /// `row`, finished, is to be judged again (`why`): it no longer counts as done.
    pub fn again(&self, row: &TaskRow, why: &str) {
        let mut state = lock(&self.state);
        state.done = state.done.saturating_sub(1);
        if let Some(count) = state.outcomes.get_mut(&row.outcome) {
            *count = count.saturating_sub(1);
        }
        state.outcomes.retain(|_, count| *count > 0);
        let line = format!("{}: judged again alone: {why}", row.problem);
        self.redraw(&mut state, Some(&line));
    }

    /// Erases the live block, prints `line` (kept above it), and draws the block again; off a
    /// terminal only `line` is printed.
    fn redraw(&self, state: &mut State, line: Option<&str>) {
        let mut err = std::io::stderr().lock();
        if !self.live {
            if let Some(line) = line {
                let _ = writeln!(err, "{line}");
            }
            return;
        }
        let mut text = String::new();
        for _ in 0..state.drawn {
            // Up one line, then clear it.
            text += "\x1b[1A\x1b[2K";
        }
        if let Some(line) = line {
            text += line;
            text += "\n";
        }
        let block = block(state, self.total, self.started);
        state.drawn = block.len();
        for l in block {
            text += &l;
            text += "\n";
        }
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }
}

/// The live block: the suite's bar, then a line per slot.
fn block(state: &State, total: usize, started: Instant) -> Vec<String> {
    let filled = (state.done * BAR_WIDTH).checked_div(total).unwrap_or(0);
    let counts: Vec<String> = state
        .outcomes
        .iter()
        .map(|(outcome, n)| format!("{outcome} {n}"))
        .collect();
    let mut lines = vec![format!(
        "suite [{}{}] {}/{total}  {}  {}",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        state.done,
        counts.join(" · "),
        elapsed(started)
    )];
    for slot in &state.slots {
        lines.push(match &slot.task {
            Some((problem, phase, since)) => {
                format!(
                    "  {}: {problem} · {phase} · {}",
                    slot.label,
                    elapsed(*since)
                )
            }
            None => format!("  {}: idle", slot.label),
        });
    }
    lines
}

fn elapsed(since: Instant) -> String {
    let s = since.elapsed().as_secs();
    if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(problem: &str, outcome: &str) -> TaskRow {
        TaskRow::unjudged(problem.to_owned(), Some(1), outcome, outcome.to_owned())
    }

    #[test]
    fn the_block_has_the_suite_bar_and_a_line_per_gpu_with_its_task_and_phase() {
        let progress = SuiteProgress::new(4, vec!["GPU 0".into(), "GPU 1".into()]);
        progress.begin(0, "level1/19_ReLU.py");
        progress.phase(0, "timing");
        progress.finish(1, &row("level1/5_x.py", "missing"));
        let state = lock(&progress.state);
        let lines = block(&state, 4, progress.started);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].starts_with("suite [######..................] 1/4  missing 1"),
            "{lines:?}"
        );
        assert!(
            lines[1].starts_with("  GPU 0: level1/19_ReLU.py · timing · "),
            "{lines:?}"
        );
        assert_eq!(lines[2], "  GPU 1: idle");
    }
}
