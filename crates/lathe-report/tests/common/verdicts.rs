//! Evaluations as the worker reports them, in its JSON shape.

use lathe_store::Evaluation;
use serde_json::{Value, json};

fn evaluation(verdict: Value, interpreter_ms: Option<f64>) -> Evaluation {
    Evaluation {
        verdict: serde_json::from_value(verdict).expect("a verdict in the worker's shape"),
        eval_seconds: 21.5,
        interpreter_ms,
    }
}

fn stats(median: f64) -> Value {
    json!({"median_ms": median, "iqr_ms": median / 100.0, "min_ms": median * 0.98,
           "mean_ms": median * 1.01, "runs": 200})
}

/// Correct on a GPU: `candidate` ms against eager's and torch.compile's.
pub fn correct(candidate: f64, eager: f64, compile: f64) -> Evaluation {
    let mut baseline = stats(compile);
    baseline["compile_seconds"] = json!(12.5);
    baseline["cached"] = json!(true);
    evaluation(
        json!({
            "kind": "correct",
            "trials": [{"trial": 0, "seed": 42, "outputs": [{"output": 0, "max_abs": 0.0}]}],
            "timing": {
                "candidate": stats(candidate),
                "eager": stats(eager),
                "compile": baseline,
                "speedup_vs_eager": eager / candidate,
                "speedup_vs_compile": compile / candidate,
            },
        }),
        None,
    )
}

/// Correct on a GPU where torch.compile failed, so only eager was timed.
pub fn correct_without_compile(candidate: f64, eager: f64) -> Evaluation {
    evaluation(
        json!({
            "kind": "correct",
            "timing": {
                "candidate": stats(candidate),
                "eager": stats(eager),
                "compile": {"error": "BackendCompilerFailed: inductor raised RuntimeError\nmore"},
                "speedup_vs_eager": eager / candidate,
            },
        }),
        None,
    )
}

/// Correct under `--device interpret`: no GPU timing, the interpreted forward's wall time.
pub fn correct_on_interpreter(ms: f64) -> Evaluation {
    evaluation(
        json!({"kind": "correct", "timing_note": "not timed on the CPU interpreter"}),
        Some(ms),
    )
}

pub fn compile_error(message: &str) -> Evaluation {
    evaluation(
        json!({"kind": "compile_error", "message": message, "phase": "import",
               "traceback_tail": "  File \"candidate.py\", line 12\n"}),
        None,
    )
}

pub fn runtime_error(message: &str) -> Evaluation {
    evaluation(
        json!({"kind": "runtime_error", "exception": "RuntimeError", "message": message,
               "phase": "forward"}),
        None,
    )
}

pub fn wrong(max_abs: f64) -> Evaluation {
    evaluation(
        json!({"kind": "wrong", "reason": "values", "phase": "correctness",
               "trials": [{"trial": 1, "seed": 7,
                           "outputs": [{"output": 0, "max_abs": max_abs, "max_rel": 1.0}]}]}),
        None,
    )
}

pub fn rejected(rule: &str, evidence: &str) -> Evaluation {
    evaluation(
        json!({"kind": "rejected", "rule": rule, "evidence": evidence, "static": true}),
        None,
    )
}
