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

use lathe_engine::EngineError;
use lathe_report::{
    FIGURE_HEADER, PhaseSeconds, SuiteReport, TASK_HEADER, TaskRow, suite_html, suite_md,
};
use lathe_worker::protocol::Device;

use super::eval::backend_of;
use super::run_parts::judge_settings;
use super::suite_pool::run_pool;
use super::suite_progress::SuiteProgress;
use super::suite_share;
use super::suite_tasks::{Selection, SuiteTask, tasks};
use crate::cli::SuiteEvalArgs;
use crate::error::CliError;
use crate::input::{FileRole, absolute_path, read_text};
use crate::output::emit;
use crate::settings::Settings;
use crate::table;

pub fn run(args: &SuiteEvalArgs, settings: &Settings) -> Result<(), CliError> {
    let problems = absolute_path(&args.problems)?;
    let kernels = absolute_path(&args.kernels)?;
    let tasks =
        Selection::of(&args.select).apply(tasks(&problems, Some(&kernels), args.map.as_deref())?);
    if tasks.is_empty() {
        return Err(CliError::BadSuiteFolder {
            path: problems,
            what: "problems",
            problem: "holds no problem that --levels, --first, --range or --sample takes"
                .to_owned(),
        });
    }
    let device = settings.eval.device.value;
    let mut judge = judge_settings(settings, device);
    judge.overrides = args.overrides.iter().cloned().collect();
    judge.timing.compile_baseline &= !args.no_compile_baseline;
    judge.timing.enabled &= !args.no_timing;
    // Interpreter time is no GPU time: a suite's speedups come from GPU timing or not at all.
    judge.timing.interpreter = false;
    let cluster = super::suite_ray::connect(&args.executor, settings)?;
    let per_gpu = suite_share::checks_per_gpu(args, device, cluster.is_some())?;
    let gpus = gpu_pool(&args.gpus);
    let slots: Vec<Option<String>> = match (device, &cluster) {
        (_, Some(cluster)) => super::suite_ray::slots(cluster),
        (Device::Cuda, None) => suite_share::slots(&gpus, per_gpu),
        (Device::Interpret, None) => vec![None; args.jobs.max(1)],
    };
    let started = std::time::Instant::now();
    let progress = SuiteProgress::new(tasks.len(), suite_share::labels(&slots));

    let judge_one = |i: usize, slot: usize, worker: &lathe_worker::driver::WorkerConfig| {
        let worker = &super::suite_ray::on_cluster(worker, cluster.as_ref());
        let began = started.elapsed().as_secs_f64();
        progress.begin(slot, &tasks[i].name);
        let mut row = judge_task(&tasks[i], settings, worker, &judge, &mut |phase| {
            progress.phase(slot, phase);
        })?;
        row.gpu.clone_from(&worker.gpu);
        if let Some(cluster) = &cluster {
            row.gpu = super::suite_ray::placement(cluster, tasks[i].kernel.as_deref());
        }
        row.started_s = Some(began);
        row.ended_s = Some(started.elapsed().as_secs_f64());
        progress.finish(slot, &row);
        Ok(row)
    };
    let mut rows: Vec<TaskRow> = run_pool(settings, &slots, tasks.len(), judge_one)?;
    if per_gpu > 1 {
        // Judged again, one at a time on each GPU: those that ran short beside the others.
        let again: Vec<(usize, String)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| suite_share::ran_short(row).map(|why| (i, why)))
            .collect();
        for (i, why) in &again {
            progress.again(&rows[*i], why);
        }
        let alone = suite_share::slots(&gpus, 1);
        let second = run_pool(settings, &alone, again.len(), |k, slot, worker| {
            judge_one(again[k].0, slot, worker)
        })?;
        for ((i, why), mut row) in again.into_iter().zip(second) {
            row.judged_alone = Some(why);
            rows[i] = row;
        }
    }
    if let Some(cluster) = &cluster {
        super::suite_ray::warn_mixed_models(cluster);
    }
    let report = SuiteReport::new(
        device.as_str(),
        judge.timing.enabled,
        problems.display().to_string(),
        kernels.display().to_string(),
        rows,
    );
    let json = serde_json::to_string_pretty(&report).unwrap_or_else(|e| unreachable!("{e}")) + "\n";
    if let Some(out) = &args.out {
        emit(&json, Some(&out.join("suite.json")))?;
        emit(&suite_md(&report), Some(&out.join("suite.md")))?;
        emit(&suite_html(&report), Some(&out.join("suite.html")))?;
    }
    let text = if args.json {
        json
    } else {
        render_text(&report)
    };
    emit(&text, None)
}

/// The pool's GPUs: the list given, or for `all` those CUDA_VISIBLE_DEVICES allows, else one
/// per GPU the NVIDIA driver lists under /proc/driver/nvidia/gpus, else GPU 0 alone. A GPU
/// named twice (`--gpus 0,0`) is one GPU of the pool: two slots on it would time two
/// candidates together.
pub fn gpu_pool(asked: &str) -> Vec<String> {
    let listed = |text: &str| -> Vec<String> {
        let mut gpus: Vec<String> = Vec::new();
        for gpu in text.split(',').map(str::trim).filter(|g| !g.is_empty()) {
            if !gpus.iter().any(|g| g == gpu) {
                gpus.push(gpu.to_owned());
            }
        }
        gpus
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

/// One task judged. `Err` only for what stops the whole suite (no usable Python, no GPU):
/// everything about one problem or one kernel is that task's row.
fn judge_task(
    task: &SuiteTask,
    settings: &Settings,
    worker: &lathe_worker::driver::WorkerConfig,
    judge: &lathe_engine::JudgeSettings,
    on_phase: &mut dyn FnMut(&str),
) -> Result<TaskRow, CliError> {
    let mut row = TaskRow::unjudged(
        task.name.clone(),
        task.level,
        "missing",
        "no kernel for this problem".to_owned(),
    );
    row.kernel = task.kernel.as_ref().map(|k| k.display().to_string());
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
        on_phase,
    );
    let judgment = match judged {
        Ok(judgment) => judgment,
        Err(EngineError::Problem { message }) => {
            row.outcome = "problem_error".to_owned();
            row.summary = message;
            return Ok(row);
        }
        Err(error) => return Err(CliError::Engine(error)),
    };
    if let Some(account) = &judgment.worker {
        row.phases = account
            .phases
            .iter()
            .map(|p| PhaseSeconds {
                name: p.name.clone(),
                seconds: p.seconds.unwrap_or(0.0),
            })
            .collect();
    }
    let evaluation = judgment.evaluation;
    row.seconds = Some(evaluation.eval_seconds);
    row.outcome = evaluation.verdict.kind().as_str().to_owned();
    row.summary = evaluation.verdict.summary();
    row.set_timing(&evaluation.verdict);
    Ok(row)
}

/// The tables as `lathe suite eval` prints them.
pub fn render_text(report: &SuiteReport) -> String {
    let mut text = table::render(&TASK_HEADER, &report.task_rows());
    text += "\n";
    text += &table::render(&FIGURE_HEADER, &report.figure_rows());
    text += report.device_note();
    let again = report.judged_again_lines();
    if !again.is_empty() {
        text += "\nJudged again alone (the row holds the second verdict):\n";
        for line in again {
            text += &format!("  {line}\n");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::gpu_pool;

    #[test]
    fn a_gpu_named_twice_is_one_gpu_of_the_pool() {
        assert_eq!(gpu_pool("0, 2,0,,3,2"), ["0", "2", "3"]);
    }
}
