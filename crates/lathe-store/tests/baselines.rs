//! Baselines measured ahead of a suite: recorded per torch.compile cache key, a new
//! measurement under the same key replacing the old, read back by problem.

use std::collections::BTreeMap;

use lathe_store::{Baseline, Store, Timestamp};

fn baseline(key: &str, problem: &str, eager: f64, at: i64) -> Baseline {
    Baseline {
        compile_key: key.to_owned(),
        problem_path: problem.to_owned(),
        overrides: BTreeMap::from([("batch_size".to_owned(), serde_json::json!(2))]),
        gpu: "NVIDIA H100 80GB HBM3".to_owned(),
        torch_version: "2.11.0".to_owned(),
        triton_version: "3.6.0".to_owned(),
        cuda_version: Some("13.0".to_owned()),
        eager_median_ms: Some(eager),
        eager_iqr_ms: Some(0.01),
        compile_median_ms: None,
        compile_iqr_ms: None,
        compile_seconds: None,
        compile_error: Some("torch.compile failed: x".to_owned()),
        measured_at: Timestamp::from_unix_ms(at),
    }
}

#[test]
fn a_baseline_is_kept_per_key_and_replaced_by_a_new_measurement() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lathe.db");
    {
        let store = Store::open(&path).unwrap();
        store
            .record_baseline(&baseline("k2", "level2/b.py", 2.0, 10))
            .unwrap();
        store
            .record_baseline(&baseline("k1", "level1/a.py", 1.0, 10))
            .unwrap();
        store
            .record_baseline(&baseline("k1", "level1/a.py", 1.5, 20))
            .unwrap();
    }
    // Read back by another connection: committed, not cached in memory.
    let rows = Store::open(&path).unwrap().baselines().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].problem_path, "level1/a.py");
    assert_eq!(rows[0].eager_median_ms, Some(1.5));
    assert_eq!(rows[0].measured_at.unix_ms(), 20);
    assert_eq!(rows[0].overrides["batch_size"], serde_json::json!(2));
    assert_eq!(rows[1], baseline("k2", "level2/b.py", 2.0, 10));
}
