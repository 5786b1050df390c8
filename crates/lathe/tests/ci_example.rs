//! The bundled CI example, `examples/ci/add_relu/`: every written reply in `replies/` gets the
//! outcome `replies/manifest.toml` declares for it, through the real binary and a real worker
//! under Triton's CPU interpreter. The optimization loop's CI run consumes these replies in order
//! and can only end well if each one means what the manifest says: `lathe ask` turns the reply
//! into code (or refuses it), `lathe eval` judges the code, and the correct ones are slower or
//! faster than the starting `kernel.py` by more than 2x of CPU-interpreter time.
//!
//! The worker half needs a Python with torch and triton, found and required as in `cli_eval.rs`.

mod common;

use std::path::Path;

use common::{Run, Sandbox};
use serde::Deserialize;

/// How much faster or slower than `kernel.py` a correct reply must run, at least.
const SPEED_FACTOR: f64 = 2.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    file: String,
    outcome: String,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    speed: Option<String>,
    #[serde(default)]
    think: bool,
    #[allow(dead_code, reason = "documentation for people reading the manifest")]
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    reply: Vec<Entry>,
}

fn manifest() -> Vec<Entry> {
    let text =
        std::fs::read_to_string(common::ci_example_dir().join("replies/manifest.toml")).unwrap();
    toml::from_str::<Manifest>(&text).unwrap().reply
}

fn reply_text(entry: &Entry) -> String {
    std::fs::read_to_string(common::ci_example_dir().join("replies").join(&entry.file)).unwrap()
}

#[test]
fn the_manifest_declares_every_reply_in_serving_order() {
    let entries = manifest();
    let mut on_disk: Vec<String> = std::fs::read_dir(common::ci_example_dir().join("replies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    on_disk.sort();
    let declared: Vec<String> = entries.iter().map(|e| e.file.clone()).collect();
    assert_eq!(
        declared, on_disk,
        "every reply once, in the order replay serves them"
    );
    for (index, entry) in entries.iter().enumerate() {
        assert_eq!(
            entry.file,
            format!("{:03}.md", index + 1),
            "numbered from 001"
        );
        match entry.outcome.as_str() {
            "no_code" | "compile_error" | "wrong" | "diagnosis" => {
                assert!(entry.rule.is_none() && entry.speed.is_none(), "{entry:?}");
            }
            "rejected" => assert!(entry.rule.is_some() && entry.speed.is_none(), "{entry:?}"),
            "correct" => assert!(
                entry.rule.is_none()
                    && matches!(
                        entry.speed.as_deref(),
                        Some("slower" | "faster" | "not_best")
                    ),
                "{entry:?}"
            ),
            other => panic!("{}: unknown outcome {other:?}", entry.file),
        }
        let text = reply_text(entry);
        assert_eq!(text.starts_with("<think>"), entry.think, "{}", entry.file);
    }
    let outcomes: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.outcome.as_str(), e.speed.as_deref()))
        .collect();
    for wanted in [
        ("no_code", None),
        ("compile_error", None),
        ("wrong", None),
        ("rejected", None),
        ("correct", Some("slower")),
        ("correct", Some("faster")),
    ] {
        assert!(outcomes.contains(&wanted), "no reply for {wanted:?}");
    }
}

/// `lathe ask` with this reply alone as the recording (numbered replies are served in order,
/// whatever the prompt), writing `cand.py` and `reasoning.txt` in the sandbox.
fn ask(sandbox: &Sandbox, entry: &Entry) -> Run {
    sandbox.write("replies/001.md", &reply_text(entry));
    sandbox.write("prompt.md", "Make the kernel faster.\n");
    sandbox.run(&[
        "ask",
        "--llm",
        "replay:replies",
        "--prompt",
        "prompt.md",
        "--out",
        "cand.py",
        "--reasoning-out",
        "reasoning.txt",
    ])
}

