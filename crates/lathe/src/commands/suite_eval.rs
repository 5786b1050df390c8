//! `lathe suite eval`: judges a folder of kernels made elsewhere against a folder of problems,
//! each exactly as `lathe eval` would (static checks, then the judge and its runner), and
//! reports every task and the suite's figures (fast_p, geometric-mean speedups; a task without
//! a kernel, or with a wrong one, counts as a miss).
//!
//! On GPUs the tasks are shared out over a pool (`--gpus`): one evaluation on each GPU at a
//! time, its judge and runner seeing that GPU alone (`CUDA_VISIBLE_DEVICES`), so that no two
//! candidates are ever timed together on one GPU. Under Triton's interpreter `--jobs` run at
//! once (there is no GPU timing to disturb, and no speedup: only fast_0, the correct share,
//! means anything there).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use lathe_core::{Baseline, FAST_P_THRESHOLDS, SuiteFigures, TaskOutcome, Verdict};
use lathe_engine::EngineError;
use lathe_worker::protocol::Device;
use serde::Serialize;

use super::eval::backend_of;
use super::run_parts::judge_settings;
use super::suite_tasks::{SuiteTask, tasks};
use crate::cli::SuiteEvalArgs;
use crate::error::CliError;
use crate::input::{FileRole, absolute_path, read_text};
use crate::output::emit;
use crate::settings::Settings;
use crate::table;

/// One task's line of the suite.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub problem: String,
    pub level: Option<u32>,
    pub kernel: Option<String>,
    /// A verdict kind, or `missing` (no kernel) or `problem_error` (the problem file failed).
    pub outcome: String,
    pub summary: String,
    pub candidate_ms: Option<f64>,
    pub eager_ms: Option<f64>,
    pub compile_ms: Option<f64>,
    pub speedup_vs_eager: Option<f64>,
    pub speedup_vs_compile: Option<f64>,
    pub seconds: Option<f64>,
    /// The GPU of the pool that judged it (`CUDA_VISIBLE_DEVICES`), on GPUs.
    pub gpu: Option<String>,
    /// When its evaluation began and ended, in seconds since the suite started: the record
    /// that no two evaluations shared a GPU.
    pub started_s: Option<f64>,
    pub ended_s: Option<f64>,
}

impl TaskRow {
    fn outcome(&self) -> TaskOutcome {
        TaskOutcome {
            correct: self.outcome == "correct",
            speedup_vs_eager: self.speedup_vs_eager,
            speedup_vs_compile: self.speedup_vs_compile,
        }
    }
}

/// The figures of one group of tasks (a level, or all of them) against each baseline.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFigures {
    /// `all`, or `level N`.
    pub group: String,
    pub figures: Vec<SuiteFigures>,
}

#[derive(Debug, Serialize)]
pub struct SuiteReport {
    pub device: Device,
    pub problems: String,
    pub kernels: String,
    pub tasks: Vec<TaskRow>,
    pub figures: Vec<GroupFigures>,
}

