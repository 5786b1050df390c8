//! The schema's history: an ordered list of SQL files, each taking the database from one
//! version to the next. SQLite's `user_version` holds the version a database is at.
//!
//! Adding a migration: write `migrations/NNNN_name.sql` with the next number (never edit one
//! that has shipped: databases out there are already past it), add it to [`MIGRATIONS`], and
//! change the types that read or write what it changes. An older lathe then refuses the
//! upgraded database with [`StoreError::NewerSchema`] rather than misreading it.

use std::path::Path;

use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::StoreError;

struct Migration {
    /// The version the database is at after this migration.
    version: u32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_starting_kernel",
        sql: include_str!("../migrations/0002_starting_kernel.sql"),
    },
    Migration {
        version: 3,
        name: "0003_suite_tasks",
        sql: include_str!("../migrations/0003_suite_tasks.sql"),
    },
    Migration {
        version: 4,
        name: "0004_baselines",
        sql: include_str!("../migrations/0004_baselines.sql"),
    },
];

/// The schema version this build writes and reads: the last migration's.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].version;

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies, in order, each migration the database has not had, each in one transaction with
/// its version bump, so a failure leaves the database at the version before it.
pub(crate) fn migrate(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let failed = |migration: &Migration| {
        let (version, name) = (migration.version, migration.name);
        move |source| StoreError::Migrate {
            path: path.to_path_buf(),
            version,
            name,
            source,
        }
    };
    let opening = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let found = crate::store::while_busy(|| user_version(conn)).map_err(opening)?;
    refuse_newer(found, path)?;
    if found == SCHEMA_VERSION {
        // The usual case: no write lock taken, so opening never waits for a writer.
        return Ok(());
    }
    for migration in MIGRATIONS {
        // The version is read again inside the write transaction: another process opening the
        // same new file at the same moment may have applied this migration while we waited.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
            .map_err(failed(migration))?;
        let current = user_version(&tx).map_err(failed(migration))?;
        refuse_newer(current, path)?;
        if current >= migration.version {
            continue;
        }
        tx.execute_batch(migration.sql)
            .and_then(|()| tx.pragma_update(None, "user_version", migration.version))
            .and_then(|()| tx.commit())
            .map_err(failed(migration))?;
    }
    Ok(())
}

fn refuse_newer(found: u32, path: &Path) -> Result<(), StoreError> {
    if found > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_one_by_one_like_their_files() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
            assert!(
                migration
                    .name
                    .starts_with(&format!("{:04}_", migration.version)),
                "{} should start with its version",
                migration.name
            );
        }
    }
}
