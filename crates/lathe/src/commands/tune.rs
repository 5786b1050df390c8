//! `lathe tune`: a kernel's launch constants tuned without a model. The work is
//! `lathe_engine::tune_kernel` (constants found, the kernel as given judged, each stage's search,
//! every variant judged by the loop's judging service); this command resolves the settings,
//! renders the progress and the summary, and writes the kernel with only the kept constants
//! changed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lathe_core::Speed;
use lathe_engine::{KernelToTune, TuningEnd, TuningError, WorkerJudge, tune_kernel};
use lathe_profile::{MetricRequest, ProfileTarget};
use lathe_tune::{Budget, Plan, Tunable, Tuned};
use lathe_worker::protocol::Device;
use serde_json::json;

use super::run_parts::{judge_settings, loop_worker};
use super::stage_choice::{category, stage_list};
use crate::cli::{TuneArgs, TuneBudget};
use crate::error::{CliError, ExitStatus};
use crate::input::{FileRole, absolute_path, read_text};
use crate::output::emit;
use crate::settings::Settings;

pub fn run(args: &TuneArgs, settings: &Settings) -> Result<ExitStatus, CliError> {
    read_text(&args.problem, FileRole::Problem)?;
    let source = read_text(&args.kernel, FileRole::Kernel)?;
    let category = category(settings, Some(&args.problem))?;
    let stages = stage_list(category, args.stages.as_deref())?;
    let device = settings.eval.device.value;
    let judge = WorkerJudge::new(loop_worker(settings), judge_settings(settings, device));
    let problem = absolute_path(&args.problem)?;
    let kernel_path = absolute_path(&args.kernel)?;
    let backend = super::eval::backend_of(settings, &source);
    let scratch = scratch_dir(args)?;
    let budget = match args.budget {
        Some(TuneBudget::Evaluations(n)) => Budget {
            evaluations: Some(n),
            time: None,
        },
        Some(TuneBudget::Time(d)) => Budget {
            evaluations: None,
            time: Some(d),
        },
        None => Budget::default(),
    };
    let ended = tune_kernel(
        &judge,
        KernelToTune {
            problem: &problem,
            source: &source,
            backend,
            scratch: &scratch,
        },
        Plan {
            stages: &stages,
            margin_pct: args.margin,
            budget,
        },
        || match device {
            Device::Cuda => registers(settings, &problem, &kernel_path, backend, &source),
            Device::Interpret => BTreeMap::new(),
        },
        &mut |label, evaluation, took| {
            if !args.json {
                note(&format!(
                    "  {label}: {} ({:.1} s)",
                    evaluation.verdict.summary(),
                    took.as_secs_f64()
                ));
            }
        },
    );
    // The judge the last variant's evaluation started ahead has nothing left to judge.
    lathe_worker::warm_judge::release();
    let ended = ended.map_err(|error| match error {
        TuningError::Unparsable(e) => CliError::Problem {
            message: format!("{} does not parse: {}", args.kernel.display(), e.message),
        },
        TuningError::Engine(e) => CliError::Engine(e),
    })?;
    let (tunables, start, tuned) = match ended {
        TuningEnd::NothingToTune => {
            note(&format!(
                "{}: no launch constants to tune (block sizes, num_warps or num_stages written as numbers); the kernel is unchanged",
                args.kernel.display()
            ));
            write_result(args, &source, None)?;
            return Ok(ExitStatus::Success);
        }
        TuningEnd::NotCorrect { verdict } => {
            note(&format!(
                "the kernel must be correct and timed before its constants are tuned: {}",
                verdict.summary()
            ));
            return Ok(ExitStatus::NotCorrect);
        }
        TuningEnd::Tuned {
            tunables,
            start,
            tuned,
        } => (tunables, start, tuned),
    };
    let report = report_json(&tunables, &tuned, start);
    if args.json {
        emit(
            &(serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"),
            None,
        )?;
    } else {
        note(&summary(&tuned, start));
    }
    write_result(args, &tuned.source, Some(&report))?;
    if let Some(dir) = &args.out {
        emit(
            &note_md(&args.kernel, &tuned, start),
            Some(&dir.join("tune.md")),
        )?;
    }
    Ok(ExitStatus::Success)
}

/// The profile's registers per thread for the kernel's longest-running kernel (at the absolute
/// path `kernel`), for the stage rule that reads it; nothing when no profile can be had (the
/// search then only steps).
fn registers(
    settings: &Settings,
    problem: &Path,
    kernel: &Path,
    backend: lathe_core::Backend,
    source: &str,
) -> BTreeMap<String, f64> {
    let target = ProfileTarget {
        problem: problem.to_path_buf(),
        overrides: BTreeMap::new(),
        kernel: kernel.to_path_buf(),
        backend,
        own_kernels: lathe_check::check(source, backend, settings.eval.policy.value).kernels,
    };
    let request = MetricRequest {
        metrics: vec!["launch__registers_per_thread".to_owned()],
        stage: None,
    };
    let config = settings.profile.config(&settings.eval);
    match lathe_profile::profile(&config, &target, &request) {
        Ok(record) => record.main_kernel_metrics(),
        Err(unavailable) => {
            note(&format!(
                "no profile for the stage rules: {}",
                unavailable.with_hint()
            ));
            BTreeMap::new()
        }
    }
}

/// Where the judged sources go (`tune_kernel` makes it when it first writes one).
fn scratch_dir(args: &TuneArgs) -> Result<PathBuf, CliError> {
    let dir = match &args.out {
        Some(out) => out.join("variants"),
        None => std::env::temp_dir().join(format!("lathe-tune-{}", std::process::id())),
    };
    // The worker runs in a scratch directory of its own: it needs the variants' full paths.
    absolute_path(&dir)
}

fn report_json(tunables: &[Tunable], tuned: &Tuned, start: Speed) -> serde_json::Value {
    json!({
        "tunables": tunables,
        "start": start,
        "best": tuned.best,
        "speedup": start.ms / tuned.best.ms,
        "changes": tuned.changes.iter().map(|(name, from, to)| json!({"name": name, "from": from, "to": to})).collect::<Vec<_>>(),
        "trials": tuned.trials,
        "notes": tuned.notes,
        "stopped_by": tuned.stopped_by,
    })
}

fn summary(tuned: &Tuned, start: Speed) -> String {
    let unit = if start.interpreter {
        " of CPU-interpreter time (not GPU speed)"
    } else {
        ""
    };
    let mut text = String::new();
    for n in &tuned.notes {
        text.push_str(&format!("{n}\n"));
    }
    if let Some(budget) = &tuned.stopped_by {
        text.push_str(&format!("the budget ({budget}) ended the search\n"));
    }
    if tuned.changes.is_empty() {
        text.push_str(&format!(
            "no variant beat the kernel as given ({:.4} ms{unit}); it is unchanged",
            start.ms
        ));
    } else {
        let changes: Vec<String> = tuned
            .changes
            .iter()
            .map(|(name, from, to)| format!("{name} {from} → {to}"))
            .collect();
        text.push_str(&format!(
            "tuned: {}: {:.4} → {:.4} ms{unit} ({:.2}x)",
            changes.join(", "),
            start.ms,
            tuned.best.ms,
            start.ms / tuned.best.ms
        ));
    }
    text
}

/// What changed and why, for a person: the summary, then every variant judged.
fn note_md(kernel: &Path, tuned: &Tuned, start: Speed) -> String {
    let mut text = format!(
        "# lathe tune: `{}`\n\n{}\n\n",
        kernel.display(),
        summary(tuned, start)
    );
    text.push_str(
        "| stage | variant | verdict | ms | kept | why |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for t in &tuned.trials {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            t.stage,
            t.change,
            t.verdict,
            t.ms.map_or_else(|| "-".to_owned(), |ms| format!("{ms:.4}")),
            if t.kept { "yes" } else { "" },
            t.why.replace('|', "\\|")
        ));
    }
    text
}

/// The tuned file to `--out DIR/tuned.py` (with `tune.json`), or to standard output.
fn write_result(
    args: &TuneArgs,
    source: &str,
    report: Option<&serde_json::Value>,
) -> Result<(), CliError> {
    match &args.out {
        Some(dir) => {
            emit(source, Some(&dir.join("tuned.py")))?;
            if let Some(report) = report {
                let text = serde_json::to_string_pretty(report).unwrap_or_default() + "\n";
                emit(&text, Some(&dir.join("tune.json")))?;
            }
            note(&format!("wrote {}", dir.join("tuned.py").display()));
            Ok(())
        }
        None if args.json => Ok(()),
        None => emit(source, None),
    }
}

/// Progress and summaries on standard error: standard output holds the tuned file.
fn note(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
