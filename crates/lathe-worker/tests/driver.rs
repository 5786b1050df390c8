//! How the driver reads a worker's end, with stand-in interpreters (shell scripts) so that no
//! torch is needed: a result file decides; without one, the way the process died does, with the
//! last phase it reported; an interpreter without torch is the machine's problem, not a verdict.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lathe_core::Verdict;
use lathe_worker::driver::{DriverError, EvalOutcome, Finished, WorkerConfig, evaluate};
use lathe_worker::protocol::EvalRequest;

/// A stand-in interpreter: `python -m lathe_worker REQUEST RESULT` runs this script with
/// $3 = request path and $4 = result path.
fn fake_python(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("python");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Shell lines that write `example` as the result, with the nonce the harness sent on standard
/// input put in, as the real judge does.
fn answer_with_nonce(example: &Path) -> String {
    format!(
        "[ \"$LATHE_NONCE_STDIN\" = 1 ] || exit 8\nread -r nonce\n\
         sed \"1s/^{{/{{\\\"nonce\\\": \\\"$nonce\\\", /\" {} > \"$4\"",
        example.display()
    )
}

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples")
        .join(name)
}

/// Shell lines that append these phases to the progress file the request names, as the judge
/// reports them.
fn reporting(phases: &[&str]) -> String {
    let mut lines =
        String::from("progress=$(sed -n 's/.*\"progress_path\": \"\\(.*\\)\".*/\\1/p' \"$3\")\n");
    for phase in phases {
        lines += &format!("echo '{{\"phase\": \"{phase}\"}}' >> \"$progress\"\n");
    }
    lines
}

/// The driver's end of an evaluation by a stand-in interpreter running `body`.
fn judged(dir: &Path, body: &str, limit: Duration) -> Result<Finished<EvalOutcome>, DriverError> {
    let python = fake_python(dir, body);
    evaluate(&config(dir, python, limit), request())
}

fn config(dir: &Path, python: PathBuf, limit: Duration) -> WorkerConfig {
    WorkerConfig {
        python,
        cache_dir: dir.join("cache"),
        scratch_root: Some(dir.join("scratch")),
        wall_limit: limit,
        grace: Duration::from_millis(500),
        memory_limit: None,
        tail_bytes: 4096,
        gpu: None,
        prestart: Default::default(),
        cluster: None,
    }
}

fn request() -> EvalRequest {
    common::eval_request("/p.py", "/k.py")
}

fn verdict(outcome: EvalOutcome) -> Verdict {
    match outcome {
        EvalOutcome::Judged { verdict, .. } => verdict,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_result_file_decides_and_the_request_names_the_progress_file() {
    let dir = tempfile::tempdir().unwrap();
    let example = example("result_rejected.json");
    let body = format!(
        "grep -q progress_path \"$3\" || exit 9\n{}\necho candidate output",
        answer_with_nonce(&example)
    );
    let done = judged(dir.path(), &body, Duration::from_secs(20)).unwrap();
    assert!(matches!(verdict(done.outcome), Verdict::Rejected { .. }));
    assert_eq!(done.stdout.tail, "candidate output\n");
}

#[test]
fn a_hang_is_a_timeout_naming_the_last_phase() {
    let dir = tempfile::tempdir().unwrap();
    let body = reporting(&["load", "check"]) + "exec sleep 100";
    let started = Instant::now();
    let done = judged(dir.path(), &body, Duration::from_secs(1)).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    match verdict(done.outcome) {
        Verdict::Timeout {
            after_seconds,
            phase,
        } => {
            assert!((1.0..3.0).contains(&after_seconds), "{after_seconds}");
            assert_eq!(phase.as_deref(), Some("check"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_signal_is_a_crash_with_the_stderr_tail() {
    let dir = tempfile::tempdir().unwrap();
    let body = "echo 'Fatal Python error: Aborted' >&2\nkill -ABRT $$";
    let done = judged(dir.path(), body, Duration::from_secs(20)).unwrap();
    match verdict(done.outcome) {
        Verdict::Crash(crash) => {
            assert_eq!(crash.signal_name.as_deref(), Some("SIGABRT"));
            assert!(crash.stderr_tail.contains("Aborted"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_result_without_the_nonce_was_forged_by_candidate_code() {
    // Candidate code that found the result file (through /proc, say) cannot know the nonce,
    // which only the judge read from its standard input: a `correct` without it is tampering.
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        "cp {} \"$4\"",
        example("result_correct_interpret.json").display()
    );
    let done = judged(dir.path(), &body, Duration::from_secs(20)).unwrap();
    match verdict(done.outcome) {
        Verdict::Rejected { rule, evidence, .. } => {
            assert_eq!(rule, lathe_core::Rule::HarnessTamper);
            assert!(evidence.contains("nonce"), "{evidence}");
        }
        other => panic!("{other:?}"),
    }

    let body = format!(
        "read -r nonce\nsed \"1s/^{{/{{\\\"nonce\\\": \\\"guess\\\", /\" {} > \"$4\"",
        example("result_correct_interpret.json").display()
    );
    let done = judged(dir.path(), &body, Duration::from_secs(20)).unwrap();
    assert!(matches!(
        verdict(done.outcome),
        Verdict::Rejected {
            rule: lathe_core::Rule::HarnessTamper,
            ..
        }
    ));
}

#[test]
fn an_exit_without_a_result_after_starting_is_a_worker_error() {
    // The judge runs no candidate code: its own exit without a result is lathe's defect, never
    // a verdict on the candidate (a runner's death reaches the judge, which writes a crash).
    let dir = tempfile::tempdir().unwrap();
    let body = reporting(&["check"]) + "exit 3";
    let done = judged(dir.path(), &body, Duration::from_secs(20)).unwrap();
    match done.outcome {
        EvalOutcome::WorkerError { message, .. } => {
            assert!(
                message.contains("code 3") && message.contains("check"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_exit_while_importing_is_the_interpreters_fault() {
    // `start` is the judge importing torch and its own modules.
    let dir = tempfile::tempdir().unwrap();
    let body = reporting(&["start"])
        + "echo \"ImportError: libcudart.so.13: cannot open shared object file\" >&2\nexit 1";
    let err = judged(dir.path(), &body, Duration::from_secs(20)).unwrap_err();
    assert!(matches!(err, DriverError::Interpreter { .. }), "{err}");
    assert!(err.to_string().contains("libcudart"), "{err}");
}

#[test]
fn an_interpreter_without_torch_is_an_environment_error() {
    let dir = tempfile::tempdir().unwrap();
    let body = "echo \"ModuleNotFoundError: No module named 'torch'\" >&2\nexit 1";
    let err = judged(dir.path(), body, Duration::from_secs(20)).unwrap_err();
    assert!(matches!(err, DriverError::Interpreter { .. }), "{err}");
    assert!(err.to_string().contains("--python"), "{err}");
}

#[test]
fn a_missing_interpreter_is_a_spawn_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-python");
    let err = evaluate(
        &config(dir.path(), missing, Duration::from_secs(5)),
        request(),
    )
    .unwrap_err();
    assert!(matches!(err, DriverError::Spawn(_)), "{err}");
}
