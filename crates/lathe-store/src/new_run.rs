//! What the store is told when a run starts.

use std::path::PathBuf;

use lathe_core::{Backend, Category};

use crate::{RunId, Task, Timestamp};

#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    /// Made by [`RunId::new`] from `created_at`.
    pub id: RunId,
    pub created_at: Timestamp,
    pub problem_path: PathBuf,
    /// Lowercase hex SHA-256 of the problem file's bytes: which version of it the run saw.
    pub problem_sha256: String,
    pub category: Category,
    pub backend: Backend,
    /// The GPU's catalog name (`H100 SXM`), or `interpret` for the CPU interpreter.
    pub gpu: String,
    /// The model as `--llm` named it (`openai:gpt-4.1`).
    pub llm_spec: String,
    /// The resolved settings the run used. Never an API key: keys stay out of the database.
    pub settings: serde_json::Value,
    /// Where the run's outputs go (`best.py`, reports, prompts and replies).
    pub out_dir: PathBuf,
    pub tasks: Vec<Task>,
    /// The environment (torch, Triton, driver versions...), when known at the start; else
    /// set later with [`Store::set_fingerprint`](crate::Store::set_fingerprint).
    pub fingerprint: Option<serde_json::Value>,
}
