//! `lathe suite run`: the optimize loop over every problem of a suite, as one run. Each task is
//! a problem with its own plan, attempts, stages, budgets and directory; tasks are worked on
//! `jobs` at a time, their model calls going through one shared provider (so
//! `llm.max_concurrency` holds across the suite), while every judging and profile holds one
//! device of a shared pool for as long as it runs: one GPU never times two candidates at once.
//!
//! Everything is committed to the run's store as the one-problem loop commits it, so `lathe
//! resume RUN` continues a killed suite: ended tasks are read back, the rest run again over
//! their records, and no committed model call or verdict is repeated.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use lathe_engine::{DevicePool, EngineError, Event, Spent};
use lathe_llm::{LlmSpec, Provider};
use lathe_store::{Budget, RunId, RunStatus, Store, Timestamp};

use super::run_parts::{parse_spec, parts};
use super::suite_plan::{PlannedTask, SuitePlan, new_run, plan};
use super::suite_rows::write_report;
use crate::cli::{ProgressArgs, SuiteRunArgs};
use crate::error::{CliError, ExitStatus};
use crate::settings::Settings;

pub fn run(args: &SuiteRunArgs, settings: &Settings) -> Result<ExitStatus, CliError> {
    let spec = match settings.llm.spec.as_ref() {
        Some(sourced) => parse_spec(&sourced.value, sourced.whence().to_string())?,
        None => return Err(CliError::NoLlmToOptimize),
    };
    let id = RunId::new(Timestamp::now());
    let suite = plan(args, settings, &id)?;
    let target = match &suite.tasks[0].plan.gpu {
        Some(gpu) if suite.device == lathe_worker::protocol::Device::Cuda => gpu.clone(),
        _ => suite.device.as_str().to_owned(),
    };
    let store = Store::open(settings.runs_database())?;
    store.create_run(&new_run(&id, &suite, &spec.to_string(), target)?)?;
    carry_out(&store, &id, &suite, settings, &spec, &args.progress)
}

/// Carries out (or resumes) suite run `id`, reports it, and says how the command exits: 0 when
/// every task was carried out (or a suite budget stopped it) and at least one has a correct
/// kernel, 4 when none has.
pub fn carry_out(
    store: &Store,
    id: &RunId,
    suite: &SuitePlan,
    settings: &Settings,
    spec: &LlmSpec,
    progress: &ProgressArgs,
) -> Result<ExitStatus, CliError> {
    let env = |name: &str| std::env::var(name).ok();
    let config = settings.llm.config(&env);
    let provider: Arc<dyn Provider> =
        Arc::from(lathe_llm::provider_for(spec, &config).map_err(CliError::Llm)?);
    // A provider whose replies follow the order of the calls (numbered replies) answers a
    // suite the same way only when its tasks run one after another.
    let jobs = if provider.order_sensitive() {
        1
    } else {
        suite.jobs
    };
    let cluster = match &suite.ray {
        Some(plan) => Some(super::suite_ray::connect_plan(plan, settings)?),
        None => None,
    };
    let pool = Arc::new(DevicePool::new(match &cluster {
        Some(cluster) => super::suite_ray::device_slots(cluster),
        None => suite.slots.clone(),
    }));
    let ends = store.task_ends(id)?;
    let pending: Vec<&PlannedTask> = suite
        .tasks
        .iter()
        .filter(|t| {
            !ends
                .iter()
                .any(|e| e.task_id == t.id && e.status.as_ref().is_some_and(RunStatus::is_ended))
        })
        .collect();
    store.set_status(id, &RunStatus::Running)?;
    let view = Mutex::new(SuiteView::new(progress, suite.tasks.len(), &ends));
    lock(&view).started(id, suite, pending.len(), jobs);

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let stop: Mutex<Option<Stop>> = Mutex::new(None);
    let database = store.path().to_path_buf();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(pending.len()) {
            let (next, stop, view, pending, pool, provider, cluster) =
                (&next, &stop, &view, &pending, &pool, &provider, &cluster);
            let database = &database;
            scope.spawn(move || {
                let store = match Store::open(database) {
                    Ok(store) => store,
                    Err(error) => {
                        lock(stop).get_or_insert(Stop::Failed(error.into()));
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= pending.len() || lock(stop).is_some() {
                        // The judge started ahead for an attempt that never came.
                        lathe_worker::warm_judge::release();
                        return;
                    }
                    let task = pending[i];
                    match suite_budget_left(&store, id, suite, started) {
                        Ok(None) => {}
                        Ok(Some((budget, detail))) => {
                            lock(stop).get_or_insert(Stop::Budget(budget, detail));
                            return;
                        }
                        Err(error) => {
                            lock(stop).get_or_insert(Stop::Failed(error.into()));
                            return;
                        }
                    }
                    let outcome = run_one(
                        &store,
                        id,
                        suite,
                        task,
                        settings,
                        provider.clone(),
                        pool.clone(),
                        cluster.as_ref(),
                        started,
                        view,
                    );
                    if let Err(error) = outcome {
                        lock(stop).get_or_insert(Stop::Failed(error));
                        return;
                    }
                }
            });
        }
    });
    let stop = stop.into_inner().unwrap_or_else(PoisonError::into_inner);
    if let Some(Stop::Budget(budget, detail)) = &stop {
        lock(&view).budget_spent(*budget, detail);
    }
    let status = match &stop {
        None => RunStatus::Finished,
        Some(Stop::Budget(budget, _)) => RunStatus::Stopped { budget: *budget },
        Some(Stop::Failed(error)) => RunStatus::Failed {
            message: error.report().message().to_owned(),
        },
    };
    store.set_status(id, &status)?;
    let report = write_report(store, id, suite)?;
    let view = view.into_inner().unwrap_or_else(PoisonError::into_inner);
    view.finished(id, &status, &report, suite);
    match stop {
        Some(Stop::Failed(error)) => Err(error),
        _ if report.tasks.iter().any(|t| t.outcome == "correct") => Ok(ExitStatus::Success),
        _ => Ok(ExitStatus::NotCorrect),
    }
}

