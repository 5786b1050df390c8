//! The loop against a judge double: no Python, no torch, no GPU, so these run wherever the
//! workspace builds. The double (`MarkedJudge`) reads the verdict each kernel declares in a
//! marker line (`# judge: correct 4.0`); the model is a replay of numbered replies written
//! here. What is tested is the engine around the judge: which candidates it judges, in which
//! order, what it keeps, what it records, and that a resume judges nothing twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lathe_core::{Backend, Category, GpuCatalog, Policy, Verdict};
use lathe_engine::{
    Budgets, Candidate, EngineError, Ground, Judge, JudgeSettings, Judgment, Parts, Plan, RunEnd,
    TlSource,
};
use lathe_llm::replay::ReplayProvider;
use lathe_llm::{LlmConfig, Request};
use lathe_profile::{ClockControl, ProfileConfig};
use lathe_store::{Evaluation, RunId, RunStatus, Store, Timestamp};
use lathe_worker::driver::WorkerConfig;
use lathe_worker::protocol::{CorrectnessConfig, Device, Limits, TimingConfig, WarmupConfig};
use serde_json::json;

const STAGE: &str = "grid_and_parallel";

/// Judges by the kernel's `# judge: VERDICT [MS]` line, and remembers every source it judged.
#[derive(Default)]
struct MarkedJudge {
    judged: Mutex<Vec<String>>,
}

impl MarkedJudge {
    fn judged(&self) -> Vec<String> {
        self.judged.lock().unwrap().clone()
    }
}

impl Judge for MarkedJudge {
    fn judge(
        &self,
        candidate: &Candidate<'_>,
        on_phase: &mut dyn FnMut(&str),
    ) -> Result<Judgment, EngineError> {
        let marker = candidate
            .source
            .lines()
            .find_map(|line| line.strip_prefix("# judge: "))
            .unwrap_or_else(|| panic!("no marker in {}", candidate.source));
        self.judged.lock().unwrap().push(marker.to_owned());
        on_phase("correctness");
        let mut words = marker.split_whitespace();
        let verdict = match (words.next(), words.next()) {
            (Some("correct"), Some(ms)) => correct(ms.parse().unwrap()),
            (Some("wrong"), None) => json!({
                "kind": "wrong",
                "reason": "values",
                "trials": [{"trial": 1, "outputs": [{"output": 0, "max_abs": 0.5, "max_rel": 1.0}]}],
                "phase": "correctness",
            }),
            (Some("compile_error"), None) => json!({
                "kind": "compile_error",
                "message": "arange's range must be a power of 2",
                "traceback_tail": "ValueError: arange's range must be a power of 2",
                "phase": "first_call",
            }),
            other => panic!("unknown marker {other:?}"),
        };
        Ok(Judgment {
            evaluation: Evaluation {
                verdict: serde_json::from_value::<Verdict>(verdict).unwrap(),
                eval_seconds: 0.5,
                interpreter_ms: None,
            },
            checks: lathe_check::check(candidate.source, candidate.backend, Policy::default()),
            worker: None,
        })
    }
}

/// A correct verdict timed at `ms` on a GPU, with a 2% spread.
fn correct(ms: f64) -> serde_json::Value {
    let stats = |median: f64| {
        json!({"median_ms": median, "iqr_ms": median / 50.0, "min_ms": median * 0.98,
               "mean_ms": median, "runs": 100})
    };
    json!({
        "kind": "correct",
        "trials": [{"trial": 0, "seed": 42, "outputs": [{"output": 0, "max_abs": 0.0}]}],
        "timing": {
            "candidate": stats(ms),
            "eager": stats(10.0),
            "speedup_vs_eager": 10.0 / ms,
        },
    })
}

/// A kernel whose verdict is `marker`.
fn kernel(marker: &str) -> String {
    format!(
        "# judge: {marker}\nimport torch\n\n\nclass ModelNew(torch.nn.Module):\n    def forward(self, a, b):\n        return torch.relu(a + b)\n"
    )
}

/// A reply holding `kernel(marker)`.
fn reply(marker: &str) -> String {
    format!("Here it is.\n\n```python\n{}```\n", kernel(marker))
}

const DIAGNOSIS: &str = "```json\n{\"critical_issue\": \"the range of tl.arange is 300\", \
    \"why_it_matters\": \"it does not compile\", \"minimal_fix_hint\": \"use a power of two\"}\n```\n";

