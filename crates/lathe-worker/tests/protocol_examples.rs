//! Every shared example message of worker/protocol/examples/ parses on the Rust side, and the
//! requests lathe builds say what the examples say. The Python side parses the same files
//! (worker/tests/test_protocol.py).

use std::path::PathBuf;

use lathe_core::Verdict;
use lathe_worker::protocol::{
    BaselinesRequest, EvalRequest, Outcome, ProbeRequest, ProfileRequest, RequestKind, WorkerResult,
};

fn examples() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../worker/protocol/examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_example_parses() {
    for (name, text) in examples() {
        if name.starts_with("request_eval") {
            let request: EvalRequest =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(request.correctness.trials, 5);
            assert_eq!(request.candidate.kernels, ["post_process_kernel"]);
        } else if name.starts_with("request_profile") {
            let request: ProfileRequest =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(request.kind, RequestKind::Profile);
            assert_eq!((request.warmup.min_runs, request.warmup.max_runs), (2, 10));
            assert_eq!(request.candidate.kernels, ["post_process_kernel"]);
        } else if name.starts_with("request_baselines") {
            let request: BaselinesRequest =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(request.kind, RequestKind::Baselines);
            assert!(request.timing.compile_baseline);
        } else if name.starts_with("request_probe") {
            serde_json::from_str::<ProbeRequest>(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            let result: WorkerResult =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(result.protocol, 1, "{name}");
        }
    }
}

fn verdict(name: &str) -> Verdict {
    let (_, text) = examples().into_iter().find(|(n, _)| n == name).unwrap();
    match serde_json::from_str::<WorkerResult>(&text).unwrap().outcome {
        Outcome::Verdict { verdict } => verdict,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn verdict_payloads_keep_their_evidence() {
    let Verdict::Correct(correct) = verdict("result_correct.json") else {
        panic!()
    };
    let timing = correct.timing.unwrap();
    assert_eq!(timing.candidate.runs, 188);
    assert_eq!(
        timing
            .compile
            .as_ref()
            .unwrap()
            .stats
            .as_ref()
            .unwrap()
            .median_ms,
        2.46
    );
    assert!(timing.compile.unwrap().cached);
    assert_eq!(timing.speed_of_light.unwrap().copy_gb_s, 4270.1);

    let Verdict::Correct(interpreted) = verdict("result_correct_interpret.json") else {
        panic!()
    };
    assert!(interpreted.timing.is_none() && interpreted.timing_note.is_some());
    let cpu = interpreted.interpreter_timing.unwrap();
    assert_eq!(
        (cpu.candidate_ms.median, cpu.candidate_ms.runs),
        (12.4849, 5)
    );
    assert_eq!(cpu.candidate_ms.raw.len(), 5);
    assert_eq!(cpu.reference_ms.max, 0.1598);
    assert_eq!((cpu.warmup_runs, cpu.budget_seconds), (1, Some(30.0)));
    assert!(cpu.note.contains("not GPU performance"), "{}", cpu.note);

    let Verdict::Correct(timed) = verdict("result_correct.json") else {
        panic!()
    };
    assert!(timed.interpreter_timing.is_none(), "absent means none");

    let Verdict::Wrong(wrong) = verdict("result_wrong.json") else {
        panic!()
    };
    assert_eq!(
        wrong.trials[0].outputs[0].worst_index.as_deref(),
        Some(&[1, 17][..])
    );
    assert_eq!(wrong.trials[2].reason.as_deref(), Some("count"));

    assert!(matches!(
        verdict("result_rejected.json"),
        Verdict::Rejected {
            found_statically: false,
            ..
        }
    ));
    let Verdict::Crash(crash) = verdict("result_crash_cuda.json") else {
        panic!()
    };
    assert!(crash.cuda_error.unwrap().contains("illegal memory access"));
}

#[test]
fn a_built_request_matches_the_example_shape() {
    let (_, text) = examples()
        .into_iter()
        .find(|(n, _)| n == "request_eval.json")
        .unwrap();
    let example: EvalRequest = serde_json::from_str(&text).unwrap();
    let again: EvalRequest =
        serde_json::from_str(&serde_json::to_string(&example).unwrap()).unwrap();
    assert_eq!(again, example);
}

#[test]
fn the_profiled_example_keeps_the_regions_launches() {
    let (_, text) = examples()
        .into_iter()
        .find(|(n, _)| n == "result_profiled.json")
        .unwrap();
    let result: WorkerResult = serde_json::from_str(&text).unwrap();
    let Outcome::Profiled { profiled } = result.outcome else {
        panic!("{:?}", result.outcome)
    };
    assert_eq!(profiled.region_launches["post_process_kernel"], 1);
    assert!(profiled.warm && profiled.marked && profiled.compile_watch);
    assert_eq!(result.phases.len(), 4);
}

#[test]
fn interpreter_timing_is_off_unless_a_request_asks() {
    let (_, text) = examples()
        .into_iter()
        .find(|(n, _)| n == "request_eval.json")
        .unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["timing"]["interpreter"], false);
    json["timing"]
        .as_object_mut()
        .unwrap()
        .remove("interpreter");
    let request: EvalRequest = serde_json::from_value(json).unwrap();
    assert!(!request.timing.interpreter);
    assert!(!lathe_worker::protocol::TimingConfig::default().interpreter);
}

#[test]
fn a_baselines_result_reads_with_its_figures() {
    let (_, text) = examples()
        .into_iter()
        .find(|(n, _)| n == "result_baselines.json")
        .unwrap();
    let Outcome::Baselines { baselines } =
        serde_json::from_str::<WorkerResult>(&text).unwrap().outcome
    else {
        panic!("not a baselines outcome");
    };
    assert_eq!(baselines.eager.median_ms, Some(0.4213));
    let compiled = baselines.torch_compile.unwrap();
    assert_eq!(compiled.compile_seconds, Some(21.4));
    assert_eq!(compiled.cached, Some(false));
    assert_eq!(baselines.machine["gpu"], "NVIDIA H100 80GB HBM3");
}
