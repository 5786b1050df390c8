//! `lathe suite baselines PATH...`: measures each problem's eager and torch.compile baselines
//! ahead of a suite, on the GPUs of the pool, and records them in the run database.
//!
//! The worker measures them without a candidate and fills the same torch.compile cache an
//! evaluation reads (its key covers the problem's source and overrides, the GPU, the torch,
//! Triton and CUDA versions and the timing protocol), so a `suite eval` or `suite run` with the
//! same settings afterwards compiles nothing. The store keeps one row per key
//! (`Store::baselines`), which says which machine and versions each figure belongs to.

use lathe_store::{Baseline, Store, Timestamp};
use lathe_worker::driver::{EvalOutcome, WorkerConfig};
use lathe_worker::protocol::{
    BaselinesRequest, Device, MeasuredBaselines, PROTOCOL_VERSION, ProblemRef, RequestKind,
};
use serde::Serialize;

use super::run_parts::judge_settings;
use super::suite_eval::gpu_pool;
use super::suite_pool::run_pool;
use super::suite_tasks::{Selection, SuiteTask, tasks_of_paths};
use crate::cli::SuiteBaselinesArgs;
use crate::error::CliError;
use crate::input::absolute_path;
use crate::output::emit;
use crate::settings::Settings;
use crate::table;

const HEADER: [&str; 6] = [
    "PROBLEM",
    "GPU",
    "EAGER MS",
    "COMPILE MS",
    "COMPILE S",
    "NOTE",
];

/// One problem's line: its baselines, or why there are none.
#[derive(Debug, Clone, Serialize)]
struct Line {
    problem: String,
    path: String,
    gpu: Option<String>,
    eager_ms: Option<f64>,
    compile_ms: Option<f64>,
    compile_seconds: Option<f64>,
    /// The torch.compile figure came from the cache.
    cached: bool,
    /// Why a figure is missing (a problem error, torch.compile failing).
    error: Option<String>,
    seconds: f64,
}

pub fn run(args: &SuiteBaselinesArgs, settings: &Settings) -> Result<(), CliError> {
    if settings.eval.device.value != Device::Cuda {
        return Err(CliError::Environment {
            message: "baselines are GPU timings: there are none under --device interpret"
                .to_owned(),
            hint: Some("run `lathe suite baselines` on a machine with a GPU".to_owned()),
        });
    }
    let paths: Vec<_> = args
        .paths
        .iter()
        .map(|p| absolute_path(p))
        .collect::<Result<_, _>>()?;
    let tasks = Selection::of(&args.select).apply(tasks_of_paths(&paths, None, None)?);
    if tasks.is_empty() {
        return Err(CliError::BadSuiteFolder {
            path: paths[0].clone(),
            what: "problems",
            problem: "holds no problem that --levels, --first, --range or --sample takes"
                .to_owned(),
        });
    }
    // The timing protocol an evaluation with these settings uses: the cache key depends on it.
    let mut timing = judge_settings(settings, Device::Cuda).timing;
    timing.compile_baseline &= !args.no_compile_baseline;
    timing.interpreter = false;
    let overrides: std::collections::BTreeMap<_, _> = args.overrides.iter().cloned().collect();
    let seed = settings.eval.correctness().seed;
    let store = Store::open(settings.runs_database())?;
    let store = std::sync::Mutex::new(store);
    let slots: Vec<Option<String>> = gpu_pool(&args.gpus).into_iter().map(Some).collect();
    let lines = run_pool(settings, &slots, tasks.len(), |i, _, worker| {
        let request = BaselinesRequest {
            protocol: PROTOCOL_VERSION,
            kind: RequestKind::Baselines,
            device: Device::Cuda,
            problem: ProblemRef {
                path: tasks[i].problem.clone(),
                overrides: overrides.clone(),
            },
            seed,
            timing: timing.clone(),
        };
        let line = measure(&tasks[i], worker, request)?;
        if let Some(baseline) = &line.1 {
            super::suite_pool::lock(&store).record_baseline(baseline)?;
        }
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{}", progress(&line.0));
        Ok(line.0)
    })?;
    let text = if args.json {
        serde_json::to_string_pretty(&lines).unwrap_or_else(|e| unreachable!("{e}")) + "\n"
    } else {
        table::render(&HEADER, &lines.iter().map(cells).collect::<Vec<_>>())
    };
    emit(&text, None)
}

