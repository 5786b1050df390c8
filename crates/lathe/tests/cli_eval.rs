//! `lathe eval` and `lathe probe` through the real binary, with stand-in interpreters where the
//! point is the harness rather than the judging (the fixture corpus judges with real ones).

mod common;

use std::os::unix::fs::PermissionsExt;

use common::Sandbox;

const PROBLEM: &str = "import torch\nbatch_size = 2\nclass Model(torch.nn.Module):\n    def forward(self, x):\n        return x\ndef get_inputs():\n    return [torch.rand(batch_size)]\ndef get_init_inputs():\n    return []\n";

const KERNEL: &str = "import torch\nimport triton\nimport triton.language as tl\n\n@triton.jit\ndef k(x_ptr, n, B: tl.constexpr):\n    pass\n\nclass ModelNew(torch.nn.Module):\n    def forward(self, x):\n        k[(1,)](x, x.numel(), B=16)\n        return x\n";

/// A sandbox holding `p.py` (a problem) and `k.py` (a kernel the static checks accept).
fn sandbox_with_files(sandbox: Sandbox) -> Sandbox {
    sandbox.write("p.py", PROBLEM);
    sandbox.write("k.py", KERNEL);
    sandbox
}

/// `lathe eval` of `p.py` and `k.py` with this interpreter.
fn eval(sandbox: &Sandbox, python: &str) -> common::Run {
    eval_with(sandbox, python, &[])
}

/// The same, with more arguments.
fn eval_with(sandbox: &Sandbox, python: &str, extra: &[&str]) -> common::Run {
    let args = [
        "eval",
        "--problem",
        "p.py",
        "--kernel",
        "k.py",
        "--python",
        python,
    ];
    sandbox.run(&[&args[..], extra].concat())
}

