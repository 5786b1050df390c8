//! The commands' normal behaviour, through the real binary.

mod common;

use common::Sandbox;

const SEED_002: &str = include_str!("../../../spec/seeds/002_f477284482e7e8c7.txt");

#[test]
fn every_command_has_help_and_the_binary_has_a_version() {
    let sandbox = Sandbox::new();
    for args in [
        &["--help"][..],
        &["gpus", "--help"],
        &["stages", "--help"],
        &["prompt", "--help"],
        &["prompt", "seed", "--help"],
        &["prompt", "analyst", "--help"],
        &["prompt", "repair", "--help"],
        &["config", "--help"],
        &["runs", "--help"],
        &["report", "--help"],
        &["export", "--help"],
    ] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            run.stdout.contains("Usage: lathe"),
            "{args:?}: {}",
            run.stdout
        );
    }
    let run = sandbox.run(&["--version"]);
    assert_eq!(run.stdout, format!("lathe {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn the_prompt_styles_a_help_names_are_the_ones_it_accepts() {
    let sandbox = Sandbox::new();
    for command in [&["optimize"][..], &["prompt"], &["suite", "run"]] {
        let mut args = command.to_vec();
        args.push("--help");
        let help = sandbox.run(&args).stdout;
        // The flag's text, joined over its wrapped lines.
        let at = help
            .find("--style <STYLE>")
            .unwrap_or_else(|| panic!("{command:?}: no --style in\n{help}"));
        let text: String = help[at..]
            .lines()
            .take_while(|l| !l.trim().is_empty())
            .take(4)
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let (said, accepted) = text
            .split_once("[possible values: ")
            .unwrap_or_else(|| panic!("{command:?}: {text}"));
        let mut accepted: Vec<&str> = accepted.split(']').next().unwrap().split(", ").collect();
        // Each style the text describes is named just before its seed: `full (seed 002)`.
        let mut named: Vec<&str> = said
            .split(" (seed")
            .filter_map(|before| before.rsplit([' ', ',']).next())
            .filter(|word| !word.is_empty() && !word.contains(')'))
            .collect();
        accepted.sort_unstable();
        named.sort_unstable();
        assert_eq!(named, accepted, "{command:?}: {text}");
    }
}

#[test]
fn gpus_shows_one_entry_exactly_as_the_prompt_does() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["gpus", "nvidia geforce rtx 4090"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let block = &SEED_002
        [SEED_002.find("# Target GPU").unwrap()..SEED_002.find("\n\n[OPTIMIZATION").unwrap() + 1];
    assert_eq!(run.stdout, block);
}

#[test]
fn gpus_lists_the_catalog_as_text_and_json() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["gpus"]);
    assert_eq!(run.code, 0);
    for name in [
        "4090D",
        "RTX 6000 Ada",
        "A10G",
        "A100 80GB PCIe",
        "H100 PCIe",
        "B200",
    ] {
        assert!(
            run.stdout.lines().any(|l| l.starts_with(name)),
            "{name}:\n{}",
            run.stdout
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&sandbox.run(&["gpus", "--json"]).stdout).unwrap();
    let h200 = json
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "H200")
        .unwrap();
    assert_eq!(h200["compute_capability"], "9.0");
    assert_eq!(h200["driver_names"][0], "NVIDIA H200");
}

