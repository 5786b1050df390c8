//! The search over a known landscape: a judge whose time depends only on the block size (best
//! at 1024) and the warp count (best at 4), so where the search must end is known, and so is
//! how many variants it may judge.

use std::collections::BTreeMap;

use lathe_core::{Category, Speed, Stage, StageLibrary, Verdict};
use lathe_tune::{Budget, Plan, Start, find_tunables, search};

fn fixture() -> String {
    let path = format!(
        "{}/tests/data/launch_keywords.py",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

fn stage(id: &str) -> &'static Stage {
    StageLibrary::embedded()
        .lookup(Category::Fusion, id)
        .unwrap()
}

fn correct(ms: f64) -> Verdict {
    let stats = serde_json::json!({"median": ms, "iqr": 0.0, "min": ms, "max": ms, "runs": 5});
    serde_json::from_value(serde_json::json!({
        "kind": "correct",
        "interpreter_timing": {"candidate_ms": stats, "reference_ms": stats, "note": "test"},
    }))
    .unwrap()
}

fn launch_value(source: &str, keyword: &str) -> u64 {
    let at = source.find(&format!("{keyword}=")).unwrap() + keyword.len() + 1;
    source[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// 1 ms at BLOCK 1024 and 4 warps, 10% more per power of two away from either.
fn landscape(source: &str) -> f64 {
    let block = launch_value(source, "BLOCK") as f64;
    let warps = launch_value(source, "num_warps") as f64;
    1.0 + 0.1 * ((block.log2() - 10.0).abs() + (warps.log2() - 2.0).abs())
}

fn start() -> Speed {
    Speed::of(&correct(landscape(&fixture()))).unwrap()
}

#[test]
fn coordinate_steps_reach_the_best_block_and_warps_and_change_nothing_else() {
    let source = fixture();
    let tunables = find_tunables(&source).unwrap();
    let mut judged = 0;
    let tuned = search(
        Start {
            source: &source,
            tunables: &tunables,
            speed: start(),
            metrics: &BTreeMap::new(),
        },
        Plan {
            stages: &[stage("block_tiling")],
            margin_pct: None,
            budget: Budget::default(),
        },
        &mut |variant: &str, _label: &str| -> Result<Verdict, ()> {
            judged += 1;
            Ok(correct(landscape(variant)))
        },
    )
    .unwrap();
    assert_eq!(launch_value(&tuned.source, "BLOCK"), 1024);
    assert_eq!(launch_value(&tuned.source, "num_warps"), 4);
    assert_eq!(
        launch_value(&tuned.source, "num_stages"),
        2,
        "block_tiling leaves stages"
    );
    assert_eq!(tuned.best.ms, 1.0);
    assert_eq!(tuned.trials.len(), judged);
    assert_eq!(tuned.stopped_by, None);
    let changes: Vec<(&str, u64, u64)> = tuned
        .changes
        .iter()
        .map(|(n, a, b)| (n.as_str(), *a, *b))
        .collect();
    assert_eq!(
        changes,
        [
            ("BLOCK of _scale_kernel[...]", 256, 1024),
            ("num_warps of _scale_kernel[...]", 8, 4)
        ]
    );
    let differing = source
        .lines()
        .zip(tuned.source.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(differing, 1, "only the launch line changed");
}

#[test]
fn the_search_stops_at_its_budget_of_evaluations() {
    let source = fixture();
    let tunables = find_tunables(&source).unwrap();
    for max in [0, 1, 3] {
        let mut judged = 0;
        let tuned = search(
            Start {
                source: &source,
                tunables: &tunables,
                speed: start(),
                metrics: &BTreeMap::new(),
            },
            Plan {
                stages: &[stage("block_tiling"), stage("memory_and_tuning")],
                margin_pct: None,
                budget: Budget {
                    evaluations: Some(max),
                    time: None,
                },
            },
            &mut |variant: &str, _: &str| -> Result<Verdict, ()> {
                judged += 1;
                Ok(correct(landscape(variant)))
            },
        )
        .unwrap();
        assert_eq!(judged, max as usize);
        assert_eq!(tuned.trials.len(), max as usize);
        assert_eq!(
            tuned.stopped_by.as_deref(),
            Some(format!("{max} evaluations").as_str())
        );
    }
}

#[test]
fn a_wrong_variant_is_never_kept_and_the_registers_rule_is_tried_first() {
    let source = fixture();
    let tunables = find_tunables(&source).unwrap();
    let metrics = BTreeMap::from([("launch__registers_per_thread".to_owned(), 168.0)]);
    let mut labels = Vec::new();
    let tuned = search(
        Start {
            source: &source,
            tunables: &tunables,
            speed: start(),
            metrics: &metrics,
        },
        Plan {
            stages: &[stage("memory_and_tuning")],
            margin_pct: None,
            budget: Budget::default(),
        },
        &mut |variant: &str, label: &str| -> Result<Verdict, ()> {
            labels.push(label.to_owned());
            // Any pipeline depth but 2 computes garbage here.
            if launch_value(variant, "num_stages") != 2 {
                return Ok(serde_json::from_value(
                    serde_json::json!({"kind": "wrong", "reason": "values"}),
                )
                .unwrap());
            }
            Ok(correct(landscape(variant)))
        },
    )
    .unwrap();
    assert_eq!(
        labels[0], "num_warps of _scale_kernel[...] 8 → 4",
        "{labels:?}"
    );
    assert!(
        tuned.trials[0].why.contains("registers per thread > 128"),
        "{:?}",
        tuned.trials[0]
    );
    assert!(
        tuned
            .trials
            .iter()
            .filter(|t| t.verdict == "wrong")
            .all(|t| !t.kept)
    );
    assert_eq!(launch_value(&tuned.source, "num_stages"), 2);
    assert_eq!(launch_value(&tuned.source, "num_warps"), 4);
}

#[test]
fn a_variant_met_again_in_a_later_stage_is_not_judged_twice() {
    let source = fixture();
    let tunables = find_tunables(&source).unwrap();
    let mut labels = Vec::new();
    let tuned = search(
        Start {
            source: &source,
            tunables: &tunables,
            speed: start(),
            metrics: &BTreeMap::new(),
        },
        Plan {
            stages: &[stage("grid_and_parallel"), stage("block_tiling")],
            margin_pct: None,
            budget: Budget::default(),
        },
        // Nothing is faster than the kernel as given.
        &mut |_: &str, label: &str| -> Result<Verdict, ()> {
            labels.push(label.to_owned());
            Ok(correct(landscape(&fixture()) * 1.5))
        },
    )
    .unwrap();
    let mut unique = labels.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), labels.len(), "{labels:?}");
    assert_eq!(
        labels,
        [
            "BLOCK of _scale_kernel[...] 256 → 512",
            "BLOCK of _scale_kernel[...] 256 → 128",
            "num_warps of _scale_kernel[...] 8 → 4",
        ]
    );
    assert!(tuned.changes.is_empty());
}

/// Two searches of one stage each, as the loop makes them: the second is told what the first
/// judged, and judges none of it again.
#[test]
fn a_later_search_never_judges_what_an_earlier_one_did() {
    let source = fixture();
    let tunables = find_tunables(&source).unwrap();
    let start = Start {
        source: &source,
        tunables: &tunables,
        speed: start(),
        metrics: &BTreeMap::new(),
    };
    let plan = Plan {
        stages: &[stage("block_tiling")],
        margin_pct: None,
        budget: Budget::default(),
    };
    let mut first: Vec<String> = Vec::new();
    search(start, plan, &mut |variant: &str,
                              _: &str|
     -> Result<Verdict, ()> {
        first.push(variant.to_owned());
        Ok(correct(landscape(variant)))
    })
    .unwrap();
    assert!(!first.is_empty());
    let before: std::collections::HashSet<String> = first.iter().cloned().collect();
    let mut again: Vec<String> = Vec::new();
    lathe_tune::search_after(start, plan, &before, &mut |variant: &str,
                                                         _: &str|
     -> Result<Verdict, ()> {
        again.push(variant.to_owned());
        Ok(correct(landscape(variant)))
    })
    .unwrap();
    assert!(
        again.iter().all(|v| !before.contains(v)),
        "judged again: {} of {}",
        again.iter().filter(|v| before.contains(*v)).count(),
        again.len()
    );
    // Without the first search's list, the same search judges the same variants.
    let mut unaware = 0;
    search(start, plan, &mut |variant: &str,
                              _: &str|
     -> Result<Verdict, ()> {
        unaware += usize::from(before.contains(variant));
        Ok(correct(landscape(variant)))
    })
    .unwrap();
    assert!(unaware > 0, "the first search's variants are met again");
}
