//! `lathe suite run` end to end on Triton's CPU interpreter: the loop over every problem of a
//! folder (examples/ci/suite, and two of KernelBench's own files where ../shared/kernelbench is
//! beside the checkout), two problems at a time on a pool of two logical devices, with the real
//! worker. A run killed with SIGKILL mid-suite and resumed repeats no committed model call and
//! ends with every problem judged; the same suite replayed from its recorded replies gives the
//! same table; no two judgings ever held one device at once.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;
use lathe_store::{AttemptRecord, Store, Timestamp};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// The suite's problems under `problems/`, the stand-in model as `model.py`; the number of
/// problems.
fn suite(sandbox: &Sandbox) -> usize {
    let example = repo().join("examples/ci/suite");
    copy_tree(&example.join("problems"), &sandbox.path().join("problems"));
    std::fs::copy(example.join("model.py"), sandbox.path().join("model.py")).unwrap();
    let mut count = 6;
    // KernelBench's files as a user has them (skipped where they are not beside the checkout):
    // their batch_size and dim are shrunk by the suite's --set like the others'.
    let kernelbench = repo().join("../shared/kernelbench/level1");
    for name in ["21_Sigmoid.py", "22_Tanh.py"] {
        if kernelbench.join(name).is_file() {
            let to = sandbox.path().join("problems/level1").join(name);
            std::fs::copy(kernelbench.join(name), to).unwrap();
            count += 1;
        }
    }
    count
}