#[test]
fn settings_files_can_describe_another_gpu() {
    let sandbox = Sandbox::new();
    let json: serde_json::Value =
        serde_json::from_str(&sandbox.run(&["gpus", "L4", "--json"]).stdout).unwrap();
    let mut entry: toml::Table = serde_json::from_value(json).unwrap();
    entry.insert("name".into(), "Lab L4".into());
    entry.insert(
        "aliases".into(),
        toml::Value::Array(vec!["bench box".into()]),
    );
    entry.insert("driver_names".into(), toml::Value::Array(vec![]));
    sandbox.write(
        "lathe.toml",
        &format!("[[gpus]]\n{}", toml::to_string(&entry).unwrap()),
    );
    let run = sandbox.run(&["gpus", "Bench-Box"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("# Target GPU\nGPU Name: Lab L4\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn stages_list_their_metrics_thresholds_and_tunables() {
    let sandbox = Sandbox::new();
    let all = sandbox.run(&["stages"]).stdout;
    assert_eq!(
        all.lines()
            .filter(|l| !l.starts_with(' ') && l.contains('/'))
            .count(),
        12,
        "{all}"
    );
    let fusion = sandbox.run(&["stages", "--category", "fusion"]).stdout;
    assert!(fusion.contains("fusion/memory_and_tuning: "), "{fusion}");
    assert!(fusion.contains(
        "skipped when lts__t_sector_hit_rate.pct ≥ 90 and smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct ≤ 10"
    ), "{fusion}");
    assert!(
        fusion.contains("tunes: num_warps ∈ {4, 8}; num_stages ∈ {2, 3}"),
        "{fusion}"
    );
    let one = sandbox
        .run(&["stages", "--category", "single", "memory_access"])
        .stdout;
    assert!(
        one.contains("Focus: Memory efficiency & latency hiding.\n"),
        "{one}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&sandbox.run(&["stages", "--json"]).stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 12);
}

#[test]
fn config_shows_each_value_and_its_source() {
    let sandbox = Sandbox::new().env("LATHE_GPU", "H200");
    sandbox.write(
        "lathe.toml",
        "category = \"fusion\"\n[prompt]\ntriton_version = \"3.6\"\n",
    );
    let run = sandbox.run(&["config"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = sandbox.redact(&run.stdout);
    let row = |setting: &str| {
        out.lines()
            .find(|l| l.starts_with(setting))
            .unwrap()
            .to_owned()
    };
    assert!(
        row("gpu ").contains("H200") && row("gpu ").contains("LATHE_GPU"),
        "{out}"
    );
    assert!(
        row("category").contains("`category` in [SANDBOX]/lathe.toml"),
        "{out}"
    );
    assert!(row("prompt.style").contains("built-in default"), "{out}");
    assert!(
        out.contains("user config: [SANDBOX]/.config/lathe/config.toml (not present)"),
        "{out}"
    );
}

#[test]
fn a_triton_version_replaces_the_seed_list_with_the_truth() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", "print(1)\n");
    let args = [
        "prompt",
        "--kernel",
        "K.py",
        "--gpu",
        "H100",
        "--category",
        "fusion",
        "--style",
    ];
    let seeds = sandbox.run(&[&args[..], &["full-api"]].concat()).stdout;
    assert!(
        seeds.contains(
            "- Triton has NO: tl.tanh, tl.sigmoid, tl.gelu, tl.silu, tl.softmax, tl.mish\n"
        )
    );
    let real = sandbox
        .run(&[&args[..], &["full-api", "--triton-version", "3.6.0"]].concat())
        .stdout;
    let line = real
        .lines()
        .find(|l| l.starts_with("- Triton has NO: "))
        .unwrap();
    assert!(
        line.starts_with("- Triton has NO: tl.tanh, tl.gelu, tl.silu, tl.mish"),
        "{line}"
    );
    assert!(
        !line.contains("sigmoid") && !line.contains("softmax"),
        "{line}"
    );
    let compact = sandbox
        .run(&[&args[..], &["compact", "--triton-version", "3.2"]].concat())
        .stdout;
    assert!(
        compact.contains("## Missing Triton Functions (implement manually):\n- tl.tanh, tl.gelu")
    );
    assert!(
        compact.contains("tl.gather, tl.topk\n"),
        "3.2 lacks gather and topk:\n{compact}"
    );
}

#[test]
fn the_category_comes_from_a_kernelbench_path() {
    let sandbox = Sandbox::new();
    sandbox.write("K.py", "print(1)\n");
    sandbox.write("KernelBench/level1/19_ReLU.py", "import torch\n");
    let run = sandbox.run(&[
        "prompt",
        "--kernel",
        "K.py",
        "--gpu",
        "T4",
        "--problem",
        "KernelBench/level1/19_ReLU.py",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Focus: Grid layout & parallelism for a SINGLE operator.")
    );
    assert!(run.stdout.contains("[REFERENCE]\nYour kernel must compute what this PyTorch reference computes:\n```python\nimport torch\n```"));
}

#[test]
fn seed_analyst_and_repair_prompts_render_from_files() {
    let sandbox = Sandbox::new();
    sandbox.write("P.py", "class Model: pass\n");
    sandbox.write(
        "K.py",
        "from torch.utils.cpp_extension import load_inline\n",
    );
    sandbox.write(
        "log.txt",
        &(1..=200).map(|i| format!("line {i}\n")).collect::<String>(),
    );
    sandbox.write(
        "h.json",
        r#"[{"verdict": "compile_error", "summary": "nvcc: identifier undefined"}]"#,
    );
    sandbox.write(
        "d.json",
        r#"{"critical_issue": "a", "why_it_matters": "b", "minimal_fix_hint": "c"}"#,
    );

    let seed = sandbox.run(&[
        "prompt",
        "seed",
        "--problem",
        "P.py",
        "--gpu",
        "L40S",
        "--backend",
        "cuda",
    ]);
    assert_eq!(seed.code, 0, "{}", seed.stderr);
    assert!(
        seed.stdout.contains("compute capability 8.9 (sm_89)"),
        "{}",
        seed.stdout
    );

    let common = [
        "--problem",
        "P.py",
        "--kernel",
        "K.py",
        "--error-log",
        "log.txt",
        "--gpu",
        "L40S",
    ];
    let analyst = sandbox.run(
        &[
            &["prompt", "analyst"][..],
            &common,
            &["--error-log-lines", "5"],
        ]
        .concat(),
    );
    assert_eq!(analyst.code, 0, "{}", analyst.stderr);
    assert!(
        analyst
            .stdout
            .starts_with("You are reviewing a CUDA kernel"),
        "load_inline means CUDA"
    );
    assert!(
        analyst
            .stdout
            .contains("(the first 195 lines are left out)\n```\nline 196\n")
    );

    let repair = sandbox.run(
        &[
            &["prompt", "repair"][..],
            &common,
            &[
                "--history",
                "h.json",
                "--diagnosis",
                "d.json",
                "--backend",
                "triton",
            ],
        ]
        .concat(),
    );
    assert_eq!(repair.code, 0, "{}", repair.stderr);
    assert!(
        repair.stdout.starts_with("You are fixing a Triton kernel"),
        "the flag wins"
    );
    assert!(
        repair
            .stdout
            .contains("1. compile_error: nvcc: identifier undefined\n")
    );
    assert!(repair.stdout.contains("- Minimal fix: c\n"));
    assert!(
        repair.stdout.contains("(the first 50 lines are left out)"),
        "default: 150 lines"
    );
}
