//! A signal to lathe reaches the processes it started: `lathe ask` with a `command:` model
//! that is a shell script still running (with a `sleep` child of its own) gets SIGTERM or
//! SIGINT, and once lathe has exited no process of the model's process group is left.
//!
//! The model runs in a process group of its own, so neither signal would reach it if lathe did
//! not forward it (issue 14: the child was left running as an orphan).

mod common;

use std::fs;
use std::path::Path;
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use common::Sandbox;
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
