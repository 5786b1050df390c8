//! Reading the files a command is given, with errors that name the file, its role and the fix.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// The role of a file on the command line: it shapes the error message and its hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    Kernel,
    Problem,
    Metrics,
    ErrorLog,
    History,
    Diagnosis,
    Prompt,
}

impl FileRole {
    fn noun(self) -> &'static str {
        match self {
            FileRole::Kernel => "kernel file",
            FileRole::Problem => "problem file",
            FileRole::Metrics => "metrics file",
            FileRole::ErrorLog => "error log",
            FileRole::History => "history file",
            FileRole::Diagnosis => "diagnosis file",
            FileRole::Prompt => "prompt file",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            FileRole::Kernel => "pass the path of a Python file that defines `class ModelNew`",
            FileRole::Problem => {
                "pass the path of a KernelBench-style Python file that defines `class Model`, `get_inputs` and `get_init_inputs`"
            }
            FileRole::Metrics => {
                r#"pass the path of a JSON file {"kernel name": {"metric name": number}}, as `[NCU PROFILING METRICS]` shows it"#
            }
            FileRole::ErrorLog => "pass the path of a text file holding the failed run's output",
            FileRole::History => {
                r#"pass the path of a JSON array [{"verdict": "compile_error", "summary": "..."}]"#
            }
            FileRole::Diagnosis => {
                r#"pass the path of a JSON object {"critical_issue": ..., "why_it_matters": ..., "minimal_fix_hint": ...}"#
            }
            FileRole::Prompt => {
                "pass the path of a text file holding the prompt (`lathe prompt --out FILE` writes one)"
            }
        }
    }
}

#[derive(Debug)]
pub struct InputError {
    pub path: PathBuf,
    pub role: FileRole,
    pub problem: InputProblem,
}

#[derive(Debug)]
pub enum InputProblem {
    NotFound,
    IsDirectory,
    NotUtf8,
    Unreadable(io::Error),
}

impl InputError {
    pub fn hint(&self) -> &'static str {
        self.role.hint()
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (noun, path) = (self.role.noun(), self.path.display());
        match &self.problem {
            InputProblem::NotFound => write!(f, "{noun} {path} does not exist"),
            InputProblem::IsDirectory => write!(f, "{noun} {path} is a directory, not a file"),
            InputProblem::NotUtf8 => write!(f, "{noun} {path} is not UTF-8 text"),
            InputProblem::Unreadable(e) => write!(f, "cannot read {noun} {path}: {e}"),
        }
    }
}

/// The whole text of a file given on the command line.
pub fn read_text(path: &Path, role: FileRole) -> Result<String, InputError> {
    let error = |problem| InputError {
        path: path.to_owned(),
        role,
        problem,
    };
    if path.is_dir() {
        return Err(error(InputProblem::IsDirectory));
    }
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| error(InputProblem::NotUtf8)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(error(InputProblem::NotFound)),
        Err(e) => Err(error(InputProblem::Unreadable(e))),
    }
}

/// `path` made absolute against the working directory: the worker runs in a scratch directory,
/// where a relative path would mean something else.
pub fn absolute_path(path: &Path) -> Result<PathBuf, CliError> {
    std::path::absolute(path).map_err(|source| CliError::Output {
        path: Some(path.to_owned()),
        source,
    })
}
