//! Every expected failure of a command, how it reads, and which exit code it gets.
//!
//! Exit codes (documented in docs/exit-codes.md; keep the two in step):
//!   0  success
//!   1  failure of lathe or its surroundings (cannot write the output, a template defect)
//!   2  usage error: unknown flag, missing argument (reported by clap)
//!   3  bad input: a file missing or malformed, an unknown name, an invalid setting
//!   4  `lathe eval`: the candidate was judged, and not correct
//!   5  environment unavailable: no usable Python/torch, no CUDA device, worker cannot start,
//!      the run database locked by another process
//!  130, 143  stopped by SIGINT or SIGTERM (128 plus the signal's number), after the processes
//!      lathe started were stopped (signals.rs); not an `ExitStatus`, since no command returns it

use std::fmt;
use std::path::PathBuf;

use lathe_core::{GpuLookupError, StageLookupError, TritonReleaseError};
use lathe_llm::LlmError;
use lathe_profile::{ProfileUnavailable, UnavailableReason};

use lathe_prompt::{MetricsJsonError, PromptError};
use lathe_store::StoreError;
use lathe_worker::driver::DriverError;

use crate::input::InputError;
use crate::settings::SettingsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success = 0,
    Failure = 1,
    Usage = 2,
    BadInput = 3,
    NotCorrect = 4,
    Environment = 5,
}

#[derive(Debug)]
pub enum CliError {
    Settings(SettingsError),
    Input(InputError),
    UnknownGpu {
        error: GpuLookupError,
        whence: String,
    },
    NoGpu,
    NoCategory {
        problem: Option<PathBuf>,
    },
    UnknownStage(StageLookupError),
    UnknownTritonVersion {
        error: TritonReleaseError,
        whence: String,
    },
    BadMetrics {
        path: PathBuf,
        error: MetricsJsonError,
    },
    BadJsonFile {
        path: PathBuf,
        what: &'static str,
        expected: &'static str,
        error: serde_json::Error,
    },
    Output {
        path: Option<PathBuf>,
        source: std::io::Error,
    },
    Prompt(PromptError),
    /// The problem file is unusable (the worker could not load it).
    Problem {
        message: String,
    },
    /// The machine cannot run what was asked.
    Environment {
        message: String,
        hint: Option<String>,
    },
    /// Running the worker failed before it could judge anything.
    Worker(DriverError),
    /// No Nsight Compute metrics could be collected.
    ProfileUnavailable(ProfileUnavailable),
    /// No model is configured.
    NoLlm,
    /// `--llm`, LATHE_LLM or `llm.spec` cannot be read.
    BadLlmSpec {
        message: String,
        whence: String,
    },
    /// A model call failed.
    Llm(LlmError),
    /// The model answered, but not with code.
    NoCode(lathe_llm::NoCode),
    /// A defect of the worker itself.
    WorkerDefect {
        message: String,
        detail: Option<String>,
    },
    /// The run database could not be read, or has no such run.
    Store(StoreError),
    /// A run was asked for, and there is no run database at all.
    NoRuns {
        database: PathBuf,
    },
    /// `lathe optimize` with no model configured: first contact.
    NoLlmToOptimize,
    /// The loop could not go on (its status is recorded as failed).
    Engine(lathe_engine::EngineError),
    /// A run's stored plan cannot be read by this lathe.
    BadPlan {
        run: String,
        message: String,
    },
    /// A folder of `lathe suite` that cannot be used: missing, not a folder, or without a
    /// problem in it.
    BadSuiteFolder {
        path: PathBuf,
        /// `problems` or `kernels`.
        what: &'static str,
        problem: String,
    },
    /// A flag that cannot apply to the rest of the command line.
    FlagDoesNotApply {
        flag: &'static str,
        why: String,
        hint: &'static str,
    },
    /// A run id prefix that more than one run starts with.
    AmbiguousRun {
        text: String,
        database: PathBuf,
        matches: Vec<String>,
    },
}

/// An error as a person reads it: what happened, the details, and what to do about it.
#[derive(Debug)]
pub struct Report {
    message: String,
    notes: Vec<String>,
    hint: Option<String>,
}

impl Report {
    /// The first line, without its `error: `: what a record of the failure keeps.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        for note in &self.notes {
            writeln!(f, "  {note}")?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "hint: {hint}")?;
        }
        Ok(())
    }
}

