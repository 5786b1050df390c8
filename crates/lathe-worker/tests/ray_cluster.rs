//! How lathe reads what a Ray cluster's bridge answers, with a stand-in bridge (a Python
//! script in the interpreter's place, no Ray): a remote judge's result is accepted only with
//! the nonce lathe sent, a forged one is `rejected` as a local forgery is, a judge that died on
//! its node is read as a local death, and a cluster that loses an evaluation past its retries,
//! or a bridge that dies, is the environment's failure naming the address. The real bridge on
//! a real cluster: crates/lathe/tests/cli_suite_ray.rs.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lathe_core::{Rule, Verdict};
use lathe_worker::driver::{EvalOutcome, WorkerConfig, evaluate};
use lathe_worker::ray::{ClusterError, RayCluster};

/// The stand-in bridge. Its address argument, `fake:MODE`, says how it answers each
/// evaluation: `honest` (the example result with the nonce it was sent), `forge` (another
/// nonce), `segv` (no result: the judge died of SIGSEGV after phase `check`), `lost` (lost past
/// the retries), `die` (the bridge exits); `unreachable` answers the connection itself.
const BRIDGE: &str = r#"
import json, sys
address = sys.argv[sys.argv.index("--address") + 1]
mode = address.split(":")[1]
if mode == "unreachable":
    print(json.dumps({"event": "error", "kind": "unreachable", "message": "nothing answers"}))
    sys.exit(3)
node = {"node_id": "a1b2c3d4e5f6" * 4, "host": "gpu7", "gpu_index": "3", "python": "/opt/py"}
print(json.dumps({"event": "ready", "slots": [node, {**node, "gpu_index": "4"}]}), flush=True)
for line in sys.stdin:
    message = json.loads(line)
    # What travels: the files' text and the nonce, never lathe's paths alone.
    if message["problem"]["source"] != "PROBLEM\n" or message["kernel"]["source"] != "KERNEL\n":
        sys.exit(7)
    if len(message["nonce"]) != 32 or message["limits"]["wall_s"] != 20.0:
        sys.exit(8)
    if mode == "die":
        sys.exit(1)
    if mode == "lost":
        failed = {"event": "failed", "id": message["id"], "kind": "lost", "message": "lost 3 times"}
        print(json.dumps(failed), flush=True)
        continue
    result = json.load(open(EXAMPLE))
    result["nonce"] = message["nonce"] if mode == "honest" else "0" * 32
    done = {
        "event": "done", "id": message["id"], "result": json.dumps(result),
        "end": {"kind": "exited", "code": 0}, "stdout_tail": "", "stderr_tail": "judge says",
        "wall_s": 2.5, "phases": ["load", "check"], "node": node, "attempts": 2,
        "lost": [{"node": {"node_id": "deadbeef" * 7}, "error": "ActorDiedError"}],
    }
    if mode == "segv":
        done["result"] = None
        done["end"] = {"kind": "signaled", "signal": 11}
    print(json.dumps(done), flush=True)
"#;

fn bridge(dir: &Path) -> PathBuf {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples/result_correct_interpret.json");
    let path = dir.join("python");
    let script = format!(
        "#!/usr/bin/env python3\nEXAMPLE = {:?}\n{BRIDGE}",
        example.display().to_string()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn connect(dir: &Path, mode: &str) -> Result<Arc<RayCluster>, ClusterError> {
    RayCluster::connect(
        &bridge(dir),
        &dir.join("cache"),
        &format!("fake:{mode}"),
        2,
        None,
    )
}

/// One evaluation of the sandbox's problem and kernel on the stand-in cluster.
fn evaluate_on(mode: &str) -> (EvalOutcome, Arc<RayCluster>, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let problem = dir.path().join("1_add.py");
    let kernel = dir.path().join("kernel.py");
    std::fs::write(&problem, "PROBLEM\n").unwrap();
    std::fs::write(&kernel, "KERNEL\n").unwrap();
    let cluster = connect(dir.path(), mode).unwrap();
    assert_eq!(cluster.slots().len(), 2);
    let config = WorkerConfig {
        python: "python3".into(),
        cache_dir: dir.path().join("cache"),
        scratch_root: None,
        wall_limit: Duration::from_secs(20),
        grace: Duration::from_millis(500),
        memory_limit: None,
        tail_bytes: 4096,
        gpu: None,
        prestart: Default::default(),
        cluster: Some(Arc::clone(&cluster)),
    };
    let request = common::eval_request(problem, kernel.clone());
    let outcome = evaluate(&config, request).unwrap().outcome;
    // The files are read before the answer comes: the folder may go.
    drop(dir);
    (outcome, cluster, kernel)
}

#[test]
fn a_result_with_the_nonce_is_the_verdict_and_names_where_it_was_judged() {
    let (outcome, cluster, kernel) = evaluate_on("honest");
    let EvalOutcome::Judged {
        verdict,
        fingerprint,
        ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert!(matches!(verdict, Verdict::Correct(_)), "{verdict:?}");
    assert_eq!(fingerprint["placement"]["host"], "gpu7");
    let placement = cluster.placement(&kernel).unwrap();
    assert_eq!(placement.gpu_index.as_deref(), Some("3"));
    assert_eq!(placement.attempts, 2);
    assert_eq!(placement.lost_nodes, ["deadbeef".repeat(7)]);
    assert_eq!(placement.label(), "ray gpu7/a1b2c3d4 GPU 3");
}

#[test]
fn a_result_forged_on_a_node_is_rejected_as_harness_tampering() {
    let (outcome, _, _) = evaluate_on("forge");
    match outcome {
        EvalOutcome::Judged {
            verdict: Verdict::Rejected { rule, evidence, .. },
            ..
        } => {
            assert_eq!(rule, Rule::HarnessTamper);
            assert!(evidence.contains("nonce"), "{evidence}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_judge_that_died_on_its_node_is_a_crash_in_its_last_phase() {
    let (outcome, _, _) = evaluate_on("segv");
    match outcome {
        EvalOutcome::Judged {
            verdict: Verdict::Crash(crash),
            ..
        } => {
            assert_eq!(crash.signal, Some(11));
            assert_eq!(crash.phase.as_deref(), Some("check"));
            assert_eq!(crash.stderr_tail, "judge says");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn lost_past_the_retries_or_a_dead_bridge_is_the_environments_failure() {
    for (mode, says) in [
        ("lost", "could not judge"),
        ("die", "the bridge to the Ray cluster at fake:die ended"),
    ] {
        match evaluate_on(mode).0 {
            EvalOutcome::EnvironmentError { message } => {
                assert!(message.contains(says), "{mode}: {message}");
                assert!(message.contains(&format!("fake:{mode}")), "{message}");
            }
            other => panic!("{mode}: {other:?}"),
        }
    }
}

#[test]
fn a_cluster_that_cannot_be_reached_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    match connect(dir.path(), "unreachable") {
        Err(error @ ClusterError::Unreachable { .. }) => {
            let text = error.to_string();
            assert!(
                text.contains("fake:unreachable") && text.contains("nothing answers"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
}
