//! `lathe suite eval` through the real binary and the real worker under Triton's interpreter: a
//! folder of problems, a folder of kernels made elsewhere (correct, wrong, cheating, missing),
//! judged two at a time, and the suite's counts and fast_0.

mod common;

use std::path::PathBuf;

use common::Sandbox;

fn fixture(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/tests/fixtures")
        .join(relative);
    std::fs::read_to_string(path).unwrap()
}

/// Six problems (the add_relu fixture under KernelBench-style names) and kernels for five.
fn suite(sandbox: &Sandbox) {
    let problem = fixture("problems/add_relu.py");
    for name in [
        "level1/1_add_relu.py",
        "level1/2_add_relu.py",
        "level1/3_add_relu.py",
        "level1/4_add_relu.py",
        "level1/5_add_relu.py",
        "level2/6_add_relu.py",
    ] {
        sandbox.write(&format!("problems/{name}"), &problem);
    }
    for (name, kernel) in [
        ("kernels/level1/1_add_relu.py", "honest/add_relu.py"),
        // KernelBench's own naming, in a folder of its own.
        (
            "kernels/samples/level_1_problem_2_sample_0_kernel.py",
            "broken/wrong_values.py",
        ),
        ("kernels/level1/3_add_relu.py", "cheating/ghost_kernel.py"),
        (
            "kernels/level1/4_add_relu.py",
            "cheating/background_thread.py",
        ),
        // level1/5 has no kernel.
        (
            "kernels/level2/6_add_relu.py",
            "honest/add_relu_small_block.py",
        ),
    ] {
        sandbox.write(name, &fixture(kernel));
    }
}

#[test]
fn a_folder_of_kernels_gets_every_verdict_and_the_suite_its_fast_0() {
    const TEST: &str = "a_folder_of_kernels_gets_every_verdict_and_the_suite_its_fast_0";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let sandbox = Sandbox::new();
    suite(&sandbox);
    let python = python.display().to_string();
    let run = sandbox.run(&[
        "suite",
        "eval",
        "--problems",
        "problems",
        "--kernels",
        "kernels",
        "--device",
        "interpret",
        "--python",
        &python,
        "--jobs",
        "2",
        "--out",
        "report",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let outcomes: Vec<(&str, &str)> = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["problem"].as_str().unwrap(),
                t["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("level1/1_add_relu.py", "correct"),
            ("level1/2_add_relu.py", "wrong"),
            ("level1/3_add_relu.py", "rejected"),
            ("level1/4_add_relu.py", "rejected"),
            ("level1/5_add_relu.py", "missing"),
            ("level2/6_add_relu.py", "correct"),
        ]
    );
    let groups = json["figures"].as_array().unwrap();
    let all = &groups.last().unwrap()["figures"][0];
    assert_eq!(groups.last().unwrap()["group"], "all");
    assert_eq!(
        (all["tasks"].as_u64(), all["correct"].as_u64()),
        (Some(6), Some(2))
    );
    assert_eq!(all["fast_p"][0], serde_json::json!([0.0, 2.0 / 6.0]));
    // No GPU timing under the interpreter: nothing is faster than anything.
    assert_eq!(all["fast_p"][3], serde_json::json!([1.0, 0.0]));
    let level1 = &groups[0];
    assert_eq!(level1["group"], "level 1");
    assert_eq!(
        level1["figures"][0]["fast_p"][0],
        serde_json::json!([0.0, 0.2])
    );
    // Every task's progress line, and the report files.
    assert_eq!(run.stderr.matches("] level").count(), 6, "{}", run.stderr);
    let markdown = std::fs::read_to_string(sandbox.path().join("report/suite.md")).unwrap();
    assert!(
        markdown.contains("| all | eager | 2/6 | 0.33 |"),
        "{markdown}"
    );
    assert!(sandbox.path().join("report/suite.json").is_file());
}

#[test]
fn a_problems_folder_that_is_not_there_is_bad_input_naming_it() {
    let sandbox = Sandbox::new();
    sandbox.write("kernels/level1/1_x.py", "");
    let run = sandbox.run(&[
        "suite",
        "eval",
        "--problems",
        "nope",
        "--kernels",
        "kernels",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("the problems folder"), "{}", run.stderr);
    assert!(run.stderr.contains("nope does not exist"), "{}", run.stderr);
}
