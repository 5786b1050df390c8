//! The runs the reports are tested on, each a story the loop can tell.

use lathe_core::VerdictKind;
use lathe_report::RunData;
use lathe_store::{Budget, CallOutcome, ModelCall, RunStatus, StageStatus, TokenUsage};

use super::verdicts::{
    compile_error, correct, correct_on_interpreter, correct_without_compile, rejected,
    runtime_error, wrong,
};
use super::{RunBuilder, replied};

const RELU: &str = "KernelBench/level1/19_ReLU.py";

const GRID_METRICS: &str = r#"{
  "relu_kernel": {
    "sm__throughput.avg.pct_of_peak_sustained_elapsed": 81.3,
    "launch__grid_size": 16384,
    "dram__throughput.avg.pct_of_peak_sustained_elapsed": 62.0
  }
}"#;

const TILING_METRICS: &str = r#"{
  "relu_kernel": {
    "sm__warps_active.avg.pct_of_peak_sustained_active": 48.5,
    "launch__registers_per_thread": 24
  }
}"#;

/// A whole run: the seed fails to compile and its repair is correct; `block_tiling` sees a
/// wrong, a cheating (rejected), a slower and a faster attempt, keeping the last; a skipped
/// stage; a repair within the margin that is not kept; a last stage that wins again.
pub fn full_run() -> RunData {
    let run = RunBuilder::new("r20261121-160733-3f9a", RELU, "H100 SXM");
    let seed = run.judged(
        "seed/s0",
        None,
        compile_error(
            "at 9:26: arange's arguments must be of type tl.constexpr\n    offs = pid * BLOCK",
        ),
    );
    let repaired = run.judged("seed/s0/repair1", Some(seed), correct(1.80, 2.00, 1.50));
    run.keep(repaired);
    run.stage(
        "grid_and_parallel",
        StageStatus::Skipped,
        Some(
            "the SMs are already busy: sm__throughput.avg.pct_of_peak_sustained_elapsed 81.3 >= 75",
        ),
        Some(GRID_METRICS),
        (Some(1.80), Some(1.80)),
    );
    run.judged("stage:block_tiling/s0", Some(repaired), wrong(0.75));
    run.judged(
        "stage:block_tiling/s1",
        Some(repaired),
        rejected(
            "torch-compute",
            "torch.relu computes the output; the Triton kernel only copies it",
        ),
    );
    run.judged(
        "stage:block_tiling/s2",
        Some(repaired),
        correct(1.95, 2.01, 1.49),
    );
    let faster = run.judged(
        "stage:block_tiling/s3",
        Some(repaired),
        correct(0.90, 1.99, 1.51),
    );
    run.keep(faster);
    run.stage(
        "block_tiling",
        StageStatus::Ran,
        Some("no skip rule held"),
        Some(TILING_METRICS),
        (Some(1.80), Some(0.90)),
    );
    let broken = run.judged(
        "stage:memory_access/s0",
        Some(faster),
        runtime_error("CUDA error: an illegal memory access was encountered"),
    );
    // 1.7% faster: inside the stage's 2% margin, so not kept.
    run.judged(
        "stage:memory_access/s0/repair1",
        Some(broken),
        correct(0.885, 2.00, 1.50),
    );
    run.stage(
        "memory_access",
        StageStatus::Ran,
        None,
        None,
        (Some(0.90), Some(0.90)),
    );
    let tuned = run.judged("stage:tuning/s0", Some(faster), correct(0.75, 2.00, 1.50));
    run.keep(tuned);
    run.stage(
        "tuning",
        StageStatus::Ran,
        None,
        None,
        (Some(0.90), Some(0.75)),
    );
    run.finish(RunStatus::Finished)
}

/// The cost budget runs out during the first stage; the later stages are never reached.
pub fn budget_stopped() -> RunData {
    let run = RunBuilder::new("r20261121-160733-b00d", RELU, "H100 SXM");
    let seed = run.judged("seed/s0", None, correct_without_compile(1.60, 2.00));
    run.keep(seed);
    run.judged("stage:grid_and_parallel/s0", Some(seed), wrong(2.5));
    run.stage(
        "grid_and_parallel",
        StageStatus::Ran,
        None,
        Some(GRID_METRICS),
        (Some(1.60), Some(1.60)),
    );
    for stage in ["block_tiling", "memory_access", "tuning"] {
        run.stage(stage, StageStatus::NotReached, None, None, (None, None));
    }
    run.finish(RunStatus::Stopped {
        budget: Budget::Cost,
    })
}

