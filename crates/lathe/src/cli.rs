//! The command line, as clap parses it. Settings-bearing flags are turned into the flags layer of
//! the settings here; nothing else happens until the settings are resolved.

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use lathe_core::{Backend, Category};
use lathe_prompt::PromptStyle;

use crate::settings::{Layer, Origin};

const ABOUT: &str =
    "Turns a PyTorch reference model into the fastest correct GPU kernel it can find.";

const LONG_ABOUT: &str = "\
Turns a PyTorch reference model into the fastest correct GPU kernel it can find.

lathe drives a language model through named optimization stages, shows it Nsight Compute
metrics of the current best kernel, and trusts nothing the model says: every verdict and
every number comes from its own harness.

Settings are resolved once per command: flags > LATHE_* environment variables > lathe.toml
(in the working directory or a parent) > the user config (~/.config/lathe/config.toml) >
built-in defaults. `lathe config` shows the result.

Exit codes: 0 success, 1 failure, 2 usage error, 3 bad input (see docs/exit-codes.md).";

#[derive(Debug, Parser)]
#[command(name = "lathe", version, about = ABOUT, long_about = LONG_ABOUT, max_term_width = 100)]
pub struct Cli {
    /// Read this settings file instead of looking for lathe.toml
    #[arg(long, global = true, value_name = "FILE", env = "LATHE_CONFIG")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the GPU catalog, or show one GPU as prompts show it
    Gpus(GpusArgs),
    /// List the optimization stages with their metrics, skip thresholds and tunables
    Stages(StagesArgs),
    /// Render a prompt: a stage's optimization prompt, or a seed, analyst or repair prompt
    Prompt(Box<PromptArgs>),
    /// Show the resolved settings and where each value came from
    Config,
}

