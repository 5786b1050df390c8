//! lathe's domain types and the reviewed data they are read from.
//!
//! No I/O happens here: the GPU catalog, the stage library and the Triton API facts are TOML files
//! under `prompts/`, embedded at build time and parsed on first use. Every later step of the flow
//! (prompts, engine, tuner) reads them through these types.

mod attempt_key;
mod backend;
mod category;
mod compute_capability;
mod gpu_catalog;
mod gpu_spec;
mod integrity_rule;
mod interpreter_timing;
mod ncu_metric_names;
mod speed;
mod stage;
mod stage_library;
mod suggest;
mod suite_figures;
mod triton_api;
mod verdict;
mod verdict_kind;

pub use attempt_key::{AttemptKey, AttemptKeyError, AttemptOrigin, RepairStep};
pub use backend::Backend;
pub use category::{Category, UnknownCategory};
pub use compute_capability::ComputeCapability;
pub use gpu_catalog::{GpuCatalog, GpuCatalogError, GpuLookupError};
pub use gpu_spec::{GpuSpec, TensorRate};
pub use integrity_rule::{Policy, Rule, Severity};
pub use interpreter_timing::{InterpreterStats, InterpreterTiming};
pub use ncu_metric_names::ncu_known_metric_names;
pub use speed::{Speed, beats};
pub use stage::{BlockRange, Comparison, Condition, SkipRule, Stage, Tunables};
pub use stage_library::{StageLibrary, StageLookupError};
pub use suggest::closest;
pub use suite_figures::{Baseline, FAST_P_THRESHOLDS, SuiteFigures, TaskOutcome};
pub use triton_api::{MissingTl, TlFunction, TritonApi, TritonRelease, TritonReleaseError};
pub use verdict::{
    CompileBaseline, Correct, Crash, KernelBenchFigure, OutputError, SpeedOfLight, Timing,
    TimingCrossCheck, TimingStats, Trial, Verdict, Wrong,
};
pub use verdict_kind::VerdictKind;
