//! The machine a run stands on, found before the run is recorded: the worker's Python runs and
//! the prompts have a target GPU. A run that cannot start (no usable Python, no GPU named or
//! found) is a failed command, never a failed run in `lathe runs`; [`create_run`] takes a
//! [`Ground`] so that no run is recorded without one.
//!
//! [`create_run`]: crate::create_run

use std::time::{Duration, Instant};

use lathe_core::GpuSpec;
use lathe_worker::driver;
use lathe_worker::protocol::{PROTOCOL_VERSION, ProbeFacts, ProbeRequest, RequestKind};

use crate::{EngineError, Parts};

/// What the probe found, and the GPU the prompts will describe.
#[derive(Debug, Clone)]
pub struct Ground {
    /// `None` when the worker ran but could not describe the machine (the run goes on: only
    /// the fingerprint and the `tl` facts are missing).
    pub(crate) facts: Option<ProbeFacts>,
    /// The GPU the worker found, by the name the driver gives it.
    pub(crate) probed_gpu: Option<String>,
    /// The parts' GPU, else the probed one from the catalog.
    pub(crate) gpu: GpuSpec,
    /// How long the probe took: time spent waiting on the worker.
    pub(crate) waited: Duration,
}

impl Ground {
    /// Runs the worker's probe on the parts' device and resolves the target GPU. `Err` when
    /// the worker cannot run or no target GPU is known: nothing can be judged or prompted.
    pub fn probe(parts: &Parts) -> Result<Ground, EngineError> {
        let request = ProbeRequest {
            protocol: PROTOCOL_VERSION,
            kind: RequestKind::Probe,
            device: parts.judge.device,
            ncu: None,
            cache_dir: None,
        };
        let started = Instant::now();
        // The probe runs work on a GPU (and may measure its copy bandwidth): in a suite it
        // holds a device like a judging, so it never disturbs another task's timing.
        let lease = parts.devices.as_ref().map(|pool| pool.lease());
        let worker = match &lease {
            Some(lease) => lease.worker(&parts.worker),
            None => parts.worker.clone(),
        };
        let finished = driver::probe(&worker, request).map_err(EngineError::Worker)?;
        drop(lease);
        let facts: Option<ProbeFacts> = finished.outcome.ok();
        let probed_gpu = facts
            .as_ref()
            .and_then(|f| f.gpu.as_ref())
            .map(|g| g.name.clone());
        let gpu = match &parts.gpu {
            Some(spec) => spec.clone(),
            None => probed_gpu
                .as_deref()
                .and_then(|name| parts.catalog.lookup(name).ok())
                .cloned()
                .ok_or_else(|| EngineError::NoTargetGpu {
                    found: probed_gpu
                        .as_ref()
                        .map(|g| format!(" (it found {g})"))
                        .unwrap_or_default(),
                })?,
        };
        Ok(Ground {
            facts,
            probed_gpu,
            gpu,
            waited: started.elapsed(),
        })
    }

    /// A ground taken on trust, without a probe: `gpu` is the prompts' target and nothing is
    /// known of the machine (no fingerprint; the `tl` facts the plan names). For a run whose
    /// candidates another [`Judge`](crate::Judge) than the worker judges (the loop's tests),
    /// where there is no worker to probe with.
    pub fn assumed(gpu: GpuSpec) -> Ground {
        Ground {
            facts: None,
            probed_gpu: None,
            gpu,
            waited: Duration::ZERO,
        }
    }

    /// The machine's fingerprint (GPU, driver, torch, triton), when the probe could take it.
    pub fn fingerprint(&self) -> Option<&serde_json::Value> {
        self.facts.as_ref().map(|f| &f.fingerprint)
    }
}