pub fn run(args: &SuiteEvalArgs, settings: &Settings) -> Result<(), CliError> {
    let problems = absolute_path(&args.problems)?;
    let kernels = absolute_path(&args.kernels)?;
    let tasks = tasks(&problems, &kernels)?;
    let device = settings.eval.device.value;
    let mut judge = judge_settings(settings, device);
    judge.overrides = args.overrides.iter().cloned().collect();
    judge.timing.compile_baseline &= !args.no_compile_baseline;
    // Interpreter time is no GPU time: a suite's speedups come from GPU timing or not at all.
    judge.timing.interpreter = false;
    let slots: Vec<Option<String>> = match device {
        Device::Cuda => gpu_pool(&args.gpus).into_iter().map(Some).collect(),
        Device::Interpret => vec![None; args.jobs.max(1)],
    };
    let started = std::time::Instant::now();

    let rows: Mutex<Vec<Option<TaskRow>>> = Mutex::new(vec![None; tasks.len()]);
    let fatal: Mutex<Option<CliError>> = Mutex::new(None);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for slot in &slots {
            let mut worker = settings.eval.worker_config();
            worker.gpu.clone_from(slot);
            let (rows, fatal, next, done, tasks, judge) =
                (&rows, &fatal, &next, &done, &tasks, &judge);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= tasks.len() || lock(fatal).is_some() {
                        return;
                    }
                    let began = started.elapsed().as_secs_f64();
                    match judge_task(&tasks[i], settings, &worker, judge) {
                        Ok(mut row) => {
                            row.gpu.clone_from(&worker.gpu);
                            row.started_s = Some(began);
                            row.ended_s = Some(started.elapsed().as_secs_f64());
                            let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                            progress(n, tasks.len(), &row);
                            lock(rows)[i] = Some(row);
                        }
                        Err(error) => {
                            lock(fatal).get_or_insert(error);
                        }
                    }
                }
            });
        }
    });
    if let Some(error) = fatal.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(error);
    }
    let tasks: Vec<TaskRow> = rows
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect();
    let report = SuiteReport {
        device,
        problems: problems.display().to_string(),
        kernels: kernels.display().to_string(),
        figures: figures(&tasks, device),
        tasks,
    };
    let json = serde_json::to_string_pretty(&report).unwrap_or_else(|e| unreachable!("{e}")) + "\n";
    if let Some(out) = &args.out {
        emit(&json, Some(&out.join("suite.json")))?;
        emit(&render_markdown(&report), Some(&out.join("suite.md")))?;
    }
    let text = if args.json {
        json
    } else {
        render_text(&report)
    };
    emit(&text, None)
}

/// The pool's GPUs: the list given, or for `all` those CUDA_VISIBLE_DEVICES allows, else one
/// per GPU the NVIDIA driver lists under /proc/driver/nvidia/gpus, else one unnamed GPU.
fn gpu_pool(asked: &str) -> Vec<String> {
    let listed = |text: &str| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect()
    };
    if asked != "all" {
        return listed(asked);
    }
    if let Ok(visible) = std::env::var("CUDA_VISIBLE_DEVICES") {
        let gpus = listed(&visible);
        if !gpus.is_empty() {
            return gpus;
        }
    }
    let driver = std::fs::read_dir("/proc/driver/nvidia/gpus")
        .map(|entries| entries.count())
        .unwrap_or(0);
    if driver > 0 {
        (0..driver).map(|i| i.to_string()).collect()
    } else {
        vec!["0".to_owned()]
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// One task judged. `Err` only for what stops the whole suite (no usable Python, no GPU):
/// everything about one problem or one kernel is that task's row.
fn judge_task(
    task: &SuiteTask,
    settings: &Settings,
    worker: &lathe_worker::driver::WorkerConfig,
    judge: &lathe_engine::JudgeSettings,
) -> Result<TaskRow, CliError> {
    let mut row = TaskRow {
        problem: task.name.clone(),
        level: task.level,
        kernel: task.kernel.as_ref().map(|k| k.display().to_string()),
        outcome: "missing".to_owned(),
        summary: "no kernel for this problem".to_owned(),
        candidate_ms: None,
        eager_ms: None,
        compile_ms: None,
        speedup_vs_eager: None,
        speedup_vs_compile: None,
        seconds: None,
        gpu: None,
        started_s: None,
        ended_s: None,
    };
    let Some(kernel) = &task.kernel else {
        return Ok(row);
    };
    let source = match read_text(kernel, FileRole::Kernel) {
        Ok(source) => source,
        Err(error) => {
            row.outcome = "unreadable".to_owned();
            row.summary = error.to_string();
            return Ok(row);
        }
    };
    let backend = backend_of(settings, &source);
    let judged = lathe_engine::judge::judge(
        worker,
        judge,
        &task.problem,
        backend,
        &source,
        kernel,
        &mut |_| {},
    );
    let evaluation = match judged {
        Ok(evaluation) => evaluation,
        Err(EngineError::Problem { message }) => {
            row.outcome = "problem_error".to_owned();
            row.summary = message;
            return Ok(row);
        }
        Err(error) => return Err(CliError::Engine(error)),
    };
    row.seconds = Some(evaluation.eval_seconds);
    row.outcome = evaluation.verdict.kind().as_str().to_owned();
    row.summary = evaluation.verdict.summary();
    if let Verdict::Correct(correct) = &evaluation.verdict
        && let Some(timing) = &correct.timing
    {
        row.candidate_ms = Some(timing.candidate.median_ms);
        row.eager_ms = Some(timing.eager.median_ms);
        row.compile_ms = timing
            .compile
            .as_ref()
            .and_then(|c| c.stats.as_ref())
            .map(|s| s.median_ms);
        row.speedup_vs_eager = Some(timing.speedup_vs_eager);
        row.speedup_vs_compile = timing.speedup_vs_compile;
    }
    Ok(row)
}

fn progress(done: usize, total: usize, row: &TaskRow) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "[{done}/{total}] {}: {}",
        row.problem,
        row.summary
    );
}

