//! The order of an attempt's steps, and why a step out of order is refused.
//!
//! Each write of an attempt is an UPDATE guarded by what must already be recorded (a code
//! needs a successful call, a verdict needs code and no verdict yet). When the guard leaves
//! the row unchanged, [`require_changed`] reads the row back to say which condition failed.

use std::path::Path;

use rusqlite::{OptionalExtension, Transaction};

use crate::failure::Failure;
use crate::{AttemptId, StoreError};

/// `Ok` when the guarded UPDATE changed the row; else why it did not.
pub(crate) fn require_changed(
    tx: &Transaction<'_>,
    path: &Path,
    id: AttemptId,
    changed: usize,
    step: Step,
) -> Result<(), Failure> {
    if changed > 0 {
        return Ok(());
    }
    let progress = tx
        .query_row(
            "SELECT called_at IS NOT NULL, llm_error IS NOT NULL, code IS NOT NULL, \
             extract_error IS NOT NULL, verdict_kind, run_id, seq, key \
             FROM attempts WHERE id = ?1",
            [id.0],
            |row| {
                Ok(Progress {
                    called: row.get(0)?,
                    call_failed: row.get(1)?,
                    has_code: row.get(2)?,
                    no_code: row.get(3)?,
                    verdict: row.get(4)?,
                    name: format!(
                        "attempt {} (`{}`) of run {}",
                        row.get::<_, i64>(6)?,
                        row.get::<_, String>(7)?,
                        row.get::<_, String>(5)?
                    ),
                })
            },
        )
        .optional()?;
    let Some(progress) = progress else {
        return Err(StoreError::UnknownAttempt {
            path: path.to_path_buf(),
            id,
        }
        .into());
    };
    Err(StoreError::OutOfOrder {
        path: path.to_path_buf(),
        doing: step.doing(&progress.name),
        reason: progress.refusal(step),
    }
    .into())
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    Reply,
    Code,
    Verdict,
    Kept,
}

impl Step {
    /// What was being done, for the error: `attempt` names the attempt.
    fn doing(self, attempt: &str) -> String {
        match self {
            Step::Reply => format!("record the model call of {attempt}"),
            Step::Code => format!("record the code of {attempt}"),
            Step::Verdict => format!("record the verdict of {attempt}"),
            Step::Kept => format!("mark {attempt} as the best"),
        }
    }
}

/// How far an attempt got, as far as the order of steps cares.
#[derive(Debug)]
struct Progress {
    called: bool,
    call_failed: bool,
    has_code: bool,
    no_code: bool,
    verdict: Option<String>,
    /// `attempt 3 (`seed/s0`) of run r20261121-160733-3f9a`.
    name: String,
}

impl Progress {
    /// Why `step` cannot be taken now, for an attempt whose guarded UPDATE changed nothing.
    fn refusal(&self, step: Step) -> String {
        let verdict = self.verdict.as_deref();
        match step {
            Step::Reply => "its model call is recorded already".to_owned(),
            Step::Code | Step::Verdict if !self.called => {
                "its model call is not recorded yet".to_owned()
            }
            Step::Code | Step::Verdict if self.call_failed => {
                "its model call failed, so there is no reply to take code from".to_owned()
            }
            Step::Code | Step::Verdict if verdict.is_some() => {
                format!(
                    "its verdict ({}) is recorded already",
                    verdict.unwrap_or_default()
                )
            }
            Step::Verdict if self.no_code => {
                "no code could be taken from its reply, so there is nothing to judge".to_owned()
            }
            Step::Verdict if !self.has_code => "its code is not recorded yet".to_owned(),
            Step::Kept => match verdict {
                Some(kind) => format!("its verdict is {kind}; only a correct attempt can be kept"),
                None => "it has no verdict yet".to_owned(),
            },
            Step::Code | Step::Verdict => "its record is inconsistent".to_owned(),
        }
    }
}
