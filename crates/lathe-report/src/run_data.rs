//! Everything the reports are made from: one run's records, as the store holds them.

use lathe_store::{
    AttemptRecord, Evaluation, Extraction, MAIN_TASK, RunId, RunRecord, StageRecord, Store,
    StoreError,
};

/// One run with its attempts (in the loop's order) and its stage records (in the order the
/// loop reached them).
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    pub run: RunRecord,
    pub attempts: Vec<AttemptRecord>,
    pub stages: Vec<StageRecord>,
    /// The verdict of the kernel the user gave (`--kernel`), judged before any attempt: what
    /// the gain is measured from. `None` when the model wrote the first kernel.
    pub start: Option<Evaluation>,
}

/// What the run's times measure: it decides the plot's axis and the words next to every time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basis {
    /// At least one attempt was timed on a GPU against eager PyTorch.
    Gpu,
    /// Only the CPU interpreter's wall time is known: it orders kernels by the work the
    /// interpreter does and says nothing about GPU speed (engine.md).
    Interpreter,
    /// Nothing was timed.
    Untimed,
}

impl RunData {
    /// Reads `run` from `store`, as far as it got.
    pub fn load(store: &Store, run: &RunId) -> Result<RunData, StoreError> {
        let record = store.run(run)?;
        // A suite run's stages are each task's (load_task); its attempts are all of them.
        let (stages, start) = if record.tasks.iter().any(|t| t.task_id == MAIN_TASK) {
            (store.stages(run)?, store.start_evaluation(run, MAIN_TASK)?)
        } else {
            (Vec::new(), None)
        };
        Ok(RunData {
            run: record,
            attempts: store.attempts(run)?,
            stages,
            start,
        })
    }

    /// One task of a run of several, as a run of its own: its problem, its attempts and its
    /// stages (the whole run, for a run of one problem).
    pub fn load_task(store: &Store, run: &RunId, task: &str) -> Result<RunData, StoreError> {
        let mut record = store.run(run)?;
        if let Some(own) = record.tasks.iter().find(|t| t.task_id == task) {
            record.problem_path = own.problem_path.clone();
        }
        Ok(RunData {
            run: record,
            attempts: store.task_attempts(run, task)?,
            stages: store.task_stages(run, task)?,
            start: store.start_evaluation(run, task)?,
        })
    }

    /// The run's best: the last attempt marked kept, since each kept attempt replaced the one
    /// before.
    pub(crate) fn best(&self) -> Option<&AttemptRecord> {
        self.attempts.iter().rev().find(|a| a.kept)
    }

    pub(crate) fn basis(&self) -> Basis {
        let evaluations = || self.attempts.iter().filter_map(|a| a.evaluation.as_ref());
        if evaluations().any(|e| e.timing().is_some()) {
            Basis::Gpu
        } else if evaluations().any(|e| e.interpreter_ms.is_some()) {
            Basis::Interpreter
        } else {
            Basis::Untimed
        }
    }

    /// The loop's stages in the order it met them: the seed (when the run made one), each
    /// stage record, then any stage that attempts name but no record does (a run killed
    /// before recording it).
    pub(crate) fn stage_order(&self) -> Vec<&str> {
        let mut order: Vec<&str> = Vec::new();
        if self.attempts.iter().any(|a| loop_stage(a) == "seed") {
            order.push("seed");
        }
        let named = self.stages.iter().map(|s| s.stage.as_str());
        for stage in named.chain(self.attempts.iter().map(loop_stage)) {
            if !order.contains(&stage) {
                order.push(stage);
            }
        }
        order
    }

    /// The attempts that count toward `stage` (see [`loop_stage`]).
    pub(crate) fn attempts_of<'a>(
        &'a self,
        stage: &'a str,
    ) -> impl Iterator<Item = &'a AttemptRecord> + 'a {
        self.attempts.iter().filter(move |a| loop_stage(a) == stage)
    }

    /// The `seq` of the attempt with this id, for naming parents as people see them.
    pub(crate) fn seq_of(&self, id: lathe_store::AttemptId) -> Option<u32> {
        self.attempts.iter().find(|a| a.id == id).map(|a| a.seq)
    }
}

/// The stage of the loop an attempt belongs to. A repair's own stage is `repair` (the
/// analyst's diagnosis before it, `analyst`); it counts toward the stage whose candidate it
/// repairs, which its key names first (`stage:memory_access/s2/repair1` belongs to
/// `memory_access`, `seed/s0/repair1` to `seed`, `start/repair1/analyst` to `start`). A tuner
/// variant (`tune`) counts toward the stage it tuned (`tune:memory_access/3f9a…`).
pub(crate) fn loop_stage(attempt: &AttemptRecord) -> &str {
    if !matches!(attempt.stage.as_str(), "repair" | "analyst" | "tune") {
        return &attempt.stage;
    }
    attempt.key.loop_stage()
}

/// The kernel taken from the attempt's reply, if one was.
pub(crate) fn code(attempt: &AttemptRecord) -> Option<&str> {
    match &attempt.extraction {
        Some(Extraction::Code { source, .. }) => Some(source),
        _ => None,
    }
}
