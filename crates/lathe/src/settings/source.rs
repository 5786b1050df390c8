//! Where a setting's value came from, so that errors and `lathe config` can say.

use std::fmt;
use std::path::PathBuf;

/// One setting: its key in settings files, its environment variable and its flag.
#[derive(Debug)]
pub struct Key {
    pub name: &'static str,
    pub env: &'static str,
    pub flag: &'static str,
    pub about: &'static str,
}

pub const GPU: Key = Key {
    name: "gpu",
    env: "LATHE_GPU",
    flag: "--gpu",
    about: "target GPU (catalog name, alias or driver name)",
};
pub const CATEGORY: Key = Key {
    name: "category",
    env: "LATHE_CATEGORY",
    flag: "--category",
    about: "problem category: single, fusion or network",
};
pub const BACKEND: Key = Key {
    name: "backend",
    env: "LATHE_BACKEND",
    flag: "--backend",
    about: "kernel language: triton or cuda",
};
pub const STYLE: Key = Key {
    name: "prompt.style",
    env: "LATHE_PROMPT_STYLE",
    flag: "--style",
    about: "optimization prompt style: full, full-api or compact",
};
pub const TRITON_VERSION: Key = Key {
    name: "prompt.triton_version",
    env: "LATHE_TRITON_VERSION",
    flag: "--triton-version",
    about: "Triton release whose missing `tl` functions prompts list",
};
pub const ERROR_LOG_LINES: Key = Key {
    name: "prompt.error_log_lines",
    env: "LATHE_ERROR_LOG_LINES",
    flag: "--error-log-lines",
    about: "trailing error-log lines in analyst and repair prompts",
};

pub const ALL_KEYS: [&Key; 6] = [
    &GPU,
    &CATEGORY,
    &BACKEND,
    &STYLE,
    &TRITON_VERSION,
    &ERROR_LOG_LINES,
];

/// A settings layer, from the most to the least specific.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag,
    /// The problem's path names a KernelBench level (category only).
    ProblemPath(PathBuf),
    Env,
    File(PathBuf),
    Default,
}

/// A resolved value and the layer it came from.
#[derive(Debug, Clone)]
pub struct Sourced<T> {
    pub value: T,
    pub origin: Origin,
    pub key: &'static Key,
}

/// Renders as where the value was set: `--gpu`, `LATHE_GPU`, `gpu in ./lathe.toml`.
#[derive(Debug)]
pub struct Whence<'a> {
    origin: &'a Origin,
    key: &'static Key,
}

impl<T> Sourced<T> {
    pub fn whence(&self) -> Whence<'_> {
        Whence {
            origin: &self.origin,
            key: self.key,
        }
    }
}

impl fmt::Display for Whence<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::Flag => f.write_str(self.key.flag),
            Origin::ProblemPath(path) => write!(f, "the problem path {}", path.display()),
            Origin::Env => f.write_str(self.key.env),
            Origin::File(path) => write!(f, "`{}` in {}", self.key.name, path.display()),
            Origin::Default => f.write_str("built-in default"),
        }
    }
}
