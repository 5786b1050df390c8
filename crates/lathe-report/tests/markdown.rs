//! `report.md` for each kind of run, as a person reads it.

mod common;

use common::scenarios::{
    budget_stopped, full_run, interpreter_run, no_correct, repaired_and_tuned,
};
use lathe_report::report_md;

#[test]
fn a_full_run() {
    let md = report_md(&full_run());
    assert!(md.contains("**Result:** best: attempt #9"), "{md}");
    insta::assert_snapshot!("full_run", md);
}

#[test]
fn a_run_stopped_by_a_budget_says_which() {
    let md = report_md(&budget_stopped());
    assert!(md.contains("stopped: the cost budget was spent"), "{md}");
    assert!(md.contains("| not reached |"), "{md}");
    insta::assert_snapshot!("budget_stopped", md);
}

#[test]
fn a_run_without_a_correct_kernel() {
    let md = report_md(&no_correct());
    assert!(md.contains("**Result:** no correct kernel"), "{md}");
    assert!(md.contains("No correct kernel."), "{md}");
    insta::assert_snapshot!("no_correct", md);
}

#[test]
fn an_interpreter_run_never_claims_gpu_speed() {
    let md = report_md(&interpreter_run());
    assert!(
        md.contains("timed on Triton's CPU interpreter: not GPU performance"),
        "{md}"
    );
    assert!(!md.contains("vs eager ("), "{md}");
    insta::assert_snapshot!("interpreter_run", md);
}

#[test]
fn repairs_diagnoses_and_tuner_variants_count_toward_their_stage() {
    let md = report_md(&repaired_and_tuned());
    // One stage row: the analyst's, the repair's and the tuner's attempts are its own.
    assert!(md.contains("| `grid_and_parallel` | ran | 4 | 2 |"), "{md}");
    assert!(
        !md.contains("| `tune` | ran") && !md.contains("| `analyst` | ran"),
        "{md}"
    );
    assert!(md.contains("| `diagnosis` |"), "{md}");
    insta::assert_snapshot!("repaired_and_tuned", md);
}
