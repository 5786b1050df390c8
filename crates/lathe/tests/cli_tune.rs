//! `lathe tune` with the real binary and worker under Triton's CPU interpreter: the CI example's
//! kernel tuned within a budget, the result differing from it only in the tuned constant, and a
//! kernel without launch constants returned unchanged.

mod common;

use common::{Sandbox, ci_example as example};

#[test]
fn the_example_kernel_is_tuned_within_its_budget_and_only_its_block_changes() {
    const TEST: &str = "the_example_kernel_is_tuned_within_its_budget_and_only_its_block_changes";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let sandbox = Sandbox::new();
    let out = sandbox.run(&[
        "tune",
        "--problem",
        &example("problem.py"),
        "--kernel",
        &example("kernel.py"),
        "--category",
        "fusion",
        "--budget",
        "2",
        "--device",
        "interpret",
        "--python",
        &python.display().to_string(),
        "--out",
        "tuned",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sandbox.path().join("tuned/tune.json")).unwrap(),
    )
    .unwrap();
    let trials = report["trials"].as_array().unwrap();
    assert!(!trials.is_empty() && trials.len() <= 2, "{report}");
    assert_eq!(
        trials[0]["change"], "BLOCK 32 → 64",
        "the first step up from 32: {report}"
    );
    assert_eq!(report["start"]["interpreter"], true);
    let original = std::fs::read_to_string(example("kernel.py")).unwrap();
    let tuned = std::fs::read_to_string(sandbox.path().join("tuned/tuned.py")).unwrap();
    let differing: Vec<(&str, &str)> = original
        .lines()
        .zip(tuned.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert!(differing.len() <= 1, "{differing:?}");
    for (_, after) in &differing {
        assert!(after.starts_with("BLOCK = "), "{after}");
    }
    assert_eq!(original.lines().count(), tuned.lines().count());
    let changes = report["changes"].as_array().unwrap();
    assert_eq!(changes.len(), differing.len(), "{report}");
    let note = std::fs::read_to_string(sandbox.path().join("tuned/tune.md")).unwrap();
    assert!(
        note.contains("| grid_and_parallel | BLOCK 32 → 64 |"),
        "{note}"
    );
}

#[test]
fn a_kernel_without_launch_constants_comes_back_unchanged() {
    let sandbox = Sandbox::new();
    let kernel = "import torch\nfrom torch import nn\n\n\nclass ModelNew(nn.Module):\n    def forward(self, a, b):\n        return torch.relu(a + b)\n";
    sandbox.write("k.py", kernel);
    let out = sandbox.run(&[
        "tune",
        "--problem",
        &example("problem.py"),
        "--kernel",
        "k.py",
        "--category",
        "fusion",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("no launch constants to tune"),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stdout, kernel,
        "the kernel, unchanged, on standard output"
    );
}
