//! Runs for the report's tests, written through the real store and read back as the caller
//! would read them: each scenario is the loop's records, not hand-made structs.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of these helpers"
)]

pub mod scenarios;
pub mod verdicts;

use std::path::PathBuf;

use lathe_core::{Backend, Category};
use lathe_report::RunData;
use lathe_store::{
    AttemptId, CallOutcome, Evaluation, Extraction, ModelCall, NewAttempt, NewRun, RunId,
    RunStatus, StageRecord, StageStatus, Store, Task, Timestamp, TokenUsage,
};
use serde_json::json;

/// 2026-11-21T16:07:33.123Z: every run of these tests starts then.
pub const NOV_21: i64 = 1_795_277_253_123;

/// A run being written, attempt by attempt, as the loop would.
pub struct RunBuilder {
    store: Store,
    id: RunId,
}

impl RunBuilder {
    pub fn new(id: &str, problem: &str, gpu: &str) -> RunBuilder {
        let store = Store::open_in_memory().expect("open a store");
        let id: RunId = id.parse().expect("a valid run id");
        store
            .create_run(&NewRun {
                id: id.clone(),
                created_at: Timestamp::from_unix_ms(NOV_21),
                problem_path: PathBuf::from(problem),
                problem_sha256: "ab".repeat(32),
                category: Category::Single,
                backend: Backend::Triton,
                gpu: gpu.to_owned(),
                llm_spec: "openai:gpt-4.1".to_owned(),
                settings: json!({"eval": {"trials": 3}}),
                out_dir: PathBuf::from(format!("lathe-runs/{id}")),
                tasks: vec![Task {
                    task_id: "main".to_owned(),
                    problem_path: PathBuf::from(problem),
                    starting_kernel: None,
                }],
                fingerprint: None,
            })
            .expect("create the run");
        RunBuilder { store, id }
    }

    /// Begins the attempt at `key` and commits `call` as its model call.
    pub fn call(&self, key: &str, parent: Option<AttemptId>, call: &ModelCall) -> AttemptId {
        let (stage, round, sample) = place(key);
        let prompt = format!(
            "## Task\nOptimize the PyTorch reference below with Triton.\n\n\
             ## Current Optimization Stage\n{stage} (round {round}, sample {sample})\n"
        );
        let new = NewAttempt {
            key: key.parse().expect("an attempt key"),
            stage,
            round,
            sample,
            parent,
            prompt,
        };
        let id = self.store.begin_attempt(&self.id, &new).expect("begin");
        self.store.record_reply(id, call).expect("record the reply");
        id
    }

    /// An attempt whose reply held a kernel that was judged `evaluation`.
    pub fn judged(
        &self,
        key: &str,
        parent: Option<AttemptId>,
        evaluation: Evaluation,
    ) -> AttemptId {
        self.judged_code(key, parent, &kernel(key), evaluation)
    }

    pub fn judged_code(
        &self,
        key: &str,
        parent: Option<AttemptId>,
        code: &str,
        evaluation: Evaluation,
    ) -> AttemptId {
        let text = format!("Here is the kernel.\n\n```python\n{code}```\n");
        let id = self.call(key, parent, &replied(&text));
        let extraction = Extraction::Code {
            source: code.to_owned(),
            findings: json!([]),
        };
        self.store
            .record_code(id, &extraction)
            .expect("record the code");
        self.store
            .record_verdict(id, &evaluation)
            .expect("record the verdict");
        id
    }

    /// Records how the kernel the user gave was judged before any attempt.
    pub fn start(&self, evaluation: &Evaluation) {
        self.store
            .record_start(&self.id, "main", evaluation)
            .expect("record the start");
    }

    /// A tuner variant, as the loop records one: its prompt is the tuner's note naming the
    /// change, its reply the same note, its code judged `evaluation`.
    pub fn tuned(
        &self,
        key: &str,
        change: &str,
        parent: Option<AttemptId>,
        evaluation: Evaluation,
    ) -> AttemptId {
        let stage = key
            .strip_prefix("tune:")
            .and_then(|k| k.split('/').next())
            .expect("a tuner key");
        let new = NewAttempt {
            key: key.parse().expect("an attempt key"),
            stage: "tune".to_owned(),
            round: 0,
            sample: 0,
            parent,
            prompt: format!("lathe tune, stage {stage}: {change}"),
        };
        let id = self.store.begin_attempt(&self.id, &new).expect("begin");
        let note = ModelCall {
            outcome: CallOutcome::Replied {
                text: format!("lathe tune: {change}"),
            },
            reasoning: None,
            usage: TokenUsage::default(),
            cost_usd: None,
            seconds: 0.0,
        };
        self.store.record_reply(id, &note).expect("record the note");
        let code = Extraction::Code {
            source: kernel(key),
            findings: json!([]),
        };
        self.store.record_code(id, &code).expect("record the code");
        self.store
            .record_verdict(id, &evaluation)
            .expect("record the verdict");
        id
    }

