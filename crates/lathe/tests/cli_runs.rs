//! `lathe runs`, `lathe report` and `lathe export` against a run database written through
//! lathe-store's own API, as `lathe optimize` will write it.

mod common;

use std::path::{Path, PathBuf};

use common::{Sandbox, ci_example};
use lathe_core::{Backend, Category};
use lathe_store::{
    Budget, CallOutcome, Evaluation, Extraction, ModelCall, NewAttempt, NewRun, RunId, RunStatus,
    Store, Task, Timestamp, TokenUsage,
};
use serde_json::{Value, json};

/// Finished, with a kept correct attempt timed on a GPU (2.00 / 0.83 = 2.41x eager).
const FINISHED: &str = "r20261121-160733-3f9a";
/// Started a day later; stopped by its call budget before anything was correct.
const STOPPED: &str = "r20261122-090000-b00d";
/// 2026-11-21T16:07:33.123Z.
const NOV_21: i64 = 1_795_277_253_123;

const KEPT_CODE: &str = "import torch\nimport triton\n\n\nclass ModelNew(torch.nn.Module):\n    \"\"\"the kept kernel\"\"\"\n";

fn correct(candidate: f64, eager: f64) -> Evaluation {
    let stats = |median: f64| {
        json!({"median_ms": median, "iqr_ms": median / 100.0, "min_ms": median * 0.98,
               "mean_ms": median, "runs": 200})
    };
    let verdict = json!({
        "kind": "correct",
        "trials": [{"trial": 0, "seed": 42, "outputs": [{"output": 0, "max_abs": 0.0}]}],
        "timing": {
            "candidate": stats(candidate),
            "eager": stats(eager),
            "compile": {"error": "torch.compile not available"},
            "speedup_vs_eager": eager / candidate,
        },
    });
    Evaluation {
        verdict: serde_json::from_value(verdict).expect("a verdict in the worker's shape"),
        eval_seconds: 20.0,
        interpreter_ms: None,
    }
}

fn wrong() -> Evaluation {
    let verdict = json!({"kind": "wrong", "reason": "values", "phase": "correctness",
        "trials": [{"trial": 1, "seed": 7, "outputs": [{"output": 0, "max_abs": 2.5, "max_rel": 1.0}]}]});
    Evaluation {
        verdict: serde_json::from_value(verdict).expect("a verdict in the worker's shape"),
        eval_seconds: 20.0,
        interpreter_ms: None,
    }
}

fn new_run(id: &str, day: i64) -> NewRun {
    let id: RunId = id.parse().expect("a run id");
    NewRun {
        created_at: Timestamp::from_unix_ms(NOV_21 + day * 86_400_000),
        problem_path: PathBuf::from("KernelBench/level1/19_ReLU.py"),
        problem_sha256: "ab".repeat(32),
        category: Category::Single,
        backend: Backend::Triton,
        gpu: "H100 SXM".to_owned(),
        llm_spec: "openai:gpt-4.1".to_owned(),
        settings: json!({}),
        out_dir: PathBuf::from(format!("lathe-runs/{id}")),
        tasks: vec![Task {
            task_id: "main".to_owned(),
            problem_path: PathBuf::from("KernelBench/level1/19_ReLU.py"),
            starting_kernel: None,
        }],
        fingerprint: None,
        id,
    }
}

/// One attempt at `key`: a reply holding `code`, judged `evaluation`; kept when `keep`.
fn attempt(store: &Store, run: &RunId, key: &str, code: &str, evaluation: &Evaluation, keep: bool) {
    let key: lathe_core::AttemptKey = key.parse().expect("an attempt key");
    let new = NewAttempt {
        stage: key.loop_stage().to_owned(),
        prompt: format!("the prompt of {key}"),
        key,
        round: 0,
        sample: 0,
        parent: None,
    };
    let id = store.begin_attempt(run, &new).expect("begin");
    let call = ModelCall {
        outcome: CallOutcome::Replied {
            text: format!("```python\n{code}```\n"),
        },
        reasoning: None,
        usage: TokenUsage {
            input_tokens: 1000,
            output_tokens: 500,
            reasoning_tokens: 0,
        },
        cost_usd: Some(0.01),
        seconds: 3.0,
    };
    store.record_reply(id, &call).expect("reply");
    let extraction = Extraction::Code {
        source: code.to_owned(),
        findings: json!([]),
    };
    store.record_code(id, &extraction).expect("code");
    store.record_verdict(id, evaluation).expect("verdict");
    if keep {
        store.mark_kept(id).expect("keep");
    }
}

