//! The command line, as clap parses it. Settings-bearing flags are turned into the flags layer of
//! the settings here; nothing else happens until the settings are resolved.

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use lathe_core::{Backend, Category, Policy};
use lathe_prompt::PromptStyle;
use lathe_worker::protocol::{Device, ToleranceRule};

use crate::settings::{Layer, Origin, TimingTable};

mod executor_args;
mod run_args;

pub use executor_args::ExecutorArgs;

pub use run_args::{
    BudgetArgs, LoopArgs, OptimizeRunArgs, ProgressArgs, ResumeArgs, SuiteRunArgs, TuneArgs,
    TuneBudget,
};

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

Exit codes: 0 success, 1 failure, 2 usage error, 3 bad input, 4 candidate judged not correct,
5 environment unavailable, 130/143 stopped by Ctrl-C/SIGTERM (see docs/exit-codes.md).";

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
    /// Judge a candidate kernel: correctness, integrity and timing, in a sandboxed worker
    Eval(Box<EvalArgs>),
    /// Profile a candidate with Nsight Compute: the metrics a stage's prompt will show
    Profile(Box<ProfileArgs>),
    /// Send one prompt to a model and write the code of its reply
    Ask(AskArgs),
    /// Describe this machine: GPU, software, `tl` functions, Nsight Compute, copy bandwidth
    Probe(ProbeArgs),
    /// Optimize a kernel: seed, repair, then each stage profiled, prompted, judged and kept if faster
    Optimize(Box<OptimizeRunArgs>),
    /// Continue a run that was killed or stopped by a budget, without repeating a model call
    Resume(ResumeArgs),
    /// Tune a kernel's launch constants (block sizes, num_warps, num_stages) without a model
    Tune(Box<TuneArgs>),
    /// Work on a whole folder of problems: `lathe suite eval` judges kernels made elsewhere
    #[command(subcommand)]
    Suite(SuiteCommand),
    /// List the recorded runs, newest first: status, attempts, correct ones and the best
    Runs(RunsArgs),
    /// Rebuild a run's report.md (and report.html, best.py) from the run database
    Report(ReportArgs),
    /// Write a run's attempts as JSON lines, one object per model call
    Export(ExportArgs),
    /// Show the resolved settings and where each value came from
    Config,
}

/// Where the run database is (shared by the commands that read it).
#[derive(Debug, Args)]
pub struct RunsDirArgs {
    /// The directory holding the run database, lathe.db (default: lathe-runs)
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub store: RunsDirArgs,
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run: its id, a unique prefix of it, or `latest`
    #[arg(value_name = "RUN")]
    pub run: String,
    /// Also write report.html: self-contained, with the speedup plot
    #[arg(long)]
    pub html: bool,
    /// Write into this directory instead of the run's own
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub store: RunsDirArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The run: its id, a unique prefix of it, or `latest`
    #[arg(value_name = "RUN")]
    pub run: String,
    /// The JSON Lines file to write (replaced whole)
    #[arg(long, value_name = "FILE")]
    pub jsonl: PathBuf,
    #[command(flatten)]
    pub store: RunsDirArgs,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The reference problem: a KernelBench-style Python file defining `Model`
    #[arg(long, value_name = "FILE")]
    pub problem: PathBuf,
    /// The candidate: a Python file defining `ModelNew`
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// Override a module-level constant of the problem (repeatable): `--set batch_size=2`;
    /// the value is read as JSON (numbers, lists), else as text
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    pub overrides: Vec<(String, serde_json::Value)>,
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// Correctness trials, each with fresh seeded inputs
    #[arg(long, value_name = "N")]
    pub trials: Option<u32>,
    /// Kernel language (default: cuda when the kernel calls load_inline, else the setting)
    #[arg(long, value_name = "BACKEND", value_parser = backend_parser())]
    pub backend: Option<Backend>,
    /// `default`: PyTorch may do part of the work; `strict`: library compute is refused too
    #[arg(long, value_name = "POLICY", value_parser = policy_parser())]
    pub policy: Option<Policy>,
    /// How floating outputs are judged: `error-factor` (a float64 reference; summation-order
    /// error up to --error-factor times PyTorch's own is allowed) or `kernelbench` (atol/rtol)
    #[arg(long, value_name = "RULE", value_parser = tolerance_rule_parser())]
    pub tolerance_rule: Option<ToleranceRule>,
    /// Under the error-factor rule: how many times PyTorch's own largest float32 error on an
    /// output a candidate may make
    #[arg(long, value_name = "FACTOR")]
    pub error_factor: Option<f64>,
    /// Judge correctness and integrity only
    #[arg(long)]
    pub no_timing: bool,
    /// Skip the torch.compile baseline (it is cached per problem and GPU once measured)
    #[arg(long)]
    pub no_compile_baseline: bool,
    /// With --device interpret: also time the interpreted forward. CPU-interpreter time orders
    /// kernels by the interpreter's work, never by GPU performance; ignored on cuda
    #[arg(long, conflicts_with = "no_timing")]
    pub interpreter_timing: bool,
    /// Print one JSON object instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SuiteCommand {
    /// Judge a folder of kernels against a folder of problems: the verdict and timing of every
    /// problem, and the suite's fast_p table
    Eval(Box<SuiteEvalArgs>),
    /// Optimize every problem of a folder (KernelBench levels, or any folder of problems): the
    /// full loop on each, as one run that `lathe resume` continues, and the suite's tables
    Run(Box<SuiteRunArgs>),
    /// Two suite runs side by side, problem by problem, and their figures
    Compare(SuiteCompareArgs),
    /// Measure every problem's eager and torch.compile baselines ahead of a suite (on the GPUs
    /// of the pool), cache them for later evaluations and record them in the run database
    Baselines(Box<SuiteBaselinesArgs>),
}

