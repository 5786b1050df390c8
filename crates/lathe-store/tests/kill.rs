//! The resume contract of issue 6: a model call committed before the process is killed is
//! found after, and nothing half-written is.
//!
//! The test binary runs itself again as the writer (the `writer` test below, which does
//! nothing unless `LATHE_STORE_TEST_WRITER` names a database): the child commits a model call,
//! says so, then keeps writing other attempts as fast as it can until the parent SIGKILLs it,
//! so the kill lands among writes.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{code, correct, reply, seed, start_run};
use lathe_store::{Store, StoreError};

const WRITER: &str = "LATHE_STORE_TEST_WRITER";
const KEY: &str = "seed/s0";

/// The child's side. Not a test of its own: without the variable it returns at once.
#[test]
fn writer() {
    let Some(path) = std::env::var_os(WRITER) else {
        return;
    };
    let store = Store::open(path).unwrap();
    let run = start_run(&store);
    let id = store.begin_attempt(&run, &seed(KEY)).unwrap();
    store
        .record_reply(id, &reply("the committed reply"))
        .unwrap();
    // Straight to the file descriptor: the test harness captures only `print!`.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "\ncommitted {run}").unwrap();
    stdout.flush().unwrap();
    for n in 1.. {
        let id = store
            .begin_attempt(&run, &seed(&format!("stage:loop/s{n}")))
            .unwrap();
        store.record_reply(id, &reply("...")).unwrap();
        store.record_code(id, &code()).unwrap();
        store.record_verdict(id, &correct(0.5)).unwrap();
    }
}

#[test]
fn a_committed_reply_survives_sigkill_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe-runs").join("lathe.db");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "writer", "--test-threads=1"])
        .env(WRITER, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();

    // Read on a thread, so that a child that never says "committed" fails the test instead
    // of hanging it.
    let stdout = child.stdout.take().unwrap();
    let (lines, committed) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // The harness may have begun the line with `test writer ... `.
            if let Some((_, run)) = line.split_once("committed ") {
                let _ = lines.send(run.to_owned());
            }
        }
    });
    let run = committed.recv_timeout(Duration::from_secs(60));
    // Let it get well into its loop of writes before the kill.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no rollback, no checkpoint.
    let status = child.wait().unwrap();
    let run = run.expect("the writer never reported its commit");
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "the writer ended otherwise: {status}"
        );
    }

    let store = Store::open(&path).unwrap();
    let run = store.resolve_run(&run).unwrap();
    let attempt = store
        .committed_reply(&run, lathe_store::MAIN_TASK, &KEY.parse().unwrap())
        .unwrap()
        .expect("the committed reply is gone");
    assert_eq!(attempt.call, Some(reply("the committed reply")));
    assert_eq!(attempt.extraction, None);
    assert_eq!(attempt.evaluation, None, "a verdict appeared");
    assert_eq!(attempt.finished_at, None);

    // Every attempt is whole as far as it got: a verdict only with its code and call.
    let attempts = store.attempts(&run).unwrap();
    assert!(attempts.len() > 2, "the kill came before the loop wrote");
    for later in &attempts[1..] {
        if later.evaluation.is_some() {
            assert_eq!(
                later.evaluation,
                Some(correct(0.5)),
                "attempt {}",
                later.seq
            );
            assert_eq!(later.extraction, Some(code()), "attempt {}", later.seq);
        }
        if later.extraction.is_some() {
            assert_eq!(later.call, Some(reply("...")), "attempt {}", later.seq);
        }
    }
    let integrity: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");

    // Resume: the call is not made again; its reply is evaluated.
    let again = store.begin_attempt(&run, &seed(KEY)).unwrap_err();
    assert!(
        matches!(again, StoreError::CallCommitted { seq: 1, .. }),
        "{again:?}"
    );
    store.record_code(attempt.id, &code()).unwrap();
    store.record_verdict(attempt.id, &correct(0.4)).unwrap();
    let resumed = store
        .committed_reply(&run, lathe_store::MAIN_TASK, &KEY.parse().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(resumed.evaluation, Some(correct(0.4)));
}
