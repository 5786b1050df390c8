//! Every metric a stage asks for exists on the GPUs lathe targets.
//!
//! `data/ncu_known_metrics.txt.gz` lists the Nsight Compute 2025.3 metric names present on all of
//! sm_80 (ga100), sm_89 (ad102) and sm_90 (gh100), read with `ncu --query-metrics --chip` on a GPU
//! machine (tools/device/probe_facts.sh, tools/ncu_known_metrics.sh) plus the launch__ attributes
//! of a real capture. A stage that asks for a name outside it would profile nothing on some GPU,
//! as the seeds' memory-dependency stall metric did on every one.

use std::collections::HashSet;

use lathe_core::StageLibrary;

fn known_metrics() -> HashSet<String> {
    lathe_core::ncu_known_metric_names().into_iter().collect()
}

#[test]
fn the_list_is_real() {
    let known = known_metrics();
    assert!(known.len() > 10_000, "{} names", known.len());
    assert!(known.contains("sm__throughput.avg.pct_of_peak_sustained_elapsed"));
    assert!(known.contains("launch__registers_per_thread"));
}

#[test]
fn the_seeds_stall_metric_exists_on_no_current_gpu() {
    let name = "smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct";
    assert!(!known_metrics().contains(name));
    let profiled = StageLibrary::embedded()
        .all()
        .any(|s| s.metrics.iter().any(|m| m == name));
    assert!(
        !profiled,
        "no stage may profile a metric that does not exist"
    );
}

#[test]
fn every_stage_metric_exists_on_sm80_sm89_and_sm90() {
    let known = known_metrics();
    for stage in StageLibrary::embedded().all() {
        for metric in &stage.metrics {
            assert!(
                known.contains(metric),
                "{}/{}: `{metric}`",
                stage.category,
                stage.id
            );
        }
    }
}
