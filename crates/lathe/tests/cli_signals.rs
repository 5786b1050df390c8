//! A signal to lathe reaches the processes it started: `lathe ask` with a `command:` model
//! that is a shell script still running (with a `sleep` child of its own) gets SIGTERM or
//! SIGINT, and once lathe has exited no process of the model's process group is left. The same
//! for a run of `lathe optimize` stopped during its first model call, and during the worker's
//! judging of its starting kernel: no process of the run is left, and the run is left
//! resumable (`running`).
//!
//! The model runs in a process group of its own, so neither signal would reach it if lathe did
//! not forward it (issue 14: the child was left running as an orphan).

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::{Sandbox, ci_example};
use rustix::process::{Pid, Signal, kill_process};

/// A model that writes its pid, starts a long `sleep` and waits for it; with `trap`, it and the
/// `sleep` ignore SIGTERM and SIGINT, so only the SIGKILL after the grace ends them.
fn model(trap: bool) -> String {
    let trap = if trap { "trap '' TERM INT\n" } else { "" };
    format!("{trap}echo $$ > model.pid\nsleep 300 &\nwait\nwait\n")
}

/// `lathe ask` with the script model, started and left running.
fn ask(sandbox: &Sandbox) -> Child {
    sandbox.write("prompt.txt", "Make the kernel faster.\n");
    sandbox
        .command(&[
            "ask",
            "--llm",
            "command:sh model.sh",
            "--prompt",
            "prompt.txt",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The pid in `file`, once the model has written it.
fn pid_in(file: &Path) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = fs::read_to_string(file)
            && let Ok(pid) = text.trim().parse()
        {
            return pid;
        }
        assert!(
            Instant::now() < deadline,
            "{} never written",
            file.display()
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// The state letter and process group of `pid`, from `/proc/<pid>/stat`.
fn stat(pid: i32) -> Option<(char, i32)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = text.rsplit_once(')')?;
    let mut fields = rest.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    let _parent = fields.next()?;
    Some((state, fields.next()?.parse().ok()?))
}

/// Every living (not zombie) process whose process group is `group`.
fn living_members(group: i32) -> Vec<i32> {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| matches!(stat(pid), Some((state, g)) if g == group && state != 'Z'))
        .collect()
}

/// Waits for `child` to exit, for at most `within`; its exit code and stderr.
fn wait_exit(mut child: Child, within: Duration) -> (Option<i32>, String) {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status.code(), stderr);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("lathe did not exit within {within:?} of the signal");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Runs the model (`trap`ping the signals or not), sends `signal` to lathe while the model is
/// answering, and checks that lathe exits with `code` and leaves no process of the model's
/// group behind.
fn stopped_mid_call(trap: bool, signal: Signal, code: i32, name: &str) {
    let sandbox = Sandbox::new();
    sandbox.write("model.sh", &model(trap));
    let lathe = ask(&sandbox);
    let model = pid_in(&sandbox.path().join("model.pid"));
    let (_, group) = stat(model).expect("the model runs");
    // The model's group is its own, not lathe's: lathe must forward the signal to it.
    assert_ne!(group, lathe.id() as i32);
    assert!(living_members(group).len() >= 2, "the script and its sleep");

    kill_process(Pid::from_raw(lathe.id() as i32).unwrap(), signal).unwrap();
    // The command provider's grace is 2 s: a model that ignores the signal is killed after it.
    let (exit, stderr) = wait_exit(lathe, Duration::from_secs(30));
    assert_eq!(exit, Some(code), "{stderr}");
    assert!(stderr.contains(&format!("stopped by {name}")), "{stderr}");
    let left = living_members(group);
    assert!(left.is_empty(), "processes of the model left: {left:?}");
}

#[test]
fn sigterm_during_a_command_model_call_leaves_no_process_of_it() {
    stopped_mid_call(false, Signal::TERM, 143, "SIGTERM");
}

#[test]
fn sigint_reaches_a_command_model_that_ignores_it_and_sigkill_follows() {
    stopped_mid_call(true, Signal::INT, 130, "SIGINT");
}

/// A sandbox whose temporary directory (`TMPDIR`, where the worker's scratch directories go)
/// is its own `tmp/`: a worker of this test names it on its command line.
fn sandbox_with_tmp() -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    let tmp = sandbox.path().join("tmp");
    fs::create_dir_all(&tmp).unwrap();
    let tmp = tmp.display().to_string();
    (sandbox.env("TMPDIR", &tmp), tmp)
}

/// `lathe optimize` over the CI example with the script model, started and left running, its
/// events as JSON lines on a pipe.
fn optimize(sandbox: &Sandbox, python: &Path) -> Child {
    let python = python.display().to_string();
    sandbox
        .command(&[
            "optimize",
            "--json",
            "--problem",
            &ci_example("problem.py"),
            "--kernel",
            &ci_example("kernel.py"),
            "--category",
            "fusion",
            "--stages",
            "grid_and_parallel",
            "--samples",
            "1",
            "--device",
            "interpret",
            "--gpu",
            "H100",
            "--no-tune",
            "--llm",
            "command:sh model.sh",
            "--runs-dir",
            "runs",
            "--python",
            &python,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every living process whose command line mentions `text`.
fn living_with(text: &str) -> Vec<i32> {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| matches!(stat(pid), Some((state, _)) if state != 'Z'))
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|line| String::from_utf8_lossy(&line).contains(text))
        })
        .collect()
}

