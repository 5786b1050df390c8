//! Baselines measured ahead of a suite (migration 0004): one row per torch.compile cache key,
//! so a row says which machine and which versions its figures belong to.

use std::collections::BTreeMap;

use rusqlite::params;

use crate::failure::Failure;
use crate::{Store, StoreError, Timestamp};

/// A problem's eager and torch.compile timings on one machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// The worker's torch.compile cache key: the problem's source and overrides, the machine,
    /// the versions and the timing protocol.
    pub compile_key: String,
    pub problem_path: String,
    pub overrides: BTreeMap<String, serde_json::Value>,
    pub gpu: String,
    pub torch_version: String,
    pub triton_version: String,
    pub cuda_version: Option<String>,
    pub eager_median_ms: Option<f64>,
    pub eager_iqr_ms: Option<f64>,
    pub compile_median_ms: Option<f64>,
    pub compile_iqr_ms: Option<f64>,
    pub compile_seconds: Option<f64>,
    /// Why torch.compile gave no figure.
    pub compile_error: Option<String>,
    pub measured_at: Timestamp,
}

impl Store {
    /// Records a baseline, replacing an earlier one under the same key.
    pub fn record_baseline(&self, baseline: &Baseline) -> Result<(), StoreError> {
        let doing = format!("record the baselines of {}", baseline.problem_path);
        self.write(&doing, |tx| {
            let overrides = serde_json::to_string(&baseline.overrides)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            tx.execute(
                "INSERT OR REPLACE INTO baselines (compile_key, problem_path, overrides_json, \
                 gpu, torch_version, triton_version, cuda_version, eager_median_ms, \
                 eager_iqr_ms, compile_median_ms, compile_iqr_ms, compile_seconds, \
                 compile_error, measured_at_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                params![
                    baseline.compile_key,
                    baseline.problem_path,
                    overrides,
                    baseline.gpu,
                    baseline.torch_version,
                    baseline.triton_version,
                    baseline.cuda_version,
                    baseline.eager_median_ms,
                    baseline.eager_iqr_ms,
                    baseline.compile_median_ms,
                    baseline.compile_iqr_ms,
                    baseline.compile_seconds,
                    baseline.compile_error,
                    baseline.measured_at.unix_ms(),
                ],
            )?;
            Ok(())
        })
    }

    /// Every recorded baseline, by problem, then newest first.
    pub fn baselines(&self) -> Result<Vec<Baseline>, StoreError> {
        self.read("read the recorded baselines", |tx| {
            let mut statement = tx.prepare(
                "SELECT * FROM baselines ORDER BY problem_path, measured_at_ms DESC, compile_key",
            )?;
            let rows = statement.query_map([], |row| {
                let overrides: String = row.get("overrides_json")?;
                Ok((
                    overrides,
                    Baseline {
                        compile_key: row.get("compile_key")?,
                        problem_path: row.get("problem_path")?,
                        overrides: BTreeMap::new(),
                        gpu: row.get("gpu")?,
                        torch_version: row.get("torch_version")?,
                        triton_version: row.get("triton_version")?,
                        cuda_version: row.get("cuda_version")?,
                        eager_median_ms: row.get("eager_median_ms")?,
                        eager_iqr_ms: row.get("eager_iqr_ms")?,
                        compile_median_ms: row.get("compile_median_ms")?,
                        compile_iqr_ms: row.get("compile_iqr_ms")?,
                        compile_seconds: row.get("compile_seconds")?,
                        compile_error: row.get("compile_error")?,
                        measured_at: Timestamp::from_unix_ms(row.get("measured_at_ms")?),
                    },
                ))
            })?;
            let mut baselines = Vec::new();
            for row in rows {
                let (overrides, mut baseline) = row?;
                baseline.overrides =
                    serde_json::from_str(&overrides).map_err(|e| Failure::Unreadable {
                        column: "baselines.overrides_json",
                        value: overrides.clone(),
                        problem: e.to_string(),
                    })?;
                baselines.push(baseline);
            }
            Ok(baselines)
        })
    }
}
