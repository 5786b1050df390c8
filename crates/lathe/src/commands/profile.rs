//! `lathe profile`: the Nsight Compute metrics a stage's prompt will show for a candidate, and
//! with `--json` everything the profile learnt.

use std::collections::BTreeMap;
use std::path::Path;

use lathe_core::Stage;
use lathe_profile::{
    KernelSummary, MetricRequest, ProfileRecord, ProfileTarget, ProfileUnavailable,
};

use super::stage_choice::{category, stage};
use crate::cli::ProfileArgs;
use crate::error::CliError;
use crate::input::{FileRole, absolute_path, read_text};
use crate::output::emit;
use crate::settings::Settings;

pub fn run(args: &ProfileArgs, settings: &Settings) -> Result<(), CliError> {
    read_text(&args.problem, FileRole::Problem)?;
    let request = match &args.metrics {
        Some(list) => MetricRequest {
            metrics: list
                .iter()
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect(),
            stage: None,
        },
        None => {
            let category = category(settings, Some(&args.problem))?;
            stage_request(stage(category, args.stage.as_deref())?)
        }
    };
    let overrides = args.overrides.iter().cloned().collect();
    let record = take_profile(&args.problem, &args.kernel, overrides, &request, settings)?
        .map_err(CliError::ProfileUnavailable)?;
    let text = if args.json {
        let mut text = serde_json::to_string_pretty(&record)
            .unwrap_or_else(|e| unreachable!("a record always serializes: {e}"));
        text.push('\n');
        text
    } else {
        render_text(&record, args.all_kernels)
    };
    emit(&text, None)
}

/// Profiles `kernel` on `problem`. The outer error is the user's (unreadable files); the inner
/// one says why no metrics could be collected, which callers may treat as a fallback.
pub fn take_profile(
    problem: &Path,
    kernel: &Path,
    overrides: BTreeMap<String, serde_json::Value>,
    request: &MetricRequest,
    settings: &Settings,
) -> Result<Result<ProfileRecord, ProfileUnavailable>, CliError> {
    let source = read_text(kernel, FileRole::Kernel)?;
    let backend = super::eval::backend_of(settings, &source);
    let own_kernels = lathe_check::check(&source, backend, settings.eval.policy.value).kernels;
    let target = ProfileTarget {
        problem: absolute_path(problem)?,
        overrides,
        kernel: absolute_path(kernel)?,
        backend,
        own_kernels,
    };
    let config = settings.profile.config(&settings.eval);
    Ok(lathe_profile::profile(&config, &target, request))
}

pub fn stage_request(stage: &Stage) -> MetricRequest {
    MetricRequest {
        metrics: stage.metrics.clone(),
        stage: Some(format!("{}/{}", stage.category, stage.id)),
    }
}

fn render_text(record: &ProfileRecord, all_kernels: bool) -> String {
    let mut text = String::new();
    let gpu = record.gpu.as_deref().unwrap_or("an unnamed GPU");
    text.push_str(&format!(
        "Nsight Compute {} on {gpu}{}: {} launches captured in {:.1} s (clocks: {})\n\n",
        record.ncu.version_number(),
        record
            .stage
            .as_deref()
            .map(|s| format!(", stage {s}"))
            .unwrap_or_default(),
        record.captured_launches,
        record.seconds.total,
        record.clock_control,
    ));
    text.push_str("[NCU PROFILING METRICS] as the prompt shows them:\n");
    text.push_str(&record.block);
    text.push_str("\n\n");
    let launches: Vec<String> = record
        .kernels
        .iter()
        .map(|k| format!("{} ×{}", k.name, k.launches))
        .collect();
    text.push_str(&format!(
        "candidate's kernels (median over launches): {}\n",
        launches.join(", ")
    ));
    if !record.missing.is_empty() {
        text.push_str("not collected:\n");
        for m in &record.missing {
            text.push_str(&format!("  {}  {}: {}\n", m.kernel, m.metric, m.reason));
        }
    }
    if all_kernels {
        text.push_str(&library_table(&record.library_kernels));
    } else if !record.library_kernels.is_empty() {
        text.push_str(&format!(
            "{} library kernels also ran (--all-kernels lists them)\n",
            record.library_kernels.len()
        ));
    }
    for note in &record.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    text.push_str(
        "profiler durations are taken under ncu's clock control and replay: time kernels with `lathe eval`\n",
    );
    text
}

fn library_table(kernels: &[KernelSummary]) -> String {
    if kernels.is_empty() {
        return "no library kernels ran in the profiled forward\n".to_owned();
    }
    let rows: Vec<[String; 3]> = kernels
        .iter()
        .map(|k| {
            let duration = k
                .metric("gpu__time_duration.sum")
                .map(|a| format!("{:.1} µs", a.median / 1000.0))
                .unwrap_or_else(|| "-".to_owned());
            [shorten(&k.name, 90), k.launches.to_string(), duration]
        })
        .collect();
    format!(
        "library kernels:\n{}",
        crate::table::render(&["KERNEL", "LAUNCHES", "DURATION (ncu)"], &rows)
    )
}

fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_owned();
    }
    let kept: String = name.chars().take(max - 1).collect();
    format!("{kept}…")
}
