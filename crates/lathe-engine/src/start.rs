//! The loop's first kernel: the one the user gave (repaired if it is broken), or the fastest
//! correct one of the model's first attempts (the first of them repaired if none is correct).

use std::path::Path;

use lathe_prompt::SeedRequest;

use crate::attempts::{Tried, fastest};
use crate::engine::{Best, Engine, Halt, read};
use crate::repair::Broken;
use crate::{EngineError, Event};
use lathe_core::{AttemptKey, Speed};

impl Engine<'_> {
    pub(crate) fn start(&mut self) -> Result<(), Halt> {
        match self.plan.kernel.clone() {
            Some(path) => self.given(&path),
            None => self.seed(),
        }
    }

    fn given(&mut self, path: &Path) -> Result<(), Halt> {
        let source = read(path)?;
        let evaluation = match self.store.start_evaluation(&self.run, &self.task)? {
            Some(evaluation) => evaluation,
            None => {
                let evaluation = self.judge_now(None, &AttemptKey::start(), &source, path)?;
                self.store
                    .record_start(&self.run, &self.task, &evaluation)?;
                evaluation
            }
        };
        (self.emit)(&Event::StartJudged {
            verdict: evaluation.verdict.kind().as_str().to_owned(),
            summary: evaluation.verdict.summary(),
        });
        self.start_source = Some(source.clone());
        if evaluation.verdict.is_correct() {
            self.start_speed = Speed::of(&evaluation.verdict);
            self.best = Some(Best {
                attempt: None,
                source,
                path: path.to_path_buf(),
                speed: self.start_speed,
            });
            self.files.write_outputs(
                self.store,
                &self.run,
                &self.task,
                self.starting_kernel(),
                false,
            )?;
            return Ok(());
        }
        if self.parts.provider.is_none() {
            // Without a model there is no repair: the run ends without a correct kernel.
            return Ok(());
        }
        let broken = Broken {
            key: AttemptKey::start(),
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
        let (mut tried, mut stop) = self.sample(AttemptKey::seed, "seed", None, &prompt)?;
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