/// One problem measured: its line and, when the worker measured anything, its store record.
/// `Err` only for what stops every problem (no usable Python, no GPU).
fn measure(
    task: &SuiteTask,
    worker: &WorkerConfig,
    request: BaselinesRequest,
) -> Result<(Line, Option<Baseline>), CliError> {
    let overrides = request.problem.overrides.clone();
    let finished = lathe_worker::driver::baselines(worker, request).map_err(CliError::Worker)?;
    let mut line = Line {
        problem: task.name.clone(),
        path: task.problem.display().to_string(),
        gpu: None,
        eager_ms: None,
        compile_ms: None,
        compile_seconds: None,
        cached: false,
        error: None,
        seconds: finished.wall.as_secs_f64(),
    };
    let measured = match finished.outcome {
        Ok(measured) => measured,
        Err(EvalOutcome::ProblemError { message }) => {
            line.error = Some(message);
            return Ok((line, None));
        }
        Err(EvalOutcome::EnvironmentError { message }) => {
            return Err(CliError::Environment {
                message,
                hint: Some(
                    "baselines need a CUDA GPU; `lathe probe --device cuda` shows what this \
                     machine offers"
                        .to_owned(),
                ),
            });
        }
        Err(EvalOutcome::WorkerError { message, detail }) => {
            return Err(CliError::WorkerDefect { message, detail });
        }
        Err(EvalOutcome::Judged { verdict, .. }) => {
            line.error = Some(verdict.summary());
            return Ok((line, None));
        }
    };
    let baseline = record_of(task, &overrides, &measured);
    line.gpu = Some(baseline.gpu.clone());
    line.eager_ms = measured.eager.median_ms;
    if let Some(compiled) = &measured.torch_compile {
        line.compile_ms = compiled.median_ms;
        line.compile_seconds = compiled.compile_seconds;
        line.cached = compiled.cached == Some(true);
        line.error.clone_from(&compiled.error);
    }
    Ok((line, Some(baseline)))
}

fn record_of(
    task: &SuiteTask,
    overrides: &std::collections::BTreeMap<String, serde_json::Value>,
    measured: &MeasuredBaselines,
) -> Baseline {
    let text = |key: &str| {
        measured
            .machine
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let compiled = measured.torch_compile.clone().unwrap_or_default();
    Baseline {
        compile_key: measured.compile_key.clone(),
        problem_path: task.problem.display().to_string(),
        overrides: overrides.clone(),
        gpu: text("gpu").unwrap_or_default(),
        torch_version: text("torch").unwrap_or_default(),
        triton_version: text("triton").unwrap_or_default(),
        cuda_version: text("cuda"),
        eager_median_ms: measured.eager.median_ms,
        eager_iqr_ms: measured.eager.iqr_ms,
        compile_median_ms: compiled.median_ms,
        compile_iqr_ms: compiled.iqr_ms,
        compile_seconds: compiled.compile_seconds,
        compile_error: compiled.error,
        measured_at: Timestamp::now(),
    }
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.4}"))
}

fn cells(line: &Line) -> [String; 6] {
    let note = match (&line.error, line.cached) {
        (Some(error), _) => error.chars().take(60).collect(),
        (None, true) => "compile cached".to_owned(),
        (None, false) => String::new(),
    };
    [
        line.problem.clone(),
        line.gpu.clone().unwrap_or_else(|| "-".to_owned()),
        ms(line.eager_ms),
        ms(line.compile_ms),
        line.compile_seconds
            .map_or_else(|| "-".to_owned(), |s| format!("{s:.1}")),
        note,
    ]
}

fn progress(line: &Line) -> String {
    match &line.error {
        Some(error) => format!("{}: {error}", line.problem),
        None => format!(
            "{}: eager {} ms, torch.compile {} ms ({:.1} s)",
            line.problem,
            ms(line.eager_ms),
            ms(line.compile_ms),
            line.seconds
        ),
    }
}