    pub fn keep(&self, id: AttemptId) {
        self.store.mark_kept(id).expect("mark kept");
    }

    pub fn extraction_failed(&self, key: &str, parent: Option<AttemptId>, error: &str) {
        let id = self.call(
            key,
            parent,
            &replied("I would start by profiling the kernel."),
        );
        let failed = Extraction::Failed {
            error: error.to_owned(),
        };
        self.store
            .record_code(id, &failed)
            .expect("record the extraction");
    }

    pub fn stage(
        &self,
        stage: &str,
        status: StageStatus,
        reason: Option<&str>,
        metrics_block: Option<&str>,
        best: (Option<f64>, Option<f64>),
    ) {
        let record = StageRecord {
            stage: stage.to_owned(),
            status,
            reason: reason.map(str::to_owned),
            metrics_block: metrics_block.map(str::to_owned),
            best_before_ms: best.0,
            best_after_ms: best.1,
        };
        self.store
            .record_stage(&self.id, &record)
            .expect("record the stage");
    }

    /// Ends the run with `status` and reads it back, its clock times fixed: the store stamps
    /// attempts and the run's end with the time of writing.
    pub fn finish(self, status: RunStatus) -> RunData {
        self.store
            .set_status(&self.id, &status)
            .expect("set the status");
        let mut data = RunData::load(&self.store, &self.id).expect("load the run");
        let at = |seconds: i64| Timestamp::from_unix_ms(NOV_21 + seconds * 1000);
        data.run.finished_at = data.run.finished_at.map(|_| at(2472));
        for attempt in &mut data.attempts {
            let start = i64::from(attempt.seq) * 60;
            attempt.started_at = at(start);
            attempt.finished_at = attempt.finished_at.map(|_| at(start + 45));
        }
        data
    }
}

/// The stage, round and sample a key names: `stage:block_tiling/s2/repair1` is a repair,
/// round 1, sample 2.
fn place(key: &str) -> (String, u32, u32) {
    let parts: Vec<&str> = key.split('/').collect();
    let number = |part: &str, prefix: &str| part.strip_prefix(prefix).and_then(|n| n.parse().ok());
    let sample = parts.get(1).and_then(|p| number(p, "s")).unwrap_or(0);
    let round = parts.get(2).and_then(|p| number(p, "repair")).unwrap_or(0);
    let stage = if parts[0].starts_with("tune:") {
        "tune".to_owned()
    } else if parts.last() == Some(&"analyst") {
        "analyst".to_owned()
    } else if round > 0 {
        "repair".to_owned()
    } else {
        parts[0]
            .strip_prefix("stage:")
            .unwrap_or(parts[0])
            .to_owned()
    };
    (stage, round, sample)
}

pub fn replied(text: &str) -> ModelCall {
    ModelCall {
        outcome: CallOutcome::Replied {
            text: text.to_owned(),
        },
        reasoning: Some("ReLU is elementwise: one program per block, masked tail.".to_owned()),
        usage: TokenUsage {
            input_tokens: 2150,
            output_tokens: 940,
            reasoning_tokens: 310,
        },
        cost_usd: Some(0.0118),
        seconds: 14.2,
    }
}

/// The kernel an attempt at `key` wrote: the same ReLU, told apart by its docstring.
pub fn kernel(key: &str) -> String {
    format!(
        r#"import torch
import triton
import triton.language as tl


@triton.jit
def relu_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    # One program per block of BLOCK elements; the tail is masked.
    pid = tl.program_id(0)
    offs = pid * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask, other=0.0)
    tl.store(out_ptr + offs, tl.maximum(x, 0.0), mask=mask)


class ModelNew(torch.nn.Module):
    """ReLU as one Triton kernel ({key})."""

    def forward(self, x):
        out = torch.empty_like(x)
        n = x.numel()
        grid = (triton.cdiv(n, 1024),)
        relu_kernel[grid](x, out, n, BLOCK=1024)
        return out
"#
    )
}
