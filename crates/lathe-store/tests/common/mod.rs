//! Records for the store's tests: a run, attempts and their outcomes, as the engine would make
//! them.

#![allow(
    dead_code,
    reason = "each test binary uses its own part of these helpers"
)]

use std::path::PathBuf;

use lathe_core::{Backend, Category, Verdict};
use lathe_store::{
    CallOutcome, Evaluation, Extraction, ModelCall, NewAttempt, NewRun, RunId, StartingKernel,
    Store, Task, Timestamp, TokenUsage,
};
use serde_json::json;

/// 2026-11-21T16:07:33.123Z.
pub const NOV_21: i64 = 1_795_277_253_123;

pub fn new_run(id: &str, created_at_ms: i64) -> NewRun {
    NewRun {
        id: id.parse().expect("a valid run id"),
        created_at: Timestamp::from_unix_ms(created_at_ms),
        problem_path: PathBuf::from("KernelBench/level1/19_ReLU.py"),
        problem_sha256: "ab".repeat(32),
        category: Category::Single,
        backend: Backend::Triton,
        gpu: "H100 SXM".to_owned(),
        llm_spec: "openai:gpt-4.1".to_owned(),
        settings: json!({"eval": {"trials": 3}, "llm": {"max_tokens": 16000}}),
        out_dir: PathBuf::from(format!("lathe-runs/{id}")),
        tasks: vec![Task {
            task_id: "main".to_owned(),
            problem_path: PathBuf::from("KernelBench/level1/19_ReLU.py"),
            starting_kernel: Some(StartingKernel {
                path: PathBuf::from("kernels/relu_v1.py"),
                sha256: "cd".repeat(32),
            }),
        }],
        fingerprint: Some(json!({"torch": "2.9.0", "triton": "3.5.0"})),
    }
}

/// A fresh run in `store`, created now.
pub fn start_run(store: &Store) -> RunId {
    let now = Timestamp::now();
    let run = new_run(RunId::new(now).as_str(), now.unix_ms());
    store.create_run(&run).expect("create the run");
    run.id
}

pub fn seed(key: &str) -> NewAttempt {
    NewAttempt {
        key: key.parse().expect("an attempt key"),
        stage: "seed".to_owned(),
        round: 0,
        sample: 0,
        parent: None,
        prompt: format!("Write a Triton kernel for ReLU ({key})."),
    }
}

pub fn reply(text: &str) -> ModelCall {
    ModelCall {
        outcome: CallOutcome::Replied {
            text: text.to_owned(),
        },
        reasoning: Some("ReLU is elementwise: one program per block.".to_owned()),
        usage: TokenUsage {
            input_tokens: 1200,
            output_tokens: 800,
            reasoning_tokens: 300,
        },
        cost_usd: Some(0.0088),
        seconds: 12.5,
    }
}

pub fn code() -> Extraction {
    Extraction::Code {
        source: "import triton\n\n@triton.jit\ndef relu_kernel(x_ptr): ...\n".to_owned(),
        findings: json!([{"rule": "torch-compute", "severity": "warning"}]),
    }
}

/// A correct verdict at `candidate_ms` against eager's 1.0 ms.
pub fn correct(candidate_ms: f64) -> Evaluation {
    let stats = |median: f64| {
        json!({"median_ms": median, "iqr_ms": median / 50.0, "min_ms": median * 0.98,
               "mean_ms": median, "runs": 100})
    };
    let mut compile = stats(0.8);
    compile["compile_seconds"] = json!(14.5);
    compile["cached"] = json!(false);
    let verdict: Verdict = serde_json::from_value(json!({
        "kind": "correct",
        "trials": [{"trial": 0, "seed": 42, "outputs": [{"output": 0, "max_abs": 0.0}]}],
        "timing": {
            "candidate": stats(candidate_ms),
            "eager": stats(1.0),
            "compile": compile,
            "speedup_vs_eager": 1.0 / candidate_ms,
            "speedup_vs_compile": 0.8 / candidate_ms,
        },
    }))
    .expect("a correct verdict");
    Evaluation {
        verdict,
        eval_seconds: 31.0,
        interpreter_ms: None,
    }
}

pub fn wrong() -> Evaluation {
    let verdict: Verdict = serde_json::from_value(json!({
        "kind": "wrong",
        "reason": "values",
        "trials": [{"trial": 1, "outputs": [{"output": 0, "max_abs": 0.5, "max_rel": 1.0}]}],
        "phase": "correctness",
    }))
    .expect("a wrong verdict");
    Evaluation {
        verdict,
        eval_seconds: 9.0,
        interpreter_ms: None,
    }
}

/// `path` as a regular expression matching itself, for insta's filters.
pub fn regex_path(path: &std::path::Path) -> String {
    path.display()
        .to_string()
        .chars()
        .map(|c| match c {
            '.' | '/' | '\\' | '(' | ')' | '[' | ']' | '+' | '*' | '?' | '^' | '$' | '{' | '}'
            | '|' => format!("\\{c}"),
            c => c.to_string(),
        })
        .collect()
}
