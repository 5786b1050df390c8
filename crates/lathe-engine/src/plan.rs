//! What a run was asked to do: stored as the run's settings (`runs.settings_json`) when it
//! starts, and read back by `lathe resume`, so a resumed run follows the same plan whatever the
//! settings files say by then.

use std::path::PathBuf;

use lathe_core::{Backend, Category};
use lathe_worker::protocol::Device;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The reference problem, as an absolute path.
    pub problem: PathBuf,
    /// The starting kernel; without one the loop asks the model for a first kernel.
    pub kernel: Option<PathBuf>,
    pub category: Category,
    pub backend: Backend,
    /// Where candidates run: every verdict of a run comes from the same kind of device.
    pub device: Device,
    /// The GPU the prompts describe, as the user named it; `None`: the probed GPU.
    pub gpu: Option<String>,
    /// The stage ids to run, in order.
    pub stages: Vec<String>,
    /// Model calls per stage (and for the first kernel).
    pub samples: u32,
    /// Repair rounds for each failed candidate of a stage.
    pub repair_rounds: u32,
    /// Repair rounds for a starting kernel (given or generated) that is not correct.
    pub start_repair_rounds: u32,
    /// The gain a candidate must beat, in percent; `None`: each stage's own margin.
    pub margin_pct: Option<f64>,
    pub budgets: Budgets,
    /// Which `tl` functions the prompts call missing.
    pub tl: TlSource,
    /// Profile the best kernel before each stage (false on the CPU interpreter: no GPU).
    pub profile: bool,
    /// A tuner pass (`lathe tune`'s search, the stage's constants) after each model stage that
    /// made a new best; without a model, the tuner passes are the stages.
    #[serde(default)]
    pub tune_after_stages: bool,
    /// Variants the tuner may judge per stage.
    #[serde(default = "default_tune_budget")]
    pub tune_budget: u32,
    /// The run's directory: best.py, the reports, and each attempt's files.
    pub out_dir: PathBuf,
}

/// Limits on what a run may spend, each checked before every model call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    pub max_calls: Option<u32>,
    /// Input, output and reasoning tokens together.
    pub max_tokens: Option<u64>,
    pub max_cost_usd: Option<f64>,
    /// Wall time of one invocation (`optimize`, or each `resume`), in seconds.
    pub time_limit_seconds: Option<f64>,
}

/// Where the list of missing `tl` functions comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlSource {
    /// What the probe found in the installed Triton: the default.
    Probe,
    /// What the facts table says one release lacks.
    Release(String),
    /// The seeds' list, to reproduce the original prompts.
    Seeds,
}

impl Plan {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|e| unreachable!("a plan always serializes: {e}"))
    }

    pub fn from_json(value: &serde_json::Value) -> Result<Plan, serde_json::Error> {
        Plan::deserialize(value)
    }
}

fn default_tune_budget() -> u32 {
    8
}