/// Every level's figures, then all tasks'; against torch.compile and the faster baseline only
/// where a GPU timed the tasks.
fn figures(tasks: &[TaskRow], device: Device) -> Vec<GroupFigures> {
    let baselines: &[Baseline] = match device {
        Device::Cuda => &[Baseline::Eager, Baseline::Compile, Baseline::Faster],
        Device::Interpret => &[Baseline::Eager],
    };
    let group = |name: String, rows: Vec<&TaskRow>| {
        let outcomes: Vec<TaskOutcome> = rows.iter().map(|r| r.outcome()).collect();
        GroupFigures {
            group: name,
            figures: baselines
                .iter()
                .map(|&b| SuiteFigures::of(&outcomes, b))
                .collect(),
        }
    };
    let levels: BTreeSet<u32> = tasks.iter().filter_map(|t| t.level).collect();
    let mut groups: Vec<GroupFigures> = levels
        .iter()
        .map(|&level| {
            let rows = tasks.iter().filter(|t| t.level == Some(level)).collect();
            group(format!("level {level}"), rows)
        })
        .collect();
    groups.push(group("all".to_owned(), tasks.iter().collect()));
    groups
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"))
}

fn times(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}x"))
}

fn baseline_name(baseline: Baseline) -> &'static str {
    match baseline {
        Baseline::Eager => "eager",
        Baseline::Compile => "torch.compile",
        Baseline::Faster => "the faster of the two",
    }
}

/// The figures as rows: group, baseline, tasks, correct, each fast_p, geometric mean.
fn figure_rows(report: &SuiteReport) -> Vec<[String; 10]> {
    let mut rows = Vec::new();
    for group in &report.figures {
        for f in &group.figures {
            let fast = |p: f64| format!("{:.2}", f.fast(p).unwrap_or(0.0));
            rows.push([
                group.group.clone(),
                baseline_name(f.baseline).to_owned(),
                format!("{}/{}", f.correct, f.tasks),
                fast(FAST_P_THRESHOLDS[0]),
                fast(FAST_P_THRESHOLDS[1]),
                fast(FAST_P_THRESHOLDS[2]),
                fast(FAST_P_THRESHOLDS[3]),
                fast(FAST_P_THRESHOLDS[4]),
                fast(FAST_P_THRESHOLDS[5]),
                f.geomean_speedup
                    .map_or_else(|| "-".to_owned(), |g| format!("{g:.2}x ({})", f.timed)),
            ]);
        }
    }
    rows
}

