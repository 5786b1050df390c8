//! Runs the real `lathe` binary in a sandbox: a fresh temporary directory as the working
//! directory (with an empty lathe.toml, so no settings file above it is found) and as HOME, and
//! an environment with nothing but PATH in it.

#![allow(dead_code, reason = "each test binary uses part of the sandbox")]

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Sandbox {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lathe.toml"), "").unwrap();
        Sandbox {
            dir,
            env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn env(mut self, name: &str, value: &str) -> Sandbox {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `lathe ARGS` in the sandbox, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lathe"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().unwrap();
        Run {
            code: output.status.code().expect("lathe exited by a signal"),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }

    /// `stderr` with this sandbox's path replaced by `[SANDBOX]`, for snapshots.
    pub fn redact(&self, text: &str) -> String {
        let real = self.dir.path().canonicalize().unwrap();
        text.replace(&real.display().to_string(), "[SANDBOX]")
            .replace(&self.dir.path().display().to_string(), "[SANDBOX]")
    }
}

/// A Python that can run the worker (it imports torch, triton and numpy): `LATHE_TEST_PYTHON`,
/// else the workspace's `.venv/bin/python`. `None` when there is none, after saying on stderr
/// that `test` is skipped; a panic instead where the worker is required ([`worker_required`]),
/// so that CI can never report a worker test `ok` that did not run. Asked once per test binary:
/// importing torch takes seconds.
pub fn worker_python(test: &str) -> Option<PathBuf> {
    static FOUND: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let candidate = match std::env::var_os("LATHE_TEST_PYTHON") {
            Some(p) => PathBuf::from(p),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"),
        };
        let usable = Command::new(&candidate)
            .args(["-c", "import torch, triton, numpy"])
            .output()
            .is_ok_and(|o| o.status.success());
        if usable {
            Ok(candidate)
        } else {
            Err(format!(
                "{} cannot import torch, triton and numpy",
                candidate.display()
            ))
        }
    });
    match found {
        Ok(python) => Some(python.clone()),
        Err(why) => match worker_required() {
            Some(because) => panic!(
                "{test} needs the worker ({because}), but {why}\nhint: ./scripts/test installs \
                 it into .venv; or set LATHE_TEST_PYTHON to a Python with torch and triton"
            ),
            None => {
                #[expect(clippy::print_stderr, reason = "a skipped test must be visible")]
                {
                    eprintln!("skipping {test}: {why} (set LATHE_TEST_PYTHON)");
                }
                None
            }
        },
    }
}

/// Why a test that needs the worker must fail rather than skip without one, or `None` where it
/// may skip (a developer's machine without torch). `LATHE_REQUIRE_WORKER` (set by
/// scripts/test) or `CI` (set by every CI service; `false` and `0` do not count): a skipped
/// test reports `ok`, and a CI that lost its torch would otherwise stay green.
pub fn worker_required() -> Option<&'static str> {
    let set = |name: &str| {
        std::env::var(name).is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false" | "no"))
    };
    if set("LATHE_REQUIRE_WORKER") {
        Some("LATHE_REQUIRE_WORKER is set")
    } else if set("CI") {
        Some("CI is set")
    } else {
        None
    }
}

/// The optimization loop's CI example, `examples/ci/add_relu/`.
pub fn ci_example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/ci/add_relu")
}

/// A file of the CI example, as a command-line argument.
pub fn ci_example(file: &str) -> String {
    ci_example_dir().join(file).display().to_string()
}