/// A fake interpreter that records its environment and answers with a shared example result,
/// carrying the nonce the harness gave it on standard input (as the real judge does).
fn recording_python(sandbox: &Sandbox, example: &str) -> String {
    let example = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples")
        .join(example);
    let script = format!(
        "#!/bin/sh\nenv > \"{}/env.txt\"\ncp \"$3\" \"{}/request.json\"\n\
         nonce=\"\"\n[ \"$LATHE_NONCE_STDIN\" = 1 ] && read -r nonce\n\
         sed \"1s/^{{/{{\\\"nonce\\\": \\\"$nonce\\\", /\" {} > \"$4\"\n",
        sandbox.path().display(),
        sandbox.path().display(),
        example.display()
    );
    let path = sandbox.write("fake-python", &script);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[test]
fn secrets_never_reach_the_worker_and_the_request_says_what_was_asked() {
    let sandbox = sandbox_with_files(
        Sandbox::new()
            .env("OPENAI_API_KEY", "sk-secret-1")
            .env("MY_TOKEN", "tok-2"),
    );
    let python = recording_python(&sandbox, "result_correct_interpret.json");
    let run = sandbox.run(&[
        "eval",
        "--problem",
        "p.py",
        "--kernel",
        "k.py",
        "--device",
        "interpret",
        "--python",
        &python,
        "--set",
        "batch_size=3",
        "--trials",
        "7",
        "--json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let env = std::fs::read_to_string(sandbox.path().join("env.txt")).unwrap();
    assert!(
        !env.contains("sk-secret-1") && !env.contains("tok-2"),
        "{env}"
    );
    assert!(env.contains("TRITON_INTERPRET=1"), "{env}");
    let request: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(sandbox.path().join("request.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(request["problem"]["overrides"]["batch_size"], 3);
    assert_eq!(request["correctness"]["trials"], 7);
    assert_eq!(request["candidate"]["kernels"][0], "k");
    assert_eq!(request["device"], "interpret");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "correct");
    assert_eq!(
        json["timing_note"],
        "timing not measured: Triton's interpreter runs on the CPU"
    );
}

#[test]
fn a_relative_interpreter_path_means_the_users_directory() {
    let sandbox = sandbox_with_files(Sandbox::new());
    recording_python(&sandbox, "result_correct_interpret.json");
    let run = sandbox.run(&[
        "eval",
        "--problem",
        "p.py",
        "--kernel",
        "k.py",
        "--python",
        "./fake-python",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn verdicts_other_than_correct_exit_4_and_print_their_evidence() {
    let sandbox = sandbox_with_files(Sandbox::new());
    let python = recording_python(&sandbox, "result_wrong.json");
    let run = eval(&sandbox, &python);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with("verdict   wrong values (max abs error 4.100e-1)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("worst at [1, 17]"), "{}", run.stdout);
}

#[test]
fn a_worker_that_breaks_while_judging_is_the_candidates_crash_as_in_the_loop() {
    // The candidate runs inside the worker and may be what broke it: the same verdict the loop
    // records (crash, phase worker), exit 4, never lathe's own failure (exit 1).
    let sandbox = sandbox_with_files(Sandbox::new());
    let python = recording_python(&sandbox, "result_worker_error.json");
    let run = eval(&sandbox, &python);
    assert_eq!(run.code, 4, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("verdict   crash"), "{}", run.stdout);
    assert!(run.stdout.contains("KeyError: 'x'"), "{}", run.stdout);
    let run = eval_with(&sandbox, &python, &["--json"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "crash", "{json}");
    assert_eq!(json["phase"], "worker", "{json}");
    let evidence = json["stderr_tail"].as_str().unwrap();
    assert!(evidence.contains("KeyError: 'x'"), "{json}");
}

#[test]
fn a_source_the_static_checks_reject_costs_no_worker() {
    let sandbox = sandbox_with_files(Sandbox::new());
    sandbox.write(
        "k.py",
        &KERNEL.replace("import torch\n", "import torch\nimport threading\n"),
    );
    let run = sandbox.run(&[
        "eval",
        "--problem",
        "p.py",
        "--kernel",
        "k.py",
        "--python",
        "/nonexistent",
        "--json",
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (json["verdict"].as_str(), json["rule"].as_str()),
        (Some("rejected"), Some("threads"))
    );
    assert_eq!(json["static"], true);

    sandbox.write("bad.py", "class ModelNew(:\n");
    let run = sandbox.run(&[
        "eval",
        "--problem",
        "p.py",
        "--kernel",
        "bad.py",
        "--python",
        "/nonexistent",
    ]);
    assert_eq!(run.code, 4);
    assert!(
        run.stdout
            .starts_with("verdict   compile error: bad.py line 1"),
        "{}",
        run.stdout
    );
}

#[test]
fn problem_and_environment_errors_are_not_verdicts() {
    let sandbox = sandbox_with_files(Sandbox::new());
    let python = recording_python(&sandbox, "result_problem_error.json");
    let run = eval(&sandbox, &python);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: problem file /p.py defines no get_inputs"),
        "{}",
        run.stderr
    );

    let python = recording_python(&sandbox, "result_environment_error.json");
    let run = eval(&sandbox, &python);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("sees no CUDA device"), "{}", run.stderr);

    let run = eval(&sandbox, "/no/python3");
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("/no/python3"), "{}", run.stderr);
}

#[test]
fn interpreter_timing_is_asked_for_by_the_flag_or_the_setting_and_off_by_default() {
    let sandbox = sandbox_with_files(Sandbox::new());
    let python = recording_python(&sandbox, "result_correct_interpret.json");
    let asked = |extra: &[&str]| -> serde_json::Value {
        let run = eval_with(
            &sandbox,
            &python,
            &[&["--device", "interpret"], extra].concat(),
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let request = std::fs::read_to_string(sandbox.path().join("request.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&request).unwrap()["timing"]["interpreter"]
            .clone()
    };
    assert_eq!(asked(&[]), false);
    assert_eq!(asked(&["--interpreter-timing"]), true);
    sandbox.write("lathe.toml", "[eval.timing]\ninterpreter = true\n");
    assert_eq!(asked(&[]), true);

    let run = eval_with(&sandbox, &python, &["--interpreter-timing", "--no-timing"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}

#[test]
fn interpreter_timing_reads_as_cpu_time_in_the_table_and_the_json() {
    let sandbox = sandbox_with_files(Sandbox::new());
    let python = recording_python(&sandbox, "result_correct_interpret.json");
    let args = ["--device", "interpret", "--interpreter-timing"];
    let run = eval_with(&sandbox, &python, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!("interpreter_timing_text", run.stdout);

    let run = eval_with(&sandbox, &python, &[&args[..], &["--json"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "correct");
    assert!(json["timing"].is_null(), "{json}");
    let cpu = &json["interpreter_timing"];
    assert_eq!(cpu["candidate_ms"]["median"], 12.4849);
    assert_eq!(cpu["reference_ms"]["runs"], 5);
    assert!(
        cpu["note"]
            .as_str()
            .unwrap()
            .contains("not GPU performance"),
        "{cpu}"
    );
}

/// `lathe eval --device interpret --interpreter-timing` of an add_relu fixture, judged by the
/// real worker: its standard output. `None` when no worker Python is available.
fn interpreted(candidate: &str, json: bool, test: &str) -> Option<String> {
    let python = common::worker_python(test)?;
    let fixtures =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../worker/tests/fixtures");
    let sandbox = Sandbox::new();
    let problem = fixtures.join("problems/add_relu.py").display().to_string();
    let kernel = fixtures.join(candidate).display().to_string();
    let python = python.display().to_string();
    let mut args = vec![
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
        "--python",
        &python,
    ];
    if json {
        args.push("--json");
    }
    let run = sandbox.run(&args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    Some(run.stdout)
}

#[test]
fn the_real_worker_orders_two_kernels_by_their_interpreter_work() {
    const TEST: &str = "the_real_worker_orders_two_kernels_by_their_interpreter_work";
    let Some(fast) = interpreted("honest/add_relu.py", true, TEST) else {
        return;
    };
    let slow = interpreted("honest/add_relu_small_block.py", true, TEST).unwrap();
    let timing = |stdout: &str| -> lathe_core::InterpreterTiming {
        let v: serde_json::Value = serde_json::from_str(stdout).unwrap();
        assert_eq!(v["verdict"], "correct", "{v}");
        assert!(v["timing"].is_null(), "never in GPU timing: {v}");
        serde_json::from_value(v["interpreter_timing"].clone()).unwrap()
    };
    let (fast, slow) = (timing(&fast), timing(&slow));
    assert_eq!((fast.candidate_ms.runs, slow.candidate_ms.runs), (5, 5));
    // BLOCK=16 launches 16x the programs of BLOCK=256: about 11-12x the interpreter time.
    let ratio = slow.interpreter_ratio(&fast).unwrap();
    assert!(
        ratio > 4.0,
        "{} ms against {} ms",
        slow.candidate_ms.median,
        fast.candidate_ms.median
    );

    let text = interpreted("honest/add_relu.py", false, TEST).unwrap();
    assert!(
        text.starts_with("verdict   correct (no GPU timing; "),
        "{text}"
    );
    for line in [
        "timing    timing not measured: Triton's interpreter runs on the CPU",
        "cpu time  candidate ",
        "of CPU-interpreter time",
        "cpu time  reference ",
        "cpu time  Triton's CPU interpreter: orders kernels by the work",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
}
