//! Every record type goes into a database file and comes back equal, after the handle that
//! wrote it is closed and the file reopened.

mod common;

use std::path::Path;

use common::{NOV_21, code, correct, new_run, reply, seed, wrong};
use lathe_core::Verdict;
use lathe_store::{
    Budget, CallOutcome, Evaluation, Extraction, ModelCall, NewAttempt, RunStatus, StageRecord,
    StageStatus, Store, TokenUsage,
};
use serde_json::json;

fn db(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("lathe-runs").join("lathe.db")
}

#[test]
fn a_run_and_its_tasks_come_back_as_created() {
    let dir = tempfile::tempdir().unwrap();
    let new = new_run("r20261121-160733-3f9a", NOV_21);
    Store::open(db(&dir)).unwrap().create_run(&new).unwrap();

    let record = Store::open(db(&dir)).unwrap().run(&new.id).unwrap();
    assert_eq!(record.id, new.id);
    assert_eq!(record.created_at, new.created_at);
    assert_eq!(record.problem_path, new.problem_path);
    assert_eq!(record.problem_sha256, new.problem_sha256);
    assert_eq!(record.category, new.category);
    assert_eq!(record.backend, new.backend);
    assert_eq!(record.gpu, new.gpu);
    assert_eq!(record.llm_spec, new.llm_spec);
    assert_eq!(record.settings, new.settings);
    assert_eq!(record.out_dir, new.out_dir);
    assert_eq!(record.fingerprint, new.fingerprint);
    assert_eq!(record.tasks, new.tasks);
    assert_eq!(record.status, RunStatus::Running);
    assert_eq!(record.finished_at, None);
}

#[test]
fn every_status_comes_back_and_ending_stamps_finished_at() {
    let dir = tempfile::tempdir().unwrap();
    let new = new_run("r20261121-160733-3f9a", NOV_21);
    Store::open(db(&dir)).unwrap().create_run(&new).unwrap();

    let mut statuses: Vec<RunStatus> = Budget::ALL
        .into_iter()
        .map(|budget| RunStatus::Stopped { budget })
        .collect();
    statuses.push(RunStatus::Failed {
        message: "the worker crashed: exit code 1".to_owned(),
    });
    statuses.push(RunStatus::Finished);
    statuses.push(RunStatus::Running);
    for status in statuses {
        Store::open(db(&dir))
            .unwrap()
            .set_status(&new.id, &status)
            .unwrap();
        let record = Store::open(db(&dir)).unwrap().run(&new.id).unwrap();
        assert_eq!(record.status, status);
        assert_eq!(record.finished_at.is_some(), status.is_ended(), "{status}");
    }
}

#[test]
fn a_fingerprint_set_later_replaces_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut new = new_run("r20261121-160733-3f9a", NOV_21);
    new.fingerprint = None;
    Store::open(db(&dir)).unwrap().create_run(&new).unwrap();
    let fingerprint = json!({"torch": "2.9.0", "driver": "575.57"});
    Store::open(db(&dir))
        .unwrap()
        .set_fingerprint(&new.id, &fingerprint)
        .unwrap();
    let record = Store::open(db(&dir)).unwrap().run(&new.id).unwrap();
    assert_eq!(record.fingerprint, Some(fingerprint));
}

#[test]
fn the_gpu_a_probe_found_replaces_the_device_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut new = new_run("r20261121-160733-3f9a", NOV_21);
    new.gpu = "cuda".to_owned();
    let store = Store::open(db(&dir)).unwrap();
    store.create_run(&new).unwrap();
    store.set_gpu(&new.id, "NVIDIA H100 80GB HBM3").unwrap();
    assert_eq!(store.run(&new.id).unwrap().gpu, "NVIDIA H100 80GB HBM3");
}

