//! Nsight Compute profiling: what the stages' prompts are told about the current best kernel.
//!
//! The flow: the worker's profile target runs the candidate under `ncu`, capturing only a marked
//! forward pass; [`parse_capture`] reads the CSV ncu wrote (raw or details page); [`summarize`]
//! groups launches per kernel and keeps the candidate's own kernels (exact function names) apart
//! from library kernels; [`metrics_block`] turns the own kernels into the `[NCU PROFILING
//! METRICS]` block in the stage's metric order, listing what could not be collected. [`profile`]
//! runs the whole flow: ncu located, metric names checked (ncu drops unknown ones silently), the
//! capture taken, and a [`ProfileRecord`] or a typed [`ProfileUnavailable`] back.

mod capture;
mod kernel_name;
mod known_metrics;
mod ncu;
mod number;
mod profile;
mod record;
mod shown;
mod summary;
mod unavailable;

pub use capture::{Capture, CaptureError, Cell, Launch, Page, parse_capture};
pub use kernel_name::function_name;
pub use known_metrics::{MetricCheck, UnknownMetric, check_metrics};
pub use ncu::Ncu;
pub use number::{NcuNumber, parse_ncu_number};
pub use profile::{ClockControl, MetricRequest, ProfileConfig, ProfileTarget, profile};
pub use record::{ProfileRecord, ProfileSeconds};
pub use shown::{MissingMetric, metrics_block};
pub use summary::{Aggregate, KernelSummary, Summary, summarize};
pub use unavailable::{ProfileUnavailable, UnavailableReason};
