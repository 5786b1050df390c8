//! The loop's first kernel: the one the user gave (repaired if it is broken), or the fastest
//! correct one of the model's first attempts (the first of them repaired if none is correct).

use std::path::Path;
use std::time::Instant;

use lathe_prompt::SeedRequest;
use lathe_store::NewAttempt;

use crate::attempts::{Tried, fastest};
use crate::engine::{Best, Engine, Halt, TASK, read};
use crate::judge::judge;
use crate::repair::Broken;
use crate::speed::Speed;
use crate::{EngineError, Event};

impl Engine<'_> {
    pub(crate) fn start(&mut self) -> Result<(), Halt> {
        match self.plan.kernel.clone() {
            Some(path) => self.given(&path),
            None => self.seed(),
        }
    }

    fn given(&mut self, path: &Path) -> Result<(), Halt> {
        let source = read(path)?;
        let evaluation = match self.store.start_evaluation(&self.run, TASK)? {
            Some(evaluation) => evaluation,
            None => {
                let started = Instant::now();
                let emit = &mut self.emit;
                let evaluation = judge(
                    self.parts,
                    &self.plan.problem,
                    self.plan.backend,
                    &source,
                    path,
                    &mut |phase| {
                        emit(&Event::Judging {
                            key: "start".to_owned(),
                            phase: phase.to_owned(),
                        });
                    },
                )?;
                self.waiting += started.elapsed();
                self.store.record_start(&self.run, TASK, &evaluation)?;
                evaluation
            }
        };
        (self.emit)(&Event::StartJudged {
            verdict: evaluation.verdict.kind().as_str().to_owned(),
            summary: evaluation.verdict.summary(),
        });
        self.start_source = Some(source.clone());
        if evaluation.verdict.is_correct() {
            self.start_speed = Speed::of(&evaluation);
            self.best = Some(Best {
                attempt: None,
                source,
                path: path.to_path_buf(),
                speed: self.start_speed,
            });
            self.files
                .write_outputs(self.store, &self.run, self.start_source.as_deref(), false)?;
            return Ok(());
        }
        let broken = Broken {
            key: "start".to_owned(),
            attempt: None,
            sample: 0,
            code: source,
            evaluation,
        };
        let (fixes, stop) = self.repair(broken, self.plan.start_repair_rounds)?;
        self.take_first_kernel(&fixes)?;
        stop.map_or(Ok(()), Err)
    }

    fn seed(&mut self) -> Result<(), Halt> {
        let prompt = self
            .prompts
            .seed(&SeedRequest {
                gpu: &self.gpu,
                backend: self.plan.backend,
                reference_source: &self.reference,
                triton: &self.triton,
            })
            .map_err(EngineError::from)?;
        let samples = (0..self.plan.samples.max(1))
            .map(|sample| NewAttempt {
                key: format!("seed/s{sample}"),
                stage: "seed".to_owned(),
                round: 0,
                sample,
                parent: None,
                prompt: prompt.clone(),
            })
            .collect();
        let (called, mut stop) = self.call_batch(samples)?;
        let mut tried = Vec::new();
        for c in called {
            tried.push(self.conclude(c)?);
        }
        if !tried.iter().any(Tried::is_correct)
            && stop.is_none()
            && let Some(broken) = tried.iter().find_map(Broken::of)
        {
            let (fixes, halt) = self.repair(broken, self.plan.start_repair_rounds)?;
            tried.extend(fixes);
            stop = halt;
        }
        self.take_first_kernel(&tried)?;
        stop.map_or(Ok(()), Err)
    }

    /// The fastest correct kernel of `tried` becomes the first best (an untimed correct one
    /// when none was timed: any correct kernel beats none).
    fn take_first_kernel(&mut self, tried: &[Tried]) -> Result<(), Halt> {
        let first = fastest(tried).or_else(|| tried.iter().find(|t| t.is_correct()));
        if let Some(first) = first {
            self.start_speed = first.speed();
            self.keep(first)?;
        }
        Ok(())
    }
}
