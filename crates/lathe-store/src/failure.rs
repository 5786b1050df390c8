//! [`Failure`]: what goes wrong inside one of the store's transactions, before it is known
//! which file and which operation to name; [`Store`](crate::Store) turns it into a
//! [`StoreError`] that names both.
//!
//! It lets a transaction's body use `?` on rusqlite calls and on column conversions alike.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use rusqlite::{ErrorCode, Row};

use crate::StoreError;

#[derive(Debug)]
pub(crate) enum Failure {
    Sql(rusqlite::Error),
    /// A stored value this build cannot read.
    Unreadable {
        column: &'static str,
        value: String,
        problem: String,
    },
    NonUtf8Path {
        field: &'static str,
        value: PathBuf,
    },
    /// Already a complete error (an unknown run, a step out of order).
    Store(StoreError),
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Failure {
        Failure::Sql(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        Failure::Store(error)
    }
}

impl Failure {
    /// The error for `doing` (a phrase after "cannot") on the database at `path`.
    pub(crate) fn into_error(self, path: &Path, doing: &str, busy_timeout: Duration) -> StoreError {
        let path = path.to_path_buf();
        let doing = doing.to_owned();
        match self {
            Failure::Sql(source) if is_busy(&source) => StoreError::Busy {
                path,
                doing,
                waited: busy_timeout,
            },
            Failure::Sql(source) => StoreError::Sqlite {
                path,
                doing,
                source,
            },
            Failure::Unreadable {
                column,
                value,
                problem,
            } => StoreError::Unreadable {
                path,
                doing,
                column,
                value,
                problem,
            },
            Failure::NonUtf8Path { field, value } => StoreError::NonUtf8Path { path, field, value },
            Failure::Store(error) => error,
        }
    }
}

/// Whether SQLite gave up waiting for a lock (after the busy timeout).
pub(crate) fn is_busy(error: &rusqlite::Error) -> bool {
    error
        .sqlite_error_code()
        .is_some_and(|code| matches!(code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

/// A text column parsed with `T`'s `FromStr`.
pub(crate) fn parsed<T>(row: &Row<'_>, column: &'static str) -> Result<T, Failure>
where
    T: FromStr,
    T::Err: Display,
{
    let text: String = row.get(column)?;
    text.parse().map_err(|e: T::Err| Failure::Unreadable {
        column,
        problem: e.to_string(),
        value: text,
    })
}

/// A nullable text column parsed with `T`'s `FromStr`.
pub(crate) fn parsed_opt<T>(row: &Row<'_>, column: &'static str) -> Result<Option<T>, Failure>
where
    T: FromStr,
    T::Err: Display,
{
    let text: Option<String> = row.get(column)?;
    text.map(|text| {
        text.parse().map_err(|e: T::Err| Failure::Unreadable {
            column,
            problem: e.to_string(),
            value: text,
        })
    })
    .transpose()
}

/// A nullable JSON text column deserialized as `T`.
pub(crate) fn json_opt<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    column: &'static str,
) -> Result<Option<T>, Failure> {
    let text: Option<String> = row.get(column)?;
    text.map(|text| {
        serde_json::from_str(&text).map_err(|e| Failure::Unreadable {
            column,
            problem: e.to_string(),
            value: text,
        })
    })
    .transpose()
}

/// A JSON text column deserialized as `T`.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    column: &'static str,
) -> Result<T, Failure> {
    json_opt(row, column)?.ok_or_else(|| Failure::Unreadable {
        column,
        value: "NULL".to_owned(),
        problem: "a value is required".to_owned(),
    })
}

/// A count or sequence number, which SQLite stores as a signed 64-bit integer.
pub(crate) fn count(row: &Row<'_>, column: &'static str) -> Result<u32, Failure> {
    let value: i64 = row.get(column)?;
    u32::try_from(value).map_err(|e| Failure::Unreadable {
        column,
        value: value.to_string(),
        problem: e.to_string(),
    })
}

/// A path as the text the store keeps; the store keeps no path it could not give back exactly.
pub(crate) fn path_text<'a>(value: &'a Path, field: &'static str) -> Result<&'a str, Failure> {
    value.to_str().ok_or_else(|| Failure::NonUtf8Path {
        field,
        value: value.to_path_buf(),
    })
}

/// `None` for a query that found no row, like rusqlite's `OptionalExtension`, for bodies
/// whose error is a [`Failure`].
pub(crate) fn optional<T>(result: Result<T, Failure>) -> Result<Option<T>, Failure> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Failure::Sql(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
        Err(failure) => Err(failure),
    }
}
