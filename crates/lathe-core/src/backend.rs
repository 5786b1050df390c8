//! The language a candidate kernel is written in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// `@triton.jit` kernels launched from Python.
    #[default]
    Triton,
    /// CUDA C++ kernels compiled at import by `torch.utils.cpp_extension.load_inline`.
    Cuda,
}

impl Backend {
    pub const ALL: [Backend; 2] = [Backend::Triton, Backend::Cuda];

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Triton => "triton",
            Backend::Cuda => "cuda",
        }
    }

    /// How prose names the language.
    pub fn display_name(self) -> &'static str {
        match self {
            Backend::Triton => "Triton",
            Backend::Cuda => "CUDA",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Backend::ALL
            .into_iter()
            .find(|b| b.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown backend `{s}`: expected triton or cuda"))
    }
}