/// `lathe eval --json` of this kernel against the example's problem, under the interpreter with
/// interpreter timing: the verdict object.
fn eval(sandbox: &Sandbox, kernel: &Path, python: &Path) -> serde_json::Value {
    let problem = common::ci_example_dir()
        .join("problem.py")
        .display()
        .to_string();
    let kernel = kernel.display().to_string();
    let python = python.display().to_string();
    let run = sandbox.run(&[
        "eval",
        "--problem",
        &problem,
        "--kernel",
        &kernel,
        "--device",
        "interpret",
        "--interpreter-timing",
        "--trials",
        "2",
        "--json",
        "--python",
        &python,
    ]);
    assert!(
        matches!(run.code, 0 | 4),
        "a verdict, not an error: {}\n{}",
        run.stdout,
        run.stderr
    );
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn interpreter_ms(verdict: &serde_json::Value) -> f64 {
    assert_eq!(verdict["verdict"], "correct", "{verdict}");
    assert!(verdict["timing"].is_null(), "never GPU timing: {verdict}");
    verdict["interpreter_timing"]["candidate_ms"]["median"]
        .as_f64()
        .unwrap_or_else(|| panic!("no interpreter time: {verdict}"))
}

/// One test, so that the evaluations run one at a time: interpreter timings taken while another
/// evaluation competes for the CPU would mean little.
#[test]
fn every_reply_gets_its_declared_outcome() {
    const TEST: &str = "every_reply_gets_its_declared_outcome";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let baseline = eval(
        &Sandbox::new(),
        &common::ci_example_dir().join("kernel.py"),
        &python,
    );
    let baseline_ms = interpreter_ms(&baseline);
    let mut fastest_ms = f64::INFINITY;

    for entry in manifest() {
        let sandbox = Sandbox::new();
        let run = ask(&sandbox, &entry);
        let reasoning = std::fs::read_to_string(sandbox.path().join("reasoning.txt")).unwrap();
        if entry.think {
            assert!(
                reasoning.contains("```python"),
                "{}: the draft stays in the reasoning: {reasoning}",
                entry.file
            );
        } else {
            assert_eq!(reasoning, "", "{}", entry.file);
        }
        if entry.outcome == "diagnosis" {
            assert_eq!(
                run.code, 4,
                "{}: an analyst's reply has no code",
                entry.file
            );
            let json = lathe_llm::extract_json(&reply_text(&entry))
                .unwrap_or_else(|e| panic!("{}: {e}", entry.file));
            for field in ["critical_issue", "why_it_matters", "minimal_fix_hint"] {
                assert!(
                    json[field].is_string(),
                    "{}: no {field}: {json}",
                    entry.file
                );
            }
            continue;
        }
        if entry.outcome == "no_code" {
            assert_eq!(run.code, 4, "{}: {}", entry.file, run.stderr);
            assert!(run.stderr.contains("holds no code"), "{}", run.stderr);
            assert!(!sandbox.path().join("cand.py").exists(), "{}", entry.file);
            continue;
        }
        assert_eq!(run.code, 0, "{}: {}", entry.file, run.stderr);
        let code = std::fs::read_to_string(sandbox.path().join("cand.py")).unwrap();
        assert!(code.contains("class ModelNew"), "{}: {code}", entry.file);
        if entry.think {
            assert!(
                !code.contains("<think>") && !reasoning.contains(code.trim()),
                "{}: the answer's code, not the draft: {code}",
                entry.file
            );
        }

        let verdict = eval(&sandbox, &sandbox.path().join("cand.py"), &python);
        assert_eq!(
            verdict["verdict"].as_str(),
            Some(entry.outcome.as_str()),
            "{}: {verdict}",
            entry.file
        );
        if let Some(rule) = &entry.rule {
            assert_eq!(verdict["rule"].as_str(), Some(rule.as_str()), "{verdict}");
        }
        if let Some(speed) = &entry.speed {
            let ms = interpreter_ms(&verdict);
            let ratio = ms / baseline_ms;
            if speed == "faster" {
                fastest_ms = fastest_ms.min(ms);
            }
            // The repairs come after the faster reply in the manifest.
            let (holds, wanted) = match speed.as_str() {
                "slower" => (ratio > SPEED_FACTOR, "slower than kernel.py"),
                "not_best" => (
                    ms > fastest_ms * SPEED_FACTOR,
                    "slower than the faster reply",
                ),
                _ => (ratio < 1.0 / SPEED_FACTOR, "faster than kernel.py"),
            };
            assert!(
                holds,
                "{}: {ms} ms (kernel.py {baseline_ms} ms, fastest reply {fastest_ms} ms) is not {SPEED_FACTOR}x {wanted}",
                entry.file
            );
        }
    }
}