/// The run `lathe runs` lists in the sandbox: one, left `running` for `lathe resume`.
fn assert_left_resumable(sandbox: &Sandbox) {
    let runs = sandbox.run(&["runs", "--runs-dir", "runs", "--json"]);
    assert_eq!(runs.code, 0, "{}", runs.stderr);
    let runs: serde_json::Value = serde_json::from_str(&runs.stdout).unwrap();
    assert_eq!(runs.as_array().map(Vec::len), Some(1), "{runs}");
    assert_eq!(runs[0]["status"], "running", "left to resume: {runs}");
}

#[test]
fn sigterm_during_a_runs_model_call_leaves_no_process_and_a_resumable_run() {
    const TEST: &str = "sigterm_during_a_runs_model_call_leaves_no_process_and_a_resumable_run";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let (sandbox, tmp) = sandbox_with_tmp();
    sandbox.write("model.sh", &format!("cat >/dev/null\n{}", model(false)));
    let lathe = optimize(&sandbox, &python);
    // The starting kernel is judged by a worker first; the model is asked only after.
    let model = pid_in(&sandbox.path().join("model.pid"));
    let (_, group) = stat(model).expect("the model runs");
    kill_process(Pid::from_raw(lathe.id() as i32).unwrap(), Signal::TERM).unwrap();
    let (exit, stderr) = wait_exit(lathe, Duration::from_secs(60));
    assert_eq!(exit, Some(143), "{stderr}");
    let left = living_members(group);
    assert!(left.is_empty(), "processes of the model left: {left:?}");
    let left = living_with(&tmp);
    assert!(left.is_empty(), "worker processes left: {left:?}");
    assert_left_resumable(&sandbox);
}

#[test]
fn sigterm_while_the_worker_judges_leaves_no_worker_and_a_resumable_run() {
    const TEST: &str = "sigterm_while_the_worker_judges_leaves_no_worker_and_a_resumable_run";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let (sandbox, tmp) = sandbox_with_tmp();
    sandbox.write("model.sh", &model(false));
    let mut lathe = optimize(&sandbox, &python);
    // The run is recorded, and the worker judging its starting kernel says which phase it is
    // in (the probe before it recorded nothing).
    let events = BufReader::new(lathe.stdout.take().unwrap());
    let judging = events
        .lines()
        .map_while(Result::ok)
        .find(|line| line.contains("\"event\":\"judging\""));
    assert!(judging.is_some(), "the starting kernel was never judged");
    assert!(
        !living_with(&tmp).is_empty(),
        "the judge names its scratch directory"
    );
    kill_process(Pid::from_raw(lathe.id() as i32).unwrap(), Signal::TERM).unwrap();
    let (exit, stderr) = wait_exit(lathe, Duration::from_secs(60));
    assert_eq!(exit, Some(143), "{stderr}");
    let left = living_with(&tmp);
    assert!(left.is_empty(), "worker processes left: {left:?}");
    assert!(
        !sandbox.path().join("model.pid").exists(),
        "the model was never asked: the stop came first"
    );
    assert_left_resumable(&sandbox);
}