impl CliError {
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            CliError::Output { .. } | CliError::Prompt(_) | CliError::WorkerDefect { .. } => {
                ExitStatus::Failure
            }
            CliError::Environment { .. } => ExitStatus::Environment,
            CliError::NoLlm | CliError::NoLlmToOptimize | CliError::BadLlmSpec { .. } => {
                ExitStatus::BadInput
            }
            CliError::BadPlan { .. } | CliError::BadSuiteFolder { .. } => ExitStatus::BadInput,
            CliError::FlagDoesNotApply { .. } => ExitStatus::Usage,
            CliError::Engine(e) => engine_exit(e),
            CliError::NoCode(_) => ExitStatus::NotCorrect,
            CliError::Llm(e) => match e {
                LlmError::Truncated { .. } => ExitStatus::NotCorrect,
                LlmError::UnknownModel { .. }
                | LlmError::PromptTooLong { .. }
                | LlmError::BadRequest { .. }
                | LlmError::ReplayMiss { .. } => ExitStatus::BadInput,
                _ => ExitStatus::Environment,
            },
            CliError::ProfileUnavailable(e) => match e.reason {
                UnavailableReason::CandidateFailed { .. } => ExitStatus::NotCorrect,
                UnavailableReason::ProblemError { .. }
                | UnavailableReason::NoKnownMetrics { .. } => ExitStatus::BadInput,
                _ => ExitStatus::Environment,
            },
            CliError::Worker(e) => match e {
                DriverError::BadResult { .. } => ExitStatus::Failure,
                DriverError::Install { .. }
                | DriverError::Scratch(_)
                | DriverError::Spawn(_)
                | DriverError::Interpreter { .. } => ExitStatus::Environment,
            },
            CliError::Problem { .. } => ExitStatus::BadInput,
            CliError::Store(e) => match e {
                // The database is the input of `runs`, `report` and `export`.
                StoreError::UnknownRun { .. }
                | StoreError::UnknownTask { .. }
                | StoreError::Open { .. }
                | StoreError::NotADatabase { .. }
                | StoreError::NewerSchema { .. }
                | StoreError::Sqlite { .. }
                | StoreError::Unreadable { .. }
                | StoreError::NonUtf8Path { .. } => ExitStatus::BadInput,
                // Another process holds the write lock.
                StoreError::Busy { .. } => ExitStatus::Environment,
                // Cannot write next to it, or a defect of lathe's own writes.
                StoreError::CreateDir { .. }
                | StoreError::Migrate { .. }
                | StoreError::RunExists { .. }
                | StoreError::UnknownAttempt { .. }
                | StoreError::CallCommitted { .. }
                | StoreError::ParentElsewhere { .. }
                | StoreError::OutOfOrder { .. } => ExitStatus::Failure,
            },
            CliError::NoRuns { .. } | CliError::AmbiguousRun { .. } => ExitStatus::BadInput,
            CliError::Settings(_)
            | CliError::Input(_)
            | CliError::UnknownGpu { .. }
            | CliError::NoGpu
            | CliError::NoCategory { .. }
            | CliError::UnknownStage(_)
            | CliError::UnknownTritonVersion { .. }
            | CliError::BadMetrics { .. }
            | CliError::BadJsonFile { .. } => ExitStatus::BadInput,
        }
    }

    pub fn report(&self) -> Report {
        let report = |message: String, notes: Vec<String>, hint: Option<&str>| Report {
            message,
            notes,
            hint: hint.map(str::to_owned),
        };
        match self {
            CliError::Settings(e) => report(
                e.to_string(),
                vec![],
                Some("`lathe config` shows every setting and where it was set"),
            ),
            CliError::Input(e) => report(e.to_string(), vec![], Some(e.hint())),
            CliError::UnknownGpu { error, whence } => {
                let mut notes = Vec::new();
                match error.suggestions.as_slice() {
                    [] => {}
                    [one] => notes.push(format!("did you mean `{one}`?")),
                    many => notes.push(format!("did you mean one of: {}?", many.join(", "))),
                }
                notes.push(format!("known GPUs: {}", error.known.join(", ")));
                report(
                    format!("unknown GPU `{}` (from {whence})", error.name),
                    notes,
                    Some("`lathe gpus` lists every GPU with its aliases; describe another one under [[gpus]] in lathe.toml"),
                )
            }
            CliError::NoGpu => report(
                "no target GPU given".to_owned(),
                vec![],
                Some("pass --gpu NAME, set LATHE_GPU, or set `gpu` in lathe.toml; `lathe gpus` lists the names"),
            ),
            CliError::NoCategory { problem } => report(
                "no problem category given".to_owned(),
                problem
                    .iter()
                    .map(|p| format!("the problem path {} names no KernelBench level (level1, level2, level3)", p.display()))
                    .collect(),
                Some("pass --category single|fusion|network, set LATHE_CATEGORY, or set `category` in lathe.toml"),
            ),
            CliError::UnknownStage(e) => {
                let mut notes = Vec::new();
                if let Some(s) = &e.suggestion {
                    notes.push(format!("did you mean `{s}`?"));
                }
                for other in &e.found_in {
                    notes.push(format!("`{}` is a stage of category {other}", e.id));
                }
                match e.category {
                    Some(c) => notes.push(format!("stages of {c}: {}", e.known.join(", "))),
                    None => notes.push(format!("stage ids: {}", e.known.join(", "))),
                }
                report(e.to_string(), notes, Some("`lathe stages` lists every stage"))
            }
            CliError::UnknownTritonVersion { error, whence } => report(
                format!("{} (from {whence})", error.message),
                vec![format!("known releases: {}", error.known.join(", "))],
                Some("pass a release listed above, or leave the version unset to keep the seed prompts' list"),
            ),
            CliError::BadMetrics { path, error } => report(
                format!("metrics file {} is not valid: {error}", path.display()),
                vec![],
                Some(r#"the file must hold one JSON object: {"kernel name": {"metric name": number, ...}, ...}"#),
            ),
            CliError::BadJsonFile {
                path,
                what,
                expected,
                error,
            } => report(
                format!("{what} {} is not valid: {error}", path.display()),
                vec![],
                Some(expected),
            ),
            CliError::Output { path, source } => report(
                match path {
                    Some(p) => format!("cannot write {}: {source}", p.display()),
                    None => format!("cannot write to standard output: {source}"),
                },
                vec![],
                None,
            ),
            CliError::Prompt(e) => report(
                e.to_string(),
                vec![],
                Some("this is a defect of lathe's templates; please report it"),
            ),
            CliError::Problem { message } => report(
                message.clone(),
                vec![],
                // One hint for every problem error: a definition it lacks, a Model that fails
                // on its own inputs, or a size the GPU cannot hold beside the judge.
                Some("the fault is the problem's, not the kernel's: it must define `Model`, `get_inputs()` and `get_init_inputs()` and run as written; `--set NAME=VALUE` changes one of its module-level constants (a smaller size)"),
            ),
            CliError::Environment { message, hint } => report(
                message.clone(),
                vec![],
                Some(hint.as_deref().unwrap_or("`lathe probe` shows what this machine offers; `--device interpret` runs Triton kernels on the CPU")),
            ),
            CliError::Worker(e) | CliError::Engine(lathe_engine::EngineError::Worker(e)) => {
                worker_report(e)
            }
            CliError::ProfileUnavailable(e) => report(
                e.to_string(),
                vec![],
                Some(e.reason.hint().unwrap_or(
                    "`lathe probe` shows whether Nsight Compute is usable here; `lathe prompt` without --profile renders the prompt without metrics",
                )),
            ),
            CliError::NoLlmToOptimize => report(
                "no model is configured and no starting kernel given: there is nothing to write or tune".to_owned(),
                vec![],
                Some("pass --kernel FILE to tune its launch constants without a model, or name a model: --llm openai:MODEL (with OPENAI_API_KEY) or anthropic:MODEL (ANTHROPIC_API_KEY), or LATHE_LLM"),
            ),
            CliError::Engine(e) => report(e.to_string(), vec![], engine_hint(e)),
            CliError::BadPlan { run, message } => report(
                format!("run {run} was recorded by another lathe: its plan cannot be read ({message})"),
                vec![],
                Some("resume it with the lathe that started it, or start a new run with `lathe optimize`"),
            ),
            CliError::BadSuiteFolder {
                path,
                what,
                problem,
            } => report(
                format!("the {what} folder {} {problem}", path.display()),
                vec![],
                Some("--problems names a folder of KernelBench-style problem files (a KernelBench checkout's KernelBench/, say), --kernels a folder of kernels named after them"),
            ),
            CliError::NoLlm => report(
                "no model is configured".to_owned(),
                vec![],
                Some("name one with --llm PROVIDER:MODEL (or LATHE_LLM, or `spec` under [llm] in lathe.toml): openai:MODEL with OPENAI_API_KEY, anthropic:MODEL with ANTHROPIC_API_KEY, command:'CLI', manual, or replay:FILE"),
            ),
            CliError::BadLlmSpec { message, whence } => report(
                format!("{message} (from {whence})"),
                vec![],
                Some("the form is PROVIDER:MODEL, e.g. openai:gpt-4.1 or anthropic:claude-sonnet-4-5"),
            ),
            CliError::Llm(e) => report(e.to_string(), vec![], None),
            CliError::NoCode(error) => report(
                format!("the reply holds no code: {error}"),
                vec![],
                Some("the prompt's output rules ask for one ```python block defining ModelNew; `--reasoning-out` shows what the model thought"),
            ),
            CliError::WorkerDefect { message, detail } => report(
                format!("the worker failed: {message}"),
                detail.as_deref().map(tail_notes).unwrap_or_default(),
                Some("this is a defect of lathe's worker; please report it with the lines above"),
            ),
            CliError::Store(StoreError::UnknownRun {
                path,
                id,
                suggestion,
            }) => report(
                format!("no run `{id}` in {}", path.display()),
                suggestion
                    .iter()
                    .map(|s| format!("did you mean `{s}`?"))
                    .collect(),
                Some(RUNS_HINT),
            ),
            CliError::Store(e) => {
                // The store's messages end in their own `; hint: ...`.
                let text = e.to_string();
                match text.split_once("; hint: ") {
                    Some((message, hint)) => report(message.to_owned(), vec![], Some(hint)),
                    None => report(text, vec![], None),
                }
            }
            CliError::NoRuns { database } => report(
                format!("no runs yet: there is no run database {}", database.display()),
                vec![],
                Some("`lathe optimize` records runs there; --runs-dir or LATHE_RUNS_DIR names another directory"),
            ),
            CliError::AmbiguousRun {
                text,
                database,
                matches,
            } => report(
                format!("`{text}` names more than one run in {}", database.display()),
                vec![format!("it starts: {}", matches.join(", "))],
                Some("give more of the id; `lathe runs` lists them"),
            ),
            CliError::FlagDoesNotApply { flag, why, hint } => {
                report(format!("{flag} does not apply here: {why}"), vec![], Some(hint))
            }
        }
    }
}

