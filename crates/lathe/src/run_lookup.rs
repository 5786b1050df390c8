//! The run database as the commands that read it (`runs`, `report`, `export`) open it, and the
//! run a person names on the command line: an id, a unique prefix of one, or `latest`.

use std::path::Path;

use lathe_store::{RunId, Store, StoreError};

use crate::error::CliError;

/// The database at `path`, or `None` when there is none yet. Reading must not create one:
/// `Store::open` would, and `lathe runs` in the wrong directory would leave an empty database
/// behind.
pub fn open_existing(path: &Path) -> Result<Option<Store>, CliError> {
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(Store::open(path)?))
}

/// Like [`open_existing`], for a command that needs a run: no database is an error.
pub fn open_required(path: &Path) -> Result<Store, CliError> {
    open_existing(path)?.ok_or_else(|| CliError::NoRuns {
        database: path.to_owned(),
    })
}

/// The run `text` names. An exact id wins; else a prefix that one run alone starts with;
/// else the store's error, with its nearest id.
pub fn resolve(store: &Store, text: &str) -> Result<RunId, CliError> {
    let text = text.trim();
    if text == "latest" {
        // `runs()` is newest first.
        return store
            .runs()?
            .into_iter()
            .next()
            .map(|summary| summary.run.id)
            .ok_or_else(|| CliError::NoRuns {
                database: store.path().to_owned(),
            });
    }
    let unknown = match store.resolve_run(text) {
        Ok(id) => return Ok(id),
        Err(e @ StoreError::UnknownRun { .. }) => e,
        Err(other) => return Err(other.into()),
    };
    if text.is_empty() {
        return Err(unknown.into());
    }
    let mut matches: Vec<RunId> = store
        .runs()?
        .into_iter()
        .map(|summary| summary.run.id)
        .filter(|id| id.as_str().starts_with(text))
        .collect();
    match matches.len() {
        0 => Err(unknown.into()),
        1 => Ok(matches.remove(0)),
        _ => Err(CliError::AmbiguousRun {
            text: text.to_owned(),
            database: store.path().to_owned(),
            matches: matches.into_iter().map(|id| id.to_string()).collect(),
        }),
    }
}