/// The two runs, in `database`.
fn record_runs(database: &Path) {
    let store = Store::open(database).expect("open the store");
    let finished = new_run(FINISHED, 0);
    store.create_run(&finished).expect("create");
    attempt(
        &store,
        &finished.id,
        "seed/s0",
        KEPT_CODE,
        &correct(0.83, 2.00),
        true,
    );
    attempt(
        &store,
        &finished.id,
        "stage:block_tiling/s0",
        "import torch\n",
        &wrong(),
        false,
    );
    store
        .set_status(&finished.id, &RunStatus::Finished)
        .expect("status");

    let stopped = new_run(STOPPED, 1);
    store.create_run(&stopped).expect("create");
    attempt(
        &store,
        &stopped.id,
        "seed/s0",
        "import torch\n",
        &wrong(),
        false,
    );
    store
        .set_status(
            &stopped.id,
            &RunStatus::Stopped {
                budget: Budget::Calls,
            },
        )
        .expect("status");
}

fn with_runs() -> Sandbox {
    let sandbox = Sandbox::new();
    record_runs(&sandbox.path().join("lathe-runs/lathe.db"));
    sandbox
}

fn ok(sandbox: &Sandbox, args: &[&str]) -> String {
    let run = sandbox.run(args);
    assert_eq!(
        run.code, 0,
        "{args:?}\nstdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run.stdout
}

fn row<'a>(listing: &'a str, id: &str) -> &'a str {
    listing
        .lines()
        .find(|l| l.starts_with(id))
        .unwrap_or_else(|| panic!("no row for {id}:\n{listing}"))
}