/// The problem, the starting kernel (10 ms) and the replies, in the order the loop asks: the
/// stage's three samples, then the analyst's diagnosis and the repair of the one that failed.
fn workspace(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let problem = dir.join("problem.py");
    std::fs::write(
        &problem,
        "import torch\n\n\nclass Model(torch.nn.Module):\n    def forward(self, a, b):\n        return torch.relu(a + b)\n\n\ndef get_inputs():\n    return [torch.rand(4), torch.rand(4)]\n\n\ndef get_init_inputs():\n    return []\n",
    )
    .unwrap();
    let start = dir.join("kernel.py");
    std::fs::write(&start, kernel("correct 10.0")).unwrap();
    let replies = dir.join("replies");
    std::fs::create_dir_all(&replies).unwrap();
    for (n, text) in [
        reply("compile_error"),
        reply("correct 4.0"),
        reply("correct 8.0"),
        DIAGNOSIS.to_owned(),
        reply("correct 6.0"),
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(replies.join(format!("{:03}.md", n + 1)), text).unwrap();
    }
    (problem, start, replies)
}

fn plan(dir: &Path, problem: PathBuf, kernel: PathBuf) -> Plan {
    Plan {
        problem,
        kernel: Some(kernel),
        category: Category::Fusion,
        backend: Backend::Triton,
        device: Device::Cuda,
        gpu: Some("H100".to_owned()),
        stages: vec![STAGE.to_owned()],
        samples: 3,
        repair_rounds: 1,
        start_repair_rounds: 1,
        margin_pct: None,
        budgets: Budgets::default(),
        tl: TlSource::Seeds,
        profile: false,
        tune_after_stages: false,
        tune_budget: 0,
        out_dir: dir.join("run"),
    }
}

/// Parts whose worker cannot run (a Python that does not exist): only the double judges.
fn parts(replies: &Path, judge: Arc<MarkedJudge>) -> Parts {
    // A replay reads no key and no URL: the environment's settings are as good as any.
    let config = LlmConfig::from_env();
    let worker = WorkerConfig {
        python: "/nonexistent/python".into(),
        cache_dir: "/nonexistent/cache".into(),
        scratch_root: None,
        wall_limit: Duration::from_secs(1),
        grace: Duration::from_secs(1),
        memory_limit: None,
        tail_bytes: 100,
        gpu: None,
        prestart: Default::default(),
        cluster: None,
    };
    let catalog = GpuCatalog::embedded();
    Parts {
        provider: Some(Box::new(ReplayProvider::open(replies, &config).unwrap())),
        request: Request {
            prompt: String::new(),
            system: None,
            max_tokens: 1000,
            temperature: None,
            stream: false,
        },
        parallel_calls: false,
        worker: worker.clone(),
        devices: None,
        judge: JudgeSettings {
            device: Device::Cuda,
            overrides: Default::default(),
            correctness: CorrectnessConfig::default(),
            timing: TimingConfig::default(),
            policy: Policy::default(),
            limits: Limits::default(),
        },
        judging: Some(judge),
        profile: ProfileConfig {
            worker,
            ncu: None,
            launch_count: 1,
            clock_control: ClockControl::Base,
            warmup: WarmupConfig::default(),
            seed: 0,
            device: Device::Cuda,
        },
        gpu: Some(catalog.lookup("H100").unwrap().clone()),
        catalog,
        style: Default::default(),
        error_log_lines: 50,
    }
}

/// Runs (or, on a run that exists, resumes) `plan` with the double, returning its end and the
/// keys the store holds with each verdict's kind.
fn run(
    store: &Store,
    id: &RunId,
    plan: &Plan,
    parts: &Parts,
    create: bool,
) -> (RunEnd, Vec<(String, String)>) {
    let ground = Ground::assumed(parts.gpu.clone().unwrap());
    if create {
        lathe_engine::create_run(store, id, plan, &parts.model_name(), &ground).unwrap();
    }
    let end = lathe_engine::run(store, id, plan, parts, Some(ground), &mut |_| {}).unwrap();
    let attempts = store
        .attempts(id)
        .unwrap()
        .into_iter()
        .map(|a| {
            let outcome = a.evaluation.map_or_else(
                || "none".to_owned(),
                |e| e.verdict.kind().as_str().to_owned(),
            );
            (a.key.to_string(), outcome)
        })
        .collect();
    (end, attempts)
}

