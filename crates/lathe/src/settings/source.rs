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

pub const PYTHON: Key = Key {
    name: "python",
    env: "LATHE_PYTHON",
    flag: "--python",
    about: "Python interpreter with torch and triton, for the worker",
};
pub const CACHE_DIR: Key = Key {
    name: "cache_dir",
    env: "LATHE_CACHE_DIR",
    flag: "-",
    about: "cache of the installed worker and measured baselines",
};
pub const RUNS_DIR: Key = Key {
    name: "runs_dir",
    env: "LATHE_RUNS_DIR",
    flag: "--runs-dir",
    about: "the run database (lathe.db) and each run's outputs",
};
pub const DEVICE: Key = Key {
    name: "eval.device",
    env: "LATHE_DEVICE",
    flag: "--device",
    about: "where candidates run: cuda, or interpret (CPU, no GPU timing)",
};
pub const POLICY: Key = Key {
    name: "eval.policy",
    env: "LATHE_POLICY",
    flag: "--policy",
    about: "default (PyTorch may do part of the work) or strict",
};
pub const TRIALS: Key = Key {
    name: "eval.trials",
    env: "LATHE_TRIALS",
    flag: "--trials",
    about: "correctness trials, each with fresh seeded inputs",
};
pub const SECOND_SHAPE: Key = Key {
    name: "eval.second_shape",
    env: "-",
    flag: "-",
    about: "also check at another batch size when the problem names one",
};
pub const TOLERANCE_RULE: Key = Key {
    name: "eval.tolerance_rule",
    env: "LATHE_TOLERANCE_RULE",
    flag: "--tolerance-rule",
    about: "error-factor (float64 reference, summation order allowed) or kernelbench",
};
pub const ERROR_FACTOR: Key = Key {
    name: "eval.error_factor",
    env: "LATHE_ERROR_FACTOR",
    flag: "--error-factor",
    about: "error-factor rule: times PyTorch's own largest float32 error a candidate may make",
};
pub const TIMEOUT: Key = Key {
    name: "eval.timeout_seconds",
    env: "LATHE_TIMEOUT",
    flag: "--timeout",
    about: "wall-clock limit of one evaluation",
};
pub const GRACE: Key = Key {
    name: "eval.grace_seconds",
    env: "-",
    flag: "-",
    about: "between SIGTERM and SIGKILL at the limit",
};
pub const MEMORY_LIMIT: Key = Key {
    name: "eval.memory_limit_gb",
    env: "LATHE_MEMORY_LIMIT_GB",
    flag: "--memory-limit-gb",
    about: "resident memory of one evaluation's processes",
};
pub const FILE_SIZE_LIMIT: Key = Key {
    name: "eval.file_size_limit_mb",
    env: "-",
    flag: "-",
    about: "largest file an evaluation may write",
};

pub const NCU: Key = Key {
    name: "profile.ncu",
    env: "LATHE_NCU",
    flag: "--ncu",
    about: "the Nsight Compute command (unset: ncu on PATH, then CUDA's usual places)",
};
pub const PROFILE_TIMEOUT: Key = Key {
    name: "profile.timeout_seconds",
    env: "LATHE_PROFILE_TIMEOUT",
    flag: "--profile-timeout",
    about: "wall-clock limit of one profile (ncu and the worker under it)",
};
pub const LAUNCH_COUNT: Key = Key {
    name: "profile.launch_count",
    env: "-",
    flag: "-",
    about: "most kernel launches one profile captures",
};
pub const CLOCK_CONTROL: Key = Key {
    name: "profile.clock_control",
    env: "-",
    flag: "-",
    about: "ncu --clock-control: base (locked, repeatable) or none",
};

pub const LLM: Key = Key {
    name: "llm.spec",
    env: "LATHE_LLM",
    flag: "--llm",
    about: "the model: PROVIDER:MODEL (openai, anthropic, command, manual, replay)",
};

/// Every setting with an environment variable or a flag, in `lathe config`'s order.
pub const ALL_KEYS: [&Key; 24] = [
    &GPU,
    &CATEGORY,
    &BACKEND,
    &STYLE,
    &TRITON_VERSION,
    &ERROR_LOG_LINES,
    &PYTHON,
    &CACHE_DIR,
    &RUNS_DIR,
    &DEVICE,
    &POLICY,
    &TRIALS,
    &SECOND_SHAPE,
    &TOLERANCE_RULE,
    &ERROR_FACTOR,
    &TIMEOUT,
    &GRACE,
    &MEMORY_LIMIT,
    &FILE_SIZE_LIMIT,
    &NCU,
    &PROFILE_TIMEOUT,
    &LAUNCH_COUNT,
    &CLOCK_CONTROL,
    &LLM,
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
