//! The Nsight Compute metric names lathe knows to exist on the GPUs it targets:
//! `data/ncu_known_metrics.txt.gz`, the names common to sm_80 (ga100), sm_89 (ad102) and sm_90
//! (gh100) under ncu 2025.3 (`ncu --query-metrics --chip`, see tools/ncu_known_metrics.sh), plus
//! the `launch__*` attributes of a real capture. The stage library's test checks every stage
//! metric against it; the profiler suggests from it when a name is unknown.

use std::io::Read;

const GZ: &[u8] = include_bytes!("../data/ncu_known_metrics.txt.gz");

/// Every name, one per entry, sorted as in the file.
pub fn ncu_known_metric_names() -> Vec<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(GZ)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("the embedded metric list is corrupt: {e}"));
    text.lines().map(str::to_owned).collect()
}