fn args(python: &Path, llm: &str, runs: &str, out: &str) -> Vec<String> {
    let python = python.display().to_string();
    [
        "suite",
        "run",
        "problems",
        "--llm",
        llm,
        "--device",
        "interpret",
        "--gpu",
        "H100",
        "--python",
        &python,
        "--set",
        "batch_size=2",
        "--set",
        "dim=256",
        "--max-calls",
        "2",
        "--samples",
        "1",
        "--no-tune",
        "--jobs",
        "2",
        "--runs-dir",
        runs,
        "--out",
        out,
        "--json",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Each problem's outcome, from the suite's `suite.json`.
fn table(sandbox: &Sandbox, out: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(sandbox.path().join(out).join("suite.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["problem"].as_str().unwrap().to_owned(),
                t["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn attempts(sandbox: &Sandbox, runs: &str) -> Vec<AttemptRecord> {
    let store = Store::open(sandbox.path().join(runs).join("lathe.db")).unwrap();
    let run = store.resolve_run(&latest(&store)).unwrap();
    store.attempts(&run).unwrap()
}

fn latest(store: &Store) -> String {
    store.runs().unwrap()[0].run.id.to_string()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.lines().count())
}

#[test]
fn a_suite_killed_mid_way_resumes_without_a_repeated_call_and_replays_to_the_same_table() {
    const TEST: &str =
        "a_suite_killed_mid_way_resumes_without_a_repeated_call_and_replays_to_the_same_table";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let sandbox = Sandbox::new();
    let problems = suite(&sandbox);
    let model = format!("command:{} model.py --log calls.log", python.display());

    // The suite with a script for a model, killed once some of its calls are made.
    let mut child = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(args(&python, &model, "runs", "out"))
        .current_dir(sandbox.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", sandbox.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let log = sandbox.path().join("calls.log");
    let started = Instant::now();
    while lines(&log) < 5 {
        assert!(child.try_wait().unwrap().is_none(), "the suite ended first");
        assert!(started.elapsed() < Duration::from_secs(300), "no calls");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed = attempts(&sandbox, "runs");
    let committed = killed.iter().filter(|a| a.call.is_some()).count();
    // A task that ended before the kill is read back, not run again: the calls a resume takes
    // from the store are those of the tasks still under way.
    let ended: Vec<String> = {
        let store = Store::open(sandbox.path().join("runs/lathe.db")).unwrap();
        let run = store.resolve_run(&latest(&store)).unwrap();
        store
            .task_ends(&run)
            .unwrap()
            .into_iter()
            .filter(|e| e.status.as_ref().is_some_and(|s| s.is_ended()))
            .map(|e| e.task_id)
            .collect()
    };
    let under_way = killed
        .iter()
        .filter(|a| a.call.is_some() && !ended.contains(&a.task))
        .count();
    let in_flight = killed.len() - committed;
    assert!(committed >= 4, "{committed} calls committed when killed");
    assert!(
        committed < 2 * problems,
        "killed mid-suite: {committed} calls"
    );

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
    let reused = resumed
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "calling" && e["reused"] == true)
        .count();
    assert_eq!(
        reused, under_way,
        "every committed reply taken from the store"
    );
    let after = attempts(&sandbox, "runs");
    let calls = after.iter().filter(|a| a.call.is_some()).count();
    // The script logs a call as it starts: one killed before its reply was committed is made
    // again (it was never received), and nothing else is.
    let served = lines(&log);
    assert!(
        (calls..=calls + in_flight).contains(&served),
        "{served} calls served for {calls} committed ({in_flight} in flight at the kill)"
    );
    let first = table(&sandbox, "out");
    assert_eq!(first.len(), problems, "{first:?}");
    assert!(
        first.iter().all(|(_, outcome)| outcome == "correct"),
        "{first:?}"
    );
    let end: serde_json::Value = resumed
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|e: &serde_json::Value| e["event"] == "suite_finished")
        .expect("the suite's end");
    assert_eq!(end["status"], "finished", "{end}");
    assert_eq!(end["correct"], problems, "{end}");
    let all = end["figures"].as_array().unwrap().last().unwrap();
    assert_eq!(all["group"], "all");
    assert_eq!(all["figures"][0]["fast_p"][0][1], 1.0, "fast_0: {all}");
    let page = std::fs::read_to_string(sandbox.path().join("out/suite.html")).unwrap();
    assert!(
        page.contains(r#"<a href="tasks/level1/1_relu/report.html">"#),
        "each problem links its own report"
    );
    assert!(
        sandbox
            .path()
            .join("out/tasks/level2/1_add_relu/best.py")
            .is_file()
    );

    // The same suite replayed from the recorded replies, to the same table.
    let exported = sandbox.run(&[
        "export",
        "latest",
        "--jsonl",
        "replies.jsonl",
        "--runs-dir",
        "runs",
    ]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let replayed = sandbox.run(
        &args(&python, "replay:replies.jsonl", "runs", "out2")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(replayed.code, 0, "{}\n{}", replayed.stdout, replayed.stderr);
    assert_eq!(table(&sandbox, "out2"), first);

    // Each device slot judged one candidate at a time, and both were used.
    let mut held: Vec<(String, Timestamp, Timestamp)> = attempts(&sandbox, "runs")
        .into_iter()
        .filter_map(|a| {
            let on = a.judged_on?;
            Some((on.slot, on.started_at, a.finished_at?))
        })
        .collect();
    held.sort();
    for pair in held.windows(2) {
        if pair[0].0 == pair[1].0 {
            assert!(
                pair[0].2 <= pair[1].1,
                "two judgings on {} at once: {pair:?}",
                pair[0].0
            );
        }
    }
    let slots: std::collections::BTreeSet<&str> = held.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(slots, ["cpu0", "cpu1"].into(), "{held:?}");

    // The two runs side by side: the same outcome for every problem.
    let first_run = end["run"].as_str().unwrap();
    let compared = sandbox.run(&[
        "suite",
        "compare",
        first_run,
        "latest",
        "--runs-dir",
        "runs",
        "--json",
    ]);
    assert_eq!(compared.code, 0, "{}", compared.stderr);
    let json: serde_json::Value = serde_json::from_str(&compared.stdout).unwrap();
    let rows = json["tasks"].as_array().unwrap();
    assert_eq!(rows.len(), problems);
    for row in rows {
        assert_eq!(row["outcomes"][0], row["outcomes"][1], "{row}");
    }
    let listed = sandbox.run(&["runs", "--runs-dir", "runs"]);
    assert!(
        listed.stdout.contains(&format!("({problems} problems)")),
        "{}",
        listed.stdout
    );

    // `lathe report` of a suite rebuilds its tables and each problem's report.
    std::fs::remove_file(sandbox.path().join("out/suite.md")).unwrap();
    let rebuilt = sandbox.run(&["report", first_run, "--runs-dir", "runs"]);
    assert_eq!(rebuilt.code, 0, "{}", rebuilt.stderr);
    assert!(
        rebuilt.stdout.contains("tasks/level1/1_relu/report.md"),
        "{}",
        rebuilt.stdout
    );
    let md = std::fs::read_to_string(sandbox.path().join("out/suite.md")).unwrap();
    assert!(md.contains("## Spend"), "{md}");
    let single = sandbox.run(&["suite", "compare", first_run, "nope", "--runs-dir", "runs"]);
    assert_eq!(
        single.code, 3,
        "an unknown run is bad input: {}",
        single.stderr
    );
}

#[test]
fn a_problem_without_a_level_or_category_is_bad_input_and_nothing_is_recorded() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "problems/level1/1_relu.py",
        &std::fs::read_to_string(repo().join("examples/ci/suite/problems/level1/1_relu.py"))
            .unwrap(),
    );
    sandbox.write("problems/extra/relu.py", "class Model: pass\n");
    let run = sandbox.run(&[
        "suite",
        "run",
        "problems",
        "--llm",
        "replay:none.jsonl",
        "--runs-dir",
        "runs",
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("extra/relu.py"), "{}", run.stderr);
    assert!(
        !sandbox.path().join("runs/lathe.db").exists(),
        "no run recorded"
    );
    let run = sandbox.run(&["suite", "run", "problems", "--runs-dir", "runs"]);
    assert_ne!(run.code, 0, "no model: {}", run.stderr);
    assert!(
        !sandbox.path().join("runs/lathe.db").exists(),
        "no run recorded"
    );
}