#[test]
fn the_loop_judges_each_candidate_once_keeps_the_fastest_and_a_resume_judges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (problem, start, replies) = workspace(dir.path());
    let plan = plan(dir.path(), problem, start);
    let store = Store::open(dir.path().join("lathe.db")).unwrap();
    let id = RunId::new(Timestamp::now());

    let judge = Arc::new(MarkedJudge::default());
    let (end, attempts) = run(&store, &id, &plan, &parts(&replies, judge.clone()), true);
    assert_eq!(end.status, RunStatus::Finished);
    assert_eq!(end.best_speed.map(|s| s.ms), Some(4.0));
    let best = std::fs::read_to_string(end.best.unwrap()).unwrap();
    assert!(best.contains("# judge: correct 4.0"), "{best}");
    // The starting kernel, the three samples and the repair; the analyst's diagnosis has no
    // code and is never judged.
    assert_eq!(
        judge.judged(),
        [
            "correct 10.0",
            "compile_error",
            "correct 4.0",
            "correct 8.0",
            "correct 6.0"
        ]
    );
    let stage = |rest: &str| format!("stage:{STAGE}/{rest}");
    assert_eq!(
        attempts,
        [
            (stage("s0"), "compile_error".to_owned()),
            (stage("s1"), "correct".to_owned()),
            (stage("s2"), "correct".to_owned()),
            (stage("s0/repair1/analyst"), "none".to_owned()),
            (stage("s0/repair1"), "correct".to_owned()),
        ]
    );

    // Run again over the same record: every verdict, the starting kernel's too, comes from the
    // store, and every reply (the replay marks them served), so nothing is judged again.
    let again = Arc::new(MarkedJudge::default());
    let (end, resumed) = run(&store, &id, &plan, &parts(&replies, again.clone()), false);
    assert_eq!(end.status, RunStatus::Finished);
    assert_eq!(end.best_speed.map(|s| s.ms), Some(4.0));
    assert_eq!(again.judged(), Vec::<String>::new());
    assert_eq!(resumed, attempts);
}

#[test]
fn a_starting_kernel_that_is_wrong_is_repaired_before_any_stage() {
    let dir = tempfile::tempdir().unwrap();
    let (problem, start, replies) = workspace(dir.path());
    std::fs::write(&start, kernel("wrong")).unwrap();
    // The analyst, then the repair of the starting kernel; then the stage as before.
    let served = [
        DIAGNOSIS.to_owned(),
        reply("correct 9.0"),
        reply("correct 20.0"),
        reply("correct 3.0"),
        reply("wrong"),
    ];
    for (n, text) in served.iter().enumerate() {
        std::fs::write(replies.join(format!("{:03}.md", n + 1)), text).unwrap();
    }
    let plan = Plan {
        repair_rounds: 0,
        ..plan(dir.path(), problem, start)
    };
    let store = Store::open(dir.path().join("lathe.db")).unwrap();
    let id = RunId::new(Timestamp::now());
    let judge = Arc::new(MarkedJudge::default());
    let (end, attempts) = run(&store, &id, &plan, &parts(&replies, judge.clone()), true);
    assert_eq!(end.status, RunStatus::Finished);
    assert_eq!(end.best_speed.map(|s| s.ms), Some(3.0));
    assert_eq!(
        judge.judged(),
        [
            "wrong",
            "correct 9.0",
            "correct 20.0",
            "correct 3.0",
            "wrong"
        ]
    );
    let keys: Vec<&str> = attempts.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "start/repair1/analyst",
            "start/repair1",
            "stage:grid_and_parallel/s0",
            "stage:grid_and_parallel/s1",
            "stage:grid_and_parallel/s2",
        ]
    );
}

/// Times a kernel by its `BLOCK` constant: fastest at 256, slower the further from it (one ms
/// per doubling or halving), so a search must walk up from 32 and stop there.
#[derive(Default)]
struct BlockJudge {
    judged: Mutex<Vec<u64>>,
}

