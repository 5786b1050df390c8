//! `lathe prompt`: renders one prompt from files and settings, to standard output or `--out`.

use std::path::Path;

use lathe_core::{GpuSpec, TritonApi};
use lathe_prompt::{
    Diagnosis, ErrorLog, FailedAttempt, FailureRequest, MetricsJson, OptimizeRequest, Prompts,
    SeedRequest, TritonFacts,
};
use serde::de::DeserializeOwned;

use super::stage_choice::{category, stage};
use crate::cli::{FailureArgs, OptimizeArgs, PromptArgs, PromptKind, SeedArgs};
use crate::error::CliError;
use crate::input::{FileRole, read_text};
use crate::output::emit;
use crate::settings::Settings;

pub fn run(args: &PromptArgs, settings: &Settings) -> Result<(), CliError> {
    let prompts = Prompts::new();
    match &args.kind {
        None => optimize(&args.optimize, settings, &prompts),
        Some(PromptKind::Seed(a)) => seed(a, settings, &prompts),
        Some(PromptKind::Analyst(a)) => {
            let text = with_failure(a, None, settings, |r| prompts.analyst(r))?;
            emit(&text, a.out.out.as_deref())
        }
        Some(PromptKind::Repair(a)) => {
            let diagnosis: Option<Diagnosis> = a
                .diagnosis
                .as_deref()
                .map(|p| read_json(p, FileRole::Diagnosis, "analyst diagnosis", DIAGNOSIS_SHAPE))
                .transpose()?;
            let text = with_failure(&a.failure, diagnosis.as_ref(), settings, |r| {
                prompts.repair(r)
            })?;
            emit(&text, a.failure.out.out.as_deref())
        }
    }
}

const DIAGNOSIS_SHAPE: &str =
    r#"expected {"critical_issue": "...", "why_it_matters": "...", "minimal_fix_hint": "..."}"#;
const HISTORY_SHAPE: &str = r#"expected [{"verdict": "compile_error", "summary": "..."}, ...]; verdicts: wrong, compile_error, runtime_error, timeout, crash, rejected"#;

fn optimize(args: &OptimizeArgs, settings: &Settings, prompts: &Prompts) -> Result<(), CliError> {
    let kernel_path = args
        .kernel
        .as_deref()
        .unwrap_or_else(|| unreachable!("clap requires --kernel"));
    let kernel = read_text(kernel_path, FileRole::Kernel)?;
    let reference = args
        .problem
        .as_deref()
        .map(|p| read_text(p, FileRole::Problem))
        .transpose()?;
    let gpu = target_gpu(settings)?;
    let category = category(settings, args.problem.as_deref())?;
    let stage = stage(category, args.stage.as_deref())?;
    let metrics = match &args.metrics {
        _ if args.profile => fresh_metrics(args, stage, settings)?,
        Some(path) => {
            let text = read_text(path, FileRole::Metrics)?;
            Some(
                MetricsJson::parse(&text).map_err(|error| CliError::BadMetrics {
                    path: path.clone(),
                    error,
                })?,
            )
        }
        None => None,
    };
    // The optimization prompt repeats the seeds' list unless a Triton version is given.
    let triton = triton_facts(settings)?.unwrap_or_else(TritonFacts::seed_list);
    let text = prompts.optimize(&OptimizeRequest {
        gpu,
        stage,
        style: settings.style.value,
        kernel_source: &kernel,
        metrics: metrics.as_ref(),
        triton: &triton,
        reference_source: reference.as_deref(),
    })?;
    emit(&text, args.out.out.as_deref())
}

/// The stage's metrics of the kernel, profiled now. When no metrics can be collected the prompt
/// takes its no-metrics form, as the loop's would, and the reason goes to standard error.
fn fresh_metrics(
    args: &OptimizeArgs,
    stage: &lathe_core::Stage,
    settings: &Settings,
) -> Result<Option<MetricsJson>, CliError> {
    let (Some(problem), Some(kernel)) = (args.problem.as_deref(), args.kernel.as_deref()) else {
        unreachable!("clap requires --problem and --kernel with --profile")
    };
    let request = super::profile::stage_request(stage);
    match super::profile::take_profile(problem, kernel, Default::default(), &request, settings)? {
        Ok(record) => {
            for missing in &record.missing {
                warn(&format!(
                    "{} {}: not collected ({})",
                    missing.kernel, missing.metric, missing.reason
                ));
            }
            Ok(Some(record.metrics))
        }
        Err(unavailable) => {
            warn(&format!(
                "the prompt says no metrics are available: {}",
                unavailable.with_hint()
            ));
            Ok(None)
        }
    }
}

/// A warning on standard error: the prompt itself goes to standard output or --out.
fn warn(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
}

fn seed(args: &SeedArgs, settings: &Settings, prompts: &Prompts) -> Result<(), CliError> {
    let reference = read_text(&args.problem, FileRole::Problem)?;
    let triton = triton_facts(settings)?.unwrap_or_else(TritonFacts::every_release);
    let text = prompts.seed(&SeedRequest {
        gpu: target_gpu(settings)?,
        backend: settings.backend.value,
        reference_source: &reference,
        triton: &triton,
    })?;
    emit(&text, args.out.out.as_deref())
}

fn with_failure(
    args: &FailureArgs,
    diagnosis: Option<&Diagnosis>,
    settings: &Settings,
    render: impl FnOnce(&FailureRequest<'_>) -> Result<String, lathe_prompt::PromptError>,
) -> Result<String, CliError> {
    let reference = read_text(&args.problem, FileRole::Problem)?;
    let code = read_text(&args.kernel, FileRole::Kernel)?;
    let log = read_text(&args.error_log, FileRole::ErrorLog)?;
    let history: Vec<FailedAttempt> = args
        .history
        .as_deref()
        .map(|p| read_json(p, FileRole::History, "history file", HISTORY_SHAPE))
        .transpose()?
        .unwrap_or_default();
    let error_log = ErrorLog::tail(&log, settings.error_log_lines.value);
    Ok(render(&FailureRequest {
        gpu: target_gpu(settings)?,
        backend: super::eval::backend_of(settings, &code),
        reference_source: &reference,
        code: &code,
        error_log: &error_log,
        history: &history,
        diagnosis,
    })?)
}

fn target_gpu(settings: &Settings) -> Result<&GpuSpec, CliError> {
    let name = settings.gpu.as_ref().ok_or(CliError::NoGpu)?;
    settings
        .gpu_catalog
        .lookup(&name.value)
        .map_err(|error| CliError::UnknownGpu {
            error,
            whence: name.whence().to_string(),
        })
}

/// What the configured Triton release lacks; `None` when no release is configured.
fn triton_facts(settings: &Settings) -> Result<Option<TritonFacts>, CliError> {
    let Some(version) = &settings.triton_version else {
        return Ok(None);
    };
    let release = TritonApi::embedded()
        .release(&version.value)
        .map_err(|error| CliError::UnknownTritonVersion {
            error,
            whence: version.whence().to_string(),
        })?;
    Ok(Some(TritonFacts::release(release)))
}

fn read_json<T: DeserializeOwned>(
    path: &Path,
    role: FileRole,
    what: &'static str,
    expected: &'static str,
) -> Result<T, CliError> {
    let text = read_text(path, role)?;
    serde_json::from_str(&text).map_err(|error| CliError::BadJsonFile {
        path: path.to_owned(),
        what,
        expected,
        error,
    })
}
