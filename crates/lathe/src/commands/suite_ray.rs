//! `--executor ray`: a suite's evaluations on a Ray cluster's GPU nodes (docs/design/ray.md).
//! The binary's side is small: connect once before the pool starts (an unreachable cluster
//! stops the suite before any work, exit 5, naming the address), give the pool one slot per
//! GPU the cluster lent, and point every slot's worker at the cluster. The judging itself goes
//! through the same path as a local one (`lathe_worker::driver::evaluate_watched`).

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use lathe_engine::DeviceSlot;
use lathe_worker::driver::WorkerConfig;
use lathe_worker::ray::{ClusterError, RayCluster};

use crate::cli::ExecutorArgs;
use crate::error::CliError;
use crate::settings::Settings;

/// A suite's cluster as its plan records it (`lathe suite run`'s `settings_json`), so that
/// `lathe resume` judges on the same cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RayPlan {
    pub address: String,
    pub retries: u32,
    pub gpus: Option<usize>,
}

impl RayPlan {
    /// The cluster `args` ask for; `None` under `--executor local`.
    pub fn of(args: &ExecutorArgs) -> Result<Option<RayPlan>, CliError> {
        if args.executor != "ray" {
            return Ok(None);
        }
        let Some(address) = args.ray_address.as_deref().filter(|a| !a.trim().is_empty()) else {
            return Err(CliError::Environment {
                message: "--executor ray needs the cluster's address".to_owned(),
                hint: Some("give --ray-address HOST:PORT (the head's `ray start --head --port`) or set RAY_ADDRESS".to_owned()),
            });
        };
        Ok(Some(RayPlan {
            address: address.to_owned(),
            retries: args.ray_retries,
            gpus: args.ray_gpus,
        }))
    }
}

/// The cluster asked for, connected; `None` under `--executor local`.
pub fn connect(
    args: &ExecutorArgs,
    settings: &Settings,
) -> Result<Option<Arc<RayCluster>>, CliError> {
    match RayPlan::of(args)? {
        Some(plan) => connect_plan(&plan, settings).map(Some),
        None => Ok(None),
    }
}

/// Connects to the cluster of `plan`.
pub fn connect_plan(plan: &RayPlan, settings: &Settings) -> Result<Arc<RayCluster>, CliError> {
    let worker = settings.eval.worker_config();
    RayCluster::connect(
        &worker.python,
        &worker.cache_dir,
        &plan.address,
        plan.retries,
        plan.gpus,
    )
    .map_err(|error| {
        let hint = match &error {
            ClusterError::Unreachable { .. } => {
                "`ray status --address ADDR` shows whether the cluster is up; start one with `ray start --head --port PORT`"
            }
            ClusterError::NoGpus { .. } => {
                "start the cluster's nodes with GPUs (`ray start ... --num-gpus N`)"
            }
            ClusterError::NoRay { .. } | ClusterError::Start(_) => {
                "install ray next to torch and triton (`pip install ray`), or pick another interpreter with --python"
            }
        };
        CliError::Environment {
            message: error.to_string(),
            hint: Some(hint.to_owned()),
        }
    })
}

/// The pool's slots on the cluster: one per GPU it lent, as interpreter jobs are (no local
/// GPU is pinned: Ray gives each actor its own).
pub fn slots(cluster: &RayCluster) -> Vec<Option<String>> {
    vec![None; cluster.slots().len()]
}

/// The device slots of a suite run on the cluster: one per GPU it lent (`ray0`, `ray1`...),
/// none pinning a local GPU.
pub fn device_slots(cluster: &RayCluster) -> Vec<DeviceSlot> {
    (0..cluster.slots().len())
        .map(|n| DeviceSlot {
            label: format!("ray{n}"),
            gpu: None,
        })
        .collect()
}

/// A suite plan's slots before it connects: one, the cluster (two tasks at once by default,
/// as for one GPU; `--jobs` sets more).
pub fn planned_slots() -> Vec<DeviceSlot> {
    vec![DeviceSlot {
        label: "ray".to_owned(),
        gpu: None,
    }]
}

/// `worker`, judging on `cluster` when there is one. No judge is started ahead here: the
/// cluster's actors stay up between evaluations instead.
pub fn on_cluster(worker: &WorkerConfig, cluster: Option<&Arc<RayCluster>>) -> WorkerConfig {
    let mut worker = worker.clone();
    if let Some(cluster) = cluster {
        worker.cluster = Some(Arc::clone(cluster));
        worker.prestart = lathe_worker::driver::Prestart::Off;
    }
    worker
}

/// How a suite's row names where its kernel was judged on the cluster: node, GPU, and the
/// nodes lost under it.
pub fn placement(cluster: &RayCluster, kernel: Option<&Path>) -> Option<String> {
    let placement = cluster.placement(kernel?)?;
    let mut label = placement.label();
    if !placement.lost_nodes.is_empty() {
        label += &format!(", after {} lost", placement.lost_nodes.len());
    }
    Some(label)
}

/// Says on stderr when the cluster's evaluations were timed on more than one GPU model: each
/// speedup compares timings of one GPU, but a suite's figures then mix models.
pub fn warn_mixed_models(cluster: &RayCluster) {
    if let Some(text) = mixed_models(&cluster.gpu_models()) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
    }
}

fn mixed_models(models: &[String]) -> Option<String> {
    (models.len() > 1).then(|| {
        format!(
            "the kernels were timed on {} GPU models ({}): each speedup compares timings of one \
             GPU, but the suite's figures mix the models; compare suites model by model (each \
             row names its GPU)",
            models.len(),
            models.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_model_says_nothing_and_two_are_named() {
        let h100 = "NVIDIA H100 80GB HBM3".to_owned();
        assert_eq!(mixed_models(std::slice::from_ref(&h100)), None);
        assert_eq!(mixed_models(&[]), None);
        let text = mixed_models(&["NVIDIA A100".to_owned(), h100]).unwrap();
        assert!(
            text.contains("2 GPU models (NVIDIA A100, NVIDIA H100 80GB HBM3)"),
            "{text}"
        );
    }
}
