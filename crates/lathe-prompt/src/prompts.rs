//! The template environment and one render function per kind of prompt.

use lathe_core::{Backend, GpuSpec};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};
use serde::Serialize;

use crate::{FailureRequest, OptimizeRequest, SeedRequest, python_strip};

/// Every template, by the name the others include it under.
const TEMPLATES: [(&str, &str); 10] = [
    (
        "optimize.j2",
        include_str!("../../../prompts/templates/optimize.j2"),
    ),
    (
        "seed_triton.j2",
        include_str!("../../../prompts/templates/seed_triton.j2"),
    ),
    (
        "seed_cuda.j2",
        include_str!("../../../prompts/templates/seed_cuda.j2"),
    ),
    (
        "analyst.j2",
        include_str!("../../../prompts/templates/analyst.j2"),
    ),
    (
        "repair.j2",
        include_str!("../../../prompts/templates/repair.j2"),
    ),
    (
        "failure_context.j2",
        include_str!("../../../prompts/templates/failure_context.j2"),
    ),
    (
        "gpu_block.j2",
        include_str!("../../../prompts/templates/gpu_block.j2"),
    ),
    (
        "contract.j2",
        include_str!("../../../prompts/templates/contract.j2"),
    ),
    (
        "output_rules_triton.j2",
        include_str!("../../../prompts/templates/output_rules_triton.j2"),
    ),
    (
        "output_rules_cuda.j2",
        include_str!("../../../prompts/templates/output_rules_cuda.j2"),
    ),
];

/// What the optimization prompt shows when no profile is available.
pub const NO_METRICS: &str = "No NCU metrics available";

/// A template failed to render: a defect of lathe's templates, never of the user's input.
#[derive(Debug, thiserror::Error)]
#[error("prompt template `{template}` failed to render: {source}")]
pub struct PromptError {
    template: &'static str,
    source: minijinja::Error,
}

/// The embedded templates, parsed once.
#[derive(Debug)]
pub struct Prompts {
    env: Environment<'static>,
}

impl Default for Prompts {
    fn default() -> Self {
        Prompts::new()
    }
}

/// The GPU as templates see it.
#[derive(Serialize)]
struct GpuView<'a> {
    name: &'a str,
    architecture: &'a str,
    compute_capability: String,
    bullets: Vec<(&'static str, String)>,
}

impl<'a> GpuView<'a> {
    fn of(gpu: &'a GpuSpec) -> GpuView<'a> {
        GpuView {
            name: &gpu.name,
            architecture: &gpu.architecture,
            compute_capability: gpu.compute_capability.to_string(),
            bullets: gpu.bullets(),
        }
    }
}

impl Prompts {
    pub fn new() -> Prompts {
        let mut env = Environment::new();
        // Block tags leave no trace on their lines, so templates read like the prompts they make.
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("embedded template {name} does not parse: {e:#}"));
        }
        Prompts { env }
    }

    fn render(&self, template: &'static str, ctx: minijinja::Value) -> Result<String, PromptError> {
        self.env
            .get_template(template)
            .and_then(|t| t.render(ctx))
            .map_err(|source| PromptError { template, source })
    }

    /// A stage's optimization prompt, in the seeds' format.
    pub fn optimize(&self, r: &OptimizeRequest<'_>) -> Result<String, PromptError> {
        let missing = &r.triton.missing;
        self.render(
            "optimize.j2",
            context! {
                style => r.style.as_str(),
                gpu => GpuView::of(r.gpu),
                focus => r.stage.focus,
                code => python_strip(r.kernel_source),
                reference => r.reference_source.map(python_strip),
                metrics => r.metrics.map_or_else(|| NO_METRICS.to_owned(), |m| m.render()),
                missing_tl => (!missing.is_empty()).then(|| missing.joined()),
            },
        )
    }

    /// The target-GPU block exactly as the full-style prompts show it.
    pub fn gpu_block(&self, gpu: &GpuSpec) -> Result<String, PromptError> {
        self.render("gpu_block.j2", context! { gpu => GpuView::of(gpu) })
    }

    /// The prompt for the first kernel of a problem.
    pub fn seed(&self, r: &SeedRequest<'_>) -> Result<String, PromptError> {
        let missing = &r.triton.missing;
        let alternatives: Vec<(&str, &str)> = missing
            .with_alternatives()
            .map(|(name, instead)| {
                (
                    name,
                    instead.unwrap_or("write it from tl.exp, tl.log and tl.where"),
                )
            })
            .collect();
        let template = match r.backend {
            Backend::Triton => "seed_triton.j2",
            Backend::Cuda => "seed_cuda.j2",
        };
        self.render(
            template,
            context! {
                gpu => GpuView::of(r.gpu),
                sm_name => r.gpu.compute_capability.sm_name(),
                reference => python_strip(r.reference_source),
                triton_version => r.triton.version_label,
                missing_tl => (!missing.is_empty()).then(|| missing.joined()),
                missing_alternatives => alternatives,
            },
        )
    }

    /// The analyst's prompt: diagnose a failure as three fields of JSON.
    pub fn analyst(&self, r: &FailureRequest<'_>) -> Result<String, PromptError> {
        self.render("analyst.j2", failure_context(r))
    }

    /// The repair prompt: the failure, the diagnosis if any, the history, the rules.
    pub fn repair(&self, r: &FailureRequest<'_>) -> Result<String, PromptError> {
        self.render("repair.j2", failure_context(r))
    }
}

fn failure_context(r: &FailureRequest<'_>) -> minijinja::Value {
    context! {
        gpu => GpuView::of(r.gpu),
        backend => r.backend.display_name(),
        reference => python_strip(r.reference_source),
        code => python_strip(r.code),
        error_log => r.error_log.text,
        log_omitted => r.error_log.omitted_lines,
        history => r.history,
        diagnosis => r.diagnosis,
    }
}
