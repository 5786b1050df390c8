//! A run as the store holds it.

use std::path::PathBuf;

use lathe_core::{Backend, Category};
use rusqlite::Row;

use crate::failure::{Failure, json, json_opt, parsed, parsed_opt};
use crate::{RunId, RunStatus, Task, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub id: RunId,
    pub created_at: Timestamp,
    pub problem_path: PathBuf,
    pub problem_sha256: String,
    pub category: Category,
    pub backend: Backend,
    pub gpu: String,
    pub llm_spec: String,
    pub settings: serde_json::Value,
    pub out_dir: PathBuf,
    pub status: RunStatus,
    /// When the status last left `running`; `None` while running.
    pub finished_at: Option<Timestamp>,
    pub fingerprint: Option<serde_json::Value>,
    /// In the order the run was given them.
    pub tasks: Vec<Task>,
}

/// The columns [`RunRecord::from_row`] reads, for a `SELECT` on `runs` aliased `r`.
pub(crate) const RUN_COLUMNS: &str = "r.id, r.created_at, r.problem_path, r.problem_sha256, \
     r.category, r.backend, r.gpu, r.llm_spec, r.settings_json, r.out_dir, r.status, \
     r.status_detail, r.finished_at, r.fingerprint_json";

impl RunRecord {
    /// The run of a row selected with [`RUN_COLUMNS`]; its tasks are loaded apart.
    pub(crate) fn from_row(row: &Row<'_>) -> Result<RunRecord, Failure> {
        let status: String = row.get("status")?;
        let detail: Option<String> = row.get("status_detail")?;
        let status =
            RunStatus::from_columns(&status, detail).map_err(|problem| Failure::Unreadable {
                column: "runs.status",
                value: status.clone(),
                problem,
            })?;
        Ok(RunRecord {
            id: parsed(row, "id")?,
            created_at: parsed(row, "created_at")?,
            problem_path: PathBuf::from(row.get::<_, String>("problem_path")?),
            problem_sha256: row.get("problem_sha256")?,
            category: parsed(row, "category")?,
            backend: parsed(row, "backend")?,
            gpu: row.get("gpu")?,
            llm_spec: row.get("llm_spec")?,
            settings: json(row, "settings_json")?,
            out_dir: PathBuf::from(row.get::<_, String>("out_dir")?),
            status,
            finished_at: parsed_opt(row, "finished_at")?,
            fingerprint: json_opt(row, "fingerprint_json")?,
            tasks: Vec::new(),
        })
    }
}
