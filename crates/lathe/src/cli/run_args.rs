//! The flags of `lathe optimize` and `lathe resume`: the loop's plan and its budgets.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use lathe_core::{Backend, Category};
use lathe_prompt::PromptStyle;

use super::{
    RunsDirArgs, SelectionArgs, TargetArgs, WorkerArgs, backend_parser, category_parser,
    parse_gpus, parse_override, style_parser,
};

#[derive(Debug, Args)]
pub struct OptimizeRunArgs {
    /// The reference problem: a KernelBench-style Python file defining `Model`
    #[arg(long, value_name = "FILE")]
    pub problem: PathBuf,
    /// The starting kernel (defining `ModelNew`); without one the model writes a first kernel
    #[arg(long, value_name = "FILE")]
    pub kernel: Option<PathBuf>,
    /// The model: PROVIDER:MODEL (openai:, anthropic:, command:, manual, replay:)
    #[arg(long, value_name = "SPEC")]
    pub llm: Option<String>,
    /// The stage list to use (default: inferred from a level1/2/3 problem path)
    #[arg(long, value_name = "CATEGORY", value_parser = category_parser())]
    pub category: Option<Category>,
    /// Kernel language (default: cuda when the starting kernel calls load_inline, else triton)
    #[arg(long, value_name = "BACKEND", value_parser = backend_parser())]
    pub backend: Option<Backend>,
    /// Stage ids to run, in order, comma-separated (default: every stage of the category)
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub stages: Option<Vec<String>>,
    #[command(flatten)]
    pub loop_args: LoopArgs,
    #[command(flatten)]
    pub budgets: BudgetArgs,
    /// The run's directory (default: <runs dir>/<run id>)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Prompt style: full (seed 002), full-api (seed 000) or compact (seed 003)
    #[arg(long, value_name = "STYLE", value_parser = style_parser())]
    pub style: Option<PromptStyle>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// Nsight Compute's ncu (default: LATHE_NCU, the setting, then PATH and CUDA's places)
    #[arg(long, value_name = "PATH")]
    pub ncu: Option<String>,
    #[command(flatten)]
    pub progress: ProgressArgs,
    #[command(flatten)]
    pub store: RunsDirArgs,
}

/// How the loop works each problem: shared by `lathe optimize` and `lathe suite run`.
#[derive(Debug, Args)]
pub struct LoopArgs {
    /// Model calls per stage, made in parallel where the provider allows
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub samples: u32,
    /// Repair rounds (analyst, then fix) for each failed candidate of a stage
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub repair_rounds: u32,
    /// Repair rounds for a starting or first kernel that is not correct
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub start_repair_rounds: u32,
    /// The gain a candidate must beat, in percent (default: each stage's margin, 2%)
    #[arg(long, value_name = "PERCENT")]
    pub margin: Option<f64>,
    /// No tuner pass (launch constants) after a model stage that made a new best
    #[arg(long)]
    pub no_tune: bool,
    /// Variants the tuner may judge per stage
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub tune_budget: u32,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run: its id, a unique prefix of it, or `latest`
    #[arg(value_name = "RUN")]
    pub run: String,
    /// The model, when it is not the one the run was started with
    #[arg(long, value_name = "SPEC")]
    pub llm: Option<String>,
    /// New budgets for the rest of the run (the others stay as the run was given them)
    #[command(flatten)]
    pub budgets: BudgetArgs,
    #[arg(long, value_name = "PATH")]
    pub python: Option<String>,
    #[command(flatten)]
    pub progress: ProgressArgs,
    #[command(flatten)]
    pub store: RunsDirArgs,
}

#[derive(Debug, Args)]
pub struct BudgetArgs {
    /// Stop before the model call that would exceed N calls
    #[arg(long, value_name = "N")]
    pub max_calls: Option<u32>,
    /// Stop once input plus output tokens reach N
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u64>,
    /// Stop once the calls cost this many US dollars (needs prices in [llm.prices])
    #[arg(long, value_name = "USD")]
    pub max_cost: Option<f64>,
    /// Stop starting model calls after this long: 90s, 20m, 1h30m
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub time_limit: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// Print one JSON object per event on standard output instead of progress lines
    #[arg(long)]
    pub json: bool,
    /// Print nothing but errors and the final summary
    #[arg(long, conflicts_with = "json")]
    pub quiet: bool,
}