#[test]
fn a_judged_kept_attempt_comes_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let new = new_run("r20261121-160733-3f9a", NOV_21);
    let (first, repair) = {
        let store = Store::open(db(&dir)).unwrap();
        store.create_run(&new).unwrap();
        let first = store.begin_attempt(&new.id, &seed("seed/s0")).unwrap();
        let repair = store
            .begin_attempt(
                &new.id,
                &NewAttempt {
                    key: "seed/s0/repair1".parse().unwrap(),
                    stage: "repair".to_owned(),
                    round: 1,
                    sample: 0,
                    parent: Some(first),
                    prompt: "abc".to_owned(),
                },
            )
            .unwrap();
        store
            .record_reply(repair, &reply("```python\n...\n```"))
            .unwrap();
        store.record_code(repair, &code()).unwrap();
        store.record_verdict(repair, &correct(0.5)).unwrap();
        store.mark_kept(repair).unwrap();
        (first, repair)
    };

    let store = Store::open(db(&dir)).unwrap();
    let record = store.attempt(repair).unwrap();
    assert_eq!(record.run, new.id);
    assert_eq!(
        (record.seq, record.key.to_string().as_str()),
        (2, "seed/s0/repair1")
    );
    assert_eq!(
        (record.stage.as_str(), record.round, record.sample),
        ("repair", 1, 0)
    );
    assert_eq!(record.parent, Some(first));
    assert_eq!(record.prompt, "abc");
    // SHA-256 of "abc", from FIPS 180-2.
    assert_eq!(
        record.prompt_sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(record.call, Some(reply("```python\n...\n```")));
    assert_eq!(record.extraction, Some(code()));
    assert_eq!(record.evaluation, Some(correct(0.5)));
    assert!(record.kept);
    let finished = record.finished_at.expect("a judged attempt is finished");
    assert!(record.started_at <= finished);

    // The unjudged first attempt is still under way.
    let first = store.attempt(first).unwrap();
    assert_eq!((first.call, first.finished_at), (None, None));

    // The timings are columns too, for readers of the file itself.
    let columns = raw_row(
        &db(&dir),
        "SELECT verdict_kind, candidate_ms, eager_ms, compile_ms, spread_pct, kept \
         FROM attempts WHERE key = 'seed/s0/repair1'",
    );
    assert_eq!(columns, ["correct", "0.5", "1.0", "0.8", "2.0", "1"]);
}

#[test]
fn a_failed_call_and_a_reply_without_code_end_their_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let new = new_run("r20261121-160733-3f9a", NOV_21);
    let store = Store::open(db(&dir)).unwrap();
    store.create_run(&new).unwrap();

    let cut = ModelCall {
        outcome: CallOutcome::Failed {
            error: "the reply was cut at the token limit (16000 output tokens)".to_owned(),
            partial: Some("```python\nimport tri".to_owned()),
        },
        reasoning: None,
        usage: TokenUsage {
            input_tokens: 1000,
            output_tokens: 16000,
            reasoning_tokens: 0,
        },
        cost_usd: None,
        seconds: 240.0,
    };
    let failed = store.begin_attempt(&new.id, &seed("seed/s0")).unwrap();
    store.record_reply(failed, &cut).unwrap();

    let prose = store.begin_attempt(&new.id, &seed("seed/s1")).unwrap();
    store
        .record_reply(prose, &reply("I would use a block size of 1024."))
        .unwrap();
    let no_code = Extraction::Failed {
        error: "no python code block in the answer".to_owned(),
    };
    store.record_code(prose, &no_code).unwrap();
    drop(store);

    let store = Store::open(db(&dir)).unwrap();
    let failed = store.attempt(failed).unwrap();
    assert_eq!(failed.call, Some(cut));
    assert!(failed.finished_at.is_some());
    let prose = store.attempt(prose).unwrap();
    assert_eq!(prose.extraction, Some(no_code));
    assert_eq!(prose.evaluation, None);
    assert!(prose.finished_at.is_some());
}