impl Judge for BlockJudge {
    fn judge(
        &self,
        candidate: &Candidate<'_>,
        _on_phase: &mut dyn FnMut(&str),
    ) -> Result<Judgment, EngineError> {
        assert!(candidate.path.is_file(), "the judged source is on disk");
        let block: u64 = candidate
            .source
            .lines()
            .find_map(|line| line.strip_prefix("BLOCK = "))
            .and_then(|value| value.trim().parse().ok())
            .expect("a BLOCK constant");
        self.judged.lock().unwrap().push(block);
        let distance = (block as f64).log2() - 8.0;
        let verdict = correct(1.0 + distance.abs());
        Ok(Judgment {
            evaluation: Evaluation {
                verdict: serde_json::from_value::<Verdict>(verdict).unwrap(),
                eval_seconds: 0.1,
                interpreter_ms: None,
            },
            checks: lathe_check::check(candidate.source, candidate.backend, Policy::default()),
            worker: None,
        })
    }
}

#[test]
fn tune_kernel_walks_the_block_to_its_best_judging_each_variant_once() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/ci/add_relu");
    let source = std::fs::read_to_string(example.join("kernel.py")).unwrap();
    let stage = lathe_core::StageLibrary::embedded()
        .lookup(Category::Fusion, STAGE)
        .unwrap();
    let judge = BlockJudge::default();
    let mut heard = Vec::new();
    let scratch = dir.path().join("variants");
    let ended = lathe_engine::tune_kernel(
        &judge,
        lathe_engine::KernelToTune {
            problem: &example.join("problem.py"),
            source: &source,
            backend: Backend::Triton,
            scratch: &scratch,
        },
        lathe_tune::Plan {
            stages: &[stage],
            margin_pct: None,
            budget: lathe_tune::Budget::default(),
        },
        BTreeMap::new,
        &mut |label, evaluation, _| heard.push((label.to_owned(), evaluation.verdict.is_correct())),
    )
    .unwrap();
    let lathe_engine::TuningEnd::Tuned { start, tuned, .. } = ended else {
        panic!("not tuned: {ended:?}");
    };
    assert_eq!(start.ms, 4.0, "BLOCK 32 is three doublings from 256");
    assert_eq!(tuned.best.ms, 1.0);
    assert_eq!(tuned.changes, [("BLOCK".to_owned(), 32, 256)]);
    assert!(tuned.source.contains("\nBLOCK = 256\n"));
    let judged = judge.judged.lock().unwrap().clone();
    let mut once = judged.clone();
    once.sort_unstable();
    once.dedup();
    assert_eq!(
        once.len(),
        judged.len(),
        "no BLOCK judged twice: {judged:?}"
    );
    assert_eq!(&judged[..5], [32, 64, 128, 256, 512], "{judged:?}");
    assert_eq!(heard[0], ("the kernel as given".to_owned(), true));
    assert_eq!(heard[1].0, "BLOCK 32 → 64");
    assert_eq!(heard.len(), judged.len());
}

#[test]
fn tune_kernel_tunes_nothing_without_constants_or_from_a_wrong_kernel() {
    let dir = tempfile::tempdir().unwrap();
    let problem = dir.path().join("problem.py");
    let stages: [&lathe_core::Stage; 0] = [];
    let plan = lathe_tune::Plan {
        stages: &stages,
        margin_pct: None,
        budget: lathe_tune::Budget::default(),
    };
    let kernel = |source| lathe_engine::KernelToTune {
        problem: &problem,
        source,
        backend: Backend::Triton,
        scratch: dir.path(),
    };
    let judge = MarkedJudge::default();
    let none = kernel("# judge: correct 1.0\nimport torch\n");
    let ended = lathe_engine::tune_kernel(&judge, none, plan, BTreeMap::new, &mut |_, _, _| {});
    assert!(matches!(ended, Ok(lathe_engine::TuningEnd::NothingToTune)));
    assert!(judge.judged().is_empty(), "nothing to tune is never judged");

    let wrong = "# judge: wrong\nBLOCK = 32\n";
    let ended = lathe_engine::tune_kernel(
        &judge,
        kernel(wrong),
        plan,
        BTreeMap::new,
        &mut |_, _, _| {},
    );
    assert!(
        matches!(&ended, Ok(lathe_engine::TuningEnd::NotCorrect { verdict }) if !verdict.is_correct()),
        "{ended:?}"
    );
    assert_eq!(judge.judged(), ["wrong"]);
}
