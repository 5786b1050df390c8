//! What a person sees when input is wrong: the message names the file or value and the fix, and
//! the exit code says "bad input" (3). Snapshots are of the real binary's standard error.

mod common;

use common::Sandbox;

const KERNEL: &str = "import torch\n\nclass ModelNew(torch.nn.Module):\n    pass\n";

fn failing(sandbox: &Sandbox, args: &[&str]) -> String {
    let run = sandbox.run(args);
    assert_eq!(
        run.code, 3,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing on stdout when failing: {}",
        run.stdout
    );
    sandbox.redact(&run.stderr)
}

fn prompt_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["prompt", "--kernel", "K.py", "--category", "fusion"];
    args.extend(extra);
    args
}

#[test]
fn unknown_gpu_suggests_the_names_it_may_mean() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", KERNEL);
    insta::assert_snapshot!(
        "unknown_gpu_prefix",
        failing(&sandbox, &prompt_args(&["--gpu", "H10"]))
    );
    insta::assert_snapshot!(
        "unknown_gpu_typo",
        failing(&sandbox, &prompt_args(&["--gpu", "L40X"]))
    );
}

#[test]
fn unknown_gpu_names_the_setting_it_came_from() {
    let sandbox = Sandbox::new().env("LATHE_GPU", "GTX 480");
    sandbox.write("K.py", KERNEL);
    let stderr = failing(&sandbox, &prompt_args(&[]));
    assert!(
        stderr.starts_with("error: unknown GPU `GTX 480` (from LATHE_GPU)"),
        "{stderr}"
    );

    let sandbox = Sandbox::new();
    sandbox.write("K.py", KERNEL);
    sandbox.write("lathe.toml", "gpu = \"A100\"\n");
    let stderr = failing(&sandbox, &prompt_args(&[]));
    assert!(
        stderr.contains("(from `gpu` in [SANDBOX]/lathe.toml)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean one of: A100 40GB, A100 80GB, A100 80GB PCIe?"),
        "{stderr}"
    );
}

#[test]
fn unknown_stage_suggests_the_nearest_one() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", KERNEL);
    let args = prompt_args(&["--gpu", "4090", "--stage", "memory_acess"]);
    insta::assert_snapshot!("unknown_stage", failing(&sandbox, &args));
    let args = [
        "prompt",
        "--kernel",
        "K.py",
        "--gpu",
        "4090",
        "--category",
        "single",
        "--stage",
        "memory_and_tuning",
    ];
    insta::assert_snapshot!("stage_of_another_category", failing(&sandbox, &args));
}

#[test]
fn metrics_that_do_not_parse_give_line_and_column() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", KERNEL);
    sandbox.write(
        "M.json",
        "{\n  \"k\": {\n    \"sm__throughput.avg.pct_of_peak_sustained_elapsed\": 3.68,\n  }\n}\n",
    );
    let args = prompt_args(&["--gpu", "4090", "--metrics", "M.json"]);
    insta::assert_snapshot!("metrics_syntax", failing(&sandbox, &args));
    sandbox.write("M.json", r#"{"k": {"launch__grid_size": "524288"}}"#);
    insta::assert_snapshot!("metrics_shape", failing(&sandbox, &args));
}

#[test]
fn a_missing_kernel_file_is_named() {
    let sandbox = Sandbox::new();
    let args = [
        "prompt",
        "--kernel",
        "missing.py",
        "--gpu",
        "4090",
        "--category",
        "fusion",
    ];
    insta::assert_snapshot!("kernel_missing", failing(&sandbox, &args));
    std::fs::create_dir(sandbox.path().join("dir.py")).unwrap();
    let args = [
        "prompt",
        "--kernel",
        "dir.py",
        "--gpu",
        "4090",
        "--category",
        "fusion",
    ];
    assert!(failing(&sandbox, &args).contains("kernel file dir.py is a directory"));
}

#[test]
fn missing_gpu_and_category_say_how_to_give_them() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", KERNEL);
    insta::assert_snapshot!("no_gpu", failing(&sandbox, &prompt_args(&[])));
    sandbox.write("problems/p.py", "");
    let args = [
        "prompt",
        "--kernel",
        "K.py",
        "--gpu",
        "T4",
        "--problem",
        "problems/p.py",
    ];
    insta::assert_snapshot!("no_category", failing(&sandbox, &args));
}

#[test]
fn invalid_settings_name_their_source() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", KERNEL);
    sandbox.write(
        "lathe.toml",
        "gpu = \"4090\"\n\n[prompt]\nstlye = \"compact\"\n",
    );
    insta::assert_snapshot!("settings_unknown_key", failing(&sandbox, &prompt_args(&[])));

    let sandbox = Sandbox::new().env("LATHE_PROMPT_STYLE", "terse");
    sandbox.write("K.py", KERNEL);
    insta::assert_snapshot!(
        "settings_bad_env",
        failing(&sandbox, &prompt_args(&["--gpu", "4090"]))
    );
}

#[test]
fn an_unknown_triton_version_lists_the_known_ones() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", KERNEL);
    let args = prompt_args(&["--gpu", "4090", "--triton-version", "2.3.1"]);
    insta::assert_snapshot!("unknown_triton_version", failing(&sandbox, &args));
}

#[test]
fn malformed_history_says_what_shape_it_wants() {
    let sandbox = Sandbox::new();
    sandbox.write("P.py", "");
    sandbox.write("K.py", KERNEL);
    sandbox.write("log.txt", "boom\n");
    sandbox.write("h.json", r#"[{"verdict": "exploded", "summary": "x"}]"#);
    let args = [
        "prompt",
        "repair",
        "--problem",
        "P.py",
        "--kernel",
        "K.py",
        "--error-log",
        "log.txt",
        "--history",
        "h.json",
        "--gpu",
        "H200",
    ];
    insta::assert_snapshot!("history_bad_verdict", failing(&sandbox, &args));
}

#[test]
fn usage_errors_exit_2() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["prompt", "--kernel", "K.py", "--style", "tiny"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("possible values: full, full-api, compact"),
        "{}",
        run.stderr
    );
    assert_eq!(
        sandbox.run(&["prompt", "--gpu", "4090"]).code,
        2,
        "--kernel is required"
    );
    assert_eq!(sandbox.run(&["frobnicate"]).code, 2);
}
