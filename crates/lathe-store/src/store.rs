//! [`Store`]: the handle on one database file, how it is opened, and the transactions every
//! operation runs in. The operations themselves are in `runs_table.rs`, `attempts_table.rs`
//! and `stages_table.rs`.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, Transaction, TransactionBehavior};

use crate::failure::Failure;
use crate::{RunId, StoreError, migrations};

/// The record of every run: one SQLite database, normally `lathe-runs/lathe.db`.
///
/// **Durability contract.** Every method that writes runs in its own transaction and commits
/// it before returning `Ok`. Once it has returned, what it wrote survives the process being
/// killed at any later moment (SIGKILL, the OOM killer, a closed terminal): a later `open`
/// finds it. That is what resume relies on: the model call of an attempt is committed by
/// [`record_reply`](Store::record_reply) before anything is done with it, so a killed run
/// never pays for the same call twice. A write that did not return `Ok` left nothing behind.
///
/// The database is in WAL mode with `synchronous=NORMAL`: a commit is appended to the
/// write-ahead log, and the log is synced to disk only at checkpoints. A killed process loses
/// nothing the operating system already has, so kills are covered; a power loss or kernel
/// crash may lose the last transactions (never corrupting the file). `FULL` would close that
/// gap at the cost of an fsync per write, which lathe's own failure modes do not need.
///
/// Several handles, in one process or several, may use one file: readers never wait for the
/// writer, and a writer waits up to [`BUSY_TIMEOUT`] for another's write to finish.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// How long a write waits for another process's write to finish before it fails with
/// [`StoreError::Busy`]. Writes are single small transactions, so any wait near this long
/// means something is wrong with the other process.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl Store {
    /// Opens the database at `path`, creating it (and its directory) if needed, and brings its
    /// schema up to date. A database written by a newer lathe is refused, not touched.
    ///
    /// A directory it creates gets a `.gitignore` of `*`, as cargo's `target/` does: runs are
    /// records of this machine (its kernels are not the project's code), so neither git nor
    /// the linters that follow `.gitignore` see them. A directory that was there is left as it
    /// is: it may be the project's own.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            let create = |result: std::io::Result<()>| {
                result.map_err(|source| StoreError::CreateDir {
                    path: path.clone(),
                    dir: dir.to_path_buf(),
                    source,
                })
            };
            create(std::fs::create_dir_all(dir))?;
            create(std::fs::write(
                dir.join(".gitignore"),
                "# Written by lathe: its runs are records of this machine, not source.\n*\n",
            ))?;
        }
        if has_foreign_header(&path) {
            return Err(StoreError::NotADatabase { path });
        }
        let conn = Connection::open(&path).map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        Store::set_up(conn, path)
    }

    /// A store that lives only as long as the handle: for tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: path.clone(),
            source,
        })?;
        Store::set_up(conn, path)
    }

    fn set_up(conn: Connection, path: PathBuf) -> Result<Store, StoreError> {
        let opening = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path: path.clone() },
            _ => StoreError::Open {
                path: path.clone(),
                source,
            },
        };
        conn.busy_timeout(BUSY_TIMEOUT).map_err(opening)?;
        // The first statement that reads the file: a file that is not a database fails here.
        // WAL lets readers (`lathe runs`, a report) work while a run writes.
        let _mode: String =
            while_busy(|| conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)))
                .map_err(opening)?;
        // Durable against process kills, which is what resume needs; see the type's docs.
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(opening)?;
        let store = Store { conn, path };
        migrations::migrate(&store.conn, &store.path)?;
        Ok(store)
    }

    /// The database file (`:memory:` for [`open_in_memory`](Store::open_in_memory)).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the database (SQLite's `user_version`): after `open`, always
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.read("read the schema version", |tx| {
            Ok(migrations::user_version(tx)?)
        })
    }

    /// Runs `body` in one write transaction and commits it. The transaction is IMMEDIATE: it
    /// takes the write lock at its start, where the busy timeout applies. (A deferred one that
    /// read first could fail at its first write, without waiting, if another process wrote in
    /// between.)
    pub(crate) fn write<T>(
        &self,
        doing: &str,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        self.transaction(TransactionBehavior::Immediate, doing, body)
    }

    /// Runs `body` in one read transaction: its queries see one snapshot of the database.
    pub(crate) fn read<T>(
        &self,
        doing: &str,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        self.transaction(TransactionBehavior::Deferred, doing, body)
    }

    fn transaction<T>(
        &self,
        behavior: TransactionBehavior,
        doing: &str,
        body: impl FnOnce(&Transaction<'_>) -> Result<T, Failure>,
    ) -> Result<T, StoreError> {
        let fail = |failure: Failure| failure.into_error(&self.path, doing, BUSY_TIMEOUT);
        // Unchecked: the store never nests transactions, and `&self` keeps the API usable
        // from a shared reference. Dropping it uncommitted rolls it back.
        let tx = Transaction::new_unchecked(&self.conn, behavior).map_err(|e| fail(e.into()))?;
        let value = body(&tx).map_err(fail)?;
        tx.commit().map_err(|e| fail(e.into()))?;
        Ok(value)
    }

    /// Fails with [`StoreError::UnknownRun`], with a "did you mean", unless `run` exists.
    pub(crate) fn require_run(&self, tx: &Transaction<'_>, run: &str) -> Result<(), Failure> {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1)",
            [run],
            |row| row.get(0),
        )?;
        if exists {
            return Ok(());
        }
        let mut statement = tx.prepare("SELECT id FROM runs")?;
        let ids = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let suggestion =
            lathe_core::closest(run, ids.iter().map(String::as_str)).map(str::to_owned);
        Err(StoreError::UnknownRun {
            path: self.path.clone(),
            id: run.to_owned(),
            suggestion,
        }
        .into())
    }

    /// Resolves what a person typed (`lathe resume r2026…`) to a run id that exists; an
    /// unknown one fails with [`StoreError::UnknownRun`] and the nearest id.
    pub fn resolve_run(&self, text: &str) -> Result<RunId, StoreError> {
        let text = text.trim();
        self.read(&format!("look up run `{text}`"), |tx| {
            self.require_run(tx, text)?;
            // Every stored id passed the schema's CHECK, which is RunId's own shape.
            text.parse()
                .map_err(|e: crate::InvalidRunId| Failure::Unreadable {
                    column: "runs.id",
                    value: text.to_owned(),
                    problem: e.to_string(),
                })
        })
    }
}

/// Whether `path` is a non-empty file that does not start as a SQLite database does. SQLite
/// itself refuses most such files, but takes a one-byte file for an empty database and
/// overwrites it; lathe never overwrites a file it did not make. Unreadable files are left
/// for SQLite to report.
/// `step` again while SQLite answers that the database is busy, for up to [`BUSY_TIMEOUT`].
/// SQLite's busy handler does not cover every such answer: a connection switching a new file
/// to WAL, or reading while another does, can get `SQLITE_BUSY` at once (seen in CI with
/// eight processes opening one new database).
pub(crate) fn while_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = std::time::Instant::now();
    loop {
        match step() {
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return result,
        }
    }
}

fn has_foreign_header(path: &Path) -> bool {
    const MAGIC: &[u8; 16] = b"SQLite format 3\0";
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut header = Vec::with_capacity(MAGIC.len());
    match file.take(MAGIC.len() as u64).read_to_end(&mut header) {
        Ok(0) | Err(_) => false,
        Ok(_) => header != MAGIC,
    }
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}
