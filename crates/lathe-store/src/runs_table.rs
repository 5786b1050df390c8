//! The `runs` and `tasks` tables: starting a run, its status, and listing runs.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::failure::{Failure, count, parsed, path_text};
use crate::run_record::RUN_COLUMNS;
use crate::{
    BestAttempt, NewRun, RunId, RunRecord, RunStatus, RunSummary, StartingKernel, Store,
    StoreError, Task, Timestamp,
};

impl Store {
    /// Records a run that starts now, with its tasks, in status `running`.
    pub fn create_run(&self, run: &NewRun) -> Result<(), StoreError> {
        self.write(&format!("record the new run {}", run.id), |tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1)",
                [run.id.as_str()],
                |row| row.get(0),
            )?;
            if exists {
                return Err(StoreError::RunExists {
                    path: self.path().to_path_buf(),
                    id: run.id.clone(),
                }
                .into());
            }
            tx.execute(
                "INSERT INTO runs (id, created_at, problem_path, problem_sha256, category, \
                 backend, gpu, llm_spec, settings_json, out_dir, status, fingerprint_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'running', ?11)",
                params![
                    run.id.as_str(),
                    run.created_at.to_string(),
                    path_text(&run.problem_path, "problem path")?,
                    run.problem_sha256,
                    run.category.as_str(),
                    run.backend.as_str(),
                    run.gpu,
                    run.llm_spec,
                    run.settings.to_string(),
                    path_text(&run.out_dir, "output directory")?,
                    run.fingerprint.as_ref().map(|f| f.to_string()),
                ],
            )?;
            for (position, task) in (1..).zip(&run.tasks) {
                let kernel = task.starting_kernel.as_ref();
                let kernel_path = kernel
                    .map(|k| path_text(&k.path, "starting kernel path"))
                    .transpose()?;
                tx.execute(
                    "INSERT INTO tasks (run_id, task_id, position, problem_path, \
                     starting_kernel_path, starting_kernel_sha256) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        run.id.as_str(),
                        task.task_id,
                        position,
                        path_text(&task.problem_path, "task's problem path")?,
                        kernel_path,
                        kernel.map(|k| k.sha256.as_str()),
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// The run with this id, with its tasks.
    pub fn run(&self, id: &RunId) -> Result<RunRecord, StoreError> {
        self.read(&format!("read run {id}"), |tx| {
            self.require_run(tx, id.as_str())?;
            let mut record = tx.query_row_and_then(
                &format!("SELECT {RUN_COLUMNS} FROM runs r WHERE r.id = ?1"),
                [id.as_str()],
                RunRecord::from_row,
            )?;
            record.tasks = tasks(tx, id)?;
            Ok(record)
        })
    }

    /// Every run, newest first, with its counts.
    pub fn runs(&self) -> Result<Vec<RunSummary>, StoreError> {
        self.read("list the runs", |tx| {
            let mut statement = tx.prepare(&format!(
                "SELECT {RUN_COLUMNS}, \
                 (SELECT count(*) FROM attempts a WHERE a.run_id = r.id) AS attempts, \
                 (SELECT count(*) FROM attempts a \
                     WHERE a.run_id = r.id AND a.verdict_kind = 'correct') AS correct, \
                 max(r.created_at, coalesce(r.finished_at, ''), \
                     coalesce((SELECT max(max(a.started_at, coalesce(a.called_at, ''), \
                         coalesce(a.finished_at, ''))) FROM attempts a WHERE a.run_id = r.id), ''), \
                     coalesce((SELECT max(s.recorded_at) FROM stages s WHERE s.run_id = r.id), '') \
                 ) AS last_activity \
                 FROM runs r ORDER BY r.created_at DESC, r.id DESC"
            ))?;
            let mut rows = statement.query([])?;
            let mut summaries = Vec::new();
            while let Some(row) = rows.next()? {
                let mut run = RunRecord::from_row(row)?;
                run.tasks = tasks(tx, &run.id)?;
                let best = best(tx, &run.id)?;
                summaries.push(RunSummary {
                    run,
                    attempts: count(row, "attempts")?,
                    correct: count(row, "correct")?,
                    best,
                    last_activity: parsed(row, "last_activity")?,
                });
            }
            Ok(summaries)
        })
    }

    /// Sets the run's status; an ended status stamps `finished_at`, `running` (a resume)
    /// clears it.
    pub fn set_status(&self, run: &RunId, status: &RunStatus) -> Result<(), StoreError> {
        self.write(&format!("set the status of run {run} to {status}"), |tx| {
            self.require_run(tx, run.as_str())?;
            let finished_at = status.is_ended().then(|| Timestamp::now().to_string());
            tx.execute(
                "UPDATE runs SET status = ?2, status_detail = ?3, finished_at = ?4 WHERE id = ?1",
                params![run.as_str(), status.name(), status.detail(), finished_at],
            )?;
            Ok(())
        })
    }

    /// Names the GPU the run's candidates run on, once a probe has found it.
    pub fn set_gpu(&self, run: &RunId, gpu: &str) -> Result<(), StoreError> {
        self.write(&format!("record the GPU of run {run}"), |tx| {
            self.require_run(tx, run.as_str())?;
            tx.execute(
                "UPDATE runs SET gpu = ?2 WHERE id = ?1",
                params![run.as_str(), gpu],
            )?;
            Ok(())
        })
    }

    /// Records the run's environment (torch, Triton, driver versions...), replacing any.
    pub fn set_fingerprint(
        &self,
        run: &RunId,
        fingerprint: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.write(&format!("record the fingerprint of run {run}"), |tx| {
            self.require_run(tx, run.as_str())?;
            tx.execute(
                "UPDATE runs SET fingerprint_json = ?2 WHERE id = ?1",
                params![run.as_str(), fingerprint.to_string()],
            )?;
            Ok(())
        })
    }
}

fn tasks(tx: &Transaction<'_>, run: &RunId) -> Result<Vec<Task>, Failure> {
    let mut statement = tx.prepare(
        "SELECT task_id, problem_path, starting_kernel_path, starting_kernel_sha256 \
         FROM tasks WHERE run_id = ?1 ORDER BY position",
    )?;
    let mut rows = statement.query([run.as_str()])?;
    let mut tasks = Vec::new();
    while let Some(row) = rows.next()? {
        let kernel_path: Option<String> = row.get("starting_kernel_path")?;
        let kernel_sha256: Option<String> = row.get("starting_kernel_sha256")?;
        tasks.push(Task {
            task_id: row.get("task_id")?,
            problem_path: row.get::<_, String>("problem_path")?.into(),
            // The schema keeps the two both null or both set.
            starting_kernel: kernel_path
                .zip(kernel_sha256)
                .map(|(path, sha256)| StartingKernel {
                    path: path.into(),
                    sha256,
                }),
        });
    }
    Ok(tasks)
}

/// The run's current best: its last kept attempt.
fn best(tx: &Transaction<'_>, run: &RunId) -> Result<Option<BestAttempt>, Failure> {
    let found = tx
        .query_row(
            "SELECT seq, candidate_ms, interpreter_ms, \
             json_extract(verdict_json, '$.timing.speedup_vs_eager') AS speedup \
             FROM attempts WHERE run_id = ?1 AND kept = 1 ORDER BY seq DESC LIMIT 1",
            [run.as_str()],
            |row| {
                Ok((
                    row.get::<_, i64>("seq")?,
                    row.get("candidate_ms")?,
                    row.get("speedup")?,
                    row.get("interpreter_ms")?,
                ))
            },
        )
        .optional()?;
    found
        .map(|(seq, candidate_ms, speedup_vs_eager, interpreter_ms)| {
            Ok(BestAttempt {
                seq: u32::try_from(seq).map_err(|e| Failure::Unreadable {
                    column: "attempts.seq",
                    value: seq.to_string(),
                    problem: e.to_string(),
                })?,
                candidate_ms,
                speedup_vs_eager,
                interpreter_ms,
            })
        })
        .transpose()
}
