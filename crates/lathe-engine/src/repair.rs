//! Repairing a failed kernel: the analyst reads the failure and names the one thing to fix,
//! then the repair prompt gets the error, the diagnosis and every earlier failed attempt at the
//! same kernel, for at most the plan's number of rounds.

use lathe_core::{AttemptKey, Verdict};
use lathe_llm::extract_json;
use lathe_prompt::{Diagnosis, ErrorLog, FailedAttempt, FailureRequest};
use lathe_store::{AttemptId, Evaluation, NewAttempt};

use crate::attempts::Tried;
use crate::engine::{Engine, Halt};
use crate::judge::failure_text;

/// The kernel to repair and where it sits in the loop.
pub(crate) struct Broken {
    /// Its key: the repairs' keys extend it (`stage:tuning/s1/repair1`).
    pub key: AttemptKey,
    /// Its attempt; `None` for a starting kernel given by the user.
    pub attempt: Option<AttemptId>,
    pub sample: u32,
    pub code: String,
    pub evaluation: Evaluation,
}

impl Broken {
    pub fn of(tried: &Tried) -> Option<Broken> {
        Some(Broken {
            key: tried.key.clone(),
            attempt: Some(tried.id),
            sample: tried.sample,
            code: tried.code.clone()?,
            evaluation: tried.evaluation.clone()?,
        })
    }
}

impl Engine<'_> {
    /// Repairs `broken` until a repair is correct or `rounds` are used. Returns every repair
    /// judged, and the budget that stopped the rounds early, if one did.
    pub(crate) fn repair(
        &mut self,
        broken: Broken,
        rounds: u32,
    ) -> Result<(Vec<Tried>, Option<Halt>), Halt> {
        let mut history: Vec<FailedAttempt> = Vec::new();
        let mut fixes: Vec<Tried> = Vec::new();
        let (mut code, mut verdict, mut parent) =
            (broken.code, broken.evaluation.verdict, broken.attempt);
        for round in 1..=rounds {
            let attempt = |key: AttemptKey, stage: &str, prompt: String| NewAttempt {
                key,
                stage: stage.to_owned(),
                round,
                sample: broken.sample,
                parent,
                prompt,
            };
            let analyst_prompt = self.failure_prompt(&code, &verdict, &history, Ask::Analyst)?;
            let (called, stop) = self.call_batch(vec![attempt(
                broken.key.analyst(round),
                "analyst",
                analyst_prompt,
            )])?;
            if stop.is_some() {
                return Ok((fixes, stop));
            }
            let diagnosis: Option<Diagnosis> = called
                .first()
                .and_then(|c| c.call.text())
                .and_then(|text| extract_json(text).ok())
                .and_then(|value| serde_json::from_value(value).ok());
            let repair_prompt =
                self.failure_prompt(&code, &verdict, &history, Ask::Repair(diagnosis.as_ref()))?;
            let (called, stop) = self.call_batch(vec![attempt(
                broken.key.repair(round),
                "repair",
                repair_prompt,
            )])?;
            let mut fixed = false;
            for c in called {
                let tried = self.conclude(c)?;
                fixed |= tried.is_correct();
                history.push(FailedAttempt {
                    verdict: verdict.kind(),
                    summary: verdict.summary(),
                });
                if let (Some(c), Some(e)) = (&tried.code, &tried.evaluation) {
                    code = c.clone();
                    verdict = e.verdict.clone();
                    parent = Some(tried.id);
                }
                fixes.push(tried);
            }
            if fixed || stop.is_some() {
                return Ok((fixes, stop));
            }
        }
        Ok((fixes, None))
    }

    fn failure_prompt(
        &self,
        code: &str,
        verdict: &Verdict,
        history: &[FailedAttempt],
        ask: Ask<'_>,
    ) -> Result<String, Halt> {
        let diagnosis = match ask {
            Ask::Analyst => None,
            Ask::Repair(diagnosis) => diagnosis,
        };
        let log = ErrorLog::tail(&failure_text(verdict), self.parts.error_log_lines);
        let request = FailureRequest {
            gpu: &self.gpu,
            backend: self.plan.backend,
            reference_source: &self.reference,
            code,
            error_log: &log,
            history,
            diagnosis,
        };
        let text = match ask {
            Ask::Analyst => self.prompts.analyst(&request),
            Ask::Repair(_) => self.prompts.repair(&request),
        };
        Ok(text.map_err(crate::EngineError::from)?)
    }
}

/// Which failure prompt: the analyst's, or the repair with the analyst's diagnosis (`None`
/// when the analyst's reply held no readable diagnosis).
#[derive(Clone, Copy)]
enum Ask<'a> {
    Analyst,
    Repair(Option<&'a Diagnosis>),
}
