//! A run of several tasks (`lathe suite run`, migration 0003): attempts and stages belong to
//! their task, a key is unique within its task only, each task ends on its own, and a database
//! from before tasks had their own records keeps its runs as their `main` task's.

mod common;

use std::path::PathBuf;

use common::{NOV_21, new_run, seed};
use lathe_store::{
    MAIN_TASK, RunStatus, SCHEMA_VERSION, StageRecord, StageStatus, Store, StoreError, Task,
};

fn two_tasks() -> (Store, lathe_store::RunId) {
    let store = Store::open_in_memory().unwrap();
    let mut run = new_run("r20261121-160733-3f9a", NOV_21);
    run.tasks = ["level1/19_ReLU.py", "level2/1_add_relu.py"]
        .iter()
        .map(|id| Task {
            task_id: (*id).to_owned(),
            problem_path: PathBuf::from(id),
            starting_kernel: None,
        })
        .collect();
    store.create_run(&run).unwrap();
    (store, run.id)
}

fn stage(name: &str) -> StageRecord {
    StageRecord {
        stage: name.to_owned(),
        status: StageStatus::Ran,
        reason: None,
        metrics_block: None,
        best_before_ms: Some(2.0),
        best_after_ms: Some(1.0),
    }
}

#[test]
fn each_task_has_its_own_keys_stages_and_end() {
    let (store, run) = two_tasks();
    let relu = store
        .begin_task_attempt(&run, "level1/19_ReLU.py", &seed("seed/s0"))
        .unwrap();
    // The same key in another task is another attempt, numbered next in the run.
    let add = store
        .begin_task_attempt(&run, "level2/1_add_relu.py", &seed("seed/s0"))
        .unwrap();
    assert_ne!(relu, add);
    assert_eq!(store.attempt(add).unwrap().seq, 2);
    let of_relu = store.task_attempts(&run, "level1/19_ReLU.py").unwrap();
    assert_eq!(of_relu.len(), 1);
    assert_eq!(of_relu[0].task, "level1/19_ReLU.py");
    assert_eq!(store.attempts(&run).unwrap().len(), 2);

    store
        .record_task_stage(&run, "level1/19_ReLU.py", &stage("memory_access"))
        .unwrap();
    store
        .record_task_stage(&run, "level2/1_add_relu.py", &stage("memory_access"))
        .unwrap();
    assert_eq!(
        store.task_stages(&run, "level2/1_add_relu.py").unwrap(),
        vec![stage("memory_access")]
    );

    store
        .set_task_status(&run, "level1/19_ReLU.py", &RunStatus::Finished)
        .unwrap();
    let ends = store.task_ends(&run).unwrap();
    assert_eq!(ends[0].status, Some(RunStatus::Finished));
    assert!(ends[0].finished_at.is_some());
    assert_eq!(ends[1].status, None, "not started");
    assert_eq!(store.run(&run).unwrap().status, RunStatus::Running);
}

#[test]
fn a_task_the_run_does_not_have_is_refused_with_its_name() {
    let (store, run) = two_tasks();
    let error = store
        .begin_task_attempt(&run, "level3/nope.py", &seed("seed/s0"))
        .unwrap_err();
    assert!(matches!(error, StoreError::UnknownTask { .. }), "{error}");
    assert!(
        error.to_string().contains("no task `level3/nope.py`"),
        "{error}"
    );
    let error = store.begin_attempt(&run, &seed("seed/s0")).unwrap_err();
    assert!(error.to_string().contains("no task `main`"), "{error}");
}

#[test]
fn the_judging_device_is_recorded_with_when_it_began() {
    let (store, run) = two_tasks();
    let id = store
        .begin_task_attempt(&run, "level1/19_ReLU.py", &seed("seed/s0"))
        .unwrap();
    assert_eq!(store.attempt(id).unwrap().judged_on, None);
    store.record_judging(id, "cpu1").unwrap();
    let on = store.attempt(id).unwrap().judged_on.unwrap();
    assert_eq!(on.slot, "cpu1");
}

#[test]
fn a_version_2_database_keeps_its_stages_and_attempts_as_its_main_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_initial.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../migrations/0002_starting_kernel.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute_batch(&format!(
            "INSERT INTO runs (id, created_at, problem_path, problem_sha256, category, backend, \
             gpu, llm_spec, settings_json, out_dir, status, finished_at) VALUES \
             ('r20261121-160733-3f9a', '2026-11-21T16:07:33.123Z', '/p/problem.py', '{}', \
             'fusion', 'triton', 'H100', 'replay:x', '{{}}', '/out', 'finished', \
             '2026-11-21T17:00:00.000Z');
             INSERT INTO tasks (run_id, task_id, position, problem_path) \
             VALUES ('r20261121-160733-3f9a', 'main', 1, '/p/problem.py');
             INSERT INTO attempts (run_id, seq, key, stage, round, sample, prompt, \
             prompt_sha256, started_at) VALUES ('r20261121-160733-3f9a', 1, 'seed/s0', \
             'seed', 0, 0, 'p', '{}', '2026-11-21T16:08:00.000Z');
             INSERT INTO stages (run_id, stage, position, status, recorded_at) VALUES \
             ('r20261121-160733-3f9a', 'memory_access', 1, 'ran', '2026-11-21T16:09:00.000Z');",
            "a".repeat(64),
            "b".repeat(64)
        ))
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    let run = store.resolve_run("r20261121-160733-3f9a").unwrap();
    let attempts = store.task_attempts(&run, MAIN_TASK).unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].task, MAIN_TASK);
    assert_eq!(store.stages(&run).unwrap().len(), 1);
    let ends = store.task_ends(&run).unwrap();
    assert_eq!(
        ends[0].status,
        Some(RunStatus::Finished),
        "as its run ended"
    );
    // The old unique key is now per task: the same key again in `main` is still refused
    // once its call is committed, as before.
    assert!(store.begin_attempt(&run, &seed("seed/s1")).is_ok());
}
