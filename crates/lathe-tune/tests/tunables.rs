//! Finding and rewriting launch constants in fixture kernels: autotune config lists, launch
//! keywords, module constants, computed block sizes, and a kernel with none. A rewrite changes
//! the chosen literals' bytes and nothing else.

use lathe_tune::{Kind, Site, Tunable, find_tunables, rewrite};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn summary(tunables: &[Tunable]) -> Vec<(String, Kind, u64, usize)> {
    tunables
        .iter()
        .map(|t| (t.name.clone(), t.kind, t.value, t.line))
        .collect()
}

fn owned(rows: &[(&str, Kind, u64, usize)]) -> Vec<(String, Kind, u64, usize)> {
    rows.iter()
        .map(|(n, k, v, l)| ((*n).to_owned(), *k, *v, *l))
        .collect()
}

#[test]
fn the_autotune_config_list_of_seed_002_is_found_entry_by_entry() {
    let found = find_tunables(&fixture("autotune_configs.py")).unwrap();
    assert_eq!(
        summary(&found),
        owned(&[
            ("configs[0].BLOCK_SIZE", Kind::Block, 256, 8),
            ("configs[0].num_warps", Kind::NumWarps, 4, 8),
            ("configs[0].num_stages", Kind::NumStages, 3, 8),
            ("configs[1].BLOCK_SIZE", Kind::Block, 512, 9),
            ("configs[1].num_warps", Kind::NumWarps, 8, 9),
            ("configs[1].num_stages", Kind::NumStages, 3, 9),
            ("configs[2].BLOCK_SIZE", Kind::Block, 1024, 10),
            ("configs[2].num_warps", Kind::NumWarps, 8, 10),
            ("configs[2].num_stages", Kind::NumStages, 2, 10),
            ("configs[3].BLOCK_SIZE", Kind::Block, 2048, 11),
            ("configs[3].num_warps", Kind::NumWarps, 8, 11),
            ("configs[3].num_stages", Kind::NumStages, 1, 11),
        ])
    );
    assert!(
        found
            .iter()
            .all(|t| matches!(t.site, Site::AutotuneConfig { .. }))
    );
}

#[test]
fn keywords_at_a_launch_are_found_with_their_kernel() {
    let found = find_tunables(&fixture("launch_keywords.py")).unwrap();
    assert_eq!(
        summary(&found),
        owned(&[
            ("BLOCK of _scale_kernel[...]", Kind::Block, 256, 19),
            ("num_warps of _scale_kernel[...]", Kind::NumWarps, 8, 19),
            ("num_stages of _scale_kernel[...]", Kind::NumStages, 2, 19),
        ])
    );
    // The `256` of `triton.cdiv(n, 256)` in the grid is not a launch keyword: left alone.
    assert_eq!(found.iter().filter(|t| t.value == 256).count(), 1);
}

#[test]
fn module_constants_and_a_computed_block_bound_are_found() {
    let found = find_tunables(&fixture("computed_block.py")).unwrap();
    assert_eq!(
        summary(&found),
        owned(&[
            ("NUM_WARPS", Kind::NumWarps, 4, 6),
            ("BLOCK_C (max bound)", Kind::Block, 64, 21),
        ])
    );
    assert_eq!(found[0].site, Site::ModuleConstant);
    assert_eq!(found[1].site, Site::ComputedCap);
}

#[test]
fn a_kernel_without_launch_constants_has_no_tunables() {
    assert_eq!(find_tunables(&fixture("no_tunables.py")).unwrap(), []);
    assert!(find_tunables("def broken(:\n").is_err());
}

#[test]
fn a_rewrite_changes_only_the_chosen_literals() {
    for name in [
        "autotune_configs.py",
        "launch_keywords.py",
        "computed_block.py",
    ] {
        let source = fixture(name);
        let found = find_tunables(&source).unwrap();
        // Double every block size, set every warp count to 2.
        let changes: Vec<(&Tunable, u64)> = found
            .iter()
            .filter(|t| t.kind != Kind::NumStages)
            .map(|t| {
                (
                    t,
                    if t.kind == Kind::Block {
                        t.value * 2
                    } else {
                        2
                    },
                )
            })
            .collect();
        let rewritten = rewrite(&source, &changes);
        // Put the original literals back by hand: the rest must be the original, byte for byte.
        let mut restored = rewritten.clone();
        let again = find_tunables(&rewritten).unwrap();
        let mut back: Vec<(&Tunable, u64)> = Vec::new();
        for (new, old) in again.iter().zip(&found) {
            assert_eq!(new.name, old.name, "{name}: the same constants, in order");
            back.push((new, old.value));
        }
        restored = rewrite(&restored, &back);
        assert_eq!(restored, source, "{name}");
        let changed_lines: Vec<(&str, &str)> = source
            .lines()
            .zip(rewritten.lines())
            .filter(|(a, b)| a != b)
            .collect();
        for (before, after) in &changed_lines {
            let strip = |s: &str| {
                s.chars()
                    .filter(|c| !c.is_ascii_digit())
                    .collect::<String>()
            };
            assert_eq!(strip(before), strip(after), "{name}: only digits changed");
        }
        assert!(!changed_lines.is_empty(), "{name}");
        assert_eq!(source.lines().count(), rewritten.lines().count(), "{name}");
    }
}

#[test]
fn comments_and_layout_survive_a_rewrite() {
    let source = fixture("computed_block.py");
    let found = find_tunables(&source).unwrap();
    let rewritten = rewrite(&source, &[(&found[0], 8)]);
    assert!(rewritten.contains("NUM_WARPS = 8  # one warp group per row\n"));
    assert_eq!(rewritten.len(), source.len());
}
