//! `lathe profile` and `lathe prompt --profile` through the real binary and a real worker (under
//! Triton's interpreter), with a fake Nsight Compute where ncu would be: tests/data/fake_ncu/ncu,
//! a shell script that answers as ncu 2025.3.1 did on an H100 and writes a capture written by
//! hand (tests/data/fake_ncu/README.md). What is tested is everything around ncu: finding it,
//! checking metric names before asking for them, the command line, the environment it gets, the
//! block the prompt shows, and each way profiling can be unavailable with its exit code.
//!
//! Tests that run the worker need a Python with torch and triton, found as the fixture corpus
//! finds it (`LATHE_TEST_PYTHON`; skipped without one, unless `CI` or `LATHE_REQUIRE_WORKER` is
//! set: then they fail).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Run, Sandbox, worker_python};
use serde_json::{Value, json};

/// The fusion category's first stage (grid_and_parallel) over `add_relu_raw.csv`: the stage's
/// metrics in the stage's order (the capture's columns are alphabetical, as ncu writes them),
/// the count as an integer, percentages as Python writes them (`50` becomes `50.0`, `12.50`
/// becomes `12.5`). `lts__t_sector_hit_rate.pct` is absent from the capture, so it is absent
/// here too: shown as 0 it would tell the model the L2 never hits.
const BLOCK: &str = r#"{
  "_add_relu_kernel": {
    "sm__throughput.avg.pct_of_peak_sustained_elapsed": 1.07,
    "launch__grid_size": 4,
    "sm__warps_active.avg.pct_of_peak_sustained_active": 12.5,
    "dram__throughput.avg.pct_of_peak_sustained_elapsed": 50.0
  }
}"#;

const ABSENT: &str = "lts__t_sector_hit_rate.pct";
const FILL_KERNEL: &str = "void at::vectorized_elementwise_kernel<4, at::FillFunctor<float>, std::array<char *, 1>>(int, T2, T3)";
/// A library kernel whose name merely starts with the candidate's: only exact names are its own.
const DECOY_KERNEL: &str = "_add_relu_kernel_v2";
const TYPO: &str = "sm__throughput.avg.pct_of_peak_sustained_elapse";

fn fake_ncu_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fake_ncu")
        .join(name)
}

fn fixture(relative: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/tests/fixtures")
        .join(relative)
        .display()
        .to_string()
}

