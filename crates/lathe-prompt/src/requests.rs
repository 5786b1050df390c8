//! What each kind of prompt is rendered from.

use lathe_core::{Backend, GpuSpec, MissingTl, Stage, TritonApi, TritonRelease};

use crate::{Diagnosis, ErrorLog, FailedAttempt, MetricsJson, PromptStyle};

/// What a prompt states about the Triton it targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TritonFacts {
    pub missing: MissingTl,
    /// How prose names the Triton meant: `3.6`, or `3.x` when any 3.x release is meant.
    pub version_label: String,
}

impl TritonFacts {
    /// The seeds' list, false for Triton 3.x: kept to reproduce the seed prompts.
    pub fn seed_list() -> TritonFacts {
        TritonFacts {
            missing: TritonApi::embedded().seed_missing(),
            version_label: "3.x".to_owned(),
        }
    }

    /// What one release really lacks.
    pub fn release(release: TritonRelease) -> TritonFacts {
        TritonFacts {
            missing: TritonApi::embedded().missing_in(release),
            version_label: release.to_string(),
        }
    }

    /// What every known 3.x release lacks: true whichever one is installed.
    pub fn every_release() -> TritonFacts {
        TritonFacts {
            missing: TritonApi::embedded().missing_in_every_release(),
            version_label: "3.x".to_owned(),
        }
    }
}

/// A stage's optimization prompt for the current best kernel.
#[derive(Debug, Clone)]
pub struct OptimizeRequest<'a> {
    pub gpu: &'a GpuSpec,
    pub stage: &'a Stage,
    pub style: PromptStyle,
    /// The kernel file's text; shown stripped of surrounding whitespace.
    pub kernel_source: &'a str,
    /// `None` renders the literal "No NCU metrics available".
    pub metrics: Option<&'a MetricsJson>,
    pub triton: &'a TritonFacts,
    /// The reference problem's source, shown as `[REFERENCE]` when given (the seeds have none).
    pub reference_source: Option<&'a str>,
}

/// The first kernel for a problem.
#[derive(Debug, Clone)]
pub struct SeedRequest<'a> {
    pub gpu: &'a GpuSpec,
    pub backend: Backend,
    pub reference_source: &'a str,
    /// Used by the Triton backend only.
    pub triton: &'a TritonFacts,
}

/// A failed kernel, for the analyst's diagnosis or a repair.
#[derive(Debug, Clone)]
pub struct FailureRequest<'a> {
    pub gpu: &'a GpuSpec,
    pub backend: Backend,
    pub reference_source: &'a str,
    pub code: &'a str,
    pub error_log: &'a ErrorLog,
    /// Earlier failed attempts at the same kernel, oldest first.
    pub history: &'a [FailedAttempt],
    /// The analyst's diagnosis; used by the repair prompt only.
    pub diagnosis: Option<&'a Diagnosis>,
}