#[derive(Debug, Args)]
pub struct SuiteBaselinesArgs {
    /// The problems: folders of KernelBench-style files (searched recursively) or files
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Override a module-level constant of every problem (repeatable): `--set batch_size=2`
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    pub overrides: Vec<(String, serde_json::Value)>,
    #[command(flatten)]
    pub select: SelectionArgs,
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// The GPUs to measure on, one problem on each at a time: `all` or a list, `0,2,3`
    #[arg(long, value_name = "LIST", default_value = "all", value_parser = parse_gpus)]
    pub gpus: String,
    /// Measure the eager baseline only
    #[arg(long)]
    pub no_compile_baseline: bool,
    /// Print one JSON array instead of the table
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: RunsDirArgs,
}

#[derive(Debug, Args)]
pub struct SuiteCompareArgs {
    /// The first suite run (A): its id, a unique prefix of it, or `latest`
    #[arg(value_name = "RUN")]
    pub a: String,
    /// The second suite run (B)
    #[arg(value_name = "RUN")]
    pub b: String,
    /// Print one JSON object instead of the tables
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub store: RunsDirArgs,
}

/// Which problems of a suite's folders to take.
#[derive(Debug, Args)]
pub struct SelectionArgs {
    /// Only the problems of these levels (from their `levelN` folders): `--levels 1,2`
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub levels: Vec<u32>,
    /// Only the first N problems, in level and problem-number order
    #[arg(long, value_name = "N", group = "subset")]
    pub first: Option<usize>,
    /// Only problems A to B by number, both included: `--range 1:20`
    #[arg(long, value_name = "A:B", value_parser = parse_range, group = "subset")]
    pub range: Option<(u32, u32)>,
    /// N problems drawn at random, the same ones for the same --seed
    #[arg(long, value_name = "N", group = "subset", requires = "seed")]
    pub sample: Option<usize>,
    /// The seed of --sample
    #[arg(long, value_name = "S", requires = "sample")]
    pub seed: Option<u64>,
}