#[test]
fn runs_lists_newest_first_with_status_and_best() {
    let sandbox = with_runs();
    let out = ok(&sandbox, &["runs"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("ID") && lines[0].contains("BEST"),
        "{out}"
    );
    assert!(lines[1].starts_with(STOPPED), "newest first:\n{out}");
    assert!(lines[2].starts_with(FINISHED), "{out}");
    let stopped = row(&out, STOPPED);
    assert!(stopped.contains("stopped: calls"), "{stopped}");
    assert!(stopped.contains("2026-11-22 16:07:33"), "{stopped}");
    assert!(stopped.trim_end().ends_with(" -"), "no best: {stopped}");
    let finished = row(&out, FINISHED);
    assert!(finished.contains("finished"), "{finished}");
    assert!(
        finished.contains("KernelBench/level1/19_ReLU.py"),
        "{finished}"
    );
    assert!(finished.trim_end().ends_with("2.41x"), "{finished}");
    let counts: Vec<&str> = finished.split_whitespace().rev().skip(1).take(2).collect();
    assert_eq!(counts, ["1", "2"], "correct, then attempts: {finished}");
}

#[test]
fn runs_json_parses() {
    let sandbox = with_runs();
    let runs: Vec<Value> = serde_json::from_str(&ok(&sandbox, &["runs", "--json"])).unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["id"], STOPPED);
    assert_eq!(runs[0]["status"], "stopped");
    assert_eq!(runs[0]["status_detail"], "calls");
    assert_eq!(runs[0]["best"], Value::Null);
    assert_eq!(runs[1]["id"], FINISHED);
    assert_eq!(
        (runs[1]["attempts"].clone(), runs[1]["correct"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(runs[1]["best"]["candidate_ms"], 0.83);
}

#[test]
fn no_database_means_no_runs_and_none_is_made() {
    let sandbox = Sandbox::new();
    let out = ok(&sandbox, &["runs"]);
    assert!(
        out.starts_with("no runs yet in lathe-runs/lathe.db"),
        "{out}"
    );
    assert!(
        !sandbox.path().join("lathe-runs").exists(),
        "runs made a database"
    );
    assert_eq!(ok(&sandbox, &["runs", "--json"]), "[]\n");
    let run = sandbox.run(&["report", "latest"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("no runs yet"), "{}", run.stderr);
    assert!(
        !sandbox.path().join("lathe-runs").exists(),
        "report made a database"
    );
}

#[test]
fn report_writes_markdown_html_and_the_best_kernel() {
    let sandbox = with_runs();
    let out = ok(&sandbox, &["report", FINISHED, "--html"]);
    let dir = format!("lathe-runs/{FINISHED}");
    assert_eq!(
        out,
        format!("{dir}/report.md\n{dir}/report.html\n{dir}/best.py\n")
    );
    let read = |name: &str| std::fs::read_to_string(sandbox.path().join(&dir).join(name)).unwrap();
    assert!(read("report.md").contains(FINISHED));
    assert!(read("report.html").contains(r#"id="speedup-plot""#));
    let best = read("best.py");
    let (header, code) = best
        .split_once("\n\n")
        .expect("a header, a blank line, the code");
    assert!(header.lines().all(|l| l.starts_with('#')), "{header}");
    assert_eq!(code, KEPT_CODE);
}

#[test]
fn report_without_a_best_writes_no_best_py_and_goes_where_told() {
    let sandbox = with_runs();
    let out = ok(&sandbox, &["report", "latest", "--out", "elsewhere"]);
    assert_eq!(out, "elsewhere/report.md\n");
    assert!(sandbox.path().join("elsewhere/report.md").is_file());
    assert!(!sandbox.path().join("elsewhere/best.py").exists());
    assert!(!sandbox.path().join("elsewhere/report.html").exists());
}

#[test]
fn a_unique_prefix_names_a_run_and_an_ambiguous_one_is_refused() {
    let sandbox = with_runs();
    let out = ok(&sandbox, &["report", "r20261121"]);
    assert!(
        out.starts_with(&format!("lathe-runs/{FINISHED}/report.md")),
        "{out}"
    );
    let run = sandbox.run(&["report", "r202611"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(FINISHED) && run.stderr.contains(STOPPED),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_run_exits_3_with_did_you_mean() {
    let sandbox = with_runs();
    let run = sandbox.run(&["report", "r20261121-160733-3f9b"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .starts_with("error: no run `r20261121-160733-3f9b` in lathe-runs/lathe.db\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("did you mean `{FINISHED}`?")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: `lathe runs`"), "{}", run.stderr);
    let run = sandbox.run(&["export", "nothing-like-it", "--jsonl", "x.jsonl"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(!sandbox.path().join("x.jsonl").exists());
}

#[test]
fn export_writes_one_json_line_per_attempt() {
    let sandbox = with_runs();
    let out = ok(&sandbox, &["export", FINISHED, "--jsonl", "out.jsonl"]);
    assert_eq!(out, format!("2 lines ({FINISHED}) written to out.jsonl\n"));
    let text = std::fs::read_to_string(sandbox.path().join("out.jsonl")).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["key"], "seed/s0");
    assert_eq!(lines[0]["kept"], true);
    assert_eq!(lines[0]["code"], KEPT_CODE);
    assert_eq!(lines[1]["verdict_kind"], "wrong");
}

#[test]
fn runs_dir_comes_from_the_flag_and_the_environment() {
    let sandbox = Sandbox::new();
    record_runs(&sandbox.path().join("other/lathe.db"));
    assert!(ok(&sandbox, &["runs"]).starts_with("no runs yet"));
    assert!(row(&ok(&sandbox, &["runs", "--runs-dir", "other"]), FINISHED).contains("2.41x"));
    let out = ok(
        &sandbox,
        &[
            "export",
            "latest",
            "--runs-dir",
            "other",
            "--jsonl",
            "o.jsonl",
        ],
    );
    assert!(out.starts_with(&format!("1 line ({STOPPED})")), "{out}");

    let sandbox = Sandbox::new().env("LATHE_RUNS_DIR", "from-env");
    record_runs(&sandbox.path().join("from-env/lathe.db"));
    row(&ok(&sandbox, &["runs"]), STOPPED);
    let config = ok(&sandbox, &["config"]);
    let line = row(&config, "runs_dir");
    assert!(
        line.contains("from-env") && line.contains("LATHE_RUNS_DIR"),
        "{line}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_bad_input_named() {
    let sandbox = Sandbox::new();
    sandbox.write("lathe-runs/lathe.db", "these are my notes\n");
    let run = sandbox.run(&["runs"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: cannot open lathe-runs/lathe.db: it is not a SQLite database\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: move the file aside"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("lathe-runs/lathe.db")).unwrap(),
        "these are my notes\n"
    );
}

/// The ids `lathe runs --json` lists, newest first.
fn run_ids(sandbox: &Sandbox) -> Vec<String> {
    let runs: Vec<Value> = serde_json::from_str(&ok(sandbox, &["runs", "--json"])).unwrap();
    runs.iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `lathe optimize` over the CI example on the CPU interpreter, with `extra` flags.
fn optimize_example(sandbox: &Sandbox, extra: &[&str]) -> common::Run {
    let problem = ci_example("problem.py");
    let kernel = ci_example("kernel.py");
    let mut args = vec![
        "optimize",
        "--problem",
        &problem,
        "--kernel",
        &kernel,
        "--category",
        "fusion",
        "--device",
        "interpret",
    ];
    args.extend_from_slice(extra);
    sandbox.run(&args)
}

#[test]
fn a_set_up_that_fails_records_no_run() {
    let sandbox = with_runs();
    let before = run_ids(&sandbox);
    assert_eq!(before, [STOPPED, FINISHED]);

    let no_python = optimize_example(
        &sandbox,
        &["--gpu", "H100", "--python", "/nonexistent/bin/python3"],
    );
    assert_eq!(no_python.code, 5, "{}", no_python.stderr);
    assert!(
        no_python.stderr.contains("/nonexistent/bin/python3")
            && no_python.stderr.contains("--python .venv/bin/python"),
        "the error names the interpreter and how to get one:\n{}",
        no_python.stderr
    );
    assert!(
        !no_python.stderr.contains("ProcessSpec") && !no_python.stderr.contains("starting run"),
        "{}",
        no_python.stderr
    );
    assert_eq!(run_ids(&sandbox), before, "no run for a missing Python");

    let no_key = optimize_example(&sandbox, &["--gpu", "H100", "--llm", "openai:gpt-4.1"]);
    assert_ne!(no_key.code, 0, "{}", no_key.stderr);
    assert!(
        no_key.stderr.contains("OPENAI_API_KEY"),
        "{}",
        no_key.stderr
    );
    assert_eq!(
        run_ids(&sandbox),
        before,
        "no run for a model without a key"
    );

    // The worker runs, but the CPU interpreter has no GPU and none is named for the prompts.
    if let Some(python) = common::worker_python("a_set_up_that_fails_records_no_run (no --gpu)") {
        let no_gpu = optimize_example(&sandbox, &["--python", python.to_str().unwrap()]);
        assert_eq!(no_gpu.code, 3, "{}", no_gpu.stderr);
        assert!(no_gpu.stderr.contains("--gpu"), "{}", no_gpu.stderr);
        assert_eq!(run_ids(&sandbox), before, "no run without a target GPU");
    }
    let listing = ok(&sandbox, &["runs"]);
    assert_eq!(
        listing.lines().count(),
        3,
        "a header and two runs:\n{listing}"
    );
}

#[test]
fn a_failed_set_up_in_a_fresh_directory_leaves_no_runs_directory() {
    let sandbox = Sandbox::new();
    let run = optimize_example(
        &sandbox,
        &["--gpu", "H100", "--python", "/nonexistent/python"],
    );
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(!sandbox.path().join("lathe-runs").exists());
    assert!(ok(&sandbox, &["runs"]).starts_with("no runs yet"));
}

#[test]
fn a_runs_directory_lathe_makes_is_ignored_by_git_and_one_it_finds_is_left_alone() {
    // `with_runs` opens the store, which makes `lathe-runs/`.
    let sandbox = with_runs();
    let ignore = std::fs::read_to_string(sandbox.path().join("lathe-runs/.gitignore")).unwrap();
    assert_eq!(ignore.lines().last(), Some("*"), "{ignore}");

    let own = Sandbox::new();
    std::fs::create_dir(own.path().join("records")).unwrap();
    record_runs(&own.path().join("records/lathe.db"));
    assert!(!own.path().join("records/.gitignore").exists());
}

#[test]
fn a_long_failure_is_cut_in_the_table_and_whole_in_json() {
    let sandbox = Sandbox::new();
    let database = sandbox.path().join("lathe-runs/lathe.db");
    let store = Store::open(&database).unwrap();
    let run = new_run(FINISHED, 0);
    store.create_run(&run).unwrap();
    let message = format!("the worker could not run: {}", "a long reason ".repeat(25));
    store
        .set_status(
            &run.id,
            &RunStatus::Failed {
                message: message.clone(),
            },
        )
        .unwrap();
    let listing = ok(&sandbox, &["runs"]);
    let cell = row(&listing, FINISHED);
    assert!(cell.contains("failed: the worker could not run"), "{cell}");
    assert!(
        cell.chars().count() < 160,
        "{} chars: {cell}",
        cell.chars().count()
    );
    let runs: Vec<Value> = serde_json::from_str(&ok(&sandbox, &["runs", "--json"])).unwrap();
    assert_eq!(runs[0]["status_detail"], message.as_str());
}
