//! Judges started ahead (`lathe_worker::warm_judge`), with a stand-in interpreter (a shell
//! script) that logs how it was started: the next evaluation on the thread is answered by the
//! judge started during the one before; other settings, a dead warm judge or a release leave
//! it unused and gone; the nonce still comes only once the request is written.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lathe_core::Verdict;
use lathe_worker::driver::{EvalOutcome, WorkerConfig, evaluate};
use lathe_worker::protocol::EvalRequest;
use lathe_worker::warm_judge;

/// A stand-in judge: logs `started PRESTART PID` at once, waits for the nonce, checks that
/// the request is there, then answers with a rejected verdict and logs `answered PRESTART
/// PID`. A pre-started one pauses first, as a real one imports torch.
fn stand_in(dir: &Path) -> PathBuf {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples/result_rejected.json");
    let log = dir.join("log");
    let body = format!(
        "echo \"started ${{LATHE_PRESTART:-0}} $$\" >> {log}\n\
         [ \"${{LATHE_PRESTART:-0}}\" = 1 ] && sleep 0.3\n\
         read -r nonce || exit 0\n\
         [ -f \"$3\" ] || exit 9\n\
         sed \"1s/^{{/{{\\\"nonce\\\": \\\"$nonce\\\", /\" {example} > \"$4\"\n\
         echo \"answered ${{LATHE_PRESTART:-0}} $$\" >> {log}",
        log = log.display(),
        example = example.display(),
    );
    let path = dir.join("python");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn config(dir: &Path) -> WorkerConfig {
    WorkerConfig {
        python: stand_in(dir),
        cache_dir: dir.join("cache"),
        scratch_root: Some(dir.join("scratch")),
        wall_limit: Duration::from_secs(30),
        grace: Duration::from_millis(500),
        memory_limit: None,
        tail_bytes: 4096,
        gpu: None,
        prestart: lathe_worker::driver::Prestart::WhileJudging,
        cluster: None,
    }
}

fn request() -> EvalRequest {
    common::eval_request("/p.py", "/k.py")
}

fn judge(config: &WorkerConfig) {
    let done = evaluate(config, request()).unwrap();
    match done.outcome {
        EvalOutcome::Judged {
            verdict: Verdict::Rejected { .. },
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

/// The log's lines as (event, prestarted, pid).
fn log(dir: &Path) -> Vec<(String, bool, u32)> {
    let text = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    text.lines()
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            (
                words[0].to_owned(),
                words[1] == "1",
                words[2].parse().unwrap(),
            )
        })
        .collect()
}

fn answered(dir: &Path) -> Vec<(bool, u32)> {
    log(dir)
        .into_iter()
        .filter(|(event, ..)| event == "answered")
        .map(|(_, warm, pid)| (warm, pid))
        .collect()
}

fn alive(pid: u32) -> bool {
    // A zombie would still have its /proc entry: the warm judge must be reaped too.
    Path::new(&format!("/proc/{pid}")).exists()
}

fn warm_pid(dir: &Path) -> u32 {
    let started: Vec<u32> = log(dir)
        .into_iter()
        .filter(|(event, warm, _)| event == "started" && *warm)
        .map(|(.., pid)| pid)
        .collect();
    *started.last().expect("a judge was started ahead")
}

#[test]
fn the_next_evaluation_is_answered_by_the_judge_started_during_the_one_before() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    judge(&config);
    assert!(warm_judge::holds_one());
    let first_warm = warm_pid(dir.path());
    judge(&config);
    judge(&config);
    let answers = answered(dir.path());
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert!(!answers[0].0, "nothing was warm for the first: {answers:?}");
    assert!(answers[1].0 && answers[2].0, "{answers:?}");
    assert_eq!(answers[1].1, first_warm);
    // The third evaluation started a fourth judge; a release ends it.
    let last_warm = warm_pid(dir.path());
    assert!(alive(last_warm));
    warm_judge::release();
    assert!(!warm_judge::holds_one());
    assert!(!alive(last_warm), "the released judge is gone");
}

#[test]
fn a_warm_judge_with_other_settings_or_a_dead_one_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    judge(&config);
    let warm = warm_pid(dir.path());
    let mut other = config.clone();
    other.gpu = Some("1".into());
    judge(&other);
    assert!(!alive(warm), "the mismatched warm judge was ended");
    assert!(!answered(dir.path())[1].0, "answered by a fresh judge");

    // The judge warmed for `other` dies while it waits: the next evaluation starts its own.
    let warm = warm_pid(dir.path());
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(warm as i32).unwrap(),
        rustix::process::Signal::KILL,
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    judge(&other);
    let answers = answered(dir.path());
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert!(!answers[2].0, "{answers:?}");
    warm_judge::release();
}

#[test]
fn without_prestart_nothing_is_started_ahead() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.prestart = lathe_worker::driver::Prestart::Off;
    judge(&config);
    judge(&config);
    assert!(!warm_judge::holds_one());
    assert!(log(dir.path()).iter().all(|(_, warm, _)| !warm));
}

#[test]
fn after_judging_the_next_judge_starts_only_once_the_evaluation_has_ended() {
    use lathe_worker::driver::{Prestart, evaluate_prepared, prepare, start_next};

    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.prestart = Prestart::AfterJudging;
    let prepared = prepare(&config, request());
    assert!(
        !warm_judge::holds_one(),
        "nothing started before the evaluation"
    );
    let next = prepared.next_judge();
    evaluate_prepared(&config, prepared, None).unwrap();
    // While it ran, no judge was started ahead: only the evaluation's own judge is in the log.
    assert!(log(dir.path()).iter().all(|(_, warm, _)| !warm));
    start_next(&config, &next);
    assert!(warm_judge::holds_one());
    // It logs its start as soon as it runs: wait for that line.
    for _ in 0..100 {
        if log(dir.path()).iter().any(|(_, warm, _)| *warm) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let warm = warm_pid(dir.path());
    judge(&config);
    let answers = answered(dir.path());
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert_eq!(
        answers[1],
        (true, warm),
        "answered by the judge started after the first"
    );
    // `evaluate` starts none after itself: only a caller asks for it (start_next).
    assert!(!warm_judge::holds_one());
}
