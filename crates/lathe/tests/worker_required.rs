//! A test that needs the worker fails, rather than reports `ok` without running, where the
//! worker is required: under `CI` (or `LATHE_REQUIRE_WORKER`) with no Python that has torch.
//! On a developer's machine without torch it is skipped, with a message.
//!
//! This binary runs itself again as the test that needs the worker (`needs_the_worker`, which
//! does nothing unless `LATHE_TEST_CHILD` is set), with a Python that does not exist.

mod common;

use std::process::Command;

const CHILD: &str = "LATHE_TEST_CHILD";

/// The child's side. Not a test of its own: without the variable it returns at once.
#[test]
fn needs_the_worker() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let _ = common::worker_python("needs_the_worker");
}

#[test]
fn a_missing_worker_fails_the_test_under_ci_and_skips_it_elsewhere() {
    let cases = [
        (Some(("CI", "true")), true),
        (Some(("CI", "1")), true),
        (Some(("LATHE_REQUIRE_WORKER", "1")), true),
        (Some(("CI", "false")), false),
        (None, false),
    ];
    for (set, fails) in cases {
        let mut child = Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "needs_the_worker", "--nocapture"])
            .env(CHILD, "1")
            .env("LATHE_TEST_PYTHON", "/nonexistent/python")
            .env_remove("CI")
            .env_remove("LATHE_REQUIRE_WORKER");
        if let Some((name, value)) = set {
            child.env(name, value);
        }
        let out = child.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(!out.status.success(), fails, "{set:?}: {stdout}\n{stderr}");
        let said = if fails {
            "needs the worker"
        } else {
            "skipping needs_the_worker"
        };
        assert!(
            stderr.contains(said) || stdout.contains(said),
            "{set:?}: {stdout}\n{stderr}"
        );
    }
}
