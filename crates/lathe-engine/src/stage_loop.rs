//! One stage: profile the best kernel with the stage's metrics, skip the stage when its
//! thresholds are already met, else prompt for N candidates, judge them, repair the failures,
//! and keep the fastest correct one only if it is faster by more than the margin and the
//! spread.

use std::collections::BTreeMap;
use std::time::Instant;

use lathe_core::Stage;
use lathe_profile::{MetricRequest, ProfileRecord, ProfileTarget};
use lathe_prompt::OptimizeRequest;
use lathe_store::{StageRecord, StageStatus};

use crate::attempts::{Tried, fastest};
use crate::engine::{Best, Engine, Halt};
use crate::repair::Broken;
use crate::{EngineError, Event};
use lathe_core::{AttemptKey, beats};

impl Engine<'_> {
    pub(crate) fn stage(&mut self, index: usize, total: usize, stage: &Stage) -> Result<(), Halt> {
        let id = stage.id.clone();
        (self.emit)(&Event::StageStarted {
            stage: id.clone(),
            index,
            total,
        });
        let before = self.best.as_ref().and_then(|b| b.speed).map(|s| s.ms);
        let recorded = self.known_stages.get(&id).cloned();
        if let Some(r) = recorded
            .as_ref()
            .filter(|r| r.status == StageStatus::Skipped)
        {
            (self.emit)(&Event::StageSkipped {
                stage: id,
                reason: r.reason.clone().unwrap_or_default(),
            });
            return Ok(());
        }
        // Every sample of a stage gets the same prompt: one on record is the stage's prompt.
        let stored_prompt = self
            .known
            .values()
            .filter(|a| a.stage == id && a.key.is_sample_of(&id))
            .min_by_key(|a| a.seq)
            .map(|a| a.prompt.clone());
        let began = stored_prompt.is_some() || self.known.keys().any(|k| k.is_variant_of(&id));
        let mut block = recorded.and_then(|r| r.metrics_block);
        let mut measured = BTreeMap::new();
        if !began {
            let profile = if self.plan.profile {
                self.profile_best(stage)?
            } else {
                None
            };
            if let Some(record) = &profile {
                block = Some(record.block.clone());
                measured = record.main_kernel_metrics();
                if let Some(reason) = skip_reason(stage, &measured) {
                    self.store.record_task_stage(
                        &self.run,
                        &self.task,
                        &StageRecord {
                            stage: id.clone(),
                            status: StageStatus::Skipped,
                            reason: Some(reason.clone()),
                            metrics_block: block,
                            best_before_ms: before,
                            best_after_ms: before,
                        },
                    )?;
                    (self.emit)(&Event::StageSkipped { stage: id, reason });
                    return Ok(());
                }
            }
            self.stage_metrics = profile.map(|r| r.metrics);
        }
        let record = |after: Option<f64>, block: Option<String>| StageRecord {
            stage: id.clone(),
            status: StageStatus::Ran,
            reason: None,
            metrics_block: block,
            best_before_ms: before,
            best_after_ms: after,
        };
        self.store
            .record_task_stage(&self.run, &self.task, &record(None, block.clone()))?;
        if self.parts.provider.is_none() {
            // No model: the stage is the tuner's.
            self.tune_stage(stage, &measured)?;
            return self.finish_stage(&record, block, None);
        }
        let prompt = match stored_prompt {
            Some(prompt) => prompt,
            None => {
                let best = self
                    .best
                    .as_ref()
                    .unwrap_or_else(|| unreachable!("stages need a best"));
                self.prompts
                    .optimize(&OptimizeRequest {
                        gpu: &self.gpu,
                        stage,
                        style: self.parts.style,
                        kernel_source: &best.source,
                        metrics: self.stage_metrics.as_ref(),
                        triton: &self.triton,
                        reference_source: Some(&self.reference),
                    })
                    .map_err(EngineError::from)?
            }
        };
        let parent = self.best.as_ref().and_then(|b| b.attempt);
        let (mut tried, mut stop) =
            self.sample(|n| AttemptKey::stage(&id, n), &id, parent, &prompt)?;
        if stop.is_none() {
            let broken: Vec<Broken> = tried
                .iter()
                .filter(|t| t.failed_with_code())
                .filter_map(Broken::of)
                .collect();
            for b in broken {
                let (fixes, halt) = self.repair(b, self.plan.repair_rounds)?;
                tried.extend(fixes);
                if halt.is_some() {
                    stop = halt;
                    break;
                }
            }
        }
        let margin = self.plan.margin_pct.unwrap_or(stage.margin_pct);
        // A budget spent before the stage's first call leaves nothing to weigh.
        if !tried.is_empty() || stop.is_none() {
            self.keep_fastest(&id, &tried, margin)?;
        }
        let improved = self.best.as_ref().and_then(|b| b.speed).map(|s| s.ms) != before;
        if self.plan.tune_after_stages && improved && stop.is_none() {
            self.tune_stage(stage, &measured)?;
        }
        self.finish_stage(&record, block, stop)
    }

    /// The stage's record with the best after it, and the event; then the budget's stop, if one.
    fn finish_stage(
        &mut self,
        record: &dyn Fn(Option<f64>, Option<String>) -> StageRecord,
        block: Option<String>,
        stop: Option<Halt>,
    ) -> Result<(), Halt> {
        let after = self.best.as_ref().and_then(|b| b.speed).map(|s| s.ms);
        let finished = record(after, block);
        self.store
            .record_task_stage(&self.run, &self.task, &finished)?;
        (self.emit)(&Event::StageFinished {
            stage: finished.stage,
            best_ms: after,
        });
        stop.map_or(Ok(()), Err)
    }

    fn keep_fastest(&mut self, stage: &str, tried: &[Tried], margin: f64) -> Result<(), Halt> {
        let Some(candidate) = fastest(tried) else {
            (self.emit)(&Event::NotKept {
                stage: stage.to_owned(),
                key: None,
                reason: "no correct, timed candidate".to_owned(),
            });
            return Ok(());
        };
        let speed = candidate
            .speed()
            .unwrap_or_else(|| unreachable!("fastest is timed"));
        match self.best.as_ref().and_then(|b| b.speed) {
            Some(best) => match beats(speed, best, margin) {
                Ok(_) => self.keep(candidate),
                Err(reason) => {
                    (self.emit)(&Event::NotKept {
                        stage: stage.to_owned(),
                        key: Some(candidate.key.clone()),
                        reason,
                    });
                    Ok(())
                }
            },
            None => self.keep(candidate),
        }
    }

    /// `tried` becomes the best: marked in the store, and `best.py` rewritten at once.
    pub(crate) fn keep(&mut self, tried: &Tried) -> Result<(), Halt> {
        let (Some(source), Some(path)) = (&tried.code, &tried.path) else {
            unreachable!("a correct attempt has code");
        };
        self.store.mark_kept(tried.id)?;
        let speed = tried.speed();
        self.best = Some(Best {
            attempt: Some(tried.id),
            source: source.clone(),
            path: path.clone(),
            speed,
        });
        self.files.write_outputs(
            self.store,
            &self.run,
            &self.task,
            self.starting_kernel(),
            false,
        )?;
        if let Some(speed) = speed {
            (self.emit)(&Event::Kept {
                key: tried.key.clone(),
                ms: speed.ms,
                speedup_vs_start: self.start_speed.map(|s| s.ms / speed.ms),
                interpreter: speed.interpreter,
            });
        }
        Ok(())
    }

    /// The best kernel under Nsight Compute with the stage's metrics; `None` (and an event
    /// saying why) when no metrics can be had: the prompt then says so.
    fn profile_best(&mut self, stage: &Stage) -> Result<Option<ProfileRecord>, Halt> {
        let best = self
            .best
            .as_ref()
            .unwrap_or_else(|| unreachable!("stages need a best"));
        let own_kernels =
            lathe_check::check(&best.source, self.plan.backend, self.parts.judge.policy).kernels;
        let target = ProfileTarget {
            problem: self.plan.problem.clone(),
            overrides: BTreeMap::new(),
            kernel: best.path.clone(),
            backend: self.plan.backend,
            own_kernels,
        };
        let request = MetricRequest {
            metrics: stage.metrics.clone(),
            stage: Some(format!("{}/{}", stage.category, stage.id)),
        };
        let started = Instant::now();
        // Nsight Compute replays kernels on the GPU: it holds a device as a judging does.
        let lease = self.parts.devices.as_ref().map(|pool| pool.lease());
        let result = match &lease {
            Some(lease) => {
                let mut config = self.parts.profile.clone();
                config.worker = lease.worker(&config.worker);
                lathe_profile::profile(&config, &target, &request)
            }
            None => lathe_profile::profile(&self.parts.profile, &target, &request),
        };
        drop(lease);
        self.waiting += started.elapsed();
        match result {
            Ok(record) => {
                (self.emit)(&Event::Profiled {
                    stage: stage.id.clone(),
                    seconds: record.seconds.total,
                });
                Ok(Some(record))
            }
            Err(unavailable) => {
                (self.emit)(&Event::ProfileUnavailable {
                    stage: stage.id.clone(),
                    reason: unavailable.with_hint(),
                });
                Ok(None)
            }
        }
    }
}

/// The stage's skip rule that the measured metrics meet, with the numbers.
fn skip_reason(stage: &Stage, measured: &BTreeMap<String, f64>) -> Option<String> {
    let rule = stage.skip_reason(measured)?;
    let numbers: Vec<String> = rule
        .when
        .iter()
        .map(|c| format!("{} = {} ({c})", c.metric, measured[&c.metric]))
        .collect();
    Some(format!("{}: {}", rule.reason, numbers.join(", ")))
}
