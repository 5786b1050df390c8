//! The fixture corpus: every candidate under worker/tests/fixtures/ is judged by the real
//! `lathe eval` (static checks, then a real worker process) and must get the verdict its
//! manifest entry declares. Here under Triton's interpreter on the CPU; on a GPU with
//! `tools/device/run_corpus.sh` (docs/validation/).
//!
//! It needs a Python with torch and triton: `LATHE_TEST_PYTHON`, else `.venv/bin/python` of the
//! workspace. Without one the corpus is skipped with a message, unless `CI` or
//! `LATHE_REQUIRE_WORKER` is set (`common::worker_python`): then it fails, so CI can never skip
//! it silently.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    name: String,
    problem: String,
    candidate: String,
    verdict: String,
    #[serde(default)]
    rule: Option<String>,
    #[serde(rename = "static", default)]
    found_statically: Option<bool>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    phase: Option<String>,
    devices: Vec<String>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    overrides: BTreeMap<String, toml::Value>,
    #[serde(default)]
    row: Option<u32>,
    #[serde(default)]
    memory_limit_gb: Option<f64>,
    #[allow(dead_code, reason = "documentation for people reading the manifest")]
    note: String,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    fixture: Vec<Fixture>,
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../worker/tests/fixtures")
}

fn manifest() -> Vec<Fixture> {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.toml")).unwrap();
    toml::from_str::<Manifest>(&text).unwrap().fixture
}

#[test]
fn the_manifest_covers_every_fixture_and_enough_attacks() {
    let fixtures = manifest();
    let dir = fixtures_dir();
    for kind in ["honest", "broken", "cheating"] {
        for entry in std::fs::read_dir(dir.join(kind)).unwrap() {
            let file = format!("{kind}/{}", entry.unwrap().file_name().to_string_lossy());
            assert!(
                fixtures.iter().any(|f| f.candidate == file),
                "{file} has no manifest entry"
            );
        }
    }
    let mut names = std::collections::HashSet::new();
    for f in &fixtures {
        assert!(names.insert(&f.name), "{} twice", f.name);
        assert!(dir.join(&f.problem).is_file(), "{}: {}", f.name, f.problem);
        assert!(
            dir.join(&f.candidate).is_file(),
            "{}: {}",
            f.name,
            f.candidate
        );
        if f.verdict == "rejected" {
            let rule = f
                .rule
                .as_deref()
                .unwrap_or_else(|| panic!("{}: no rule", f.name));
            assert!(
                rule.parse::<lathe_core::Rule>().is_ok(),
                "{}: rule {rule}",
                f.name
            );
        }
    }
    let rows: std::collections::HashSet<u32> = fixtures
        .iter()
        .filter(|f| f.candidate.starts_with("cheating/"))
        .filter_map(|f| f.row)
        .collect();
    assert!(
        rows.len() >= 10,
        "cheating fixtures cover integrity rows {rows:?}"
    );
}

#[test]
fn every_fixture_gets_its_declared_verdict_under_the_interpreter() {
    let Some(python) = common::worker_python("the fixture corpus") else {
        return;
    };
    let fixtures: Vec<Fixture> = manifest()
        .into_iter()
        .filter(|f| f.devices.iter().any(|d| d == "interpret"))
        .collect();
    let cache = tempfile::tempdir().unwrap();
    let failures = Mutex::new(Vec::new());
    let queue = Mutex::new(fixtures.clone());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(fixture) = { queue.lock().unwrap().pop() } {
                    if let Err(why) = judge(&fixture, &python, cache.path(), &[]) {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {why}", fixture.name));
                    }
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures missed their verdict:\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n")
    );
}

/// The fixtures a lean judge (worker/lathe_worker/evaluate.py, `Evaluation.lean`) must judge as
/// the usual one does: honest kernels, and the cheats that lean judging touches (the runner's
/// old input sets, the first seed's tensors given up, the reference computed before each call,
/// the first call's outputs kept in host memory, tolerances decided before any candidate runs,
/// a second shape the problem itself cannot run).
const LEAN: [&str; 14] = [
    "honest_add_relu",
    "honest_seed2_fused_elementwise",
    "honest_preallocated_output",
    "honest_relu_nonnegative_inputs",
    "honest_mse_scalar_loss",
    "honest_hinge_broadcast",
    "broken_autotune_inplace",
    "cheat_result_cache",
    "cheat_allocator_reuse",
    "cheat_sampled_value_cache",
    "cheat_input_mutation",
    "cheat_ghost_kernel",
    "cheat_nondeterministic",
    "cheat_near_identity_passthrough",
];