const FIGURE_HEADER: [&str; 10] = [
    "group", "against", "correct", "fast_0", "fast_0.5", "fast_0.8", "fast_1", "fast_1.5",
    "fast_2", "geomean",
];

fn task_rows(report: &SuiteReport) -> Vec<[String; 6]> {
    report
        .tasks
        .iter()
        .map(|t| {
            [
                t.problem.clone(),
                t.outcome.clone(),
                ms(t.candidate_ms),
                times(t.speedup_vs_eager),
                times(t.speedup_vs_compile),
                t.summary.clone(),
            ]
        })
        .collect()
}

const TASK_HEADER: [&str; 6] = [
    "problem",
    "outcome",
    "ms",
    "vs eager",
    "vs compile",
    "verdict",
];

fn interpreter_note(report: &SuiteReport) -> &'static str {
    match report.device {
        Device::Interpret => {
            "Triton's interpreter on the CPU: no GPU timing, so only fast_0 (the correct share) \
             means anything.\n"
        }
        Device::Cuda => "",
    }
}

pub fn render_text(report: &SuiteReport) -> String {
    let mut text = table::render(&TASK_HEADER, &task_rows(report));
    text += "\n";
    text += &table::render(&FIGURE_HEADER, &figure_rows(report));
    text += interpreter_note(report);
    text
}

fn markdown_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut text = line(header.iter().map(|h| (*h).to_owned()).collect());
    text += &line(header.iter().map(|_| "---".to_owned()).collect());
    for row in rows {
        text += &line(row.iter().map(|c| c.replace('|', "\\|")).collect());
    }
    text
}

pub fn render_markdown(report: &SuiteReport) -> String {
    let mut text = format!(
        "# Suite: {} judged against {}\n\nDevice: {}. A task without a kernel, or with one \
         that is not correct, is a miss in every figure (fast_p over all tasks).\n\n",
        report.kernels,
        report.problems,
        match report.device {
            Device::Cuda => "cuda",
            Device::Interpret => "interpret",
        }
    );
    text += "## Figures\n\n";
    text += &markdown_table(&FIGURE_HEADER, &figure_rows(report));
    text += interpreter_note(report);
    text += "\n## Tasks\n\n";
    text += &markdown_table(&TASK_HEADER, &task_rows(report));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(problem: &str, level: u32, outcome: &str, speedup: Option<f64>) -> TaskRow {
        TaskRow {
            problem: problem.to_owned(),
            level: Some(level),
            kernel: None,
            outcome: outcome.to_owned(),
            summary: outcome.to_owned(),
            candidate_ms: None,
            eager_ms: None,
            compile_ms: None,
            speedup_vs_eager: speedup,
            speedup_vs_compile: None,
            seconds: None,
            gpu: None,
            started_s: None,
            ended_s: None,
        }
    }

    #[test]
    fn each_level_and_the_whole_suite_get_their_figures() {
        let tasks = [
            row("level1/1_a.py", 1, "correct", Some(2.0)),
            row("level1/2_b.py", 1, "wrong", None),
            row("level2/1_c.py", 2, "missing", None),
        ];
        let groups = figures(&tasks, Device::Cuda);
        let names: Vec<&str> = groups.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["level 1", "level 2", "all"]);
        let all = &groups[2].figures[0];
        assert_eq!((all.tasks, all.correct), (3, 1));
        assert_eq!(all.fast(1.0), Some(1.0 / 3.0));
        assert_eq!(groups[1].figures[0].fast(0.0), Some(0.0));
        assert_eq!(groups[2].figures.len(), 3);
        assert_eq!(figures(&tasks, Device::Interpret)[2].figures.len(), 1);
    }

    #[test]
    fn markdown_cells_keep_their_pipes_inside() {
        let text = markdown_table(&["a", "b"], &[["x|y".to_owned(), "z".to_owned()]]);
        assert_eq!(text, "| a | b |\n| --- | --- |\n| x\\|y | z |\n");
    }
}