/// `90`, `90s`, `20m`, `1h30m`, `1.5h`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad =
        || format!("`{text}` is not a duration: write 90s, 20m, 1h30m or a number of seconds");
    let mut seconds = 0.0;
    let mut number = String::new();
    let mut any = false;
    for c in text.trim().chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return Err(bad()),
        };
        let value: f64 = number.parse().map_err(|_| bad())?;
        seconds += value * unit;
        number.clear();
        any = true;
    }
    if !number.is_empty() {
        seconds += number.parse::<f64>().map_err(|_| bad())?;
        any = true;
    }
    if !any || !seconds.is_finite() || seconds <= 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_read_as_people_write_them() {
        let secs = |t: &str| parse_duration(t).map(|d| d.as_secs_f64());
        assert_eq!(secs("90"), Ok(90.0));
        assert_eq!(secs("90s"), Ok(90.0));
        assert_eq!(secs("20m"), Ok(1200.0));
        assert_eq!(secs("1h30m"), Ok(5400.0));
        assert_eq!(secs("1.5h"), Ok(5400.0));
        for bad in ["", "h", "10x", "0", "-5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// The reference problem: a KernelBench-style Python file defining `Model`
    #[arg(long, value_name = "FILE")]
    pub problem: PathBuf,
    /// The kernel whose launch constants are tuned (defining `ModelNew`)
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// The stage list to use (default: inferred from a level1/2/3 problem path)
    #[arg(long, value_name = "CATEGORY", value_parser = category_parser())]
    pub category: Option<Category>,
    /// Stage ids to tune through, in order, comma-separated (default: every stage)
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub stages: Option<Vec<String>>,
    /// Variants to judge at most (a number), or how long to search (90s, 20m)
    #[arg(long, value_name = "N|DURATION", value_parser = parse_tune_budget)]
    pub budget: Option<TuneBudget>,
    /// The gain a variant must beat, in percent (default: each stage's margin, 2%)
    #[arg(long, value_name = "PERCENT")]
    pub margin: Option<f64>,
    /// Where to write tuned.py, tune.json and tune.md (default: print the tuned file)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// Nsight Compute's ncu, for the stage rules that read a metric
    #[arg(long, value_name = "PATH")]
    pub ncu: Option<String>,
    /// Print the search as JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// A tuning budget: a number of variants, or a duration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TuneBudget {
    Evaluations(u32),
    Time(Duration),
}

fn parse_tune_budget(text: &str) -> Result<TuneBudget, String> {
    if let Ok(n) = text.trim().parse::<u32>() {
        return Ok(TuneBudget::Evaluations(n));
    }
    parse_duration(text).map(TuneBudget::Time).map_err(|_| {
        format!("`{text}` is neither a number of variants (12) nor a duration (90s, 20m)")
    })
}

#[derive(Debug, Args)]
pub struct SuiteRunArgs {
    /// Folders of problems (searched recursively, e.g. a KernelBench checkout's `KernelBench/`);
    /// each problem's category comes from its `level1`/`level2`/`level3` folder
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Starting kernels: found for each problem as `lathe suite eval` finds kernels; a problem
    /// without one starts from the model's first kernel
    #[arg(long, value_name = "DIR")]
    pub kernels: Option<PathBuf>,
    /// Name each problem's starting kernel another way (as `lathe suite eval --map`)
    #[arg(long, value_name = "PATTERN", requires = "kernels")]
    pub map: Option<String>,
    /// The model: PROVIDER:MODEL (openai:, anthropic:, command:, manual, replay:)
    #[arg(long, value_name = "SPEC")]
    pub llm: Option<String>,
    /// The stage list of problems outside a levelN folder
    #[arg(long, value_name = "CATEGORY", value_parser = category_parser())]
    pub category: Option<Category>,
    /// Kernel language of the kernels the model writes
    #[arg(long, value_name = "BACKEND", value_parser = backend_parser())]
    pub backend: Option<Backend>,
    /// Override a module-level constant of every problem (repeatable): `--set batch_size=2`
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    pub overrides: Vec<(String, serde_json::Value)>,
    #[command(flatten)]
    pub select: SelectionArgs,
    #[command(flatten)]
    pub loop_args: LoopArgs,
    /// Each problem's budgets
    #[command(flatten)]
    pub budgets: BudgetArgs,
    /// The whole suite's budgets
    #[command(flatten)]
    pub suite_budgets: SuiteBudgetArgs,
    /// The GPUs candidates are judged on, one judging on each at a time: `all` or `0,2,3`
    #[arg(long, value_name = "LIST", default_value = "all", value_parser = parse_gpus)]
    pub gpus: String,
    /// Problems worked on at once (default: twice the GPUs, so one problem's model calls
    /// overlap another's judging); under --device interpret, also the judgings at once
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub executor: super::ExecutorArgs,
    /// The suite's directory: suite.md, suite.html, suite.json and a folder per problem
    /// (default: <runs dir>/<run id>)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Prompt style: full (seed 002), full-api (seed 000) or compact (seed 003)
    #[arg(long, value_name = "STYLE", value_parser = style_parser())]
    pub style: Option<PromptStyle>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub worker: WorkerArgs,
    /// Nsight Compute's ncu
    #[arg(long, value_name = "PATH")]
    pub ncu: Option<String>,
    #[command(flatten)]
    pub progress: ProgressArgs,
    #[command(flatten)]
    pub store: RunsDirArgs,
}

/// Limits on the whole suite, checked before each problem starts (a problem under way is
/// bounded by its own budgets).
#[derive(Debug, Args)]
pub struct SuiteBudgetArgs {
    /// Start no problem once the suite has made N model calls
    #[arg(long, value_name = "N")]
    pub suite_max_calls: Option<u32>,
    /// Start no problem once the suite has used N tokens
    #[arg(long, value_name = "N")]
    pub suite_max_tokens: Option<u64>,
    /// Start no problem once the suite's calls cost this many US dollars
    #[arg(long, value_name = "USD")]
    pub suite_max_cost: Option<f64>,
    /// Start no problem after this long, and give each no more than what is left
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub suite_time_limit: Option<Duration>,
}
