//! The run as a whole: creating its record, the loop's order (start, then each stage), and how
//! it ends. Every step reads what the store already holds for its key first, so a resumed run
//! walks the same path as the killed one and calls the model only where no reply was committed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lathe_core::{AttemptKey, GpuSpec, StageLibrary, TritonApi};
use lathe_prompt::{Prompts, TritonFacts};
use lathe_store::{
    AttemptId, AttemptRecord, Budget, NewRun, RunId, RunStatus, StageRecord, StartingKernel, Store,
    Task, Timestamp,
};
use lathe_worker::protocol::Device;

use crate::files::RunFiles;
use crate::spent::Spent;
use crate::{EngineError, Event, Ground, Parts, Plan, TlSource};
use lathe_core::Speed;

/// The one task of a single-problem run.
pub const TASK: &str = lathe_store::MAIN_TASK;

/// The stage of a tuner variant's attempt: its "reply" is the tuner's note, not a model's.
pub const TUNE_STAGE: &str = "tune";

/// Records run `id` of `plan`, made with `RunId::new`, on the `ground` found for it; [`run`]
/// then carries it out. Everything that can stop a run before it starts (the problem, the
/// stages, the machine) is checked before the record is made.
pub fn create_run(
    store: &Store,
    id: &RunId,
    plan: &Plan,
    llm: &str,
    ground: &Ground,
) -> Result<(), EngineError> {
    for id in &plan.stages {
        StageLibrary::embedded()
            .lookup(plan.category, id)
            .map_err(|e| EngineError::UnknownStage {
                stage: id.clone(),
                category: plan.category.to_string(),
                hint: format!(": {e}"),
            })?;
    }
    let problem = read(&plan.problem)?;
    let starting_kernel = match &plan.kernel {
        Some(path) => Some(StartingKernel {
            path: path.clone(),
            sha256: lathe_llm::replay::prompt_hash(&read(path)?),
        }),
        None => None,
    };
    // Where the verdicts come from: the CPU interpreter whatever GPU the prompts describe.
    let target = match (plan.device, &ground.probed_gpu, &plan.gpu) {
        (Device::Cuda, Some(gpu), _) | (Device::Cuda, None, Some(gpu)) => gpu.clone(),
        (device, _, _) => device.as_str().to_owned(),
    };
    store.create_run(&NewRun {
        id: id.clone(),
        created_at: Timestamp::now(),
        problem_path: plan.problem.clone(),
        problem_sha256: lathe_llm::replay::prompt_hash(&problem),
        category: plan.category,
        backend: plan.backend,
        gpu: target,
        llm_spec: llm.to_owned(),
        settings: plan.to_json(),
        out_dir: plan.out_dir.clone(),
        tasks: vec![Task {
            task_id: TASK.to_owned(),
            problem_path: plan.problem.clone(),
            starting_kernel,
        }],
        fingerprint: ground.fingerprint().cloned(),
    })?;
    Ok(())
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunEnd {
    pub status: RunStatus,
    /// `best.py`, when the run has a correct kernel.
    pub best: Option<PathBuf>,
    pub best_speed: Option<Speed>,
    pub speedup_vs_start: Option<f64>,
}

/// Carries out (or resumes) run `id` of `plan`, telling `emit` each step; on `ground` when the
/// caller has probed the machine already (a new run), else the machine is probed first. The
/// run's status is recorded before this returns, whatever happens; `Err` is a failure of the
/// run's ground (its store, its problem, its machine), recorded as the run's failure too.
pub fn run(
    store: &Store,
    id: &RunId,
    plan: &Plan,
    parts: &Parts,
    ground: Option<Ground>,
    emit: &mut dyn FnMut(&Event),
) -> Result<RunEnd, EngineError> {
    run_on(store, id, TASK, plan, parts, ground, emit)
}

/// [`run`] for one task of a run of several (`lathe suite run`): `plan` is the task's own
/// (its problem, category and directory), every attempt and stage is recorded as the task's,
/// its budgets are the task's, and its end is the task's status. The run's own status is the
/// suite's to set, except for a run of one problem (`task` is [`TASK`]), whose status is its
/// task's.
pub fn run_task(
    store: &Store,
    id: &RunId,
    task: &str,
    plan: &Plan,
    parts: &Parts,
    emit: &mut dyn FnMut(&Event),
) -> Result<RunEnd, EngineError> {
    run_on(store, id, task, plan, parts, None, emit)
}

fn run_on(
    store: &Store,
    id: &RunId,
    task: &str,
    plan: &Plan,
    parts: &Parts,
    ground: Option<Ground>,
    emit: &mut dyn FnMut(&Event),
) -> Result<RunEnd, EngineError> {
    let known: Vec<AttemptRecord> = store.task_attempts(id, task)?;
    let resumed = !known.is_empty() || store.start_evaluation(id, task)?.is_some();
    emit(&Event::RunStarted {
        run: id.to_string(),
        problem: plan.problem.display().to_string(),
        out_dir: plan.out_dir.display().to_string(),
        llm: parts.model_name(),
        resumed,
    });
    if let Some(provider) = &parts.provider {
        for attempt in known
            .iter()
            .filter(|a| a.call.is_some() && a.stage != TUNE_STAGE)
        {
            provider.served_before(&attempt.prompt);
        }
    }
    let mut engine = Engine {
        store,
        run: id.clone(),
        task: task.to_owned(),
        plan,
        parts,
        emit,
        files: RunFiles::create(&plan.out_dir)?,
        prompts: Prompts::new(),
        reference: read(&plan.problem)?,
        gpu: parts.gpu.clone().unwrap_or_else(placeholder_gpu),
        triton: TritonFacts::every_release(),
        spent: Spent::of(&known),
        known_stages: store
            .task_stages(id, task)?
            .into_iter()
            .map(|s| (s.stage.clone(), s))
            .collect(),
        known: known.into_iter().map(|a| (a.key.clone(), a)).collect(),
        clock: Instant::now(),
        waiting: Duration::ZERO,
        attempts_made: 0,
        best: None,
        stage_metrics: None,
        start_source: None,
        start_speed: None,
        ground,
    };
    engine.set_status(&RunStatus::Running)?;
    let outcome = engine.body();
    engine.finish(outcome)
}

/// The kernel the loop improves on.
#[derive(Debug, Clone)]
pub(crate) struct Best {
    /// `None` for the starting kernel.
    pub attempt: Option<AttemptId>,
    pub source: String,
    pub path: PathBuf,
    pub speed: Option<Speed>,
}

/// Why the loop stopped early.
pub(crate) enum Halt {
    Budget(Budget, String),
    Error(EngineError),
}

impl From<EngineError> for Halt {
    fn from(error: EngineError) -> Halt {
        Halt::Error(error)
    }
}

impl From<lathe_store::StoreError> for Halt {
    fn from(error: lathe_store::StoreError) -> Halt {
        Halt::Error(error.into())
    }
}

pub(crate) struct Engine<'a> {
    pub store: &'a Store,
    pub run: RunId,
    /// The task of the run this engine carries out ([`TASK`] in a run of one problem).
    pub task: String,
    pub plan: &'a Plan,
    pub parts: &'a Parts,
    pub emit: &'a mut dyn FnMut(&Event),
    pub files: RunFiles,
    pub prompts: Prompts,
    pub reference: String,
    pub gpu: GpuSpec,
    pub triton: TritonFacts,
    /// What the store held for each key when this process started.
    pub known: HashMap<AttemptKey, AttemptRecord>,
    pub known_stages: HashMap<String, StageRecord>,
    pub spent: Spent,
    pub clock: Instant,
    /// Time spent waiting on model calls and worker processes: the rest is lathe's own.
    pub waiting: Duration,
    /// Attempts this process took a step of.
    pub attempts_made: u32,
    pub best: Option<Best>,
    /// The metrics the current stage's prompt shows (its profile of the best kernel).
    pub stage_metrics: Option<lathe_prompt::MetricsJson>,
    pub start_source: Option<String>,
    pub start_speed: Option<Speed>,
    /// The machine as probed before the run was created; taken by the run's first step.
    pub ground: Option<Ground>,
}

