//! [`ProfileRecord`]: everything one profile learnt, for `--json`, the store and the logs.

use lathe_prompt::MetricsJson;
use lathe_worker::protocol::ProfiledRegion;
use serde::Serialize;

use crate::known_metrics::UnknownMetric;
use crate::ncu::Ncu;
use crate::profile::DURATION;
use crate::shown::MissingMetric;
use crate::summary::KernelSummary;

/// One profile of one candidate.
///
/// The durations ncu reports (`gpu__time_duration`) are taken with the clocks ncu sets
/// (`clock_control`, by default locked to base) and with caches flushed between replay passes:
/// they describe a kernel's behaviour, not its speed. Speed comes only from `lathe eval`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileRecord {
    pub ncu: Ncu,
    /// The GPU the capture ran on, as ncu names it.
    pub gpu: Option<String>,
    /// The stage whose metrics were asked for (`fusion/memory_access`), if a stage's.
    pub stage: Option<String>,
    pub metrics_requested: Vec<String>,
    /// Requested names this ncu does not know on this GPU: not asked for, each with the
    /// nearest known name.
    pub unknown_metrics: Vec<UnknownMetric>,
    /// Whether the names were checked against ncu (false when ncu could not be asked).
    pub metrics_validated: bool,
    /// The block the prompt shows, as it shows it.
    pub block: String,
    #[serde(skip)]
    pub metrics: MetricsJson,
    /// Metrics left out of the block, per kernel, with the reason.
    pub missing: Vec<MissingMetric>,
    /// The candidate's kernels: every launch in the region, aggregated per kernel.
    pub kernels: Vec<KernelSummary>,
    /// Library kernels (cuDNN, cuBLAS, ATen) that ran in the region.
    pub library_kernels: Vec<KernelSummary>,
    pub captured_launches: usize,
    /// The bound on captured launches (`--launch-count`).
    pub launch_limit: u32,
    /// `base` (ncu's default: clocks locked to base) or `none`.
    pub clock_control: String,
    /// What the worker ran: warm-up forwards and its own count of the region's launches.
    pub region: ProfiledRegion,
    /// Things worth knowing about this capture (truncation, launches the worker counted that
    /// the capture lacks).
    pub notes: Vec<String>,
    pub seconds: ProfileSeconds,
    /// The ncu command line, for reproducing the capture by hand.
    pub command: Vec<String>,
}

/// Where the time of a profile went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProfileSeconds {
    /// From locating ncu to the parsed record.
    pub total: f64,
    /// Checking metric names (zero when the cache answered).
    pub metric_check: f64,
    /// ncu and the worker under it.
    pub capture: f64,
}

impl ProfileRecord {
    /// The metrics of the candidate's longest-running own kernel (by `gpu__time_duration.sum`),
    /// medians over its launches: what a stage's skip rule and the tuner's rules read.
    pub fn main_kernel_metrics(&self) -> std::collections::BTreeMap<String, f64> {
        let duration = |k: &&KernelSummary| k.metric(DURATION).map_or(0.0, |a| a.median);
        self.kernels
            .iter()
            .max_by(|a, b| duration(a).total_cmp(&duration(b)))
            .map(|main| {
                main.metrics
                    .iter()
                    .map(|(name, aggregate)| (name.clone(), aggregate.median))
                    .collect()
            })
            .unwrap_or_default()
    }
}