/// Why the worker could not run, and how to give it a Python that can.
fn worker_report(e: &DriverError) -> Report {
    let hint = match e {
        DriverError::Spawn(_) | DriverError::Interpreter { .. } => Some(PYTHON_HINT),
        DriverError::BadResult { .. } => {
            Some("this is a defect of lathe's worker; please report it")
        }
        _ => None,
    };
    let notes = match e {
        DriverError::BadResult { stderr_tail, .. } => tail_notes(stderr_tail),
        _ => vec![],
    };
    let message = match e {
        // The process module's own hints speak of its API; the user needs ours.
        DriverError::Spawn(spawn) => {
            let text = spawn.to_string();
            let first = text.lines().next().unwrap_or_default();
            format!("cannot start the worker's Python interpreter: {first}")
        }
        other => other.to_string(),
    };
    Report {
        message,
        notes,
        hint: hint.map(str::to_owned),
    }
}

/// How to get a Python the worker can run in.
const PYTHON_HINT: &str = "the worker needs a Python with torch and triton: pass it with --python PATH (or LATHE_PYTHON); \
     in a lathe checkout, the README's set-up command makes one, used with --python .venv/bin/python";

const RUNS_HINT: &str = "`lathe runs` lists the runs it holds; `latest` names the newest";

/// The last lines of a log, as report notes.
fn tail_notes(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().rev().take(8).collect();
    lines.into_iter().rev().map(str::to_owned).collect()
}

