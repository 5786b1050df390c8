//! `stop_all` against real process groups: every group `run` started gets the signal, one that
//! ignores it gets SIGKILL after its grace, a pre-started process nobody is running yet ends
//! with the rest, a `run` after the stop spawns nothing, and no `run` returns. A test binary of
//! its own, with one test: a stop is final for the whole process.

use std::ffi::OsString;
use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use lathe_worker::process::{ProcessSpec, StopSignal, run, start, stop_all};

/// `/bin/sh -c SCRIPT` in `dir`, with a grace of `grace`.
fn sh(dir: &Path, script: &str, grace: Duration) -> ProcessSpec {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    ProcessSpec {
        args: vec!["-c".into(), script.into()],
        env: vec![(OsString::from("PATH"), path)],
        wall_limit: Duration::from_secs(120),
        grace,
        ..ProcessSpec::new("/bin/sh", dir)
    }
}

/// The pid a script wrote to `file`, once it has (it starts in another thread).
fn pid_in(file: &Path) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
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

/// Whether `pid` is gone (or a zombie, which runs nothing and holds no memory).
fn is_gone(pid: i32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, r)| r.trim_start().chars().next());
    matches!(state, Some('Z' | 'X'))
}

#[test]
fn a_stop_reaches_every_group_kills_the_stubborn_and_spawns_nothing_after() {
    let dir = tempfile::tempdir().unwrap();
    let grace = Duration::from_millis(500);
    // One group that dies of the SIGTERM, with a grandchild; one that ignores it (`trap`), so
    // only the SIGKILL after the grace ends it.
    let polite = sh(dir.path(), "sleep 300 & echo $! > polite.pid; wait", grace);
    let stubborn = sh(
        dir.path(),
        "trap '' TERM INT; sleep 300 & echo $! > stubborn.pid; while :; do wait; done",
        grace,
    );
    let (returned, returns) = std::sync::mpsc::channel();
    for spec in [polite, stubborn] {
        let returned = returned.clone();
        thread::spawn(move || {
            let _ = run(&spec);
            let _ = returned.send(());
        });
    }
    let polite = pid_in(&dir.path().join("polite.pid"));
    let stubborn = pid_in(&dir.path().join("stubborn.pid"));
    // Started ahead of its work and held, as a warm judge waits: no thread runs it.
    let idle = start(&sh(dir.path(), "echo $$ > idle.pid; exec sleep 300", grace)).unwrap();
    let idle_pid = pid_in(&dir.path().join("idle.pid"));

    let start = Instant::now();
    assert!(stop_all(StopSignal::Terminate), "every group ended");
    assert!(is_gone(polite), "the polite group's sleep is gone");
    assert!(is_gone(stubborn), "the stubborn group's sleep is gone");
    assert!(is_gone(idle_pid), "the idle process is gone");
    assert!(idle.has_exited());
    assert!(
        start.elapsed() >= grace,
        "the stubborn group was given its grace: {:?}",
        start.elapsed()
    );

    // After the stop, a `run` spawns nothing: the script would write its file at once.
    let after = sh(dir.path(), "echo spawned > after.txt", grace);
    let returned_after = returned.clone();
    thread::spawn(move || {
        let _ = run(&after);
        let _ = returned_after.send(());
    });
    thread::sleep(Duration::from_millis(500));
    assert!(!dir.path().join("after.txt").exists(), "nothing spawned");
    assert!(
        returns.recv_timeout(Duration::from_millis(100)).is_err(),
        "no run returned: their children's deaths were the stop's doing"
    );
}
