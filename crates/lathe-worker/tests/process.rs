//! Process control against real processes (`/bin/sh`, `python3`, `sleep`): exit codes,
//! signals, timeouts, process groups, output floods, the memory limit, spawn errors and the
//! secret-free environment.
//!
//! Timing assertions leave at least a second of slack: CI is a loaded 2-core machine and the
//! tests of this file run in parallel.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use lathe_worker::process::{
    ProcessEnd, ProcessOutcome, ProcessSpec, SpawnError, run, scrubbed_env,
};

const MIB: u64 = 1 << 20;

/// The child's environment: only `PATH` (ours), so that `python3` and `sleep` are found.
fn base_env() -> Vec<(OsString, OsString)> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    vec![("PATH".into(), path)]
}

fn spec(program: &str, args: &[&str]) -> ProcessSpec {
    ProcessSpec {
        args: args.iter().map(OsString::from).collect(),
        env: base_env(),
        wall_limit: Duration::from_secs(60),
        grace: Duration::from_secs(5),
        tail_bytes: 4096,
        ..ProcessSpec::new(program, std::env::temp_dir())
    }
}

fn sh(script: &str) -> ProcessSpec {
    spec("/bin/sh", &["-c", script])
}

/// `python3 -c CODE`, found through the `PATH` of the spec's environment.
fn python(code: &str) -> ProcessSpec {
    spec("python3", &["-c", code])
}

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(name)
}

fn run_ok(spec: &ProcessSpec) -> ProcessOutcome {
    run(spec).unwrap_or_else(|error| panic!("{spec:?} did not start: {error}"))
}

/// Whether `pid` no longer runs `sleep`: gone, a zombie, or (after reuse) another program.
fn sleep_is_gone(pid: i32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return true;
    };
    let Some((head, rest)) = stat.rsplit_once(')') else {
        return true;
    };
    let state = rest.trim_start().chars().next();
    !head.ends_with("(sleep") || matches!(state, Some('Z' | 'X'))
}

/// Polls [`sleep_is_gone`] for up to `within`.
fn sleep_dies_within(pid: i32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if sleep_is_gone(pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn first_line_pid(outcome: &ProcessOutcome) -> i32 {
    let line = outcome.stdout.tail.lines().next().unwrap_or_default();
    line.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no pid on the first line of stdout: {outcome:?}"))
}

// 1. Normal exits.

#[test]
fn exit_code_zero_with_both_tails() {
    let outcome = run_ok(&sh("printf 'to out'; printf 'to err' >&2"));
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 });
    assert_eq!(outcome.stdout.tail, "to out");
    assert_eq!(outcome.stdout.total_bytes, 6);
    assert!(!outcome.stdout.truncated);
    assert_eq!(outcome.stderr.tail, "to err");
    assert_eq!(outcome.stderr.total_bytes, 6);
    assert!(!outcome.stderr.truncated);
}

#[test]
fn exit_code_three_keeps_only_the_tails() {
    let mut spec = sh("echo first; echo second; echo oops >&2; exit 3");
    spec.tail_bytes = 7;
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 3 });
    assert_eq!(outcome.stdout.tail, "second\n");
    assert_eq!(outcome.stdout.total_bytes, 13);
    assert!(outcome.stdout.truncated);
    assert_eq!(outcome.stderr.tail, "oops\n");
    assert!(!outcome.stderr.truncated);
}

#[test]
fn stdin_is_written_then_closed() {
    let mut spec = spec("cat", &[]);
    spec.stdin = Some(b"fed through stdin".to_vec());
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 });
    assert_eq!(outcome.stdout.tail, "fed through stdin");
}

#[test]
fn stdin_larger_than_a_pipe_is_not_read_and_nothing_blocks() {
    let mut spec = sh("exit 0");
    spec.stdin = Some(vec![b'x'; 4 * MIB as usize]);
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 });
}

#[test]
fn no_stdin_means_dev_null() {
    // `cat` would wait forever on an inherited terminal or an open pipe.
    let mut spec = spec("cat", &[]);
    spec.wall_limit = Duration::from_secs(30);
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 });
    assert_eq!(outcome.stdout.total_bytes, 0);
}

#[test]
fn the_environment_is_only_the_specs() {
    let mut spec = spec("/usr/bin/env", &[]);
    spec.env = vec![("LATHE_ONLY".into(), "this".into())];
    let outcome = run_ok(&spec);
    assert_eq!(outcome.stdout.tail, "LATHE_ONLY=this\n");
}

