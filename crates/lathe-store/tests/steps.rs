//! An attempt's steps go in order, and each step out of order is refused saying what the
//! record holds, so an engine bug cannot write a verdict without its call, or call the model
//! twice for one key.

mod common;

use common::{code, correct, reply, seed, start_run, wrong};
use lathe_store::{CallOutcome, Extraction, ModelCall, NewAttempt, Store, StoreError};

fn refusal(error: StoreError) -> String {
    match error {
        StoreError::OutOfOrder { reason, .. } => reason,
        other => panic!("expected OutOfOrder, got {other:?}"),
    }
}

#[test]
fn sequence_numbers_follow_the_loop_within_each_run() {
    let store = Store::open_in_memory().unwrap();
    let (a, b) = (start_run(&store), start_run(&store));
    for key in ["seed/s0", "seed/s1", "seed/s0/repair1"] {
        store.begin_attempt(&a, &seed(key)).unwrap();
    }
    store.begin_attempt(&b, &seed("seed/s0")).unwrap();
    let seqs = |run| -> Vec<(u32, String)> {
        store
            .attempts(run)
            .unwrap()
            .into_iter()
            .map(|a| (a.seq, a.key.to_string()))
            .collect()
    };
    assert_eq!(
        seqs(&a),
        [
            (1, "seed/s0".to_owned()),
            (2, "seed/s1".to_owned()),
            (3, "seed/s0/repair1".to_owned())
        ]
    );
    assert_eq!(seqs(&b), [(1, "seed/s0".to_owned())]);
}

#[test]
fn a_key_whose_call_never_committed_is_taken_over() {
    let store = Store::open_in_memory().unwrap();
    let run = start_run(&store);
    let lost = store.begin_attempt(&run, &seed("seed/s0")).unwrap();
    store.begin_attempt(&run, &seed("seed/s1")).unwrap();
    assert_eq!(
        store
            .committed_reply(&run, lathe_store::MAIN_TASK, &"seed/s0".parse().unwrap())
            .unwrap(),
        None
    );

    // The resumed loop starts seed/s0 again, with a prompt rendered anew.
    let mut again = seed("seed/s0");
    again.prompt.push_str(" Use tl.maximum.");
    let taken = store.begin_attempt(&run, &again).unwrap();
    assert_eq!(taken, lost);
    let record = store.attempt(taken).unwrap();
    assert_eq!((record.seq, record.prompt), (1, again.prompt));
    assert_eq!(store.attempts(&run).unwrap().len(), 2);
}

#[test]
fn steps_out_of_order_are_refused_with_the_reason() {
    let store = Store::open_in_memory().unwrap();
    let run = start_run(&store);
    let id = store.begin_attempt(&run, &seed("seed/s0")).unwrap();

    let before_call = refusal(store.record_code(id, &code()).unwrap_err());
    assert_eq!(before_call, "its model call is not recorded yet");
    let before_code = refusal(store.record_verdict(id, &correct(0.5)).unwrap_err());
    assert_eq!(before_code, "its model call is not recorded yet");

    store.record_reply(id, &reply("...")).unwrap();
    let twice = store.record_reply(id, &reply("another")).unwrap_err();
    insta::assert_snapshot!(
        "reply_twice",
        twice
            .to_string()
            .replace(":memory:", "[DB]")
            .replace(run.as_str(), "[RUN]")
    );
    assert_eq!(
        refusal(store.record_verdict(id, &correct(0.5)).unwrap_err()),
        "its code is not recorded yet"
    );
    assert_eq!(
        refusal(store.mark_kept(id).unwrap_err()),
        "it has no verdict yet"
    );

    // The code may be recorded again until the verdict is: a resumed run redoes it.
    store.record_code(id, &code()).unwrap();
    store.record_code(id, &code()).unwrap();
    store.record_verdict(id, &wrong()).unwrap();
    assert_eq!(
        refusal(store.record_code(id, &code()).unwrap_err()),
        "its verdict (wrong) is recorded already"
    );
    assert_eq!(
        refusal(store.record_verdict(id, &correct(0.5)).unwrap_err()),
        "its verdict (wrong) is recorded already"
    );
    let kept = store.mark_kept(id).unwrap_err();
    let kept = kept.to_string().replace(run.as_str(), "[RUN]");
    insta::assert_snapshot!("keep_wrong", kept.replace(":memory:", "[DB]"));

    let record = store.attempt(id).unwrap();
    assert_eq!(record.evaluation, Some(wrong()));
    assert!(!record.kept);
}

#[test]
fn nothing_follows_a_failed_call_or_a_reply_without_code() {
    let store = Store::open_in_memory().unwrap();
    let run = start_run(&store);
    let failed = store.begin_attempt(&run, &seed("seed/s0")).unwrap();
    let call = ModelCall {
        outcome: CallOutcome::Failed {
            error: "HTTP 503 after 4 attempt(s): overloaded".to_owned(),
            partial: None,
        },
        ..reply("")
    };
    store.record_reply(failed, &call).unwrap();
    assert_eq!(
        refusal(store.record_code(failed, &code()).unwrap_err()),
        "its model call failed, so there is no reply to take code from"
    );

    let prose = store.begin_attempt(&run, &seed("seed/s1")).unwrap();
    store.record_reply(prose, &reply("no code here")).unwrap();
    let none = Extraction::Failed {
        error: "no python code block".to_owned(),
    };
    store.record_code(prose, &none).unwrap();
    assert_eq!(
        refusal(store.record_verdict(prose, &correct(0.5)).unwrap_err()),
        "no code could be taken from its reply, so there is nothing to judge"
    );
}

#[test]
fn a_committed_key_is_not_begun_again() {
    let store = Store::open_in_memory().unwrap();
    let run = start_run(&store);
    let id = store.begin_attempt(&run, &seed("seed/s0")).unwrap();
    store.record_reply(id, &reply("...")).unwrap();
    let error = store.begin_attempt(&run, &seed("seed/s0")).unwrap_err();
    let message = error.to_string().replace(run.as_str(), "[RUN]");
    insta::assert_snapshot!("key_committed", message.replace(":memory:", "[DB]"));
}

#[test]
fn a_parent_must_be_an_attempt_of_the_same_run() {
    let store = Store::open_in_memory().unwrap();
    let (a, b) = (start_run(&store), start_run(&store));
    let of_a = store.begin_attempt(&a, &seed("seed/s0")).unwrap();
    let repair = NewAttempt {
        key: "seed/s0/repair1".parse().unwrap(),
        parent: Some(of_a),
        ..seed("seed/s0/repair1")
    };
    let error = store.begin_attempt(&b, &repair).unwrap_err();
    assert!(
        matches!(error, StoreError::ParentElsewhere { .. }),
        "{error:?}"
    );
    assert!(store.attempts(&b).unwrap().is_empty());
}

#[test]
fn an_unknown_attempt_is_named() {
    let store = Store::open_in_memory().unwrap();
    let run = start_run(&store);
    let id = store.begin_attempt(&run, &seed("seed/s0")).unwrap();
    // An id from another database.
    let other = Store::open_in_memory().unwrap();
    let error = other.record_reply(id, &reply("...")).unwrap_err();
    assert!(
        matches!(error, StoreError::UnknownAttempt { .. }),
        "{error:?}"
    );
    let error = other.attempt(id).unwrap_err();
    assert!(
        matches!(error, StoreError::UnknownAttempt { .. }),
        "{error:?}"
    );
}
