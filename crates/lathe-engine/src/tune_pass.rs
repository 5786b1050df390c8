//! The tuner inside the loop: `lathe tune`'s search over the best kernel's launch constants that
//! a stage tunes. Without a model it is the stage; with one it follows a stage that made a new
//! best (`Plan::tune_after_stages`). Each variant is an attempt of stage `tune` (key
//! `tune:STAGE/<digest of the variant>`): its "reply" is the tuner's note, its code the variant,
//! judged and kept by the loop's own rule, so the store, the reports and resume treat it like any
//! other. Budgets count model calls only; a tuner variant costs none.

use std::collections::{BTreeMap, HashSet};

use lathe_core::{AttemptKey, Stage, Verdict};
use lathe_store::{CallOutcome, Extraction, ModelCall, NewAttempt, TokenUsage};
use lathe_tune::{Budget, Plan as TunePlan, Start, find_tunables, search_after};

use crate::Event;
use crate::attempts::Tried;
use crate::engine::{Engine, Halt, TUNE_STAGE};
use crate::judge::findings_json;

impl Engine<'_> {
    /// Tunes the best kernel's constants that `stage` tunes, and keeps the best variant.
    pub(crate) fn tune_stage(
        &mut self,
        stage: &Stage,
        metrics: &BTreeMap<String, f64>,
    ) -> Result<(), Halt> {
        let Some(best) = self.best.clone() else {
            return Ok(());
        };
        let Some(speed) = best.speed else {
            return Ok(());
        };
        let tunables = match find_tunables(&best.source) {
            Ok(t) if !t.is_empty() => t,
            _ => {
                (self.emit)(&Event::NotKept {
                    stage: stage.id.clone(),
                    key: None,
                    reason: "tuner: the best kernel has no launch constants to tune".to_owned(),
                });
                return Ok(());
            }
        };
        let mut tried: Vec<Tried> = Vec::new();
        let mut failure: Option<Halt> = None;
        let margin = self.plan.margin_pct;
        let budget = Budget {
            evaluations: Some(self.plan.tune_budget),
            time: None,
        };
        let stages = [stage];
        let judged_before = self.tuned_before(stage)?;
        let tuned = search_after(
            Start {
                source: &best.source,
                tunables: &tunables,
                speed,
                metrics,
            },
            TunePlan {
                stages: &stages,
                margin_pct: margin,
                budget,
            },
            &judged_before,
            &mut |variant: &str, label: &str| -> Result<Verdict, ()> {
                match self.tune_variant(stage, tried.len() as u32, best.attempt, variant, label) {
                    Ok(t) => {
                        let verdict = t
                            .evaluation
                            .as_ref()
                            .map(|e| e.verdict.clone())
                            .unwrap_or_else(|| unreachable!("a variant is always judged"));
                        tried.push(t);
                        Ok(verdict)
                    }
                    Err(halt) => {
                        failure = Some(halt);
                        Err(())
                    }
                }
            },
        );
        if let Some(halt) = failure {
            return Err(halt);
        }
        let Ok(tuned) = tuned else {
            unreachable!("the judge fails only with a recorded failure")
        };
        if !tuned.changes.is_empty()
            && let Some(winner) = tried
                .iter()
                .find(|t| t.code.as_deref() == Some(&tuned.source))
        {
            let winner = winner.clone();
            self.keep(&winner)?;
        } else {
            (self.emit)(&Event::NotKept {
                stage: stage.id.clone(),
                key: None,
                reason: format!("tuner: {}", tuned.notes.join("; ")),
            });
        }
        Ok(())
    }

    /// The variants the tuner judged in the run's earlier stages: never judged again. A
    /// variant of this stage on record (a resumed run) is not among them: the search meets it
    /// again and takes its verdict from the store, as the killed run would have gone on.
    fn tuned_before(&self, stage: &Stage) -> Result<HashSet<String>, Halt> {
        Ok(self
            .store
            .task_attempts(&self.run, &self.task)?
            .into_iter()
            .filter(|a| a.stage == TUNE_STAGE && !a.key.is_variant_of(&stage.id))
            .filter(|a| a.evaluation.is_some())
            .filter_map(|a| match a.extraction {
                Some(Extraction::Code { source, .. }) => Some(source),
                _ => None,
            })
            .collect())
    }

    /// One variant as an attempt: begun, its note and code committed, judged; or all of it taken
    /// from the store on a resume.
    fn tune_variant(
        &mut self,
        stage: &Stage,
        number: u32,
        parent: Option<lathe_store::AttemptId>,
        variant: &str,
        label: &str,
    ) -> Result<Tried, Halt> {
        // Named by its content: a resume that meets the same variant finds its verdict, whatever
        // order the search takes this time (a new profile may propose differently).
        let key = AttemptKey::tune(&stage.id, &lathe_llm::replay::prompt_hash(variant));
        let known = self.known.get(&key).cloned();
        let (id, seq) = match &known {
            Some(record) => (record.id, record.seq),
            None => {
                let id = self.store.begin_task_attempt(
                    &self.run,
                    &self.task,
                    &NewAttempt {
                        key: key.clone(),
                        stage: TUNE_STAGE.to_owned(),
                        round: 0,
                        sample: number,
                        parent,
                        prompt: format!("lathe tune, stage {}: {label}", stage.id),
                    },
                )?;
                (id, self.store.attempt(id)?.seq)
            }
        };
        if known.as_ref().is_none_or(|k| k.call.is_none()) {
            self.store.record_reply(
                id,
                &ModelCall {
                    outcome: CallOutcome::Replied {
                        text: format!("lathe tune: {label}"),
                    },
                    reasoning: None,
                    usage: TokenUsage::default(),
                    cost_usd: None,
                    seconds: 0.0,
                },
            )?;
        }
        if known.as_ref().is_none_or(|k| k.extraction.is_none()) {
            let report = lathe_check::check(variant, self.plan.backend, self.parts.judge.policy);
            self.store.record_code(
                id,
                &Extraction::Code {
                    source: variant.to_owned(),
                    findings: findings_json(&report),
                },
            )?;
        }
        let path = self.files.write_attempt(seq, &key, "kernel.py", variant)?;
        self.attempts_made += 1;
        let (evaluation, reused) = match known.and_then(|k| k.evaluation) {
            Some(evaluation) => (evaluation, true),
            None => (self.judge_now(Some(id), &key, variant, &path)?, false),
        };
        (self.emit)(&Event::Judged {
            key: key.clone(),
            verdict: evaluation.verdict.kind().as_str().to_owned(),
            summary: format!("{label}: {}", evaluation.verdict.summary()),
            reused,
        });
        Ok(Tried {
            id,
            key,
            sample: number,
            code: Some(variant.to_owned()),
            path: Some(path),
            evaluation: Some(evaluation),
        })
    }
}