#[test]
fn a_lean_judge_reaches_the_same_verdicts() {
    let Some(python) = common::worker_python("lean judging") else {
        return;
    };
    let fixtures: Vec<Fixture> = manifest()
        .into_iter()
        .filter(|f| LEAN.contains(&f.name.as_str()))
        .collect();
    assert_eq!(
        fixtures.len(),
        LEAN.len(),
        "every lean fixture is in the manifest"
    );
    let cache = tempfile::tempdir().unwrap();
    // A GPU of a few kilobytes, as the judge plans: every problem is large beside it.
    let lean = [("LATHE_GPU_MEMORY_GB", "0.000001")];
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = fixtures
            .chunks(fixtures.len().div_ceil(2))
            .map(|part| {
                let (python, cache) = (&python, cache.path());
                scope.spawn(move || {
                    part.iter()
                        .filter_map(|f| {
                            judge(f, python, cache, &lean)
                                .err()
                                .map(|why| format!("{}: {why}", f.name))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `lathe eval` of fixture `f` under the interpreter, `env` added to lathe's environment: its
/// verdict, exit code, rule, reason and phase as declared. With `env`, the verdict's notes must
/// also say it was judged lean.
fn judge(f: &Fixture, python: &Path, cache: &Path, env: &[(&str, &str)]) -> Result<(), String> {
    let dir = fixtures_dir();
    let problem = dir.join(&f.problem);
    let candidate = dir.join(&f.candidate);
    let timeout = if f.verdict == "timeout" { "15" } else { "240" };
    let mut args: Vec<String> = vec![
        "eval".into(),
        "--problem".into(),
        problem.display().to_string(),
        "--kernel".into(),
        candidate.display().to_string(),
        "--device".into(),
        "interpret".into(),
        "--json".into(),
        "--python".into(),
        python.display().to_string(),
        "--timeout".into(),
        timeout.into(),
        "--memory-limit-gb".into(),
        f.memory_limit_gb.unwrap_or(4.0).to_string(),
    ];
    if let Some(policy) = &f.policy {
        args.extend(["--policy".into(), policy.clone()]);
    }
    for (name, value) in &f.overrides {
        args.extend(["--set".into(), format!("{name}={value}")]);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_lathe"))
        .args(&args)
        .env("LATHE_CACHE_DIR", cache)
        .envs(env.iter().copied())
        .env_remove("LATHE_CONFIG")
        .current_dir(cache)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let json: serde_json::Value = serde_json::from_str(&stdout).map_err(|e| {
        format!(
            "no JSON ({e}); exit {:?}; stderr: {stderr}",
            output.status.code()
        )
    })?;
    let got = json["verdict"].as_str().unwrap_or("?");
    let describe = || {
        let detail = [
            "rule",
            "reason",
            "evidence",
            "message",
            "exception",
            "phase",
        ]
        .iter()
        .filter_map(|k| json.get(*k).map(|v| format!("{k}={v}")))
        .collect::<Vec<_>>()
        .join(", ");
        format!("got {got} ({detail})")
    };
    if got != f.verdict {
        return Err(format!("expected {}, {}", f.verdict, describe()));
    }
    if !env.is_empty() && f.verdict == "correct" && !stdout.contains("lean judging") {
        return Err(format!("not judged lean: {stdout}"));
    }
    let expected_code = if f.verdict == "correct" { 0 } else { 4 };
    if output.status.code() != Some(expected_code) {
        return Err(format!(
            "exit code {:?}, expected {expected_code}",
            output.status.code()
        ));
    }
    if let Some(rule) = &f.rule
        && json["rule"].as_str() != Some(rule)
    {
        return Err(format!("expected rule {rule}, {}", describe()));
    }
    if let Some(found_statically) = f.found_statically
        && json.get("static").and_then(|v| v.as_bool()) != Some(found_statically)
    {
        return Err(format!(
            "expected static={found_statically}, {}",
            describe()
        ));
    }
    if let Some(reason) = &f.reason
        && json["reason"].as_str() != Some(reason)
    {
        return Err(format!("expected reason {reason}, {}", describe()));
    }
    if let Some(phase) = &f.phase
        && json["phase"].as_str() != Some(phase)
    {
        return Err(format!("expected phase {phase}, {}", describe()));
    }
    Ok(())
}
