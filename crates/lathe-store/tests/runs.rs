//! `lathe runs` and `lathe resume RUN`: listing newest first with counts, and an unknown id
//! answered with the nearest one.

mod common;

use common::{NOV_21, code, correct, new_run, reply, seed, wrong};
use lathe_store::{BestAttempt, RunStatus, StageRecord, StageStatus, Store, StoreError};

const HOUR_MS: i64 = 3_600_000;

#[test]
fn runs_are_listed_newest_first_with_their_counts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("lathe.db")).unwrap();
    // Created out of order: the list follows creation time, not insertion.
    // In the past, so that what happens now is the last activity.
    let base = lathe_store::Timestamp::now().unix_ms() - 10 * HOUR_MS;
    let middle = new_run("r20261121-170733-0002", base + HOUR_MS);
    let oldest = new_run("r20261121-160733-0001", base);
    let newest = new_run("r20261121-180733-0003", base + 2 * HOUR_MS);
    for run in [&middle, &oldest, &newest] {
        store.create_run(run).unwrap();
    }

    // The middle run: a wrong seed, a correct one kept, a faster one kept, a failed call and
    // one under way.
    let judged = |key: &str, evaluation| {
        let id = store.begin_attempt(&middle.id, &seed(key)).unwrap();
        store.record_reply(id, &reply("...")).unwrap();
        store.record_code(id, &code()).unwrap();
        store.record_verdict(id, &evaluation).unwrap();
        id
    };
    judged("seed/s0", wrong());
    let first_best = judged("seed/s1", correct(0.8));
    store.mark_kept(first_best).unwrap();
    let best = judged("stage:memory_access/s0", correct(0.25));
    store.mark_kept(best).unwrap();
    judged("stage:memory_access/s1", correct(0.3));
    store
        .begin_attempt(&middle.id, &seed("stage:memory_access/s2"))
        .unwrap();
    store
        .record_stage(
            &middle.id,
            &StageRecord {
                stage: "memory_access".to_owned(),
                status: StageStatus::Ran,
                reason: None,
                metrics_block: None,
                best_before_ms: Some(0.8),
                best_after_ms: Some(0.25),
            },
        )
        .unwrap();
    store
        .set_status(
            &middle.id,
            &RunStatus::Stopped {
                budget: lathe_store::Budget::Calls,
            },
        )
        .unwrap();

    let runs = store.runs().unwrap();
    let ids: Vec<&str> = runs.iter().map(|r| r.run.id.as_str()).collect();
    assert_eq!(
        ids,
        [newest.id.as_str(), middle.id.as_str(), oldest.id.as_str()]
    );

    let summary = &runs[1];
    assert_eq!((summary.attempts, summary.correct), (5, 3));
    assert_eq!(
        summary.best,
        Some(BestAttempt {
            seq: 3,
            candidate_ms: Some(0.25),
            speedup_vs_eager: Some(4.0),
            interpreter_ms: None,
        })
    );
    assert_eq!(summary.run.tasks, middle.tasks);
    assert_eq!(
        summary.run.status.to_string(),
        "stopped: calls",
        "the status reads as engine.md writes it"
    );
    assert_eq!(Some(summary.last_activity), summary.run.finished_at);

    let empty = &runs[0];
    assert_eq!((empty.attempts, empty.correct, &empty.best), (0, 0, &None));
    assert_eq!(empty.last_activity, newest.created_at);
}

#[test]
fn an_unknown_run_id_gets_the_nearest_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    let store = Store::open(&path).unwrap();
    let run = new_run("r20261121-160733-3f9a", NOV_21);
    store.create_run(&run).unwrap();
    store
        .create_run(&new_run(
            "r20250102-030405-0000",
            NOV_21 - 400 * 24 * HOUR_MS,
        ))
        .unwrap();

    // A typo that is still an id, and one that is not.
    let typo = "r20261121-160733-3f9b".parse().unwrap();
    for error in [
        store.run(&typo).unwrap_err(),
        store.attempts(&typo).unwrap_err(),
        store.resolve_run("r20261121-16733-3f9a").unwrap_err(),
    ] {
        match &error {
            StoreError::UnknownRun { suggestion, .. } => {
                assert_eq!(suggestion.as_deref(), Some(run.id.as_str()), "{error}");
            }
            other => panic!("expected UnknownRun, got {other:?}"),
        }
    }
    assert_eq!(
        store.resolve_run(" r20261121-160733-3f9a\n").unwrap(),
        run.id
    );

    let message = store.run(&typo).unwrap_err().to_string();
    let db = common::regex_path(&path);
    insta::with_settings!({filters => vec![(db.as_str(), "[DB]")]}, {
        insta::assert_snapshot!(message);
    });

    let nothing_near = store.resolve_run("latest").unwrap_err();
    assert!(
        matches!(
            &nothing_near,
            StoreError::UnknownRun {
                suggestion: None,
                ..
            }
        ),
        "{nothing_near:?}"
    );
}

#[test]
fn a_run_id_is_not_taken_twice() {
    let store = Store::open_in_memory().unwrap();
    let run = new_run("r20261121-160733-3f9a", NOV_21);
    store.create_run(&run).unwrap();
    let error = store.create_run(&run).unwrap_err();
    assert!(matches!(error, StoreError::RunExists { .. }), "{error:?}");
    assert_eq!(store.runs().unwrap().len(), 1);
}
