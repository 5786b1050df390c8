//! Every KernelBench problem file gets the category of its level from its path alone, wherever
//! the checkout sits (the user's own, or ../shared/kernelbench beside this one; skipped where
//! there is none). The Python side loads and builds the same files
//! (worker/tests/test_kernelbench_problems.py).

use std::path::{Path, PathBuf};

use lathe_core::Category;

fn kernelbench() -> PathBuf {
    match std::env::var_os("LATHE_KERNELBENCH_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/kernelbench"),
    }
}

#[test]
fn every_kernelbench_problem_has_its_levels_category() {
    let root = kernelbench();
    if !root.is_dir() {
        return; // No KernelBench beside this checkout: nothing to check.
    }
    let mut counts = [0usize; 3];
    for (level, category) in [
        ("level1", Category::Single),
        ("level2", Category::Fusion),
        ("level3", Category::Network),
    ] {
        for entry in std::fs::read_dir(root.join(level)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "py") {
                assert_eq!(
                    Category::from_problem_path(&path),
                    Some(category),
                    "{}",
                    path.display()
                );
                counts[category as usize] += 1;
            }
        }
    }
    assert_eq!(counts, [100, 100, 50]);
}
