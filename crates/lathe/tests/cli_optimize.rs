//! `lathe optimize` and `lathe resume` end to end: the real binary, the real worker under
//! Triton's CPU interpreter, a real SQLite store, and models that are files (`replay:`) or a
//! script (`command:`), on the bundled CI example `examples/ci/add_relu/`.
//!
//! The run over the example must meet every kind of reply (no code, a compile error, a wrong
//! kernel, a cheating kernel, a slower and a faster kernel, then the analyst's diagnoses and the
//! repairs) and end with the faster kernel as `best.py`. A run killed with SIGKILL mid-stage
//! and resumed must end in the same state, with every model call made exactly once. Each
//! budget must stop a run.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, Sandbox, ci_example as example, ci_example_dir};

/// Held by each test that runs the worker: these tests keep a kernel only when the interpreter
/// times it faster, and on a two-core runner the others' interpreters running at the same time
/// made a real gain disappear into the timing's spread.
fn timing_alone() -> std::sync::MutexGuard<'static, ()> {
    static ALONE: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ALONE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `optimize` over the example on the interpreter, with `extra` flags, printing JSON events.
fn optimize_args(python: &Path, llm: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "optimize",
        "--problem",
        &example("problem.py"),
        "--kernel",
        &example("kernel.py"),
        "--category",
        "fusion",
        "--stages",
        "grid_and_parallel",
        "--samples",
        "6",
        "--device",
        "interpret",
        "--gpu",
        "H100",
        "--llm",
        llm,
        "--json",
        "--runs-dir",
        "runs",
        "--no-tune",
        "--python",
        &python.display().to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn run(sandbox: &Sandbox, args: &[String]) -> Run {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sandbox.run(&args)
}

fn events(run: &Run) -> Vec<serde_json::Value> {
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn finished(events: &[serde_json::Value]) -> &serde_json::Value {
    events
        .iter()
        .find(|e| e["event"] == "run_finished")
        .unwrap_or_else(|| panic!("no run_finished event: {events:?}"))
}

/// The run's attempts as `lathe export` writes them: (key, outcome) in the loop's order.
fn attempts(sandbox: &Sandbox) -> Vec<(String, String)> {
    let out = sandbox.run(&[
        "export",
        "latest",
        "--jsonl",
        "attempts.jsonl",
        "--runs-dir",
        "runs",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::read_to_string(sandbox.path().join("attempts.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let outcome = v["verdict_kind"]
                .as_str()
                .or(v["outcome"].as_str())
                .unwrap();
            (v["key"].as_str().unwrap().to_owned(), outcome.to_owned())
        })
        .collect()
}

/// The kernel below `best.py`'s comment header.
fn best_kernel(path: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip_while(|l| l.starts_with('#') || l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What every run over the example must come to, in the loop's order.
const EXPECTED: [(&str, &str); 12] = [
    ("stage:grid_and_parallel/s0", "no code"),
    ("stage:grid_and_parallel/s1", "compile_error"),
    ("stage:grid_and_parallel/s2", "wrong"),
    ("stage:grid_and_parallel/s3", "rejected"),
    ("stage:grid_and_parallel/s4", "correct"),
    ("stage:grid_and_parallel/s5", "correct"),
    ("stage:grid_and_parallel/s1/repair1/analyst", "diagnosis"),
    ("stage:grid_and_parallel/s1/repair1", "correct"),
    ("stage:grid_and_parallel/s2/repair1/analyst", "diagnosis"),
    ("stage:grid_and_parallel/s2/repair1", "correct"),
    ("stage:grid_and_parallel/s3/repair1/analyst", "diagnosis"),
    ("stage:grid_and_parallel/s3/repair1", "correct"),
];

fn expected() -> Vec<(String, String)> {
    EXPECTED
        .iter()
        .map(|(k, o)| ((*k).to_owned(), (*o).to_owned()))
        .collect()
}

/// A script model that serves the example's replies in order and logs each call, so that a
/// repeated call cannot go unseen.
fn script_model(sandbox: &Sandbox) -> String {
    for entry in std::fs::read_dir(ci_example_dir().join("replies")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        sandbox.write(
            &format!("replies/{name}"),
            &std::fs::read_to_string(&path).unwrap(),
        );
    }
    sandbox.write(
        "serve.sh",
        "cat >/dev/null\nn=$(( $(cat count 2>/dev/null || echo 0) + 1 ))\necho $n > count\necho $n >> calls.log\ncat \"$(printf 'replies/%03d.md' $n)\"\n",
    );
    // One call at a time, in key order: the script's counter decides the reply.
    sandbox.write("lathe.toml", "[llm]\nmax_concurrency = 1\n");
    "command:sh serve.sh".to_owned()
}

/// One test, so that the runs do not compete for the CPU while the interpreter times them.
#[test]
fn a_run_meets_every_reply_kind_ends_with_the_faster_kernel_and_resumes_after_sigkill() {
    const TEST: &str =
        "a_run_meets_every_reply_kind_ends_with_the_faster_kernel_and_resumes_after_sigkill";
    let _alone = timing_alone();
    let Some(python) = common::worker_python(TEST) else {
        return;
    };

    // The README's run: replay of the written replies.
    let sandbox = Sandbox::new();
    let llm = format!("replay:{}", example("replies"));
    let whole = run(&sandbox, &optimize_args(&python, &llm, &[]));
    assert_eq!(whole.code, 0, "{}\n{}", whole.stdout, whole.stderr);
    let events = events(&whole);
    let end = finished(&events);
    assert_eq!(end["status"], "finished", "{end}");
    assert_eq!(end["model_calls"], 12, "{end}");
    let best = end["best"].as_str().unwrap().to_owned();
    let faster = std::fs::read_to_string(ci_example_dir().join("replies/006.md")).unwrap();
    let kernel = best_kernel(&best);
    assert!(kernel.contains("BLOCK = 1024"), "{kernel}");
    assert!(
        faster.contains(&kernel),
        "best.py is reply 006's kernel, byte for byte"
    );
    assert!(
        std::fs::read_to_string(&best)
            .unwrap()
            .contains("CPU interpreter: not GPU performance"),
        "the header says what the time is"
    );
    let kept: Vec<&serde_json::Value> = events.iter().filter(|e| e["event"] == "kept").collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["key"], "stage:grid_and_parallel/s5");
    assert_eq!(kept[0]["interpreter"], true);
    assert_eq!(attempts(&sandbox), expected());
    let phases: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "judging" && e["key"] == "stage:grid_and_parallel/s5")
        .filter_map(|e| e["phase"].as_str())
        .collect();
    for phase in ["load", "integrity", "interpreter_timing"] {
        assert!(
            phases.contains(&phase),
            "the worker's phases as they came: {phases:?}"
        );
    }
    let dir = Path::new(&best).parent().unwrap();
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains(r#"id="speedup-plot""#));
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(md.contains("| `grid_and_parallel` | ran |"), "{md}");
    assert!(
        dir.join("attempts/006-grid_and_parallel-s5-kernel.py")
            .exists()
    );
    assert!(
        dir.join("attempts/007-grid_and_parallel-s1-repair1-analyst-reply.md")
            .exists()
    );

    // The same run with a script for a model, killed while it judges a candidate, resumed.
    let sandbox = Sandbox::new();
    let llm = script_model(&sandbox);
    let args = optimize_args(&python, &llm, &[]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(&args)
        .current_dir(sandbox.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sandbox.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let judging_s3 = |dir: &Path| {
        std::fs::read_dir(dir.join("runs"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|run| {
                run.path()
                    .join("attempts/004-grid_and_parallel-s3-kernel.py")
                    .exists()
            })
    };
    let started = Instant::now();
    while !judging_s3(sandbox.path()) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "the run never got to s3"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed = attempts(&sandbox);
    assert!(
        killed.len() >= 4 && killed.len() < 12,
        "killed mid-stage: {killed:?}"
    );
    let calls_before = std::fs::read_to_string(sandbox.path().join("calls.log")).unwrap();

    let resumed = sandbox.run(&[
        "resume",
        "latest",
        "--runs-dir",
        "runs",
        "--json",
        "--python",
        &python.display().to_string(),
    ]);
    assert_eq!(resumed.code, 0, "{}\n{}", resumed.stdout, resumed.stderr);
    let events = self::events(&resumed);
    let end = finished(&events);
    assert_eq!(end["status"], "finished", "{end}");
    let reused = events
        .iter()
        .filter(|e| e["event"] == "calling" && e["reused"] == true)
        .count();
    assert_eq!(
        reused,
        calls_before.lines().count(),
        "every committed reply taken from the store"
    );
    let calls = std::fs::read_to_string(sandbox.path().join("calls.log")).unwrap();
    let served: Vec<&str> = calls.lines().collect();
    let once: Vec<String> = (1..=12).map(|n| n.to_string()).collect();
    assert_eq!(served, once, "each reply asked for exactly once");
    assert_eq!(attempts(&sandbox), expected(), "the same final state");
    assert_eq!(best_kernel(end["best"].as_str().unwrap()), kernel);
}

/// A recording in which every reply has no code and costs 1,000 tokens in and 500 out.
fn costly_replies(sandbox: &Sandbox) -> String {
    let line = r#"{"reply": "I would rather describe the change than write it.", "usage": {"input_tokens": 1000, "output_tokens": 500}, "model": "priced-model"}"#;
    sandbox.write("replies.jsonl", &[line; 12].join("\n"));
    // $1 per million tokens each way: $0.0015 a call.
    sandbox.write("lathe.toml", "[llm.prices]\npriced-model = [1.0, 1.0]\n");
    format!("replay:{}", sandbox.path().join("replies.jsonl").display())
}

#[test]
fn each_budget_stops_a_run_with_the_best_kernel_kept() {
    const TEST: &str = "each_budget_stops_a_run_with_the_best_kernel_kept";
    let _alone = timing_alone();
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    // (flags, the budget, model calls made before it stopped the run)
    let cases: [(&[&str], &str, u64); 4] = [
        (&["--max-calls", "2"], "calls", 2),
        (&["--max-tokens", "3000"], "tokens", 2),
        (&["--max-cost", "0.004"], "cost", 3),
        (&["--time-limit", "1s"], "wall_time", 0),
    ];
    for (flags, budget, calls) in cases {
        let sandbox = Sandbox::new();
        let llm = costly_replies(&sandbox);
        let out = run(&sandbox, &optimize_args(&python, &llm, flags));
        assert_eq!(
            out.code, 0,
            "{budget}: the starting kernel is kept: {}",
            out.stderr
        );
        let events = events(&out);
        let end = finished(&events);
        assert_eq!(end["status"], "stopped", "{budget}: {end}");
        assert_eq!(end["detail"], budget, "{end}");
        assert_eq!(end["model_calls"], calls, "{budget}: {end}");
        assert!(
            events
                .iter()
                .any(|e| e["event"] == "budget_spent" && e["budget"] == budget),
            "{budget}"
        );
        let best = end["best"].as_str().unwrap();
        assert!(
            best_kernel(best).contains("BLOCK = 32"),
            "{budget}: the starting kernel"
        );
        let report = std::fs::read_to_string(Path::new(best).with_file_name("report.md")).unwrap();
        assert!(report.contains("stopped"), "{budget}: {report}");
    }
}

/// No model: the stages are the tuner's. The example's kernel comes back with, at most, its
/// block size changed, and no model call is made.
#[test]
fn without_a_model_the_stages_tune_the_starting_kernels_constants() {
    const TEST: &str = "without_a_model_the_stages_tune_the_starting_kernels_constants";
    let _alone = timing_alone();
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let sandbox = Sandbox::new();
    let mut args = optimize_args(&python, "unused", &["--tune-budget", "2"]);
    let llm_at = args.iter().position(|a| a == "--llm").unwrap();
    args.drain(llm_at..llm_at + 2);
    let out = run(&sandbox, &args);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("no model configured"), "{}", out.stderr);
    let events = events(&out);
    let end = finished(&events);
    assert_eq!(end["status"], "finished", "{end}");
    assert_eq!(end["model_calls"], 0, "{end}");
    let tried = attempts(&sandbox);
    assert!(!tried.is_empty() && tried.len() <= 2, "{tried:?}");
    assert!(
        tried
            .iter()
            .all(|(k, _)| k.starts_with("tune:grid_and_parallel/")),
        "{tried:?}"
    );
    let original = std::fs::read_to_string(ci_example_dir().join("kernel.py")).unwrap();
    let best = best_kernel(end["best"].as_str().unwrap());
    for (before, after) in original
        .lines()
        .zip(best.lines().skip_while(|l| l.is_empty()))
    {
        assert!(before == after || after.starts_with("BLOCK = "), "{after}");
    }
}

#[test]
fn without_a_model_or_a_kernel_optimize_says_in_two_lines_what_to_give() {
    let out = Sandbox::new().run(&[
        "optimize",
        "--problem",
        &example("problem.py"),
        "--category",
        "fusion",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 2, "{}", out.stderr);
    assert!(out.stderr.contains("--llm"), "{}", out.stderr);
    assert!(out.stderr.contains("--kernel"), "{}", out.stderr);
}

#[test]
fn a_problem_outside_a_level_directory_needs_a_category() {
    let out = Sandbox::new().run(&[
        "optimize",
        "--problem",
        &example("problem.py"),
        "--llm",
        "replay:nowhere.jsonl",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stderr.contains("--category"), "{}", out.stderr);
}

#[test]
fn an_unknown_stage_is_refused_before_anything_runs() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&[
        "optimize",
        "--problem",
        &example("problem.py"),
        "--category",
        "fusion",
        "--stages",
        "grid_and_paralel",
        "--llm",
        "replay:nowhere.jsonl",
        "--runs-dir",
        "runs",
    ]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("grid_and_parallel"),
        "did you mean: {}",
        out.stderr
    );
    assert!(!sandbox.path().join("runs").exists(), "no run was recorded");
}

/// Numbered replies in the sandbox, `replies/001.md`... in order.
fn numbered_replies(sandbox: &Sandbox, replies: &[&str]) -> String {
    for (n, text) in replies.iter().enumerate() {
        sandbox.write(&format!("replies/{:03}.md", n + 1), text);
    }
    "replay:replies".to_owned()
}

fn reply_file(name: &str) -> String {
    std::fs::read_to_string(ci_example_dir().join("replies").join(name)).unwrap()
}

/// Without a starting kernel the model writes one: the correct one of two first kernels is
/// kept, and a stage whose model calls fail (no replies left) leaves it the best.
#[test]
fn without_a_starting_kernel_the_first_correct_kernel_is_kept_and_failed_calls_are_outcomes() {
    const TEST: &str =
        "without_a_starting_kernel_the_first_correct_kernel_is_kept_and_failed_calls_are_outcomes";
    let _alone = timing_alone();
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let sandbox = Sandbox::new();
    // A compile error, then the slower correct kernel (BLOCK 4).
    let llm = numbered_replies(&sandbox, &[&reply_file("002.md"), &reply_file("005.md")]);
    let mut args = optimize_args(&python, &llm, &["--samples", "2", "--repair-rounds", "0"]);
    let kernel_at = args.iter().position(|a| a == "--kernel").unwrap();
    args.drain(kernel_at..kernel_at + 2);
    let samples_at = args.iter().position(|a| a == "6").unwrap();
    args.drain(samples_at - 1..=samples_at);
    let out = run(&sandbox, &args);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let end = finished(&events(&out)).clone();
    assert_eq!(end["status"], "finished", "{end}");
    assert!(best_kernel(end["best"].as_str().unwrap()).contains("BLOCK = 4"));
    let outcomes = attempts(&sandbox);
    let expected: Vec<(String, String)> = [
        ("seed/s0", "compile_error"),
        ("seed/s1", "correct"),
        ("stage:grid_and_parallel/s0", "call failed"),
        ("stage:grid_and_parallel/s1", "call failed"),
    ]
    .iter()
    .map(|(k, o)| ((*k).to_owned(), (*o).to_owned()))
    .collect();
    assert_eq!(outcomes, expected);
}

/// A starting kernel that is not correct is repaired (analyst, then fix) before any stage.
#[test]
fn a_broken_starting_kernel_is_repaired_before_the_stages() {
    const TEST: &str = "a_broken_starting_kernel_is_repaired_before_the_stages";
    let _alone = timing_alone();
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let sandbox = Sandbox::new();
    // The wrong kernel of reply 003 as the starting kernel; the analyst's diagnosis and the fix
    // written for it; then the faster kernel for the stage.
    let wrong = lathe_llm::extract_code(&reply_file("003.md")).unwrap().code;
    let start = sandbox.write("start.py", &wrong);
    let llm = numbered_replies(
        &sandbox,
        &[
            &reply_file("009.md"),
            &reply_file("010.md"),
            &reply_file("006.md"),
        ],
    );
    let mut args = optimize_args(&python, &llm, &["--samples", "1"]);
    let kernel_at = args.iter().position(|a| a == "--kernel").unwrap();
    args[kernel_at + 1] = start.display().to_string();
    let samples_at = args.iter().position(|a| a == "6").unwrap();
    args.drain(samples_at - 1..=samples_at);
    let out = run(&sandbox, &args);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let events = events(&out);
    assert_eq!(
        events
            .iter()
            .find(|e| e["event"] == "start_judged")
            .unwrap()["verdict"],
        "wrong"
    );
    let end = finished(&events);
    assert_eq!(end["status"], "finished", "{end}");
    assert!(best_kernel(end["best"].as_str().unwrap()).contains("BLOCK = 1024"));
    let expected: Vec<(String, String)> = [
        ("start/repair1/analyst", "diagnosis"),
        ("start/repair1", "correct"),
        ("stage:grid_and_parallel/s0", "correct"),
    ]
    .iter()
    .map(|(k, o)| ((*k).to_owned(), (*o).to_owned()))
    .collect();
    assert_eq!(attempts(&sandbox), expected);
    let kept: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "kept")
        .filter_map(|e| e["key"].as_str())
        .collect();
    assert_eq!(kept, ["start/repair1", "stage:grid_and_parallel/s0"]);
}

/// With a model, a stage that made a new best is followed by a tuner pass over its constants;
/// the tuner's variants are attempts of stage `tune` and are not model calls.
#[test]
fn a_stage_that_made_a_new_best_is_followed_by_a_tuner_pass() {
    const TEST: &str = "a_stage_that_made_a_new_best_is_followed_by_a_tuner_pass";
    let _alone = timing_alone();
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let sandbox = Sandbox::new();
    let llm = numbered_replies(&sandbox, &[&reply_file("006.md")]);
    let mut args = optimize_args(&python, &llm, &["--samples", "1", "--tune-budget", "1"]);
    let samples_at = args.iter().position(|a| a == "6").unwrap();
    args.drain(samples_at - 1..=samples_at);
    args.retain(|a| a != "--no-tune");
    let out = run(&sandbox, &args);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let end = finished(&events(&out)).clone();
    assert_eq!(end["model_calls"], 1, "{end}");
    let tried = attempts(&sandbox);
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert_eq!(
        tried[0],
        (
            "stage:grid_and_parallel/s0".to_owned(),
            "correct".to_owned()
        )
    );
    assert!(
        tried[1].0.starts_with("tune:grid_and_parallel/"),
        "{tried:?}"
    );
}