#[derive(Debug, Args)]
pub struct SuiteEvalArgs {
    /// The problems: a folder of KernelBench-style files (searched recursively, e.g. a
    /// KernelBench checkout's `KernelBench/`)
    #[arg(long, value_name = "DIR")]
    pub problems: PathBuf,
    /// The kernels: a file at the problem's own relative path (`level1/19_ReLU.py`), or named
    /// after it KernelBench's way (`level_1_problem_19_sample_0_kernel.py`)
    #[arg(long, value_name = "DIR")]
    pub kernels: PathBuf,
    /// Name each problem's kernel another way: a path under --kernels with {path}, {parent},
    /// {stem}, {level} and {number} of the problem put in, `*` matching any characters in the
    /// file name: `--map '{parent}/kernel.py'`, `--map 'level_{level}_problem_{number}_*.py'`
    #[arg(long, value_name = "PATTERN")]
    pub map: Option<String>,
    /// Override a module-level constant of every problem (repeatable): `--set batch_size=2`
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    pub overrides: Vec<(String, serde_json::Value)>,
    #[command(flatten)]
    pub select: SelectionArgs,
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// The GPUs to judge on, one evaluation on each at a time (two candidates are never timed
    /// together on one GPU): `all` (those CUDA_VISIBLE_DEVICES allows, else every GPU the
    /// driver lists) or a list of indices or UUIDs, `0,2,3`
    #[arg(long, value_name = "LIST", default_value = "all", value_parser = parse_gpus)]
    pub gpus: String,
    /// Evaluations at once under --device interpret
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Judge correctness and integrity only: nothing is timed (the figures are the correct
    /// share, fast_0), so evaluations may share a GPU (--checks-per-gpu)
    #[arg(long)]
    pub no_timing: bool,
    /// With --no-timing on GPUs: evaluations at once on each GPU (default 2). One that runs out
    /// of GPU memory or time beside the others is judged again alone
    #[arg(long, value_name = "N", requires = "no_timing", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub checks_per_gpu: Option<u16>,
    #[command(flatten)]
    pub executor: ExecutorArgs,
    /// Skip the torch.compile baseline (speedups against it are then missing)
    #[arg(long)]
    pub no_compile_baseline: bool,
    /// Also write suite.md and suite.json into this folder
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print one JSON object instead of the tables
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AskArgs {
    /// The model: PROVIDER:MODEL, e.g. openai:gpt-4.1, anthropic:claude-sonnet-4-5,
    /// command:'my-cli --stdin', manual, manual:DIR, replay:replies.jsonl (default: LATHE_LLM,
    /// then `llm.spec` in lathe.toml)
    #[arg(long, value_name = "SPEC")]
    pub llm: Option<String>,
    /// The prompt: a text file (`lathe prompt --out FILE` writes one)
    #[arg(long, value_name = "FILE")]
    pub prompt: PathBuf,
    /// A system prompt, from a text file
    #[arg(long, value_name = "FILE")]
    pub system: Option<PathBuf>,
    /// Write the extracted code here instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the model's reasoning here (empty when it gave none)
    #[arg(long, value_name = "FILE")]
    pub reasoning_out: Option<PathBuf>,
    /// Ask for one JSON body instead of a stream of server-sent events
    #[arg(long)]
    pub no_stream: bool,
    /// Print a JSON summary (code, usage, cost, attempts) on standard output
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The reference problem: a KernelBench-style Python file defining `Model`
    #[arg(long, value_name = "FILE")]
    pub problem: PathBuf,
    /// The candidate: a Python file defining `ModelNew`
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// Override a module-level constant of the problem (repeatable): `--set batch_size=2`
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    pub overrides: Vec<(String, serde_json::Value)>,
    /// Problem category, which picks the stage list (default: from the problem's path)
    #[arg(long, value_name = "CATEGORY", value_parser = category_parser())]
    pub category: Option<Category>,
    /// Collect this stage's metrics (default: the category's first stage)
    #[arg(long, value_name = "ID", conflicts_with = "metrics")]
    pub stage: Option<String>,
    /// Collect these metrics instead of a stage's: comma-separated Nsight Compute names
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub metrics: Option<Vec<String>>,
    /// Also show library kernels (cuDNN, cuBLAS, ATen) that ran in the profiled forward
    #[arg(long)]
    pub all_kernels: bool,
    /// Kernel language (default: cuda when the kernel calls load_inline, else the setting)
    #[arg(long, value_name = "BACKEND", value_parser = backend_parser())]
    pub backend: Option<Backend>,
    #[command(flatten)]
    pub profiler: ProfilerArgs,
    /// Print the full record as JSON
    #[arg(long)]
    pub json: bool,
}

/// How Nsight Compute is run (shared by `lathe profile` and `lathe prompt --profile`).
#[derive(Debug, Args)]
pub struct ProfilerArgs {
    /// The Nsight Compute command (default: `ncu` on PATH, then CUDA's usual places)
    #[arg(long, value_name = "PATH")]
    pub ncu: Option<String>,
    /// Wall-clock limit of the profile, in seconds
    #[arg(long, value_name = "SECONDS")]
    pub profile_timeout: Option<f64>,
    /// The Python interpreter with torch and triton
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
}

#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Where candidates run: a CUDA GPU, or Triton's interpreter on the CPU (no GPU timing)
    #[arg(long, value_name = "DEVICE", value_parser = device_parser())]
    pub device: Option<Device>,
    /// The Python interpreter with torch and triton
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    /// Wall-clock limit of the evaluation, in seconds
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Resident-memory limit of the evaluation's processes, in GB
    #[arg(long, value_name = "GB")]
    pub memory_limit_gb: Option<f64>,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// The Nsight Compute command (default: `ncu` on PATH)
    #[arg(long, value_name = "PATH", env = "LATHE_NCU")]
    pub ncu: Option<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
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
    /// Profile the kernel now (needs --problem and a GPU) and show the stage's metrics; when
    /// profiling is unavailable the prompt says so and the reason goes to standard error
    #[arg(long, requires = "problem", conflicts_with = "metrics")]
    pub profile: bool,
    #[command(flatten)]
    pub profiler: ProfilerArgs,
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

fn policy_parser() -> impl TypedValueParser<Value = Policy> {
    PossibleValuesParser::new(["default", "strict"]).map(|s| {
        s.parse::<Policy>()
            .unwrap_or_else(|_| unreachable!("a listed value"))
    })
}

fn tolerance_rule_parser() -> impl TypedValueParser<Value = ToleranceRule> {
    PossibleValuesParser::new(ToleranceRule::ALL.map(ToleranceRule::as_str)).map(|s| {
        s.parse::<ToleranceRule>()
            .unwrap_or_else(|_| unreachable!("a listed value"))
    })
}

fn device_parser() -> impl TypedValueParser<Value = Device> {
    PossibleValuesParser::new(Device::ALL.map(Device::as_str)).map(|s| {
        s.parse::<Device>()
            .unwrap_or_else(|_| unreachable!("a listed value"))
    })
}

/// `--range A:B`: two problem numbers, the first no larger than the second.
pub(crate) fn parse_range(text: &str) -> Result<(u32, u32), String> {
    let (a, b) = text
        .split_once(':')
        .ok_or_else(|| "expected A:B, e.g. 1:20".to_owned())?;
    let number = |s: &str| {
        s.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{s}` is not a problem number (expected A:B, e.g. 1:20)"))
    };
    let (a, b) = (number(a)?, number(b)?);
    if a > b {
        return Err(format!("{a}:{b} is empty: A must be at most B"));
    }
    Ok((a, b))
}

/// `--gpus`: `all`, or a comma-separated list naming at least one GPU.
pub(crate) fn parse_gpus(text: &str) -> Result<String, String> {
    if text.split(',').any(|g| !g.trim().is_empty()) {
        Ok(text.to_owned())
    } else {
        Err("expected `all` or a list of GPU indices or UUIDs, e.g. 0,2,3".to_owned())
    }
}

/// `NAME=VALUE`, the value read as JSON when it is JSON (2, 0.5, [1, 2], true), else as text.
pub(crate) fn parse_override(text: &str) -> Result<(String, serde_json::Value), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
    let name = name.trim();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("`{name}` is not a Python constant name"));
    }
    let value = serde_json::from_str(value.trim())
        .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_owned()));
    Ok((name.to_owned(), value))
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
            Command::Eval(e) => {
                let mut layer = e.worker.layer();
                layer.backend = e.backend;
                layer.eval.policy = e.policy;
                layer.eval.trials = e.trials;
                layer.eval.tolerance_rule = e.tolerance_rule;
                layer.eval.error_factor = e.error_factor;
                if e.interpreter_timing {
                    layer.eval.timing = Some(TimingTable {
                        interpreter: Some(true),
                        ..TimingTable::default()
                    });
                }
                (layer, Some(&e.problem))
            }
            Command::Probe(p) => (p.worker.layer(), None),
            Command::Suite(SuiteCommand::Eval(e)) => (e.worker.layer(), None),
            Command::Suite(SuiteCommand::Baselines(b)) => {
                let worker = b.worker.layer();
                let layer = Layer {
                    runs_dir: b.store.runs_dir.clone(),
                    python: worker.python,
                    eval: worker.eval,
                    ..Layer::empty(Origin::Flag)
                };
                (layer, None)
            }
            Command::Suite(SuiteCommand::Run(r)) => {
                let mut layer = Layer {
                    category: r.category,
                    backend: r.backend,
                    style: r.style,
                    runs_dir: r.store.runs_dir.clone(),
                    ..r.target.layer()
                };
                let worker = r.worker.layer();
                layer.python = worker.python;
                layer.eval = worker.eval;
                layer.llm.spec = r.llm.clone();
                layer.profile.ncu = r.ncu.clone();
                (layer, None)
            }
            Command::Runs(RunsArgs { store, .. })
            | Command::Suite(SuiteCommand::Compare(SuiteCompareArgs { store, .. }))
            | Command::Report(ReportArgs { store, .. })
            | Command::Export(ExportArgs { store, .. }) => (
                Layer {
                    runs_dir: store.runs_dir.clone(),
                    ..Layer::empty(Origin::Flag)
                },
                None,
            ),
            Command::Optimize(o) => {
                let mut layer = Layer {
                    category: o.category,
                    backend: o.backend,
                    style: o.style,
                    runs_dir: o.store.runs_dir.clone(),
                    ..o.target.layer()
                };
                let worker = o.worker.layer();
                layer.python = worker.python;
                layer.eval = worker.eval;
                layer.llm.spec = o.llm.clone();
                layer.profile.ncu = o.ncu.clone();
                (layer, Some(&o.problem))
            }
            Command::Tune(t) => {
                let worker = t.worker.layer();
                let mut layer = Layer {
                    category: t.category,
                    python: worker.python,
                    ..Layer::empty(Origin::Flag)
                };
                layer.eval = worker.eval;
                layer.profile.ncu = t.ncu.clone();
                (layer, Some(&t.problem))
            }
            Command::Resume(r) => {
                let mut layer = Layer {
                    python: r.python.clone(),
                    runs_dir: r.store.runs_dir.clone(),
                    ..Layer::empty(Origin::Flag)
                };
                layer.llm.spec = r.llm.clone();
                (layer, None)
            }
            Command::Ask(a) => {
                let mut layer = Layer::empty(Origin::Flag);
                layer.llm.spec = a.llm.clone();
                (layer, None)
            }
            Command::Profile(p) => {
                let mut layer = p.profiler.layer();
                layer.category = p.category;
                layer.backend = p.backend;
                (layer, Some(&p.problem))
            }
            Command::Prompt(p) => match &p.kind {
                None => {
                    let o = &p.optimize;
                    let mut layer = Layer {
                        category: o.category,
                        style: o.style,
                        ..o.target.layer()
                    };
                    o.profiler.set(&mut layer);
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

impl WorkerArgs {
    fn layer(&self) -> Layer {
        let mut layer = Layer {
            python: self.python.clone(),
            ..Layer::empty(Origin::Flag)
        };
        layer.eval.device = self.device;
        layer.eval.timeout_seconds = self.timeout;
        layer.eval.memory_limit_gb = self.memory_limit_gb;
        layer
    }
}

impl ProfilerArgs {
    fn layer(&self) -> Layer {
        let mut layer = Layer::empty(Origin::Flag);
        self.set(&mut layer);
        layer
    }

    fn set(&self, layer: &mut Layer) {
        layer.python = self.python.clone().or(layer.python.take());
        layer.profile.ncu = self.ncu.clone();
        layer.profile.timeout_seconds = self.profile_timeout;
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
