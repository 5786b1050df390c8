//! What the loop tells whoever follows it: one [`Event`] per step, as it happens. The command
//! prints them for people, or as JSON lines (`--json`) for programs; the engine never prints.

use lathe_core::AttemptKey;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run: String,
        problem: String,
        out_dir: String,
        llm: String,
        resumed: bool,
    },
    Probed {
        gpu: Option<String>,
        triton: Option<String>,
        device: String,
    },
    /// The starting kernel (given, or the first kernel) was judged.
    StartJudged {
        verdict: String,
        summary: String,
    },
    StageStarted {
        stage: String,
        index: usize,
        total: usize,
    },
    Profiled {
        stage: String,
        seconds: f64,
    },
    ProfileUnavailable {
        stage: String,
        reason: String,
    },
    StageSkipped {
        stage: String,
        reason: String,
    },
    /// A model call starts (`reused`: its reply was committed before a resume, no call made).
    Calling {
        key: AttemptKey,
        reused: bool,
    },
    /// A streaming call's progress.
    Tokens {
        key: AttemptKey,
        answer_chars: usize,
        reasoning_chars: usize,
        output_tokens: Option<u64>,
    },
    Retrying {
        key: AttemptKey,
        attempt: u32,
        wait_seconds: f64,
        reason: String,
    },
    Replied {
        key: AttemptKey,
        seconds: f64,
        output_tokens: u64,
        error: Option<String>,
    },
    /// The worker's phase for a candidate: `checking` (static), `evaluating`.
    Judging {
        key: AttemptKey,
        phase: String,
    },
    Judged {
        key: AttemptKey,
        verdict: String,
        summary: String,
        reused: bool,
    },
    /// A candidate became the best.
    Kept {
        key: AttemptKey,
        ms: f64,
        /// Over the starting kernel (or the first kernel).
        speedup_vs_start: Option<f64>,
        /// Timed on Triton's CPU interpreter: not GPU performance.
        interpreter: bool,
    },
    /// The stage's fastest correct candidate did not beat the best by enough.
    NotKept {
        stage: String,
        key: Option<AttemptKey>,
        reason: String,
    },
    StageFinished {
        stage: String,
        best_ms: Option<f64>,
    },
    BudgetSpent {
        budget: String,
        detail: String,
    },
    RunFinished {
        run: String,
        status: String,
        detail: Option<String>,
        best: Option<String>,
        best_ms: Option<f64>,
        speedup_vs_start: Option<f64>,
        attempts: u32,
        model_calls: u32,
        tokens: u64,
        cost_usd: f64,
        /// Time lathe itself spent per attempt, outside model calls and worker processes.
        overhead_ms_per_attempt: Option<f64>,
        /// This process's peak resident memory, when the system says.
        peak_rss_bytes: Option<u64>,
    },
}
