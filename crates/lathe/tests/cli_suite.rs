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

/// `script` written into the sandbox as `name`, executable: a stand-in Python. Its path.
fn executable(sandbox: &Sandbox, name: &str, script: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = sandbox.write(name, script);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// `lathe suite eval` of the sandbox's `problems/` and `kernels/` on `device`.
fn suite_eval(sandbox: &Sandbox, device: &str, extra: &[&str]) -> common::Run {
    let args = [
        "suite",
        "eval",
        "--problems",
        "problems",
        "--kernels",
        "kernels",
        "--device",
        device,
    ];
    sandbox.run(&[&args[..], extra].concat())
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
    let run = suite_eval(
        &sandbox,
        "interpret",
        &[
            "--python", &python, "--jobs", "2", "--out", "report", "--json",
        ],
    );
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
    // Each job's first judge starts cold (its `start` phase imports torch); a job's later
    // judges were started ahead, their imports done before the request came.
    let starts: Vec<f64> = json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["phases"].as_array())
        .filter_map(|phases| phases.iter().find(|p| p["name"] == "start"))
        .map(|p| p["seconds"].as_f64().unwrap())
        .collect();
    assert!(starts.len() >= 3, "rows judged by a worker: {starts:?}");
    let (fastest, slowest) = starts
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &s| (lo.min(s), hi.max(s)));
    assert!(
        fastest < 0.5 && fastest < slowest / 2.0,
        "no judge was started ahead: start phases {starts:?}"
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
    // Every task's progress line, naming the job that judged it (both judged some), and the
    // report files.
    assert_eq!(run.stderr.matches(" · level").count(), 6, "{}", run.stderr);
    for job in ["] job 1 · ", "] job 2 · "] {
        assert!(run.stderr.contains(job), "{job}: {}", run.stderr);
    }
    let markdown = std::fs::read_to_string(sandbox.path().join("report/suite.md")).unwrap();
    assert!(
        markdown.contains("| all | eager | 2/6 | 0.33 |"),
        "{markdown}"
    );
    assert!(sandbox.path().join("report/suite.json").is_file());
    let page = std::fs::read_to_string(sandbox.path().join("report/suite.html")).unwrap();
    assert!(
        page.contains("level1/5_add_relu.py") && page.contains("<svg"),
        "{page}"
    );
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

/// A stand-in judge for `--device cuda` on a machine without one: it logs the GPU it was given
/// and when it ran, takes a while, and answers with the shared example result (with the nonce).
fn logging_python(sandbox: &Sandbox) -> String {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples/result_correct.json");
    let log = sandbox.path().join("gpus.log");
    let script = format!(
        "#!/bin/sh\n\
         read -r nonce\n\
         echo \"start $CUDA_VISIBLE_DEVICES $(date +%s.%N)\" >> {log}\n\
         sleep 0.3\n\
         echo \"end $CUDA_VISIBLE_DEVICES $(date +%s.%N)\" >> {log}\n\
         sed \"1s/^{{/{{\\\"nonce\\\": \\\"$nonce\\\", /\" {example} > \"$4\"\n",
        log = log.display(),
        example = example.display()
    );
    executable(sandbox, "fake-python", &script)
}

#[test]
fn on_gpus_each_evaluation_has_a_gpu_of_the_pool_to_itself() {
    let sandbox = Sandbox::new().env("CUDA_VISIBLE_DEVICES", "7");
    let problem = fixture("problems/add_relu.py");
    let kernel = fixture("honest/add_relu.py");
    for n in 1..=6 {
        sandbox.write(&format!("problems/level1/{n}_add_relu.py"), &problem);
        sandbox.write(&format!("kernels/level1/{n}_add_relu.py"), &kernel);
    }
    let python = logging_python(&sandbox);
    let run = suite_eval(
        &sandbox,
        "cuda",
        &["--gpus", "0,2", "--python", &python, "--json"],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    assert!(tasks.iter().all(|t| t["outcome"] == "correct"), "{json}");
    // Every evaluation ran on a GPU of the pool (never the caller's 7), both GPUs were used,
    // and the records show no two evaluations on one GPU at once.
    let log = std::fs::read_to_string(sandbox.path().join("gpus.log")).unwrap();
    let mut busy = std::collections::BTreeMap::new();
    let mut used = std::collections::BTreeSet::new();
    for line in log.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let (event, gpu) = (parts[0], parts[1].to_owned());
        assert!(gpu == "0" || gpu == "2", "{log}");
        used.insert(gpu.clone());
        let running = busy.entry(gpu).or_insert(0);
        *running += if event == "start" { 1 } else { -1 };
        assert!(
            (0..=1).contains(running),
            "two evaluations on one GPU:\n{log}"
        );
    }
    assert_eq!(used.len(), 2, "{log}");
    for pair in tasks.iter().flat_map(|a| tasks.iter().map(move |b| (a, b))) {
        let (a, b) = pair;
        if a["problem"] != b["problem"] && a["gpu"] == b["gpu"] {
            let apart = a["ended_s"].as_f64() <= b["started_s"].as_f64()
                || b["ended_s"].as_f64() <= a["started_s"].as_f64();
            assert!(apart, "{a}\n{b}");
        }
    }
}

#[test]
fn levels_ranges_and_samples_choose_the_tasks() {
    let sandbox = Sandbox::new();
    let problem = fixture("problems/add_relu.py");
    let kernel = fixture("honest/add_relu.py");
    for name in [
        "level1/1_a.py",
        "level1/2_b.py",
        "level1/10_c.py",
        "level2/4_d.py",
    ] {
        sandbox.write(&format!("problems/{name}"), &problem);
        sandbox.write(&format!("kernels/{name}"), &kernel);
    }
    let python = logging_python(&sandbox);
    let chosen = |extra: &[&str]| -> Vec<String> {
        let run = suite_eval(
            &sandbox,
            "cuda",
            &[&["--python", &python, "--json"], extra].concat(),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        json["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["problem"].as_str().unwrap().to_owned())
            .collect()
    };
    // Problem-number order, not the file names': 10 after 2.
    assert_eq!(
        chosen(&["--levels", "1"]),
        ["level1/1_a.py", "level1/2_b.py", "level1/10_c.py"]
    );
    assert_eq!(
        chosen(&["--range", "2:4"]),
        ["level1/2_b.py", "level2/4_d.py"]
    );
    let sampled = chosen(&["--sample", "2", "--seed", "3"]);
    assert_eq!(sampled.len(), 2);
    assert_eq!(chosen(&["--sample", "2", "--seed", "3"]), sampled);

    let run = suite_eval(&sandbox, "cuda", &["--range", "5:1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("A must be at most B"), "{}", run.stderr);
    let run = suite_eval(&sandbox, "cuda", &["--levels", "3", "--python", &python]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("--levels"), "{}", run.stderr);
}

#[test]
fn kernelbench_as_a_user_has_it_is_a_suite_of_its_levels() {
    // KernelBench's own folder beside this checkout (skipped where there is none): without a
    // kernel every task is missing, and no worker is started for them.
    let kernelbench = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/kernelbench");
    if !kernelbench.is_dir() {
        return;
    }
    let sandbox = Sandbox::new();
    sandbox.write("kernels/README", "");
    let problems = kernelbench.display().to_string();
    let run = sandbox.run(&[
        "suite",
        "eval",
        "--problems",
        &problems,
        "--kernels",
        "kernels",
        "--levels",
        "1,2",
        "--first",
        "3",
        "--python",
        "/nonexistent",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let tasks: Vec<(&str, &str)> = json["tasks"]
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
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    assert!(
        tasks
            .iter()
            .all(|(p, o)| p.starts_with("level1/") && *o == "missing"),
        "{tasks:?}"
    );
    assert!(tasks[0].0.starts_with("level1/1_"), "{tasks:?}");
    assert!(tasks[2].0.starts_with("level1/3_"), "{tasks:?}");
}

/// A stand-in worker for `lathe suite baselines` on a machine without a GPU: it answers every
/// request with the shared example result, under a cache key of its own per request, and
/// logs the GPU it was given.
fn baselines_python(sandbox: &Sandbox) -> String {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples/result_baselines.json");
    let log = sandbox.path().join("gpus.log");
    let script = format!(
        "#!/bin/sh\n\
         echo \"$CUDA_VISIBLE_DEVICES\" >> {log}\n\
         key=$(md5sum \"$3\" | cut -c1-32)\n\
         sed \"s/0f8a2c61d2b94e7a93c1a5f0e6d4b211/$key/\" {example} > \"$4\"\n",
        log = log.display(),
        example = example.display()
    );
    executable(sandbox, "fake-python", &script)
}

#[test]
fn baselines_are_measured_on_the_pool_and_recorded_per_problem() {
    let sandbox = Sandbox::new();
    let problem = fixture("problems/add_relu.py");
    for n in 1..=3 {
        sandbox.write(&format!("problems/level2/{n}_add_relu.py"), &problem);
    }
    let python = baselines_python(&sandbox);
    let run = sandbox.run(&[
        "suite",
        "baselines",
        "problems",
        "--device",
        "cuda",
        "--gpus",
        "0,2",
        "--python",
        &python,
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let lines: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let lines = lines.as_array().unwrap();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for line in lines {
        assert_eq!(line["eager_ms"], 0.4213, "{line}");
        assert_eq!(line["compile_ms"], 0.3107, "{line}");
        assert_eq!(line["gpu"], "NVIDIA H100 80GB HBM3", "{line}");
    }
    let log = std::fs::read_to_string(sandbox.path().join("gpus.log")).unwrap();
    assert!(log.lines().all(|gpu| gpu == "0" || gpu == "2"), "{log}");
    let store = lathe_store::Store::open(sandbox.path().join("lathe-runs/lathe.db")).unwrap();
    let rows = store.baselines().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[0].problem_path.ends_with("level2/1_add_relu.py"));
    assert_eq!(rows[0].compile_seconds, Some(21.4));
    assert_eq!(rows[2].torch_version, "2.11.0+cu130");
}

#[test]
fn baselines_under_the_interpreter_are_refused_before_anything_is_recorded() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "problems/level1/1_add_relu.py",
        &fixture("problems/add_relu.py"),
    );
    let run = sandbox.run(&["suite", "baselines", "problems", "--device", "interpret"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("baselines are GPU timings"),
        "{}",
        run.stderr
    );
    assert!(!sandbox.path().join("lathe-runs").exists());
}

/// A stand-in judge for `--device cuda` whose "big" problems need a GPU to themselves: one
/// that finds another evaluation running on its GPU (within 3 s) answers as PyTorch does
/// when it runs out of memory; alone, it is correct. Every start and end is logged.
fn crowded_python(sandbox: &Sandbox) -> String {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples/result_correct.json");
    let out_of_memory = r#"{"nonce": "NONCE", "protocol": 1, "kind": "eval", "outcome": "verdict", "verdict": {"kind": "runtime_error", "exception": "OutOfMemoryError", "message": "CUDA out of memory. Tried to allocate 6.00 GiB", "phase": "construct", "traceback_tail": "torch.OutOfMemoryError: CUDA out of memory."}, "notes": [], "phases": [], "fingerprint": {"device": "cuda"}}"#;
    sandbox.write("out-of-memory.json", out_of_memory);
    let script = format!(
        "#!/bin/sh\n\
         read -r nonce\n\
         root={root}\n\
         running=$root/running-$CUDA_VISIBLE_DEVICES\n\
         mkdir -p $running && touch $running/$$\n\
         echo \"start $CUDA_VISIBLE_DEVICES $(date +%s.%N)\" >> $root/gpus.log\n\
         crowded=no\n\
         if grep -q big \"$3\"; then\n\
           for _ in $(seq 30); do\n\
             [ \"$(ls $running | wc -l)\" -gt 1 ] && crowded=yes && break\n\
             sleep 0.1\n\
           done\n\
         else\n\
           sleep 0.3\n\
         fi\n\
         rm $running/$$\n\
         echo \"end $CUDA_VISIBLE_DEVICES $(date +%s.%N)\" >> $root/gpus.log\n\
         if [ $crowded = yes ]; then\n\
           sed \"s/NONCE/$nonce/\" $root/out-of-memory.json > \"$4\"\n\
         else\n\
           sed \"1s/^{{/{{\\\"nonce\\\": \\\"$nonce\\\", /\" {example} > \"$4\"\n\
         fi\n",
        root = sandbox.path().display(),
        example = example.display()
    );
    executable(sandbox, "crowded-python", &script)
}

#[test]
fn correctness_only_evaluations_share_a_gpu_and_one_short_of_memory_is_judged_again_alone() {
    let sandbox = Sandbox::new();
    let problem = fixture("problems/add_relu.py");
    let kernel = fixture("honest/add_relu.py");
    for name in ["1_big", "2_big", "3_small", "4_small"] {
        sandbox.write(&format!("problems/level1/{name}.py"), &problem);
        sandbox.write(&format!("kernels/level1/{name}.py"), &kernel);
    }
    let python = crowded_python(&sandbox);
    let run = suite_eval(
        &sandbox,
        "cuda",
        &[
            "--gpus",
            "0",
            "--python",
            &python,
            "--no-timing",
            "--json",
            "--out",
            "report",
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    // Every kernel is correct in the end: the big ones, out of memory beside each other, were
    // judged again alone, and their rows say why; the small ones were judged once.
    assert!(tasks.iter().all(|t| t["outcome"] == "correct"), "{json}");
    for task in tasks {
        let big = task["problem"].as_str().unwrap().contains("big");
        let why = task["judged_alone"].as_str();
        assert_eq!(why.is_some(), big, "{task}");
        if let Some(why) = why {
            assert!(
                why.contains("runtime_error") && why.contains("out of memory"),
                "{why}"
            );
        }
    }
    assert_eq!(json["timed"], false);
    let all = &json["figures"].as_array().unwrap().last().unwrap()["figures"];
    assert_eq!(
        all.as_array().unwrap().len(),
        1,
        "only fast_0 means anything: {all}"
    );
    assert_eq!(
        run.stderr.matches("judged again alone").count(),
        2,
        "{}",
        run.stderr
    );
    // Two at once on GPU 0 (the default under --no-timing), never three; the four judgings
    // of the suite and the two again.
    let log = std::fs::read_to_string(sandbox.path().join("gpus.log")).unwrap();
    let (mut running, mut most) = (0, 0);
    for line in log.lines() {
        running += if line.starts_with("start 0 ") { 1 } else { -1 };
        most = most.max(running);
    }
    assert_eq!(most, 2, "{log}");
    assert_eq!(log.matches("start 0 ").count(), 6, "{log}");
    let markdown = std::fs::read_to_string(sandbox.path().join("report/suite.md")).unwrap();
    assert!(markdown.contains("--no-timing"), "{markdown}");
    assert!(
        markdown.contains("## Judged again alone") && markdown.contains("level1/2_big.py: beside"),
        "{markdown}"
    );
}

#[test]
fn checks_per_gpu_needs_no_timing_and_gpus() {
    let sandbox = Sandbox::new();
    sandbox.write("problems/level1/1_a.py", &fixture("problems/add_relu.py"));
    sandbox.write("kernels/level1/1_a.py", &fixture("honest/add_relu.py"));
    let run = suite_eval(&sandbox, "cuda", &["--checks-per-gpu", "3"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--no-timing"), "{}", run.stderr);
    let run = suite_eval(
        &sandbox,
        "interpret",
        &["--no-timing", "--checks-per-gpu", "3"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--checks-per-gpu does not apply here")
            && run.stderr.contains("--jobs"),
        "{}",
        run.stderr
    );
}
