//! The attempts as JSON lines.

mod common;

use common::scenarios::{full_run, interpreter_run, no_correct, tuned_from_a_given_kernel};
use lathe_report::export_jsonl;
use serde_json::Value;

fn lines(text: &str) -> Vec<Value> {
    assert!(text.is_empty() || text.ends_with('\n'), "{text}");
    text.lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect()
}

#[test]
fn one_object_per_attempt_in_order() {
    for data in [full_run(), no_correct(), interpreter_run()] {
        let records = lines(&export_jsonl(&data));
        assert_eq!(records.len(), data.attempts.len());
        for (record, attempt) in records.iter().zip(&data.attempts) {
            assert_eq!(record["run_id"], data.run.id.as_str());
            assert_eq!(record["seq"], attempt.seq);
            assert_eq!(record["key"], attempt.key.to_string());
            assert_eq!(record["prompt"], attempt.prompt.as_str());
        }
    }
}

#[test]
fn each_record_carries_what_training_needs() {
    let records = lines(&export_jsonl(&full_run()));
    let repaired = &records[1];
    assert_eq!(repaired["stage"], "repair");
    assert_eq!(repaired["parent_seq"], 1);
    assert_eq!(repaired["verdict_kind"], "correct");
    assert_eq!(repaired["kept"], true);
    assert!(repaired["reply"].as_str().unwrap().contains("```python"));
    assert!(repaired["reasoning"].is_string());
    assert!(repaired["code"].as_str().unwrap().contains("@triton.jit"));
    assert!((repaired["speedup_vs_eager"].as_f64().unwrap() - 2.0 / 1.8).abs() < 1e-9);
    assert_eq!(repaired["usage"]["input_tokens"], 2150);
    assert_eq!(repaired["cost_usd"], 0.0118);

    let seed = &records[0];
    assert_eq!(seed["verdict_kind"], "compile_error");
    assert_eq!(seed["speedup_vs_eager"], Value::Null);
    assert_eq!(seed["verdict"]["kind"], "compile_error");
    assert!(
        seed["error"]
            .as_str()
            .unwrap()
            .starts_with("compile error: at 9:26")
    );
}

#[test]
fn attempts_that_stopped_early_are_exported_too() {
    let records = lines(&export_jsonl(&no_correct()));
    let cut = &records[2];
    assert_eq!(cut["outcome"], "call failed");
    assert_eq!(cut["verdict_kind"], Value::Null);
    assert_eq!(cut["reply"], "```python\nimport triton\n");
    assert_eq!(cut["cost_usd"], Value::Null);
    let no_code = &records[3];
    assert_eq!(no_code["outcome"], "no code");
    assert_eq!(no_code["code"], Value::Null);
    assert_eq!(no_code["error"], "the reply has no ```python block");
}

#[test]
fn interpreter_times_say_where_they_were_taken() {
    let records = lines(&export_jsonl(&interpreter_run()));
    assert_eq!(records[1]["ms"], 41.27);
    assert_eq!(records[1]["timed_on"], "cpu_interpreter");
    assert_eq!(records[1]["speedup_vs_eager"], Value::Null);
}

#[test]
fn a_tuner_variant_says_what_it_changed_and_why_it_was_not_kept() {
    let lines: Vec<Value> = export_jsonl(&tuned_from_a_given_kernel())
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let changes: Vec<&str> = lines
        .iter()
        .map(|l| l["change"].as_str().unwrap())
        .collect();
    assert_eq!(
        changes,
        [
            "BLOCK 32 → 64",
            "BLOCK 64 → 128",
            "BLOCK 128 → 256",
            "BLOCK 128 → 512"
        ]
    );
    assert!(lines[1]["not_kept_reason"].is_null(), "kept: {}", lines[1]);
    let why = lines[2]["not_kept_reason"].as_str().unwrap();
    assert!(why.starts_with("slower: "), "{why}");
    let why = lines[3]["not_kept_reason"].as_str().unwrap();
    assert!(why.starts_with("within the margin: "), "{why}");
}

#[test]
fn a_model_attempt_has_no_change() {
    let first: Value =
        serde_json::from_str(export_jsonl(&full_run()).lines().next().unwrap()).unwrap();
    assert!(first["change"].is_null(), "{first}");
}
