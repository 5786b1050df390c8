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
    sandbox.run(&[
        "eval",
        "--problem",
        "p.py",
        "--kernel",
        "k.py",
        "--python",
        python,
    ])
}

/// A fake interpreter that records its environment and answers with a shared example result.
fn recording_python(sandbox: &Sandbox, example: &str) -> String {
    let example = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/protocol/examples")
        .join(example);
    let script = format!(
        "#!/bin/sh\nenv > \"{}/env.txt\"\ncp \"$3\" \"{}/request.json\"\ncp {} \"$4\"\n",
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