#[test]
fn every_verdict_kind_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let new = new_run("r20261121-160733-3f9a", NOV_21);
    let store = Store::open(db(&dir)).unwrap();
    store.create_run(&new).unwrap();

    let interpreted: Verdict =
        serde_json::from_value(json!({"kind": "correct", "trials": [], "timing": null,
            "timing_note": "timing not measured: Triton's interpreter runs on the CPU"}))
        .unwrap();
    let others = [
        json!({"kind": "compile_error", "message": "NameError: tl.foo", "phase": "import",
               "traceback_tail": "..."}),
        json!({"kind": "runtime_error", "exception": "ValueError", "message": "bad shape",
               "phase": "forward", "traceback_tail": ""}),
        json!({"kind": "timeout", "after_seconds": 120.0, "phase": "timing"}),
        json!({"kind": "crash", "signal": 11, "signal_name": "SIGSEGV", "stderr_tail": "..."}),
        json!({"kind": "rejected", "rule": "torch-compute", "evidence": "torch.relu(x)",
               "static": true}),
    ];
    let mut evaluations = vec![
        Evaluation {
            verdict: interpreted,
            eval_seconds: 4.0,
            interpreter_ms: Some(812.5),
        },
        wrong(),
    ];
    for verdict in others {
        evaluations.push(Evaluation {
            verdict: serde_json::from_value(verdict).unwrap(),
            eval_seconds: 2.0,
            interpreter_ms: None,
        });
    }
    for (sample, evaluation) in evaluations.iter().enumerate() {
        let id = store
            .begin_attempt(&new.id, &seed(&format!("seed/s{sample}")))
            .unwrap();
        store.record_reply(id, &reply("...")).unwrap();
        store.record_code(id, &code()).unwrap();
        store.record_verdict(id, evaluation).unwrap();
    }
    drop(store);

    let back: Vec<Evaluation> = Store::open(db(&dir))
        .unwrap()
        .attempts(&new.id)
        .unwrap()
        .into_iter()
        .map(|a| a.evaluation.expect("judged"))
        .collect();
    assert_eq!(back, evaluations);
}

#[test]
fn stage_records_keep_the_order_they_were_first_recorded_in() {
    let dir = tempfile::tempdir().unwrap();
    let new = new_run("r20261121-160733-3f9a", NOV_21);
    let stage = |stage: &str, status, reason: Option<&str>| StageRecord {
        stage: stage.to_owned(),
        status,
        reason: reason.map(str::to_owned),
        metrics_block: None,
        best_before_ms: None,
        best_after_ms: None,
    };
    let started = stage("grid_and_parallel", StageStatus::Ran, None);
    let skipped = stage(
        "block_tiling",
        StageStatus::Skipped,
        Some("skip_if dram_throughput_pct >= 80: measured 91.2"),
    );
    let ended = StageRecord {
        metrics_block: Some("[NCU PROFILING METRICS]\ndram__throughput 91.2%".to_owned()),
        best_before_ms: Some(0.61),
        best_after_ms: Some(0.5),
        reason: Some("ran: no skip rule held".to_owned()),
        ..started.clone()
    };
    let unreached = stage(
        "memory_access",
        StageStatus::NotReached,
        Some("stopped: calls"),
    );
    {
        let store = Store::open(db(&dir)).unwrap();
        store.create_run(&new).unwrap();
        store.record_stage(&new.id, &started).unwrap();
        store.record_stage(&new.id, &skipped).unwrap();
        store.record_stage(&new.id, &ended).unwrap();
        store.record_stage(&new.id, &unreached).unwrap();
    }
    let stages = Store::open(db(&dir)).unwrap().stages(&new.id).unwrap();
    assert_eq!(stages, [ended, skipped, unreached]);
}

/// One row of `sql`, each column as text, read with SQLite itself rather than the store.
fn raw_row(path: &Path, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |row| {
        (0..row.as_ref().column_count())
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => "NULL".to_owned(),
                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                    rusqlite::types::ValueRef::Real(x) => format!("{x:?}"),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(_) => "BLOB".to_owned(),
                })
            })
            .collect()
    })
    .unwrap()
}

#[test]
fn a_stored_key_that_is_no_attempt_key_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let new = new_run("r20261121-160733-3f9a", NOV_21);
    let id = {
        let store = Store::open(db(&dir)).unwrap();
        store.create_run(&new).unwrap();
        store.begin_attempt(&new.id, &seed("seed/s0")).unwrap()
    };
    // Every lathe has written keys of the typed grammar; a file edited by hand may not hold one.
    let conn = rusqlite::Connection::open(db(&dir)).unwrap();
    conn.execute("UPDATE attempts SET key = 'seed/zero'", [])
        .unwrap();
    drop(conn);
    let error = Store::open(db(&dir)).unwrap().attempt(id).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("seed/zero"), "{message}");
    assert!(message.contains("not an attempt key"), "{message}");
}
