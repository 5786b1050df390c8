//! `WorkerJudge`, the judge of every loop, keeps the loop's next judge started ahead: the
//! second of two judgings on one thread is answered by the judge started once the first had
//! ended. Until 2026-12-06 it ran each evaluation on a thread of its own, whose end killed the
//! judge started ahead, and every verdict started cold. A stand-in interpreter (a shell script)
//! logs how each judge was started and answers with a recorded result.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lathe_core::{Backend, Policy, Verdict};
use lathe_engine::{Candidate, Judge, JudgeSettings, WorkerJudge};
use lathe_worker::driver::{Prestart, WorkerConfig};
use lathe_worker::protocol::{CorrectnessConfig, Device, Limits, TimingConfig};

fn repo(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative)
}

/// Logs `started PRESTART PID`, waits for the nonce (a judge started ahead waits there until
/// its request is written), then writes the recorded rejected result with that nonce and logs
/// `answered PRESTART PID`.
fn stand_in(dir: &Path) -> PathBuf {
    let example = repo("worker/protocol/examples/result_rejected.json");
    let body = format!(
        "echo \"started ${{LATHE_PRESTART:-0}} $$\" >> {log}\n\
         read -r nonce || exit 0\n\
         sed \"1s/^{{/{{\\\"nonce\\\": \\\"$nonce\\\", /\" {example} > \"$4\"\n\
         echo \"answered ${{LATHE_PRESTART:-0}} $$\" >> {log}",
        log = dir.join("log").display(),
        example = example.display(),
    );
    let path = dir.join("python");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The answered judgings: (started ahead, pid).
fn answered(dir: &Path) -> Vec<(bool, String)> {
    std::fs::read_to_string(dir.join("log"))
        .unwrap_or_default()
        .lines()
        .filter_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                ["answered", warm, pid] => Some((warm == "1", pid.to_owned())),
                _ => None,
            },
        )
        .collect()
}

#[test]
fn a_loops_second_judging_is_answered_by_the_judge_started_after_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let worker = WorkerConfig {
        python: stand_in(dir.path()),
        cache_dir: dir.path().join("cache"),
        scratch_root: Some(dir.path().join("scratch")),
        wall_limit: Duration::from_secs(30),
        grace: Duration::from_millis(500),
        memory_limit: None,
        tail_bytes: 4096,
        gpu: None,
        prestart: Prestart::AfterJudging,
        cluster: None,
    };
    let settings = JudgeSettings {
        device: Device::Interpret,
        overrides: Default::default(),
        correctness: CorrectnessConfig::default(),
        timing: TimingConfig::default(),
        policy: Policy::default(),
        limits: Limits::default(),
    };
    let judge = WorkerJudge::new(worker, settings);
    // A kernel the static checks pass, so that the worker is asked.
    let path = repo("worker/tests/fixtures/honest/add_relu.py");
    let source = std::fs::read_to_string(&path).unwrap();
    let problem = repo("worker/tests/fixtures/problems/add_relu.py");
    let candidate = Candidate {
        problem: &problem,
        backend: Backend::Triton,
        source: &source,
        path: &path,
        name: "add_relu.py",
    };
    for _ in 0..2 {
        let judgment = judge.judge(&candidate, &mut |_| {}).unwrap();
        assert!(
            matches!(judgment.evaluation.verdict, Verdict::Rejected { .. }),
            "{:?}",
            judgment.evaluation.verdict
        );
    }
    let answers = answered(dir.path());
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert!(!answers[0].0, "the first judge starts cold: {answers:?}");
    assert!(
        answers[1].0,
        "the second was answered by a judge started ahead: {answers:?}"
    );
    lathe_worker::warm_judge::release();
}