#[derive(Debug, Args)]
pub struct GpusArgs {
    /// A GPU's name, alias or driver name (`NVIDIA H100 80GB HBM3`); case and spaces do not matter
    pub name: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct StagesArgs {
    /// Only this category's stages
    #[arg(long, value_name = "CATEGORY", value_parser = category_parser())]
    pub category: Option<Category>,
    /// Show one stage in full, focus text included (needs --category when ids repeat)
    pub stage: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PromptArgs {
    #[command(subcommand)]
    pub kind: Option<PromptKind>,
    #[command(flatten)]
    pub optimize: OptimizeArgs,
}

/// The optimization prompt of one stage for the current kernel.
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// The current kernel: a Python file defining `ModelNew`
    #[arg(long, value_name = "FILE", required = true)]
    pub kernel: Option<PathBuf>,
    /// The reference problem; adds a [REFERENCE] section and may name the category (level1/2/3)
    #[arg(long, value_name = "FILE")]
    pub problem: Option<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Problem category, which picks the stage list
    #[arg(long, value_name = "CATEGORY", value_parser = category_parser())]
    pub category: Option<Category>,
    /// Stage id within the category (default: its first stage); `lathe stages` lists them
    #[arg(long, value_name = "ID")]
    pub stage: Option<String>,
    /// Prompt style: full (seed 002), full-api (seed 000) or compact (seed 003)
    #[arg(long, value_name = "STYLE", value_parser = style_parser())]
    pub style: Option<PromptStyle>,
    /// Nsight Compute metrics as JSON {kernel: {metric: number}}; without it the prompt says
    /// "No NCU metrics available"
    #[arg(long, value_name = "FILE")]
    pub metrics: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct TargetArgs {
    /// Target GPU: catalog name, alias or driver name (`lathe gpus` lists them)
    #[arg(long, value_name = "NAME")]
    pub gpu: Option<String>,
    /// The Triton release whose missing `tl` functions the prompt lists (default: the seeds' list
    /// for optimization prompts, what every 3.x lacks for the others)
    #[arg(long, value_name = "VERSION")]
    pub triton_version: Option<String>,
}

#[derive(Debug, Args)]
pub struct OutArgs {
    /// Write the prompt to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PromptKind {
    /// The prompt for a problem's first kernel
    Seed(SeedArgs),
    /// The analyst's prompt: a three-field JSON diagnosis of a failed kernel, no code
    Analyst(FailureArgs),
    /// The repair prompt for a failed kernel, with the analyst's diagnosis and earlier failures
    Repair(RepairArgs),
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// The reference problem: a KernelBench-style Python file defining `Model`
    #[arg(long, value_name = "FILE")]
    pub problem: PathBuf,
    /// Kernel language to ask for
    #[arg(long, value_name = "BACKEND", value_parser = backend_parser())]
    pub backend: Option<Backend>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct FailureArgs {
    /// The reference problem: a KernelBench-style Python file defining `Model`
    #[arg(long, value_name = "FILE")]
    pub problem: PathBuf,
    /// The kernel that failed
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// The failed run's output (only its last lines are shown)
    #[arg(long, value_name = "FILE")]
    pub error_log: PathBuf,
    /// Earlier failed attempts: JSON [{"verdict": "compile_error", "summary": "..."}], oldest first
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Kernel language (default: cuda when the kernel calls load_inline, else the setting)
    #[arg(long, value_name = "BACKEND", value_parser = backend_parser())]
    pub backend: Option<Backend>,
    /// How many trailing lines of the error log to show
    #[arg(long, value_name = "N")]
    pub error_log_lines: Option<usize>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub out: OutArgs,
}

#[derive(Debug, Args)]
pub struct RepairArgs {
    #[command(flatten)]
    pub failure: FailureArgs,
    /// The analyst's diagnosis: JSON {"critical_issue", "why_it_matters", "minimal_fix_hint"}
    #[arg(long, value_name = "FILE")]
    pub diagnosis: Option<PathBuf>,
}

fn category_parser() -> impl TypedValueParser<Value = Category> {
    PossibleValuesParser::new(Category::ALL.map(Category::as_str)).map(|s| {
        s.parse::<Category>()
            .unwrap_or_else(|_| unreachable!("a listed value"))
    })
}

fn style_parser() -> impl TypedValueParser<Value = PromptStyle> {
    PossibleValuesParser::new(PromptStyle::ALL.map(PromptStyle::as_str)).map(|s| {
        s.parse::<PromptStyle>()
            .unwrap_or_else(|_| unreachable!("a listed value"))
    })
}

fn backend_parser() -> impl TypedValueParser<Value = Backend> {
    PossibleValuesParser::new(Backend::ALL.map(Backend::as_str)).map(|s| {
        s.parse::<Backend>()
            .unwrap_or_else(|_| unreachable!("a listed value"))
    })
}

impl TargetArgs {
    fn layer(&self) -> Layer {
        Layer {
            gpu: self.gpu.clone(),
            triton_version: self.triton_version.clone(),
            ..Layer::empty(Origin::Flag)
        }
    }
}

impl Command {
    /// The settings this command's flags set, and the problem file it works on.
    pub fn flags_layer(&self) -> (Layer, Option<&Path>) {
        match self {
            // `lathe stages --category` filters a listing; it sets no setting.
            Command::Gpus(_) | Command::Stages(_) | Command::Config => {
                (Layer::empty(Origin::Flag), None)
            }
            Command::Prompt(p) => match &p.kind {
                None => {
                    let o = &p.optimize;
                    let layer = Layer {
                        category: o.category,
                        style: o.style,
                        ..o.target.layer()
                    };
                    (layer, o.problem.as_deref())
                }
                Some(PromptKind::Seed(s)) => (
                    Layer {
                        backend: s.backend,
                        ..s.target.layer()
                    },
                    Some(&s.problem),
                ),
                Some(PromptKind::Analyst(f)) => (f.layer(), Some(&f.problem)),
                Some(PromptKind::Repair(r)) => (r.failure.layer(), Some(&r.failure.problem)),
            },
        }
    }
}

impl FailureArgs {
    fn layer(&self) -> Layer {
        Layer {
            backend: self.backend,
            error_log_lines: self.error_log_lines,
            ..self.target.layer()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
