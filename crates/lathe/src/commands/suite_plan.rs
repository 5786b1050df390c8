//! What `lathe suite run` was asked to do, stored as its run's settings so that `lathe resume`
//! carries out the same suite: the tasks (each with the plan `lathe optimize` would have made
//! for its problem), the problems' `--set`, the device slots and the suite-wide budgets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lathe_core::Category;
use lathe_engine::{Budgets, DeviceSlot, Plan};
use lathe_store::{NewRun, RunId, StartingKernel, Task, Timestamp};
use lathe_worker::protocol::Device;
use serde::{Deserialize, Serialize};

use super::run_parts::{PlanTarget, new_plan};
use super::stage_choice::stage_list;
use super::suite_eval::gpu_pool;
use super::suite_tasks::{Selection, SuiteTask, tasks_of_paths};
use crate::cli::SuiteRunArgs;
use crate::error::CliError;
use crate::input::{FileRole, absolute_path, read_text};
use crate::settings::Settings;

/// A suite run's `runs.settings_json`: `{"suite": {...}}`, told apart from a one-problem
/// run's plan by its one key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteSettings {
    pub suite: SuitePlan,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuitePlan {
    /// The folders the problems were found in.
    pub paths: Vec<PathBuf>,
    pub tasks: Vec<PlannedTask>,
    /// `--set`: module-level constants of every problem.
    pub overrides: BTreeMap<String, serde_json::Value>,
    pub device: Device,
    /// Where candidates are judged, one judging on each at a time.
    pub slots: Vec<DeviceSlot>,
    /// Judged on this Ray cluster's GPUs instead (`--executor ray`): the slots are then its
    /// actors, counted when the suite connects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ray: Option<super::suite_ray::RayPlan>,
    /// Tasks worked on at once.
    pub jobs: usize,
    /// The whole suite's limits, checked before each task starts.
    pub budgets: Budgets,
    /// The suite's directory: its tables, and a folder per task.
    pub out_dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlannedTask {
    /// The problem's path under its folder (`level1/19_ReLU.py`): the task's id in the store.
    pub id: String,
    pub level: Option<u32>,
    /// The loop's plan for this problem, as `lathe optimize` would make it.
    pub plan: Plan,
}

impl SuiteSettings {
    /// The suite plan of a run's settings, or `None` for a run of one problem.
    pub fn of(settings: &serde_json::Value) -> Option<Result<SuiteSettings, serde_json::Error>> {
        settings
            .get("suite")
            .map(|_| SuiteSettings::deserialize(settings))
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|e| unreachable!("a plan serializes: {e}"))
    }
}

/// The suite `args` ask for, as run `id` will record it.
pub fn plan(args: &SuiteRunArgs, settings: &Settings, id: &RunId) -> Result<SuitePlan, CliError> {
    let paths: Vec<PathBuf> = args
        .paths
        .iter()
        .map(|p| absolute_path(p))
        .collect::<Result<_, _>>()?;
    let kernels = args.kernels.as_deref().map(absolute_path).transpose()?;
    let found = tasks_of_paths(&paths, kernels.as_deref(), args.map.as_deref())?;
    let chosen = Selection::of(&args.select).apply(found);
    if chosen.is_empty() {
        return Err(CliError::BadSuiteFolder {
            path: paths[0].clone(),
            what: "problems",
            problem: "holds no problem that --levels, --first, --range or --sample takes"
                .to_owned(),
        });
    }
    let out_dir = match &args.out {
        Some(dir) => absolute_path(dir)?,
        None => absolute_path(&settings.runs_dir.value.join(id.as_str()))?,
    };
    let device = settings.eval.device.value;
    let mut planned = Vec::new();
    for task in chosen {
        let category = task_category(args.category, &task)?;
        let target = PlanTarget {
            problem: task.problem.clone(),
            kernel: task.kernel.clone(),
            category,
            backend: args.backend.unwrap_or(settings.backend.value),
            stages: stage_list(category, None)?
                .into_iter()
                .map(|s| s.id.clone())
                .collect(),
            // `level1/19_ReLU.py` → `<out>/tasks/level1/19_ReLU`.
            out_dir: out_dir
                .join("tasks")
                .join(Path::new(&task.name).with_extension("")),
        };
        let plan = new_plan(settings, &args.loop_args, &args.budgets, target);
        planned.push(PlannedTask {
            id: task.name,
            level: task.level,
            plan,
        });
    }
    let ray = super::suite_ray::RayPlan::of(&args.executor)?;
    let slots: Vec<DeviceSlot> = match device {
        // The cluster's GPUs are counted when the suite connects to it.
        _ if ray.is_some() => super::suite_ray::planned_slots(),
        Device::Cuda => gpu_pool(&args.gpus)
            .iter()
            .map(|g| DeviceSlot::gpu(g))
            .collect(),
        Device::Interpret => (0..args.jobs.unwrap_or(1).max(1))
            .map(DeviceSlot::cpu)
            .collect(),
    };
    let s = &args.suite_budgets;
    Ok(SuitePlan {
        paths,
        tasks: planned,
        overrides: args.overrides.iter().cloned().collect(),
        device,
        jobs: args.jobs.unwrap_or(2 * slots.len()).max(1),
        slots,
        ray,
        budgets: Budgets {
            max_calls: s.suite_max_calls,
            max_tokens: s.suite_max_tokens,
            max_cost_usd: s.suite_max_cost,
            time_limit_seconds: s.suite_time_limit.map(|d| d.as_secs_f64()),
        },
        out_dir,
    })
}

/// A task's category: its level's, else `--category`, else bad input naming the problem.
fn task_category(asked: Option<Category>, task: &SuiteTask) -> Result<Category, CliError> {
    Category::from_problem_path(&task.problem)
        .or(asked)
        .ok_or_else(|| CliError::NoCategory {
            problem: Some(task.problem.clone()),
        })
}

/// The run record of a suite: one task per problem, in the suite's order.
pub fn new_run(id: &RunId, suite: &SuitePlan, llm: &str, gpu: String) -> Result<NewRun, CliError> {
    let mut tasks = Vec::new();
    let mut digest = String::new();
    for task in &suite.tasks {
        let problem = read_text(&task.plan.problem, FileRole::Problem)?;
        digest += &lathe_llm::replay::prompt_hash(&problem);
        let starting_kernel = match &task.plan.kernel {
            Some(path) => Some(StartingKernel {
                path: path.clone(),
                sha256: lathe_llm::replay::prompt_hash(&read_text(path, FileRole::Kernel)?),
            }),
            None => None,
        };
        tasks.push(Task {
            task_id: task.id.clone(),
            problem_path: task.plan.problem.clone(),
            starting_kernel,
        });
    }
    let first = &suite.tasks[0].plan;
    Ok(NewRun {
        id: id.clone(),
        created_at: Timestamp::now(),
        // A suite has many problems: the record names its first folder, and hashes every
        // problem's hash in order (each task keeps its own problem's path).
        problem_path: suite.paths[0].clone(),
        problem_sha256: lathe_llm::replay::prompt_hash(&digest),
        category: first.category,
        backend: first.backend,
        gpu,
        llm_spec: llm.to_owned(),
        settings: SuiteSettings {
            suite: suite.clone(),
        }
        .to_json(),
        out_dir: suite.out_dir.clone(),
        tasks,
        fingerprint: None,
    })
}