impl From<SettingsError> for CliError {
    fn from(e: SettingsError) -> Self {
        CliError::Settings(e)
    }
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> Self {
        CliError::Input(e)
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::Store(e)
    }
}

impl From<PromptError> for CliError {
    fn from(e: PromptError) -> Self {
        CliError::Prompt(e)
    }
}

fn engine_exit(error: &lathe_engine::EngineError) -> ExitStatus {
    use lathe_engine::EngineError as E;
    match error {
        E::Store(StoreError::Busy { .. }) | E::Environment { .. } => ExitStatus::Environment,
        E::Worker(DriverError::BadResult { .. }) => ExitStatus::Failure,
        E::Worker(_) => ExitStatus::Environment,
        E::Problem { .. } | E::NoTargetGpu { .. } | E::UnknownStage { .. } | E::NoModel => {
            ExitStatus::BadInput
        }
        E::Store(_) | E::Io { .. } | E::Prompt(_) => ExitStatus::Failure,
    }
}

fn engine_hint(error: &lathe_engine::EngineError) -> Option<&'static str> {
    use lathe_engine::EngineError as E;
    match error {
        E::Environment { .. } => Some(
            "`lathe probe` shows what this machine has; --device interpret runs candidates on the CPU (no timing)",
        ),
        E::Problem { .. } => {
            Some("`lathe eval --problem FILE --kernel FILE` shows the problem's error on its own")
        }
        _ => None,
    }
}
