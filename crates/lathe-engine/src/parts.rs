//! The run's working parts that are not part of its plan: the model, the worker and profiler
//! settings, the target GPU and how prompts are written. Built by the command from the current
//! settings each time a run starts or resumes.

use std::collections::BTreeMap;
use std::sync::Arc;

use lathe_core::{GpuCatalog, GpuSpec, Policy};
use lathe_llm::{Provider, Request};
use lathe_profile::ProfileConfig;
use lathe_prompt::PromptStyle;
use lathe_worker::driver::WorkerConfig;
use lathe_worker::protocol::{CorrectnessConfig, Device, IntegrityConfig, Limits, TimingConfig};

use crate::{DevicePool, Judge, Lease, WorkerJudge};

pub struct Parts {
    /// The model; `None` runs the tuner alone (no model configured).
    pub provider: Option<Box<dyn Provider>>,
    /// Every model call's settings; its prompt is replaced by each attempt's.
    pub request: Request,
    /// Make a batch's calls at once (the provider's own limits still apply). Off, or with an
    /// order-sensitive provider, calls are made one at a time in key order, so a stateful
    /// provider (a replay, a script) answers the same calls the same way on every run.
    pub parallel_calls: bool,
    pub worker: WorkerConfig,
    /// The devices a suite's tasks share: each judging and profile holds one for as long as it
    /// runs. `None`: `worker` as it is (a run of one problem).
    pub devices: Option<Arc<DevicePool>>,
    pub judge: JudgeSettings,
    /// Who judges the candidates: `None` is the worker, a [`WorkerJudge`] of `worker` (pinned
    /// to the leased device in a suite) and `judge`; tests of the loop put a double here, and
    /// run it without Python or a GPU.
    pub judging: Option<Arc<dyn Judge>>,
    /// Nsight Compute's settings; used when the plan profiles.
    pub profile: ProfileConfig,
    /// The GPU the prompts describe; `None`: the probed GPU, looked up in `catalog`.
    pub gpu: Option<GpuSpec>,
    pub catalog: GpuCatalog,
    pub style: PromptStyle,
    /// How many lines of an error the analyst and repair prompts show.
    pub error_log_lines: usize,
}

impl Parts {
    /// The judge of one judging, on the device of `lease` when the run shares a pool.
    pub fn judge_on(&self, lease: Option<&Lease<'_>>) -> Arc<dyn Judge> {
        match &self.judging {
            Some(judge) => judge.clone(),
            None => {
                let worker = match lease {
                    Some(lease) => lease.worker(&self.worker),
                    None => self.worker.clone(),
                };
                Arc::new(WorkerJudge::new(worker, self.judge.clone()))
            }
        }
    }

    /// How the model is named in records and progress: its spec, or the tuner's name.
    pub fn model_name(&self) -> String {
        self.provider
            .as_ref()
            .map_or_else(|| "none (lathe tune only)".to_owned(), |p| p.describe())
    }
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("provider", &self.provider.as_ref().map(|p| p.describe()))
            .field("device", &self.judge.device)
            .finish_non_exhaustive()
    }
}

/// How candidates are judged: the worker request's settings, the same for every candidate.
#[derive(Debug, Clone)]
pub struct JudgeSettings {
    pub device: Device,
    /// Module-level constants of the problem set before its inputs are made (`--set`).
    pub overrides: BTreeMap<String, serde_json::Value>,
    pub correctness: CorrectnessConfig,
    pub timing: TimingConfig,
    pub policy: Policy,
    pub limits: Limits,
}

impl JudgeSettings {
    pub fn integrity(&self) -> IntegrityConfig {
        IntegrityConfig {
            policy: self.policy,
        }
    }
}