/// Nothing correct: a compile error, a runtime error, a call cut at the token limit and a
/// reply without code, then the run gives up.
pub fn no_correct() -> RunData {
    let run = RunBuilder::new("r20261121-160733-0bad", RELU, "H100 SXM");
    let seed = run.judged(
        "seed/s0",
        None,
        compile_error("invalid syntax (candidate.py, line 7)"),
    );
    let again = run.judged(
        "seed/s0/repair1",
        Some(seed),
        runtime_error("Triton Error [CUDA]: misaligned address"),
    );
    let cut = ModelCall {
        outcome: CallOutcome::Failed {
            error: "the reply was cut at the token limit (16000 tokens)".to_owned(),
            partial: Some("```python\nimport triton\n".to_owned()),
        },
        reasoning: None,
        usage: TokenUsage {
            input_tokens: 2400,
            output_tokens: 16000,
            reasoning_tokens: 0,
        },
        cost_usd: None,
        seconds: 95.0,
    };
    run.call("seed/s0/repair2", Some(again), &cut);
    run.extraction_failed(
        "seed/s0/repair3",
        Some(again),
        "the reply has no ```python block",
    );
    run.finish(RunStatus::Failed {
        message: "no correct seed after 3 repairs\n(see the attempts)".to_owned(),
    })
}

/// `--device interpret`: correct kernels timed only by the interpreter's wall time.
pub fn interpreter_run() -> RunData {
    let run = RunBuilder::new("r20261121-160733-c1c1", "examples/relu.py", "interpret");
    let seed = run.judged("seed/s0", None, correct_on_interpreter(812.4));
    run.keep(seed);
    let faster = run.judged(
        "stage:grid_and_parallel/s0",
        Some(seed),
        correct_on_interpreter(41.27),
    );
    run.keep(faster);
    run.stage(
        "grid_and_parallel",
        StageStatus::Ran,
        None,
        None,
        (Some(812.4), Some(41.27)),
    );
    run.stage(
        "block_tiling",
        StageStatus::Skipped,
        Some("no NCU metrics on the CPU interpreter"),
        None,
        (Some(41.27), Some(41.27)),
    );
    run.finish(RunStatus::Finished)
}

/// A stage whose first candidate failed to compile, was diagnosed by the analyst and repaired,
/// then tuned: the repair and the tuner's variant both kept, in turn.
pub fn repaired_and_tuned() -> RunData {
    let run = RunBuilder::new("r20261121-160733-e2e2", "examples/relu.py", "H100 SXM");
    let start_ms = 2.0;
    let broken = run.judged(
        "stage:grid_and_parallel/s0",
        None,
        compile_error("tl.arange's range must be a power of 2"),
    );
    run.call(
        "stage:grid_and_parallel/s0/repair1/analyst",
        Some(broken),
        &replied("```json\n{\"critical_issue\": \"ROW = 300 is not a power of two\"}\n```"),
    );
    let fixed = run.judged(
        "stage:grid_and_parallel/s0/repair1",
        Some(broken),
        correct(1.5, 2.1, 1.2),
    );
    run.keep(fixed);
    let tuned = run.judged(
        "tune:grid_and_parallel/6942126d7557",
        Some(fixed),
        correct(1.3, 2.1, 1.2),
    );
    run.keep(tuned);
    run.stage(
        "grid_and_parallel",
        StageStatus::Ran,
        None,
        None,
        (Some(start_ms), Some(1.3)),
    );
    run.finish(RunStatus::Finished)
}

/// `optimize --kernel` without a model: the given kernel judged first (2.00 ms, eager's
/// speed), then the tuner's variants, stage by stage. One variant is 13x faster, so the
/// speedups span more than 10x.
pub fn tuned_from_a_given_kernel() -> RunData {
    let run = RunBuilder::new("r20261121-160733-7777", "examples/add_relu.py", "H100 SXM");
    run.start(&correct(2.0, 2.0, 1.5));
    run.tuned(
        "tune:grid_and_parallel/6942126d7557",
        "BLOCK 32 → 64",
        None,
        correct(1.6, 2.0, 1.5),
    );
    let kept = run.tuned(
        "tune:grid_and_parallel/42d98e4d3b9a",
        "BLOCK 64 → 128",
        None,
        correct(0.15, 2.0, 1.5),
    );
    run.keep(kept);
    run.tuned(
        "tune:block_tiling/96c8038dfc58",
        "BLOCK 128 → 256",
        Some(kept),
        correct(0.2, 2.0, 1.5),
    );
    run.tuned(
        "tune:block_tiling/0d1c2b3a4f5e",
        "BLOCK 128 → 512",
        Some(kept),
        correct(0.149, 2.0, 1.5),
    );
    run.stage(
        "grid_and_parallel",
        StageStatus::Ran,
        None,
        None,
        (Some(2.0), Some(0.15)),
    );
    run.stage(
        "block_tiling",
        StageStatus::Ran,
        None,
        None,
        (Some(0.15), Some(0.15)),
    );
    run.finish(RunStatus::Finished)
}

/// How many attempts of `data` got each verdict kind, for sanity checks of the scenarios.
pub fn count_kind(data: &RunData, kind: VerdictKind) -> usize {
    data.attempts
        .iter()
        .filter_map(|a| a.evaluation.as_ref())
        .filter(|e| e.verdict.kind() == kind)
        .count()
}