#[test]
fn the_working_directory_is_the_specs() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec("/bin/pwd", &["-P"]);
    spec.cwd = dir.path().to_path_buf();
    let outcome = run_ok(&spec);
    let expected = dir.path().canonicalize().unwrap();
    assert_eq!(outcome.stdout.tail.trim_end(), expected.to_str().unwrap());
}

#[test]
fn a_relative_program_path_is_taken_from_the_cwd() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("hello.sh");
    fs::write(&script, "#!/bin/sh\necho hello from the cwd\n").unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let mut spec = spec("./hello.sh", &[]);
    spec.cwd = dir.path().to_path_buf();
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 });
    assert_eq!(outcome.stdout.tail, "hello from the cwd\n");
}

// 2. Timeouts.

#[test]
fn a_hang_is_stopped_by_sigterm() {
    let mut spec = spec("sleep", &["1000"]);
    spec.wall_limit = Duration::from_secs(1);
    spec.grace = Duration::from_secs(1);
    let started = Instant::now();
    let outcome = run_ok(&spec);
    let measured = started.elapsed();
    let ProcessEnd::TimedOut { after, killed } = outcome.end else {
        panic!("expected a timeout: {outcome:?}");
    };
    assert!(!killed, "sleep dies on SIGTERM: {outcome:?}");
    assert!(after >= spec.wall_limit, "{after:?}");
    assert!(outcome.wall >= spec.wall_limit, "{outcome:?}");
    assert!(
        measured < spec.wall_limit + spec.grace + Duration::from_secs(1),
        "run took {measured:?}"
    );
}

#[test]
fn a_hang_that_ignores_sigterm_is_killed_after_the_grace() {
    // The shell sets SIGTERM to ignored before exec'ing python, and the ignored disposition
    // survives exec: the program ignores SIGTERM from its first instruction, however slowly
    // python starts on a loaded machine.
    let mut spec = sh("trap '' TERM; exec python3 -c 'import time; time.sleep(100)'");
    spec.wall_limit = Duration::from_secs(1);
    spec.grace = Duration::from_secs(1);
    let started = Instant::now();
    let outcome = run_ok(&spec);
    let measured = started.elapsed();
    let ProcessEnd::TimedOut { after, killed } = outcome.end else {
        panic!("expected a timeout: {outcome:?}");
    };
    assert!(
        killed,
        "SIGTERM is ignored: SIGKILL was needed: {outcome:?}"
    );
    assert!(after >= spec.wall_limit, "{after:?}");
    assert!(outcome.wall >= spec.wall_limit + spec.grace, "{outcome:?}");
    assert!(
        measured < spec.wall_limit + spec.grace + Duration::from_secs(1),
        "run took {measured:?}"
    );
}

#[test]
fn a_python_sigterm_handler_ignoring_it_is_killed_too() {
    let mut spec = python(
        "import signal, sys, time\n\
         signal.signal(signal.SIGTERM, signal.SIG_IGN)\n\
         print('ready', flush=True)\n\
         time.sleep(100)",
    );
    // Long enough for python to install its disposition even on a loaded machine.
    spec.wall_limit = Duration::from_secs(8);
    spec.grace = Duration::from_secs(1);
    let outcome = run_ok(&spec);
    assert_eq!(outcome.stdout.tail, "ready\n", "{outcome:?}");
    assert!(
        matches!(outcome.end, ProcessEnd::TimedOut { killed: true, .. }),
        "{outcome:?}"
    );
}

// 3. Deaths by signal.

#[test]
fn abort_is_sigabrt() {
    // No core file: the dump would only slow the test down.
    let outcome = run_ok(&sh("ulimit -c 0; exec python3 -c 'import os; os.abort()'"));
    assert_eq!(
        outcome.end,
        ProcessEnd::Signaled {
            signal: 6,
            name: "SIGABRT"
        }
    );
}

#[test]
fn a_segfault_is_sigsegv() {
    let outcome = run_ok(&sh("ulimit -c 0; kill -SEGV $$"));
    assert_eq!(
        outcome.end,
        ProcessEnd::Signaled {
            signal: 11,
            name: "SIGSEGV"
        }
    );
}

// 4. Output floods.

