//! The request and result messages of the worker protocol (docs/design/worker-protocol.md).
//! The Python side is worker/lathe_worker/protocol.py; both parse the shared examples in
//! worker/protocol/examples/ in their tests.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use lathe_core::{Backend, Policy, Verdict};
use serde::{Deserialize, Serialize};

pub const PROTOCOL_VERSION: u32 = 1;

/// Where candidates run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// A CUDA GPU: correctness, integrity and timing.
    #[default]
    Cuda,
    /// Triton's interpreter on the CPU (`TRITON_INTERPRET=1`): correctness, integrity, and
    /// when asked the interpreted forward's wall time; never GPU timing.
    Interpret,
}

impl Device {
    pub const ALL: [Device; 2] = [Device::Cuda, Device::Interpret];

    pub fn as_str(self) -> &'static str {
        match self {
            Device::Cuda => "cuda",
            Device::Interpret => "interpret",
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Device {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Device::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown device `{s}`: expected cuda or interpret"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalRequest {
    pub protocol: u32,
    pub kind: RequestKind,
    pub device: Device,
    pub problem: ProblemRef,
    pub candidate: CandidateRef,
    pub correctness: CorrectnessConfig,
    pub timing: TimingConfig,
    pub integrity: IntegrityConfig,
    pub limits: Limits,
    #[serde(default)]
    pub progress_path: Option<PathBuf>,
    /// Where the runner (the process that runs the candidate) keeps its compiler caches.
    #[serde(default)]
    pub runner: RunnerConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunnerConfig {
    /// Triton's and torch's extension caches of candidates, apart from the user's own.
    /// `None`: a directory in the evaluation's scratch (nothing shared between evaluations).
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
}

/// How floating outputs are judged (docs/design/judge.md, "Correctness").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ToleranceRule {
    /// Against a float64 reference: KernelBench's atol/rtol, or `error_factor` times PyTorch's
    /// own largest float32 error on the output, whichever is larger element by element.
    #[default]
    ErrorFactor,
    /// KernelBench's atol/rtol against the reference in the problem's precision.
    Kernelbench,
}

impl ToleranceRule {
    pub const ALL: [ToleranceRule; 2] = [ToleranceRule::ErrorFactor, ToleranceRule::Kernelbench];

    pub fn as_str(self) -> &'static str {
        match self {
            ToleranceRule::ErrorFactor => "error-factor",
            ToleranceRule::Kernelbench => "kernelbench",
        }
    }
}

impl fmt::Display for ToleranceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ToleranceRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ToleranceRule::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown tolerance rule `{s}`: expected error-factor or kernelbench")
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    Eval,
    Profile,
    Probe,
    Baselines,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemRef {
    pub path: PathBuf,
    /// Module-level constants to set (`--set batch_size=2`).
    #[serde(default)]
    pub overrides: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateRef {
    pub path: PathBuf,
    pub backend: Backend,
    /// The candidate's own kernel names, as the static check found them.
    #[serde(default)]
    pub kernels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorrectnessConfig {
    pub trials: u32,
    pub seed: u64,
    /// `[atol, rtol]` by output dtype.
    pub tolerances: BTreeMap<String, [f64; 2]>,
    pub second_shape: bool,
    #[serde(default)]
    pub rule: ToleranceRule,
    /// The error-factor rule's factor (ignored under `kernelbench`).
    #[serde(default = "default_error_factor")]
    pub error_factor: f64,
}

/// A candidate may be off by this many times PyTorch's own largest float32 error.
pub const DEFAULT_ERROR_FACTOR: f64 = 8.0;

fn default_error_factor() -> f64 {
    DEFAULT_ERROR_FACTOR
}

impl Default for CorrectnessConfig {
    fn default() -> Self {
        CorrectnessConfig {
            trials: 5,
            seed: 42,
            tolerances: [
                ("float32", [1e-4, 1e-4]),
                ("float16", [1e-2, 1e-2]),
                ("bfloat16", [1e-2, 1e-2]),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
            second_shape: true,
            rule: ToleranceRule::ErrorFactor,
            error_factor: DEFAULT_ERROR_FACTOR,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimingConfig {
    pub enabled: bool,
    pub min_runs: u32,
    pub min_seconds: f64,
    pub max_runs: u32,
    pub max_seconds: f64,
    pub warmup_runs: u32,
    pub warmup_seconds: f64,
    pub compile_baseline: bool,
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// Under [`Device::Interpret`]: also time the interpreted forward (CPU wall time, which
    /// orders kernels by the interpreter's work, never GPU performance). Ignored on CUDA.
    #[serde(default)]
    pub interpreter: bool,
}

impl Default for TimingConfig {
    fn default() -> Self {
        TimingConfig {
            enabled: true,
            min_runs: 100,
            min_seconds: 1.0,
            max_runs: 10_000,
            max_seconds: 20.0,
            warmup_runs: 10,
            warmup_seconds: 1.0,
            compile_baseline: true,
            cache_dir: None,
            interpreter: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrityConfig {
    pub policy: Policy,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    #[serde(default)]
    pub file_size_bytes: Option<u64>,
}

/// The candidate's forward, warmed up until nothing compiles, then once inside the profiler's
/// region (`cudaProfilerStart`/`Stop`): what Nsight Compute captures with
/// `--profile-from-start off`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileRequest {
    pub protocol: u32,
    pub kind: RequestKind,
    pub device: Device,
    pub problem: ProblemRef,
    pub candidate: CandidateRef,
    pub seed: u64,
    pub warmup: WarmupConfig,
    pub limits: Limits,
    #[serde(default)]
    pub progress_path: Option<PathBuf>,
}

/// Warm-up forwards: at least `min_runs`, then until one compiles nothing, at most `max_runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarmupConfig {
    pub min_runs: u32,
    pub max_runs: u32,
}

impl Default for WarmupConfig {
    fn default() -> Self {
        WarmupConfig {
            min_runs: 2,
            max_runs: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeRequest {
    pub protocol: u32,
    pub kind: RequestKind,
    pub device: Device,
    #[serde(default)]
    pub ncu: Option<PathBuf>,
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
}

/// A problem's eager and torch.compile timings, without a candidate: what `lathe suite
/// baselines` measures ahead of a suite. The torch.compile figure lands in the cache an
/// evaluation with the same `timing` reads (the cache key covers the problem's source, its
/// overrides, the machine and the timing protocol).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselinesRequest {
    pub protocol: u32,
    pub kind: RequestKind,
    pub device: Device,
    pub problem: ProblemRef,
    /// The inputs' seed: an evaluation's first inputs (`correctness.seed`).
    pub seed: u64,
    pub timing: TimingConfig,
}

/// What a `baselines` request measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredBaselines {
    /// The GPU's name and the torch, Triton and CUDA versions.
    pub machine: BTreeMap<String, serde_json::Value>,
    pub eager: BaselineTiming,
    #[serde(default)]
    pub torch_compile: Option<BaselineTiming>,
    /// The torch.compile cache entry's key.
    pub compile_key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineTiming {
    #[serde(default)]
    pub median_ms: Option<f64>,
    #[serde(default)]
    pub iqr_ms: Option<f64>,
    #[serde(default)]
    pub runs: Option<u64>,
    /// Taken from the cache rather than measured now.
    #[serde(default)]
    pub cached: Option<bool>,
    #[serde(default)]
    pub compile_seconds: Option<f64>,
    /// Why there is no figure (torch.compile failed on this problem).
    #[serde(default)]
    pub error: Option<String>,
}

/// Everything a worker writes back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkerResult {
    pub protocol: u32,
    #[serde(flatten)]
    pub outcome: Outcome,
    #[serde(default)]
    pub notes: Vec<String>,
    #[serde(default)]
    pub phases: Vec<Phase>,
    #[serde(default)]
    pub fingerprint: serde_json::Value,
    /// The nonce the harness gave the judge on its standard input: a result without it was not
    /// written by the judge.
    #[serde(default)]
    pub nonce: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Verdict { verdict: Verdict },
    ProblemError { error: ErrorMessage },
    ProtocolError { error: ErrorMessage },
    EnvironmentError { error: ErrorMessage },
    WorkerError { error: ErrorMessage },
    Probe { probe: Box<ProbeFacts> },
    Profiled { profiled: ProfiledRegion },
    Baselines { baselines: Box<MeasuredBaselines> },
}

/// What the profile target ran: the warm-up, and the launches of the candidate's own kernels
/// inside the marked region as the worker counted them (the capture should hold as many).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfiledRegion {
    pub warmup_runs: u32,
    /// The last warm-up forward compiled nothing and ran no autotuner benchmark.
    pub warm: bool,
    /// Whether compilations could be watched at all with this Triton.
    pub compile_watch: bool,
    pub region_launches: BTreeMap<String, u64>,
    pub region_seconds: f64,
    /// The region was marked for the profiler (false without a CUDA device).
    pub marked: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ErrorMessage {
    pub message: String,
    #[serde(default)]
    pub traceback_tail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    #[serde(default)]
    pub seconds: Option<f64>,
}

/// What `lathe probe` learns from the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeFacts {
    pub fingerprint: serde_json::Value,
    #[serde(default)]
    pub tl_functions: Option<BTreeMap<String, bool>>,
    #[serde(default)]
    pub gpu: Option<ProbeGpu>,
    #[serde(default)]
    pub copy_bandwidth_gb_s: Option<f64>,
    pub ncu: NcuFacts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeGpu {
    pub name: String,
    pub compute_capability: String,
    pub sm_count: u32,
    pub l2_bytes: u64,
    pub memory_bytes: u64,
    #[serde(default)]
    pub max_threads_per_sm: Option<u32>,
    #[serde(default)]
    pub registers_per_sm: Option<u32>,
    #[serde(default)]
    pub shared_memory_per_sm_bytes: Option<u64>,
    #[serde(default)]
    pub shared_memory_per_block_optin_bytes: Option<u64>,
    #[serde(default)]
    pub warp_size: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NcuFacts {
    pub path: Option<PathBuf>,
    pub version: Option<String>,
    /// `readable`, `no permission`, `not found`, or why it could not be told.
    pub counters: String,
}