/// Why the suite stopped before its last task.
enum Stop {
    Budget(Budget, String),
    /// What stops every task (no usable Python, no GPU, the store): the suite's failure.
    Failed(CliError),
}

/// The first suite budget that is used up, counted from every task's records.
fn suite_budget_left(
    store: &Store,
    id: &RunId,
    suite: &SuitePlan,
    started: Instant,
) -> Result<Option<(Budget, String)>, lathe_store::StoreError> {
    let spent = Spent::of(&store.attempts(id)?);
    Ok(spent.exhausted(&suite.budgets, started.elapsed(), 0))
}

/// One task through the loop. `Err` only for what would fail every task alike.
#[allow(clippy::too_many_arguments)]
fn run_one(
    store: &Store,
    id: &RunId,
    suite: &SuitePlan,
    task: &PlannedTask,
    settings: &Settings,
    provider: Arc<dyn Provider>,
    pool: Arc<DevicePool>,
    cluster: Option<&Arc<lathe_worker::ray::RayCluster>>,
    started: Instant,
    view: &Mutex<SuiteView>,
) -> Result<(), CliError> {
    let mut plan = task.plan.clone();
    // The suite's time limit bounds each task by what is left of it.
    if let Some(limit) = suite.budgets.time_limit_seconds {
        let left = (limit - started.elapsed().as_secs_f64()).max(0.0);
        plan.budgets.time_limit_seconds = Some(
            plan.budgets
                .time_limit_seconds
                .map_or(left, |own| own.min(left)),
        );
    }
    let mut parts = parts(settings, None, &plan)?;
    parts.provider = Some(Box::new(provider));
    parts.devices = Some(pool);
    parts.worker = super::suite_ray::on_cluster(&parts.worker, cluster);
    parts.judge.overrides = suite.overrides.clone();
    lock(view).task_started(&task.id);
    let ended = lathe_engine::run_task(store, id, &task.id, &plan, &parts, &mut |event| {
        lock(view).event(&task.id, event);
    });
    match ended {
        Ok(end) => {
            lock(view).task_finished(&task.id, &end.status, end.best.as_deref());
            Ok(())
        }
        // The task's own ground failed (its problem file): its failure is recorded, the suite
        // goes on.
        Err(EngineError::Problem { message }) => {
            lock(view).task_failed(&task.id, &message);
            Ok(())
        }
        Err(error) => Err(CliError::Engine(error)),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The suite's progress: a line per task started and ended for people, every task's events
/// with their task for `--json`, only the end for `--quiet`.
struct SuiteView {
    json: bool,
    quiet: bool,
    total: usize,
    done: usize,
}

impl SuiteView {
    fn new(args: &ProgressArgs, total: usize, ends: &[lathe_store::TaskEnd]) -> SuiteView {
        let done = ends
            .iter()
            .filter(|e| e.status.as_ref().is_some_and(RunStatus::is_ended))
            .count();
        SuiteView {
            json: args.json,
            quiet: args.quiet,
            total,
            done,
        }
    }

    fn json_line(&self, value: &serde_json::Value) {
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), "{value}");
    }

    fn person(&self, text: &str) {
        use std::io::Write;
        if !self.json && !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    fn started(&mut self, id: &RunId, suite: &SuitePlan, pending: usize, jobs: usize) {
        if self.json {
            self.json_line(&serde_json::json!({
                "event": "suite_started",
                "run": id.as_str(),
                "tasks": self.total,
                "pending": pending,
                "jobs": jobs,
                "slots": suite.slots.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(),
                "out_dir": suite.out_dir,
            }));
        }
        let slots: Vec<&str> = suite.slots.iter().map(|s| s.label.as_str()).collect();
        self.person(&format!(
            "suite run {id}: {} problems ({pending} to do), {jobs} at a time, judged on {}\n  files in {}",
            self.total,
            slots.join(", "),
            suite.out_dir.display()
        ));
    }

    fn event(&mut self, task: &str, event: &Event) {
        if !self.json {
            return;
        }
        let mut value =
            serde_json::to_value(event).unwrap_or_else(|e| unreachable!("events serialize: {e}"));
        if let Some(object) = value.as_object_mut() {
            object.insert("task".to_owned(), task.into());
        }
        self.json_line(&value);
    }

    fn budget_spent(&self, budget: Budget, detail: &str) {
        if self.json {
            self.json_line(&serde_json::json!({
                "event": "suite_budget_spent",
                "budget": budget.as_str(),
                "detail": detail,
            }));
        }
        self.person(&format!(
            "suite budget `{budget}` spent: {detail}; no further problem is started"
        ));
    }

    fn task_started(&mut self, task: &str) {
        self.person(&format!("  {task}: started"));
    }

    fn task_finished(&mut self, task: &str, status: &RunStatus, best: Option<&Path>) {
        self.done += 1;
        let best = best.map_or_else(
            || "no correct kernel".to_owned(),
            |b| format!("best {}", b.display()),
        );
        self.person(&format!(
            "[{}/{}] {task}: {status}, {best}",
            self.done, self.total
        ));
    }

    fn task_failed(&mut self, task: &str, message: &str) {
        self.done += 1;
        self.person(&format!(
            "[{}/{}] {task}: failed: {message}",
            self.done, self.total
        ));
    }

    fn finished(
        &self,
        id: &RunId,
        status: &RunStatus,
        report: &lathe_report::SuiteReport,
        suite: &SuitePlan,
    ) {
        let correct = report
            .tasks
            .iter()
            .filter(|t| t.outcome == "correct")
            .count();
        if self.json {
            self.json_line(&serde_json::json!({
                "event": "suite_finished",
                "run": id.as_str(),
                "status": status.name(),
                "detail": status.detail(),
                "tasks": report.tasks.len(),
                "correct": correct,
                "report": suite.out_dir.join("suite.md"),
                "figures": report.figures,
            }));
            return;
        }
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr().lock(),
            "suite run {id} {status}: {correct} of {} problems with a correct kernel; tables in {}",
            report.tasks.len(),
            suite.out_dir.join("suite.md").display()
        );
        if !self.quiet {
            let _ = write!(
                std::io::stdout().lock(),
                "{}",
                super::suite_eval::render_text(report)
            );
        }
    }
}