#[test]
fn a_hundred_mib_on_each_stream_is_drained_concurrently() {
    let mut spec = spec("python3", &[]);
    spec.args = vec![program("flood.py").into(), "100".into()];
    spec.wall_limit = Duration::from_secs(300);
    spec.tail_bytes = 4096;
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 }, "{outcome:?}");
    let expected_tail = format!("{}end\n", "a".repeat(4096 - 4));
    for capture in [&outcome.stdout, &outcome.stderr] {
        assert_eq!(capture.total_bytes, 100 * MIB);
        assert!(capture.truncated);
        assert_eq!(capture.tail.len(), spec.tail_bytes);
        assert!(capture.tail == expected_tail, "unexpected tail");
    }
}

// 5, 6. Process groups.

#[test]
fn a_grandchild_left_behind_is_killed() {
    // The grandchild holds stdout and stderr open: waiting for their end alone would hang.
    let mut spec = spec(program("leak_grandchild.sh").to_str().unwrap(), &[]);
    spec.wall_limit = Duration::from_secs(60);
    let started = Instant::now();
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 }, "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    let grandchild = first_line_pid(&outcome);
    assert!(
        sleep_dies_within(grandchild, Duration::from_secs(5)),
        "grandchild {grandchild} survived the run"
    );
}

#[test]
fn a_detached_grandchild_is_dead_when_run_returns() {
    // This one holds no pipe: only the group kill, and the wait for the group to empty, end it
    // before `run` returns.
    let outcome = run_ok(&sh("sleep 1000 </dev/null >/dev/null 2>&1 & echo $!"));
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 }, "{outcome:?}");
    let grandchild = first_line_pid(&outcome);
    assert!(
        sleep_is_gone(grandchild),
        "grandchild {grandchild} still runs after run returned"
    );
}

#[test]
fn a_timeout_kills_the_grandchildren_too() {
    // The shell dies on SIGTERM; the grandchild ignores it and only the final SIGKILL to the
    // group ends it.
    let mut spec = sh("(trap '' TERM; exec sleep 1000) & echo $!; wait");
    spec.wall_limit = Duration::from_secs(2);
    spec.grace = Duration::from_secs(1);
    let started = Instant::now();
    let outcome = run_ok(&spec);
    assert!(
        matches!(outcome.end, ProcessEnd::TimedOut { killed: false, .. }),
        "{outcome:?}"
    );
    assert!(started.elapsed() < spec.wall_limit + spec.grace + Duration::from_secs(1));
    let grandchild = first_line_pid(&outcome);
    assert!(
        sleep_dies_within(grandchild, Duration::from_secs(5)),
        "grandchild {grandchild} survived the timeout"
    );
}

#[test]
fn a_process_that_left_the_group_cannot_hang_run() {
    // The escaped process holds stdout open for 30 s; `run` waits for the pipes only a bounded
    // time after the group is gone and keeps what was captured so far.
    let dir = tempfile::tempdir().unwrap();
    let mut spec = sh("python3 -c 'import os, time\n\
         os.setsid()\n\
         print(\"escaped\", flush=True)\n\
         open(\"escaped.pid\", \"w\").write(str(os.getpid()))\n\
         time.sleep(30)' &\n\
         while [ ! -s escaped.pid ]; do sleep 0.05; done");
    spec.cwd = dir.path().to_path_buf();
    let started = Instant::now();
    let outcome = run_ok(&spec);
    let took = started.elapsed();
    let pid: i32 = fs::read_to_string(dir.path().join("escaped.pid"))
        .unwrap()
        .parse()
        .unwrap();
    // Clean up before asserting: the escaped process is out of `run`'s reach by design.
    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid).unwrap(),
        rustix::process::Signal::KILL,
    );
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 }, "{outcome:?}");
    assert_eq!(outcome.stdout.tail, "escaped\n");
    assert!(took < Duration::from_secs(20), "run took {took:?}");
}

// 7. Memory limit.

#[test]
fn allocating_past_the_memory_limit_is_stopped() {
    let limit = 100 * MIB;
    let mut spec = python("import time\nb = b'x' * (300 << 20)\ntime.sleep(100)");
    spec.memory_limit = Some(limit);
    spec.wall_limit = Duration::from_secs(90);
    let outcome = run_ok(&spec);
    let ProcessEnd::MemoryLimit {
        rss_bytes,
        limit: reported,
    } = outcome.end
    else {
        panic!("expected the memory limit: {outcome:?}");
    };
    assert_eq!(reported, limit);
    assert!(rss_bytes > limit, "{rss_bytes}");
    assert!(outcome.wall < Duration::from_secs(60), "{outcome:?}");
}

