//! The integrity rules: each names one way a candidate kernel can look correct or fast without
//! being so, and is enforced by a static check (lathe-check), the worker, or both.
//! The table with the attack each rule stops is docs/design/worker-protocol.md.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    NoKernel,
    KernelNotLaunched,
    LaunchFallback,
    Threads,
    SideStream,
    TimerPatch,
    PrecisionFlags,
    FileWrite,
    Introspection,
    PrecisionDowncast,
    TorchCompute,
    NoOwnKernelRan,
    GhostKernel,
    LibraryCompute,
    InputMutated,
    LazyOutput,
    Nondeterministic,
    TrivialOutputPasses,
    ChangedAfterTiming,
    FasterThanLight,
    CudaGraph,
    TimingMismatch,
    HarnessTamper,
}

impl Rule {
    pub const ALL: [Rule; 23] = [
        Rule::NoKernel,
        Rule::KernelNotLaunched,
        Rule::LaunchFallback,
        Rule::Threads,
        Rule::SideStream,
        Rule::TimerPatch,
        Rule::PrecisionFlags,
        Rule::FileWrite,
        Rule::Introspection,
        Rule::PrecisionDowncast,
        Rule::TorchCompute,
        Rule::NoOwnKernelRan,
        Rule::GhostKernel,
        Rule::LibraryCompute,
        Rule::InputMutated,
        Rule::LazyOutput,
        Rule::Nondeterministic,
        Rule::TrivialOutputPasses,
        Rule::ChangedAfterTiming,
        Rule::FasterThanLight,
        Rule::CudaGraph,
        Rule::TimingMismatch,
        Rule::HarnessTamper,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NoKernel => "no-kernel",
            Rule::KernelNotLaunched => "kernel-not-launched",
            Rule::LaunchFallback => "launch-fallback",
            Rule::Threads => "threads",
            Rule::SideStream => "side-stream",
            Rule::TimerPatch => "timer-patch",
            Rule::PrecisionFlags => "precision-flags",
            Rule::FileWrite => "file-write",
            Rule::Introspection => "introspection",
            Rule::PrecisionDowncast => "precision-downcast",
            Rule::TorchCompute => "torch-compute",
            Rule::NoOwnKernelRan => "no-own-kernel-ran",
            Rule::GhostKernel => "ghost-kernel",
            Rule::LibraryCompute => "library-compute",
            Rule::InputMutated => "input-mutated",
            Rule::LazyOutput => "lazy-output",
            Rule::Nondeterministic => "nondeterministic",
            Rule::TrivialOutputPasses => "trivial-output-passes",
            Rule::ChangedAfterTiming => "changed-after-timing",
            Rule::FasterThanLight => "faster-than-light",
            Rule::CudaGraph => "cuda-graph",
            Rule::TimingMismatch => "timing-mismatch",
            Rule::HarnessTamper => "harness-tamper",
        }
    }

    /// The attack the rule stops, in a line.
    pub fn attack(self) -> &'static str {
        match self {
            Rule::NoKernel => "the kernel is PyTorch: it defines no kernel of its own",
            Rule::KernelNotLaunched => "a kernel is defined but nothing launches it",
            Rule::LaunchFallback => "a try/except around a launch falls back to PyTorch",
            Rule::Threads => "a background thread finishes the work after the timer stops",
            Rule::SideStream => "work on another CUDA stream escapes the timing events",
            Rule::TimerPatch => "timing or synchronization functions are replaced",
            Rule::PrecisionFlags => "global precision switches (TF32, default dtype) are changed",
            Rule::FileWrite => "files are written: harness or cache files edited",
            Rule::Introspection => "the harness's memory is searched for the expected output",
            Rule::PrecisionDowncast => "float32 work is done in half precision",
            Rule::TorchCompute => "PyTorch compute ops do the work",
            Rule::NoOwnKernelRan => "none of the candidate's kernels ran during forward",
            Rule::GhostKernel => "disabling the candidate's kernels leaves the output unchanged",
            Rule::LibraryCompute => "library compute kernels ran under the strict policy",
            Rule::InputMutated => "inputs are changed by the call",
            Rule::LazyOutput => "the output computes lazily inside the checker",
            Rule::Nondeterministic => "two calls on the same input disagree",
            Rule::TrivialOutputPasses => "zeros, a constant or the input itself would pass",
            Rule::ChangedAfterTiming => "a timed call's output is wrong: honest only while checked",
            Rule::FasterThanLight => "the time is under the speed-of-light bound",
            Rule::CudaGraph => "a CUDA graph captured in one call carries work into another",
            Rule::TimingMismatch => "the reported times disagree with the judge's own clock",
            Rule::HarnessTamper => "the harness's code, messages or result file were tampered with",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Rule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rule::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown integrity rule `{s}`"))
    }
}

/// How a finding weighs: a warning travels with the verdict; a rejection decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warn,
    Reject,
}

/// Whether PyTorch may do part of the work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// PyTorch may do part of the work (the seeds keep a convolution in PyTorch), but the
    /// candidate's own kernels must do real work.
    #[default]
    Default,
    /// Library compute (PyTorch ops, cuBLAS, cuDNN) is refused as well.
    Strict,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Default => "default",
            Policy::Strict => "strict",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "default" => Ok(Policy::Default),
            "strict" => Ok(Policy::Strict),
            _ => Err(format!("unknown policy `{s}`: expected default or strict")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for rule in Rule::ALL {
            assert_eq!(rule.as_str().parse::<Rule>(), Ok(rule));
            let json = serde_json_like(rule);
            assert_eq!(json, rule.as_str());
        }
    }

    fn serde_json_like(rule: Rule) -> String {
        // serde's kebab-case renaming must agree with as_str: round-trip through TOML.
        #[derive(Serialize)]
        struct W {
            r: Rule,
        }
        let text = toml::to_string(&W { r: rule }).unwrap();
        text.trim()
            .trim_start_matches("r = ")
            .trim_matches('"')
            .to_owned()
    }
}