fn text(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A sandbox whose `bin/` (first on PATH) holds the fake ncu in `mode`, writing `capture`, and
/// whose worker runs under Triton's interpreter with `python`. The script is copied and made
/// executable here, so the tests do not depend on the mode bits of a checkout.
fn fake_ncu_sandbox(python: &Path, mode: &str, capture: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().to_owned();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let ncu = dir.join("bin/ncu");
    std::fs::copy(fake_ncu_data("ncu"), &ncu).unwrap();
    std::fs::set_permissions(&ncu, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    sandbox
        .env("PATH", &path)
        .env("LATHE_PYTHON", text(python))
        .env("LATHE_DEVICE", "interpret")
        .env("LATHE_CACHE_DIR", text(&dir.join("cache")))
        .env("FAKE_NCU_KNOWN", text(&fake_ncu_data("known_metrics.txt")))
        .env("FAKE_NCU_CAPTURE", text(&fake_ncu_data(capture)))
        .env("FAKE_NCU_MODE", mode)
        .env("FAKE_NCU_CALLS", text(&dir.join("calls.txt")))
}

/// An interpreter that does not exist: for tests where lathe must stop before any worker runs.
const NO_PYTHON: &str = "/nonexistent/python3";

/// `lathe profile` of the honest add_relu candidate with the fusion category's stages.
fn profile(sandbox: &Sandbox, extra: &[&str]) -> Run {
    profile_candidate(sandbox, "honest/add_relu.py", extra)
}

fn profile_candidate(sandbox: &Sandbox, candidate: &str, extra: &[&str]) -> Run {
    let problem = fixture("problems/add_relu.py");
    let kernel = fixture(candidate);
    let mut args = vec![
        "profile",
        "--problem",
        &problem,
        "--kernel",
        &kernel,
        "--category",
        "fusion",
    ];
    args.extend_from_slice(extra);
    sandbox.run(&args)
}

/// The fake ncu's calls, one argument list a line.
fn calls(sandbox: &Sandbox) -> Vec<String> {
    std::fs::read_to_string(sandbox.path().join("calls.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn query_calls(sandbox: &Sandbox) -> usize {
    calls(sandbox)
        .iter()
        .filter(|c| c.starts_with("--query-metrics"))
        .count()
}

/// The calls that profile (the others ask for the version or the metric names).
fn profiling_calls(sandbox: &Sandbox) -> Vec<String> {
    calls(sandbox)
        .into_iter()
        .filter(|c| c.split_whitespace().any(|a| a == "--log-file"))
        .collect()
}

/// The value of `--metrics` in a call, split at its commas.
fn metrics_argument(call: &str) -> Vec<String> {
    let args: Vec<&str> = call.split_whitespace().collect();
    let at = args
        .iter()
        .position(|a| *a == "--metrics")
        .unwrap_or_else(|| panic!("no --metrics in {call}"));
    args[at + 1].split(',').map(str::to_owned).collect()
}

/// Whether `flag` is directly followed by a value that `value` accepts.
fn has_option(command: &[&str], flag: &str, value: impl Fn(&str) -> bool) -> bool {
    command.windows(2).any(|w| w[0] == flag && value(w[1]))
}

#[test]
fn a_profile_shows_the_candidates_own_kernel_as_the_prompt_will() {
    let Some(python) = worker_python("a_profile_shows_the_candidates_own_kernel") else {
        return;
    };
    let sandbox = fake_ncu_sandbox(&python, "ok", "add_relu_raw.csv");

    // The fake is found on PATH: neither --ncu nor LATHE_NCU is given.
    let run = profile(&sandbox, &["--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let record: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(record["block"], BLOCK);
    assert_eq!(record["stage"], "fusion/grid_and_parallel");
    assert_eq!(record["gpu"], "NVIDIA H100 80GB HBM3");
    assert_eq!(record["metrics_validated"], true);
    assert_eq!(record["unknown_metrics"], json!([]));
    let own = record["kernels"].as_array().unwrap();
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["name"], "_add_relu_kernel");
    assert_eq!(own[0]["launches"], 1);
    let library: Vec<&str> = record["library_kernels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    assert_eq!(library, [FILL_KERNEL, DECOY_KERNEL]);
    assert_eq!(
        record["region"]["region_launches"],
        json!({"_add_relu_kernel": 1})
    );
    let missing = record["missing"].as_array().unwrap();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(
        (&missing[0]["kernel"], &missing[0]["metric"]),
        (&json!("_add_relu_kernel"), &json!(ABSENT))
    );
    assert!(
        missing[0]["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{missing:?}"
    );
    // Nothing about the capture is worth a note: the worker counted the one launch it holds.
    assert_eq!(record["notes"], json!([]));

    // The command line, for reproducing the capture by hand, is the one the fake was given.
    let command: Vec<&str> = record["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(
        has_option(&command, "--profile-from-start", |v| v == "off"),
        "{command:?}"
    );
    assert!(
        has_option(&command, "--target-processes", |v| v == "all"),
        "{command:?}"
    );
    assert!(
        has_option(&command, "--launch-count", |v| v.parse::<u32>().is_ok()),
        "{command:?}"
    );
    assert!(
        has_option(&command, "--log-file", |v| !v.is_empty()),
        "{command:?}"
    );
    let profiled = profiling_calls(&sandbox);
    assert_eq!(profiled.len(), 1, "{profiled:?}");
    assert!(
        profiled[0].starts_with(&command[1..].join(" ")),
        "{profiled:?}"
    );
    // The stage's metrics and the duration (for the kernel list), each asked for once.
    assert_eq!(
        metrics_argument(&profiled[0]),
        [
            "sm__throughput.avg.pct_of_peak_sustained_elapsed",
            "launch__grid_size",
            "sm__warps_active.avg.pct_of_peak_sustained_active",
            "dram__throughput.avg.pct_of_peak_sustained_elapsed",
            ABSENT,
            "gpu__time_duration.sum",
        ]
    );
    assert_eq!(query_calls(&sandbox), 1, "{:?}", calls(&sandbox));

    // The same profile as text, with the library kernels listed; the metric names now come from
    // the cache the first run left.
    let run = profile(&sandbox, &["--all-kernels"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "[NCU PROFILING METRICS] as the prompt shows them:\n{BLOCK}\n\n"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("candidate's kernels (median over launches): _add_relu_kernel ×1\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("not collected:\n  _add_relu_kernel  {ABSENT}: ")),
        "{}",
        run.stdout
    );
    let table = &run.stdout[run.stdout.find("library kernels:\n").expect(&run.stdout)..];
    let row = |start: &str| {
        table
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no row for {start} in\n{table}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Durations are the capture's nanoseconds (with ncu's thousands separators) in microseconds.
    assert!(row(DECOY_KERNEL).ends_with(" 1 3.1 µs"), "{table}");
    assert!(
        row("void at::vectorized_elementwise_kernel<4, at::FillFunctor<float>")
            .ends_with(" 1 1.9 µs"),
        "{table}"
    );
    assert_eq!(query_calls(&sandbox), 1, "{:?}", calls(&sandbox));
    assert_eq!(profiling_calls(&sandbox).len(), 2);
    let cached: Vec<_> = std::fs::read_dir(sandbox.path().join("cache/ncu"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("metrics-") && name.ends_with(".json"))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
}

#[test]
fn unknown_metric_names_are_never_asked_for_and_get_a_suggestion() {
    let Some(python) = worker_python("unknown_metric_names_are_never_asked_for") else {
        return;
    };
    let sandbox = fake_ncu_sandbox(&python, "ok", "add_relu_raw.csv");
    let ncu = sandbox.path().join("bin/ncu");
    let known = "sm__throughput.avg.pct_of_peak_sustained_elapsed";
    let run = profile(
        &sandbox,
        &[
            "--metrics",
            &format!("{known},{TYPO}"),
            "--ncu",
            text(&ncu),
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let record: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        record["unknown_metrics"],
        json!([{"metric": TYPO, "suggestion": known}])
    );
    let missing = record["missing"].as_array().unwrap();
    assert!(
        missing
            .iter()
            .any(|m| m["metric"] == TYPO && m["reason"].as_str().unwrap().contains(known)),
        "{missing:?}"
    );
    assert_eq!(
        record["block"],
        "{\n  \"_add_relu_kernel\": {\n    \"sm__throughput.avg.pct_of_peak_sustained_elapsed\": 1.07\n  }\n}"
    );
    // ncu drops a name it does not know without a word; lathe must not even ask.
    let profiled = profiling_calls(&sandbox);
    assert_eq!(profiled.len(), 1, "{profiled:?}");
    assert_eq!(
        metrics_argument(&profiled[0]),
        [known, "gpu__time_duration.sum"]
    );

    // Nothing left to collect: bad input, and no worker runs.
    let sandbox = fake_ncu_sandbox(Path::new(NO_PYTHON), "ok", "add_relu_raw.csv");
    let run = profile(
        &sandbox,
        &["--metrics", &format!("{TYPO},dram__thruput.avg.pct")],
    );
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(TYPO) && run.stderr.contains("dram__thruput.avg.pct"),
        "{}",
        run.stderr
    );
    assert!(
        profiling_calls(&sandbox).is_empty(),
        "{:?}",
        calls(&sandbox)
    );
}

#[test]
fn without_ncu_profiling_is_unavailable_and_says_how_to_name_it() {
    // ncu is on PATH here: a path given explicitly must not fall back to it.
    let sandbox = fake_ncu_sandbox(Path::new(NO_PYTHON), "ok", "add_relu_raw.csv");
    let run = profile(&sandbox, &["--ncu", "/nonexistent/ncu"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("/nonexistent/ncu"), "{}", run.stderr);
    assert!(
        run.stderr.contains("--ncu") && run.stderr.contains("LATHE_NCU"),
        "{}",
        run.stderr
    );
    assert!(calls(&sandbox).is_empty(), "{:?}", calls(&sandbox));

    let installed: Vec<&str> = ["/usr/local/cuda/bin/ncu", "/opt/nvidia/nsight-compute/ncu"]
        .into_iter()
        .filter(|p| Path::new(p).exists())
        .collect();
    if !installed.is_empty() {
        #[expect(clippy::print_stderr, reason = "a skipped case must be visible")]
        {
            eprintln!("skipping the search for ncu: this machine has {installed:?}");
        }
        return;
    }
    let sandbox = Sandbox::new();
    let empty = sandbox.path().join("empty-bin");
    std::fs::create_dir(&empty).unwrap();
    let sandbox = sandbox
        .env("PATH", text(&empty))
        .env("LATHE_PYTHON", NO_PYTHON);
    let run = profile(&sandbox, &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("ncu was not found"), "{}", run.stderr);
}

#[test]
fn no_permission_for_the_counters_is_unavailable_and_never_escalates() {
    let Some(python) = worker_python("no_permission_for_the_counters") else {
        return;
    };
    // As with the real ncu, the worker runs (unprofiled) and succeeds.
    let sandbox = fake_ncu_sandbox(&python, "noperm", "add_relu_raw.csv");
    let run = profile(&sandbox, &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("ERR_NVGPUCTRPERM"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("an administrator can allow every user to read the counters"),
        "{}",
        run.stderr
    );
    let calls = calls(&sandbox);
    assert_eq!(profiling_calls(&sandbox).len(), 1, "{calls:?}");
    assert!(!calls.iter().any(|c| c.contains("sudo")), "{calls:?}");
}

#[test]
fn a_profile_that_hangs_is_stopped_at_its_time_limit() {
    // The fake ncu sleeps instead of starting the worker.
    let sandbox = fake_ncu_sandbox(Path::new(NO_PYTHON), "hang", "add_relu_raw.csv");
    let started = Instant::now();
    let run = profile(&sandbox, &["--profile-timeout", "2"]);
    let took = started.elapsed();
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(took < Duration::from_secs(30), "took {took:?}");
    assert!(
        run.stderr.contains("profiling took longer than 2 s"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_candidate_that_fails_under_the_profiler_exits_4() {
    let Some(python) = worker_python("a_candidate_that_fails_under_the_profiler") else {
        return;
    };
    let sandbox = fake_ncu_sandbox(&python, "ok", "add_relu_raw.csv");
    let run = profile_candidate(&sandbox, "broken/python_exception.py", &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the candidate failed under the profiler"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn a_capture_without_the_candidates_kernels_is_unavailable() {
    let Some(python) = worker_python("a_capture_without_the_candidates_kernels") else {
        return;
    };
    // The decoy `_add_relu_kernel_v2` ran, which is not the candidate's kernel.
    let sandbox = fake_ncu_sandbox(&python, "ok", "library_only_raw.csv");
    let run = profile(&sandbox, &[]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("none of the candidate's kernels (_add_relu_kernel) ran"),
        "{}",
        run.stderr
    );
}

#[test]
fn api_keys_reach_neither_ncu_nor_the_worker() {
    let Some(python) = worker_python("api_keys_reach_neither_ncu_nor_the_worker") else {
        return;
    };
    let sandbox = fake_ncu_sandbox(&python, "ok", "add_relu_raw.csv");
    let dump = sandbox.path().join("env.txt");
    let sandbox = sandbox
        .env("FAKE_NCU_ENV_DUMP", text(&dump))
        .env("OPENAI_API_KEY", "sk-test-secret-123")
        .env("ANTHROPIC_API_KEY", "sk-ant-test-secret-456");
    let run = profile(&sandbox, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let env = std::fs::read_to_string(&dump).unwrap();
    // One environment per call: the version, the metric names, the profile (whose environment
    // the worker inherits).
    assert_eq!(env.matches("=== fake ncu ").count(), 3, "{env}");
    assert!(env.contains("\nTRITON_INTERPRET=1\n"), "{env}");
    assert!(
        !env.contains("sk-test-secret-123") && !env.contains("sk-ant-test-secret-456"),
        "{env}"
    );
}

#[test]
fn prompt_profile_shows_the_fresh_block_or_says_no_metrics() {
    let Some(python) = worker_python("prompt_profile_shows_the_fresh_block") else {
        return;
    };
    let sandbox = fake_ncu_sandbox(&python, "ok", "add_relu_raw.csv");
    let ncu = sandbox.path().join("bin/ncu");
    let sandbox = sandbox.env("LATHE_NCU", text(&ncu));
    let problem = fixture("problems/add_relu.py");
    let kernel = fixture("honest/add_relu.py");
    let prompt = |extra: &[&str]| {
        let mut args = vec![
            "prompt",
            "--problem",
            &problem,
            "--kernel",
            &kernel,
            "--gpu",
            "H100",
            "--category",
            "fusion",
        ];
        args.extend_from_slice(extra);
        sandbox.run(&args)
    };
    // The same prompt rendered from the block as a metrics file: profiling changes nothing else.
    let block_file = sandbox.write("block.json", BLOCK);
    let expected = prompt(&["--metrics", text(&block_file)]);
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    assert!(
        expected
            .stdout
            .contains(&format!("[NCU PROFILING METRICS]\n{BLOCK}\n")),
        "{}",
        expected.stdout
    );

    let run = prompt(&["--profile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, expected.stdout);
    assert!(
        run.stderr.contains(&format!(
            "warning: _add_relu_kernel {ABSENT}: not collected"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(profiling_calls(&sandbox).len(), 1);

    // No ncu (--ncu beats LATHE_NCU): the prompt without metrics, and the reason on stderr.
    let without = prompt(&[]);
    assert_eq!(without.code, 0, "{}", without.stderr);
    assert!(
        without
            .stdout
            .contains("[NCU PROFILING METRICS]\nNo NCU metrics available\n"),
        "{}",
        without.stdout
    );
    let run = prompt(&["--profile", "--ncu", "/nonexistent/ncu"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, without.stdout);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.starts_with("warning: "))
        .unwrap_or_else(|| panic!("no warning in {}", run.stderr));
    assert!(
        warning.contains("ncu was not found") && warning.contains("/nonexistent/ncu"),
        "{warning}"
    );
    assert_eq!(profiling_calls(&sandbox).len(), 1);
}

#[test]
fn a_relative_ncu_path_means_the_users_directory() {
    // No worker is needed to see which ncu ran: without permission for the counters the fake
    // says so whatever the program after it does.
    let sandbox = fake_ncu_sandbox(Path::new(NO_PYTHON), "noperm", "add_relu_raw.csv");
    let run = profile(&sandbox, &["--ncu", "bin/ncu"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("ERR_NVGPUCTRPERM"), "{}", run.stderr);
    assert_eq!(profiling_calls(&sandbox).len(), 1, "{:?}", calls(&sandbox));
}