#[test]
fn the_memory_limit_counts_the_whole_group() {
    // Three processes of 60 MiB each: none over 100 MiB alone, the group is.
    let code = "import time\nb = b'x' * (60 << 20)\ntime.sleep(100)";
    let script =
        format!("python3 -c \"{code}\" & python3 -c \"{code}\" & python3 -c \"{code}\" & wait");
    let mut spec = sh(&script);
    spec.memory_limit = Some(100 * MIB);
    spec.wall_limit = Duration::from_secs(90);
    let outcome = run_ok(&spec);
    assert!(
        matches!(outcome.end, ProcessEnd::MemoryLimit { .. }),
        "{outcome:?}"
    );
}

#[test]
fn staying_under_the_memory_limit_is_a_normal_exit() {
    let mut spec = python("b = b'x' * (10 << 20)\nprint(len(b))");
    spec.memory_limit = Some(1024 * MIB);
    let outcome = run_ok(&spec);
    assert_eq!(outcome.end, ProcessEnd::Exited { code: 0 }, "{outcome:?}");
    assert_eq!(outcome.stdout.tail, "10485760\n");
}

// 8. The secret-free environment.

#[test]
fn scrubbed_env_drops_secrets_and_keeps_the_rest() {
    let vars = [
        ("OPENAI_API_KEY", "sk-1"),
        ("GITHUB_TOKEN", "ghp-2"),
        ("MY_SECRET", "3"),
        ("db_password", "4"),
        ("GOOGLE_APPLICATION_CREDENTIALS", "/key.json"),
        ("AWS_ACCESS_KEY_ID", "AKIA"),
        ("AWS_REGION", "us-east-1"),
        ("ANTHROPIC_BASE_URL", "https://example.invalid"),
        ("HF_TOKEN", "hf-5"),
        ("PGPASSWORD", "6"),
        ("SSH_AUTH_SOCK", "/tmp/agent"),
        ("PATH", "/usr/bin"),
        ("HOME", "/home/u"),
        ("CUDA_VISIBLE_DEVICES", "0"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("LD_LIBRARY_PATH", "/usr/local/cuda/lib64"),
    ]
    .map(|(name, value)| (OsString::from(name), OsString::from(value)));
    let kept: Vec<String> = scrubbed_env(vars)
        .into_iter()
        .map(|(name, _)| name.into_string().unwrap())
        .collect();
    assert_eq!(
        kept,
        [
            "PATH",
            "HOME",
            "CUDA_VISIBLE_DEVICES",
            "TOKENIZERS_PARALLELISM",
            "LD_LIBRARY_PATH"
        ]
    );
}

// 9. Spawn errors.

#[test]
fn a_missing_program_is_a_spawn_error_naming_it() {
    let error = run(&spec("/nonexistent/lathe-no-such-program", &[])).unwrap_err();
    assert!(
        matches!(error, SpawnError::ProgramNotFound { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("/nonexistent/lathe-no-such-program"),
        "{message}"
    );
    assert!(message.contains("hint:"), "{message}");
}

#[test]
fn a_bare_name_is_searched_only_in_the_specs_path() {
    let mut spec = spec("python3", &["-c", "pass"]);
    spec.env = vec![("PATH".into(), "/nonexistent/bin".into())];
    let error = run(&spec).unwrap_err();
    assert!(
        matches!(error, SpawnError::ProgramNotFound { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("python3"), "{error}");
}

#[test]
fn a_missing_cwd_is_a_spawn_error_naming_it() {
    let mut spec = sh("true");
    spec.cwd = PathBuf::from("/nonexistent/lathe-no-such-dir");
    let error = run(&spec).unwrap_err();
    assert!(matches!(error, SpawnError::CwdMissing { .. }), "{error:?}");
    assert!(
        error.to_string().contains("/nonexistent/lathe-no-such-dir"),
        "{error}"
    );
}

#[test]
fn a_file_without_execute_permission_is_a_spawn_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("not-executable.sh");
    fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o644)).unwrap();
    let error = run(&spec(script.to_str().unwrap(), &[])).unwrap_err();
    assert!(
        matches!(error, SpawnError::NotExecutable { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains(script.to_str().unwrap()),
        "{error}"
    );
}
