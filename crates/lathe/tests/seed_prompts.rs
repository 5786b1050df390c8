//! The golden test: `lathe prompt` prints seed prompts 000, 002 and 003 byte for byte, given the
//! kernel under their `[CURRENT CODE]` and the JSON under their `[NCU PROFILING METRICS]` as files.
//!
//! The seeds are read from the project's `shared/seeds/` when the checkout sits beside it, else
//! from the vendored copies in `spec/seeds/` (which must then be identical: checked below).

mod common;

use std::path::PathBuf;

use common::Sandbox;

const SEEDS: [(&str, &[&str]); 3] = [
    (
        "000_47f46ae4437341be.txt",
        &[
            "--gpu",
            "4090",
            "--category",
            "fusion",
            "--stage",
            "grid_and_parallel",
            "--style",
            "full-api",
        ],
    ),
    (
        "002_f477284482e7e8c7.txt",
        &[
            "--gpu",
            "4090",
            "--category",
            "single",
            "--stage",
            "memory_access",
            "--style",
            "full",
        ],
    ),
    (
        "003_1687b5e78dc13f02.txt",
        &[
            "--gpu",
            "4090",
            "--category",
            "fusion",
            "--stage",
            "memory_and_tuning",
            "--style",
            "compact",
        ],
    ),
];

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared_seeds() -> Option<PathBuf> {
    let dir = match std::env::var_os("LATHE_SEEDS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/seeds"),
    };
    dir.is_dir().then_some(dir)
}

fn seed_text(name: &str) -> String {
    let dir = shared_seeds().unwrap_or_else(|| workspace_root().join("spec/seeds"));
    std::fs::read_to_string(dir.join(name)).unwrap()
}

/// The text between two markers of a seed.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap() + start.len();
    let to = from + text[from..].find(end).unwrap();
    &text[from..to]
}

/// Writes the seed's `[CURRENT CODE]` to `K.py`, as a file ending in a newline.
fn write_kernel(sandbox: &Sandbox, seed: &str) {
    let code = between(
        seed,
        "[CURRENT CODE]\n```python\n",
        "\n```\n\n[NCU PROFILING METRICS]",
    );
    sandbox.write("K.py", &format!("{code}\n"));
}

#[test]
fn lathe_prompt_reproduces_the_seeds_byte_for_byte() {
    for (name, flags) in SEEDS {
        let seed = seed_text(name);
        let sandbox = Sandbox::new();
        write_kernel(&sandbox, &seed);
        let mut args = vec!["prompt", "--kernel", "K.py"];
        let metrics = between(&seed, "[NCU PROFILING METRICS]\n", "\n\n**Task**");
        if metrics != "No NCU metrics available" {
            sandbox.write("M.json", &format!("{metrics}\n"));
            args.extend(["--metrics", "M.json"]);
        }
        args.extend(flags);
        let run = sandbox.run(&args);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        if run.stdout != seed {
            let line = run
                .stdout
                .lines()
                .zip(seed.lines())
                .position(|(a, b)| a != b);
            panic!(
                "{name} differs (first differing line: {line:?})\n--- got ---\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn the_vendored_seeds_are_the_shared_ones() {
    let Some(shared) = shared_seeds() else {
        return; // No shared/ beside this checkout: the vendored copies are all there is.
    };
    for entry in std::fs::read_dir(&shared).unwrap() {
        let path = entry.unwrap().path();
        let vendored = workspace_root()
            .join("spec/seeds")
            .join(path.file_name().unwrap());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&vendored).unwrap_or_default(),
            "{} is not vendored verbatim",
            path.display()
        );
    }
}

#[test]
fn out_writes_the_same_bytes_to_a_file() {
    let (name, flags) = SEEDS[2];
    let seed = seed_text(name);
    let sandbox = Sandbox::new();
    write_kernel(&sandbox, &seed);
    let mut args = vec!["prompt", "--kernel", "K.py", "--out", "prompts/out.txt"];
    args.extend(flags);
    let run = sandbox.run(&args);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(sandbox.path().join("prompts/out.txt")).unwrap(),
        seed
    );
}