impl Engine<'_> {
    fn body(&mut self) -> Result<(), Halt> {
        self.probe()?;
        self.start()?;
        if self.best.is_none() {
            return Ok(());
        }
        let stages: Vec<_> = self
            .plan
            .stages
            .iter()
            .map(|id| {
                StageLibrary::embedded()
                    .lookup(self.plan.category, id)
                    .cloned()
                    .map_err(|e| EngineError::UnknownStage {
                        stage: id.clone(),
                        category: self.plan.category.to_string(),
                        hint: format!(": {e}"),
                    })
            })
            .collect::<Result<_, _>>()?;
        let total = stages.len();
        for (index, stage) in stages.iter().enumerate() {
            self.stage(index, total, stage)?;
        }
        Ok(())
    }

    /// The machine: the fingerprint for the record, the GPU for the prompts when none was
    /// named, and which `tl` functions the installed Triton has.
    fn probe(&mut self) -> Result<(), Halt> {
        let ground = match self.ground.take() {
            Some(ground) => ground,
            None => Ground::probe(self.parts)?,
        };
        self.waiting += ground.waited;
        let facts = ground.facts.as_ref();
        let fingerprint = ground.fingerprint();
        if let Some(f) = fingerprint {
            self.store.set_fingerprint(&self.run, f)?;
        }
        let probed_gpu = ground.probed_gpu.clone();
        // The device the verdicts come from, by the name the driver gives it.
        if let (Device::Cuda, Some(gpu)) = (self.parts.judge.device, &probed_gpu) {
            self.store.set_gpu(&self.run, gpu)?;
        }
        self.gpu = ground.gpu.clone();
        let triton_version = fingerprint
            .and_then(|f| f.get("triton"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        self.triton = match &self.plan.tl {
            TlSource::Seeds => TritonFacts::seed_list(),
            TlSource::Release(version) => match TritonApi::embedded().release(version) {
                Ok(release) => TritonFacts::release(release),
                Err(_) => TritonFacts::every_release(),
            },
            TlSource::Probe => match facts.and_then(|f| f.tl_functions.as_ref()) {
                Some(present) => TritonFacts {
                    missing: TritonApi::embedded().missing_per_probe(present),
                    version_label: triton_version
                        .as_deref()
                        .map(major_minor)
                        .unwrap_or_else(|| "3.x".to_owned()),
                },
                None => TritonFacts::every_release(),
            },
        };
        (self.emit)(&Event::Probed {
            gpu: probed_gpu,
            triton: triton_version,
            device: self.parts.judge.device.as_str().to_owned(),
        });
        Ok(())
    }

    fn finish(self, outcome: Result<(), Halt>) -> Result<RunEnd, EngineError> {
        let (status, error) = match outcome {
            Ok(()) if self.best.is_some() => (RunStatus::Finished, None),
            Ok(()) => (
                RunStatus::Failed {
                    message: "no correct kernel: the starting kernel and every repair failed"
                        .to_owned(),
                },
                None,
            ),
            Err(Halt::Budget(budget, detail)) => {
                (self.emit)(&Event::BudgetSpent {
                    budget: budget.as_str().to_owned(),
                    detail,
                });
                (RunStatus::Stopped { budget }, None)
            }
            Err(Halt::Error(error)) => (
                RunStatus::Failed {
                    message: error.to_string(),
                },
                Some(error),
            ),
        };
        self.set_status(&status)?;
        self.files.write_outputs(
            self.store,
            &self.run,
            &self.task,
            self.starting_kernel(),
            true,
        )?;
        let best_speed = self.best.as_ref().and_then(|b| b.speed);
        let speedup_vs_start = match (self.start_speed, best_speed) {
            (Some(s), Some(b)) if b.ms > 0.0 => Some(s.ms / b.ms),
            _ => None,
        };
        let attempts = self.store.task_attempts(&self.run, &self.task)?;
        let own = self.clock.elapsed().saturating_sub(self.waiting);
        (self.emit)(&Event::RunFinished {
            run: self.run.to_string(),
            status: status.name().to_owned(),
            detail: status.detail().map(str::to_owned),
            best: self
                .best
                .as_ref()
                .map(|_| self.files.best_py().display().to_string()),
            best_ms: best_speed.map(|s| s.ms),
            speedup_vs_start,
            attempts: attempts.len() as u32,
            model_calls: self.spent.calls,
            tokens: self.spent.tokens,
            cost_usd: self.spent.cost_usd,
            overhead_ms_per_attempt: (self.attempts_made > 0)
                .then(|| own.as_secs_f64() * 1000.0 / f64::from(self.attempts_made)),
            peak_rss_bytes: peak_rss_bytes(),
        });
        if let Some(error) = error {
            return Err(error);
        }
        Ok(RunEnd {
            status,
            best: self.best.as_ref().map(|_| self.files.best_py()),
            best_speed,
            speedup_vs_start,
        })
    }

    /// Records the task's status, and the run's when the run is this one task.
    fn set_status(&self, status: &RunStatus) -> Result<(), lathe_store::StoreError> {
        self.store.set_task_status(&self.run, &self.task, status)?;
        if self.task == TASK {
            self.store.set_status(&self.run, status)?;
        }
        Ok(())
    }

    /// The starting kernel and its speed, for `best.py` while nothing has beaten it.
    pub(crate) fn starting_kernel(&self) -> Option<(&str, Option<Speed>)> {
        self.start_source.as_deref().map(|s| (s, self.start_speed))
    }

    /// Calls, tokens, cost, time: the first budget another call would overrun.
    pub(crate) fn budget_left(&self, in_flight: u32) -> Result<(), Halt> {
        match self
            .spent
            .exhausted(&self.plan.budgets, self.clock.elapsed(), in_flight)
        {
            Some((budget, detail)) => Err(Halt::Budget(budget, detail)),
            None => Ok(()),
        }
    }
}

pub(crate) fn read(path: &Path) -> Result<String, EngineError> {
    std::fs::read_to_string(path).map_err(EngineError::io(path))
}

/// `3.6.0` → `3.6`: how prompts name a Triton release.
fn major_minor(version: &str) -> String {
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// Replaced by the probe's GPU before any prompt is rendered (or the run stops).
fn placeholder_gpu() -> GpuSpec {
    lathe_core::GpuCatalog::embedded()
        .lookup("H100")
        .cloned()
        .unwrap_or_else(|e| unreachable!("the embedded catalog has the H100: {e}"))
}

/// The process's peak resident set (`VmHWM`), where /proc says.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
