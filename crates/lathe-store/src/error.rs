//! [`StoreError`]: every way the store fails, each naming the database file and, where the fix
//! is known, saying it.

use std::path::PathBuf;
use std::time::Duration;

use lathe_core::AttemptKey;

use crate::{AttemptId, RunId};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot create the directory {} for {}: {source}; hint: check that its parent is writable, or put the database elsewhere",
        dir.display(), path.display()
    )]
    CreateDir {
        path: PathBuf,
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot open {}: {source}; hint: check that the path is a file in a writable directory",
        path.display()
    )]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "cannot open {}: it is not a SQLite database; hint: move the file aside, and lathe creates a new database in its place",
        path.display()
    )]
    NotADatabase { path: PathBuf },
    #[error(
        "cannot open {}: a newer lathe wrote it (schema version {found}; this lathe knows versions up to {known}); hint: upgrade lathe, or use another database file",
        path.display()
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error(
        "cannot upgrade {} to schema version {version} ({name}): {source}; hint: the file is unchanged; report this as a bug in lathe",
        path.display()
    )]
    Migrate {
        path: PathBuf,
        version: u32,
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error(
        "{}: cannot {doing}: the database stayed locked for {} s; hint: another lathe process is writing to it; wait for it to finish, or use another database file",
        path.display(), waited.as_secs()
    )]
    Busy {
        path: PathBuf,
        doing: String,
        waited: Duration,
    },
    #[error("{}: cannot {doing}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        doing: String,
        source: rusqlite::Error,
    },
    #[error(
        "{}: cannot {doing}: the value {value:?} of {column} is not one this lathe can read ({problem}); hint: was the file written by another program?",
        path.display()
    )]
    Unreadable {
        path: PathBuf,
        doing: String,
        column: &'static str,
        value: String,
        problem: String,
    },
    #[error(
        "no run `{id}` in {}{}; hint: `lathe runs` lists the runs it holds",
        path.display(),
        suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default()
    )]
    UnknownRun {
        path: PathBuf,
        id: String,
        /// The nearest existing run id, when one is close enough to be a likely typo.
        suggestion: Option<String>,
    },
    #[error(
        "{}: run {run} has no task `{task}`; hint: `lathe runs` lists runs, and a suite run's report its tasks",
        path.display()
    )]
    UnknownTask {
        path: PathBuf,
        run: String,
        task: String,
    },
    #[error(
        "{}: a run `{id}` exists already; hint: make a new id with RunId::new",
        path.display()
    )]
    RunExists { path: PathBuf, id: RunId },
    #[error("{}: no attempt with id {id}", path.display())]
    UnknownAttempt { path: PathBuf, id: AttemptId },
    #[error(
        "{}: attempt `{key}` of run {run} already has a committed model call (attempt {seq}); hint: on resume, take it with committed_reply instead of calling the model again",
        path.display()
    )]
    CallCommitted {
        path: PathBuf,
        run: RunId,
        key: AttemptKey,
        seq: u32,
    },
    #[error(
        "{}: the parent {parent} of attempt `{key}` belongs to another run than {run}",
        path.display()
    )]
    ParentElsewhere {
        path: PathBuf,
        run: RunId,
        key: AttemptKey,
        parent: AttemptId,
    },
    #[error("{}: cannot {doing}: {reason}", path.display())]
    OutOfOrder {
        path: PathBuf,
        doing: String,
        /// What the attempt's record says that forbids this step.
        reason: String,
    },
    #[error(
        "{}: the {field} {} is not UTF-8; hint: the store keeps paths as text: rename it",
        path.display(), value.display()
    )]
    NonUtf8Path {
        path: PathBuf,
        field: &'static str,
        value: PathBuf,
    },
}

impl StoreError {
    /// The database file the error is about (`:memory:` for an in-memory store).
    pub fn path(&self) -> &std::path::Path {
        match self {
            StoreError::CreateDir { path, .. }
            | StoreError::Open { path, .. }
            | StoreError::NotADatabase { path }
            | StoreError::NewerSchema { path, .. }
            | StoreError::Migrate { path, .. }
            | StoreError::Busy { path, .. }
            | StoreError::Sqlite { path, .. }
            | StoreError::Unreadable { path, .. }
            | StoreError::UnknownRun { path, .. }
            | StoreError::UnknownTask { path, .. }
            | StoreError::RunExists { path, .. }
            | StoreError::UnknownAttempt { path, .. }
            | StoreError::CallCommitted { path, .. }
            | StoreError::ParentElsewhere { path, .. }
            | StoreError::OutOfOrder { path, .. }
            | StoreError::NonUtf8Path { path, .. } => path,
        }
    }
}
