//! `best.py`: the best kernel under a header that says what its speed was measured against.

mod common;

use common::kernel;
use common::scenarios::{budget_stopped, full_run, interpreter_run, no_correct};
use lathe_report::best_py;

#[test]
fn the_last_kept_attempt_with_both_baselines() {
    let best = best_py(&full_run()).expect("a best kernel");
    // The code after the header is the attempt's, byte for byte.
    assert!(
        best.ends_with(&format!("\n\n{}", kernel("stage:tuning/s0"))),
        "{best}"
    );
    insta::assert_snapshot!("full_run", best);
}

#[test]
fn a_missing_compile_baseline_says_why() {
    let best = best_py(&budget_stopped()).expect("a best kernel");
    assert!(
        best.contains("torch.compile not measured: BackendCompilerFailed"),
        "{best}"
    );
    insta::assert_snapshot!("budget_stopped", best);
}

#[test]
fn interpreter_time_is_labelled_as_such() {
    let best = best_py(&interpreter_run()).expect("a best kernel");
    assert!(
        best.contains("timed on Triton's CPU interpreter: not GPU performance"),
        "{best}"
    );
    insta::assert_snapshot!("interpreter_run", best);
}

#[test]
fn no_correct_kernel_no_file() {
    assert_eq!(best_py(&no_correct()), None);
}
