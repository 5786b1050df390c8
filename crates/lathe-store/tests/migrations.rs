//! Opening: a new file reaches the latest schema, reopening changes nothing, and files lathe
//! must not touch (a newer lathe's database, something that is not a database) are refused
//! with their path.

mod common;

use common::{NOV_21, new_run};

use lathe_store::{RunStatus, SCHEMA_VERSION, Store, StoreError};

fn user_version(path: &std::path::Path) -> u32 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap()
}

fn tables(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_new_file_and_its_directories_reach_the_latest_schema_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deep").join("lathe-runs").join("lathe.db");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(store.path(), path);
    drop(store);

    assert_eq!(user_version(&path), SCHEMA_VERSION);
    assert_eq!(
        tables(&path),
        ["attempts", "baselines", "runs", "stages", "tasks"]
    );
    let mode: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn opening_again_keeps_the_data_and_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    let run = new_run("r20261121-160733-3f9a", NOV_21);
    Store::open(&path).unwrap().create_run(&run).unwrap();
    for _ in 0..3 {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.run(&run.id).unwrap().status, RunStatus::Running);
    }
    assert_eq!(user_version(&path), SCHEMA_VERSION);
}

#[test]
fn an_empty_file_is_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_newer_lathes_database_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    Store::open(&path).unwrap();
    let newer = SCHEMA_VERSION + 7;
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", newer)
        .unwrap();

    let error = Store::open(&path).unwrap_err();
    match &error {
        StoreError::NewerSchema { found, known, .. } => {
            assert_eq!((*found, *known), (newer, SCHEMA_VERSION));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains(&format!("schema version {newer}")),
        "{message}"
    );
    assert!(
        message.contains(&format!("up to {SCHEMA_VERSION}")),
        "{message}"
    );
    assert_eq!(user_version(&path), newer);
    let db = common::regex_path(&path);
    let found = format!("version {newer}");
    let known = format!("versions up to {SCHEMA_VERSION}");
    let filters = vec![
        (db.as_str(), "[DB]"),
        (found.as_str(), "version [FOUND]"),
        (known.as_str(), "versions up to [KNOWN]"),
    ];
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!(message);
    });
}

#[test]
fn a_file_that_is_not_a_database_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in [
        (
            "notes.db",
            "These are my notes, not a database.\n".repeat(40),
        ),
        ("short.db", "x".to_owned()),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &contents).unwrap();
        let error = Store::open(&path).unwrap_err();
        assert!(
            matches!(&error, StoreError::NotADatabase { path: p } if *p == path),
            "{name}: {error:?}"
        );
        assert!(error.to_string().contains(&path.display().to_string()));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            contents,
            "{name} was changed"
        );
    }
    let error = Store::open(dir.path().join("notes.db")).unwrap_err();
    let dir = common::regex_path(dir.path());
    insta::with_settings!({ filters => vec![(dir.as_str(), "[DIR]")] }, {
        insta::assert_snapshot!(error.to_string());
    });
}

#[test]
fn a_directory_in_the_way_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("lathe-runs");
    std::fs::write(&blocker, "a file where the directory should be").unwrap();
    let path = blocker.join("lathe.db");
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::CreateDir { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&blocker.display().to_string()),
        "{error}"
    );
}

#[test]
fn processes_opening_a_new_file_at_once_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    std::thread::scope(|scope| {
        let openers: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| Store::open(&path).map(|s| s.schema_version())))
            .collect();
        for opener in openers {
            assert_eq!(opener.join().unwrap().unwrap().unwrap(), SCHEMA_VERSION);
        }
    });
}

#[test]
fn a_version_1_database_is_upgraded_in_place_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    {
        // A database as the first lathe left it: schema 1 and one run.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_initial.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO runs (id, created_at, problem_path, problem_sha256, category, backend, \
             gpu, llm_spec, settings_json, out_dir, status) VALUES ('r20261121-160733-3f9a', \
             '2026-11-21T16:07:33.123Z', '/p/problem.py', ?1, 'fusion', 'triton', 'H100', \
             'replay:x', '{}', '/out', 'running')",
            ["a".repeat(64)],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO tasks (run_id, task_id, position, problem_path) \
             VALUES ('r20261121-160733-3f9a', 'main', 1, '/p/problem.py')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let run = store.resolve_run("r20261121-160733-3f9a").unwrap();
    assert_eq!(store.start_evaluation(&run, "main").unwrap(), None);
    let start = common::correct(1.25);
    store.record_start(&run, "main", &start).unwrap();
    assert_eq!(store.start_evaluation(&run, "main").unwrap(), Some(start));
    let error = store
        .record_start(&run, "other", &common::wrong())
        .unwrap_err();
    assert!(error.to_string().contains("no task `other`"), "{error}");
}
