//! One attempt's steps: begin (the prompt), the model call, the code out of the reply, the
//! verdict; each committed before the next, and each taken from the store instead when a
//! killed run already committed it.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use lathe_llm::extract::extract_code;
use lathe_llm::{LlmError, Reply};
use lathe_store::{
    AttemptId, CallOutcome, Evaluation, Extraction, ModelCall, NewAttempt, TokenUsage,
};

use crate::engine::{Engine, Halt};
use crate::judge::{Candidate, file_name, findings_json};
use crate::{EngineError, Event};
use lathe_core::{AttemptKey, Speed};

/// An attempt whose model call is done (made now, or committed before a resume).
pub(crate) struct Called {
    pub id: AttemptId,
    pub seq: u32,
    pub key: AttemptKey,
    pub sample: u32,
    pub call: ModelCall,
}

/// A begun attempt whose call is to be made.
#[derive(Clone)]
struct Pending {
    id: AttemptId,
    seq: u32,
    key: AttemptKey,
    sample: u32,
    prompt: String,
}

/// An attempt taken as far as it goes: its code and verdict, when it got them.
#[derive(Debug, Clone)]
pub(crate) struct Tried {
    pub id: AttemptId,
    pub key: AttemptKey,
    pub sample: u32,
    pub code: Option<String>,
    pub path: Option<PathBuf>,
    pub evaluation: Option<Evaluation>,
}

impl Tried {
    pub fn speed(&self) -> Option<Speed> {
        self.evaluation.as_ref().and_then(|e| Speed::of(&e.verdict))
    }

    pub fn is_correct(&self) -> bool {
        self.evaluation
            .as_ref()
            .is_some_and(|e| e.verdict.is_correct())
    }

    /// Worth a repair: code that ran and failed.
    pub fn failed_with_code(&self) -> bool {
        self.code.is_some() && self.evaluation.is_some() && !self.is_correct()
    }
}

/// The fastest correct attempt of `tried`.
pub(crate) fn fastest(tried: &[Tried]) -> Option<&Tried> {
    tried
        .iter()
        .filter_map(|t| t.speed().map(|s| (t, s.ms)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

impl Engine<'_> {
    /// Makes the model calls of `attempts`: in parallel where the provider allows, else one at
    /// a time in key order. A budget spent part-way stops the batch: the calls already made are
    /// returned with the budget, so their candidates are still judged. One at a time, each call
    /// is checked against every budget; in parallel, the calls in flight count toward the
    /// calls budget, and tokens and cost are those of the calls finished before the batch.
    pub(crate) fn call_batch(
        &mut self,
        attempts: Vec<NewAttempt>,
    ) -> Result<(Vec<Called>, Option<Halt>), Halt> {
        let Some(provider) = &self.parts.provider else {
            return Err(EngineError::NoModel.into());
        };
        let parallel = self.parts.parallel_calls
            && attempts.iter().filter(|a| !self.answered(&a.key)).count() > 1
            && !provider.order_sensitive();
        let mut done: Vec<Called> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        for new in attempts {
            if let Some(called) = self.reuse(&new) {
                done.push(called);
                continue;
            }
            let in_flight = pending.len() as u32;
            if let Err(halt) = self.budget_left(in_flight) {
                self.call_all(&mut pending, &mut done)?;
                return Ok((done, Some(halt)));
            }
            pending.push(self.begin(new)?);
            if !parallel {
                self.call_all(&mut pending, &mut done)?;
            }
        }
        self.call_all(&mut pending, &mut done)?;
        done.sort_by_key(|c| c.seq);
        Ok((done, None))
    }

    fn answered(&self, key: &AttemptKey) -> bool {
        self.known.get(key).is_some_and(|r| r.call.is_some())
    }

    /// The call committed for this key before a resume, if there is one.
    fn reuse(&mut self, new: &NewAttempt) -> Option<Called> {
        let record = self.known.get(&new.key)?;
        let call = record.call.clone()?;
        let called = Called {
            id: record.id,
            seq: record.seq,
            key: new.key.clone(),
            sample: new.sample,
            call,
        };
        (self.emit)(&Event::Calling {
            key: new.key.clone(),
            reused: true,
        });
        Some(called)
    }

    /// The attempt's first commit: its prompt. A key begun before a kill and never answered is
    /// taken over by the store (same row, same `seq`, the prompt sent now).
    fn begin(&mut self, new: NewAttempt) -> Result<Pending, Halt> {
        let id = self.store.begin_task_attempt(&self.run, &self.task, &new)?;
        let seq = self.store.attempt(id)?.seq;
        let prompt = new.prompt;
        self.files
            .write_attempt(seq, &new.key, "prompt.md", &prompt)?;
        (self.emit)(&Event::Calling {
            key: new.key.clone(),
            reused: false,
        });
        self.attempts_made += 1;
        Ok(Pending {
            id,
            seq,
            key: new.key,
            sample: new.sample,
            prompt,
        })
    }

    /// Makes the calls of `pending` (one on this thread, several on their own threads), each
    /// committed as soon as it returns.
    fn call_all(&mut self, pending: &mut Vec<Pending>, done: &mut Vec<Called>) -> Result<(), Halt> {
        if pending.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let Some(provider) = self.parts.provider.as_deref() else {
            return Err(EngineError::NoModel.into());
        };
        let template = &self.parts.request;
        let request = |p: &Pending| {
            let mut request = template.clone();
            request.prompt = p.prompt.clone();
            request
        };
        if let [p] = pending.as_slice() {
            let began = Instant::now();
            let emit = &mut self.emit;
            let result = provider.complete(&request(p), &mut |event| {
                show_llm_event(&mut **emit, &p.key, event);
            });
            let seconds = began.elapsed().as_secs_f64();
            let p = pending.remove(0);
            done.push(self.record(p, result, seconds)?);
        } else {
            let (tx, rx) = mpsc::channel::<Message>();
            std::thread::scope(|scope| -> Result<(), Halt> {
                for (slot, p) in pending.iter().enumerate() {
                    let tx = tx.clone();
                    let request = request(p);
                    scope.spawn(move || {
                        let began = Instant::now();
                        let events = tx.clone();
                        let result = provider.complete(&request, &mut |event| {
                            let _ = events.send(Message::Event(slot, event));
                        });
                        let _ = tx.send(Message::Done(slot, result, began.elapsed().as_secs_f64()));
                    });
                }
                drop(tx);
                let mut results: Vec<Option<Called>> = pending.iter().map(|_| None).collect();
                for message in rx {
                    match message {
                        Message::Event(slot, event) => {
                            show_llm_event(&mut *self.emit, &pending[slot].key, event);
                        }
                        Message::Done(slot, result, seconds) => {
                            let p = pending[slot].clone();
                            results[slot] = Some(self.record(p, result, seconds)?);
                        }
                    }
                }
                done.extend(results.into_iter().flatten());
                Ok(())
            })?;
            pending.clear();
        }
        self.waiting += started.elapsed();
        Ok(())
    }

    /// The attempt's second commit: the model call, whatever came of it.
    fn record(
        &mut self,
        p: Pending,
        result: Result<Reply, LlmError>,
        seconds: f64,
    ) -> Result<Called, Halt> {
        let call = model_call(result, seconds);
        self.store.record_reply(p.id, &call)?;
        self.spent.add(&call);
        if let Some(text) = call.text() {
            let file = match &call.reasoning {
                Some(reasoning) => format!("<think>\n{reasoning}\n</think>\n\n{text}"),
                None => text.to_owned(),
            };
            self.files.write_attempt(p.seq, &p.key, "reply.md", &file)?;
        }
        (self.emit)(&Event::Replied {
            key: p.key.clone(),
            seconds: call.seconds,
            output_tokens: call.usage.output_tokens,
            error: call.error().map(str::to_owned),
        });
        Ok(Called {
            id: p.id,
            seq: p.seq,
            key: p.key,
            sample: p.sample,
            call,
        })
    }

    /// Asks for the plan's number of samples of `prompt` (keys `key(n)`) and takes each
    /// through extraction and judging; with the budget that stopped the batch, if one did.
    pub(crate) fn sample(
        &mut self,
        key: impl Fn(u32) -> AttemptKey,
        stage: &str,
        parent: Option<AttemptId>,
        prompt: &str,
    ) -> Result<(Vec<Tried>, Option<Halt>), Halt> {
        let samples = (0..self.plan.samples.max(1))
            .map(|sample| NewAttempt {
                key: key(sample),
                stage: stage.to_owned(),
                round: 0,
                sample,
                parent,
                prompt: prompt.to_owned(),
            })
            .collect();
        let (called, stop) = self.call_batch(samples)?;
        let mut tried = Vec::new();
        for c in called {
            tried.push(self.conclude(c)?);
        }
        Ok((tried, stop))
    }

    /// Judges the kernel file `path` now, its worker phases told as `key`'s, on a device of
    /// the pool when there is one. The verdict of `attempt` is recorded before the device is
    /// given back, so the record's judging time lies within the time the device was held.
    pub(crate) fn judge_now(
        &mut self,
        attempt: Option<AttemptId>,
        key: &AttemptKey,
        source: &str,
        path: &Path,
    ) -> Result<Evaluation, EngineError> {
        let started = Instant::now();
        let lease = self.parts.devices.as_ref().map(|pool| pool.lease());
        if let (Some(lease), Some(id)) = (&lease, attempt) {
            self.store.record_judging(id, &lease.slot().label)?;
        }
        let judge = self.parts.judge_on(lease.as_ref());
        let name = file_name(path);
        let candidate = Candidate {
            problem: &self.plan.problem,
            backend: self.plan.backend,
            source,
            path,
            name: &name,
        };
        let emit = &mut self.emit;
        let evaluation = judge
            .judge(&candidate, &mut |phase| {
                emit(&Event::Judging {
                    key: key.clone(),
                    phase: phase.to_owned(),
                });
            })?
            .evaluation;
        if let Some(id) = attempt {
            self.store.record_verdict(id, &evaluation)?;
        }
        drop(lease);
        self.waiting += started.elapsed();
        Ok(evaluation)
    }

    /// Takes a called attempt through extraction and judging.
    pub(crate) fn conclude(&mut self, called: Called) -> Result<Tried, EngineError> {
        let known = self.known.get(&called.key).cloned();
        let mut tried = Tried {
            id: called.id,
            key: called.key.clone(),
            sample: called.sample,
            code: None,
            path: None,
            evaluation: None,
        };
        let CallOutcome::Replied { text } = &called.call.outcome else {
            return Ok(tried);
        };
        let code = match known.as_ref().and_then(|k| k.extraction.clone()) {
            Some(Extraction::Code { source, .. }) => Some(source),
            Some(Extraction::Failed { .. }) => None,
            None => match extract_code(text) {
                Ok(found) => {
                    let report =
                        lathe_check::check(&found.code, self.plan.backend, self.parts.judge.policy);
                    let extraction = Extraction::Code {
                        source: found.code.clone(),
                        findings: findings_json(&report),
                    };
                    self.store.record_code(called.id, &extraction)?;
                    Some(found.code)
                }
                Err(none) => {
                    let error = none.to_string();
                    self.store.record_code(
                        called.id,
                        &Extraction::Failed {
                            error: error.clone(),
                        },
                    )?;
                    (self.emit)(&Event::Judged {
                        key: called.key.clone(),
                        verdict: "no_code".to_owned(),
                        summary: error,
                        reused: false,
                    });
                    None
                }
            },
        };
        let Some(code) = code else {
            return Ok(tried);
        };
        let path = self
            .files
            .write_attempt(called.seq, &called.key, "kernel.py", &code)?;
        let (evaluation, reused) = match known.and_then(|k| k.evaluation) {
            Some(evaluation) => (evaluation, true),
            None => (
                self.judge_now(Some(called.id), &called.key, &code, &path)?,
                false,
            ),
        };
        (self.emit)(&Event::Judged {
            key: called.key.clone(),
            verdict: evaluation.verdict.kind().as_str().to_owned(),
            summary: evaluation.verdict.summary(),
            reused,
        });
        tried.code = Some(code);
        tried.path = Some(path);
        tried.evaluation = Some(evaluation);
        Ok(tried)
    }
}

/// From a call's thread: its progress, then its result, by its place in the batch.
enum Message {
    Event(usize, lathe_llm::Event),
    Done(usize, Result<Reply, LlmError>, f64),
}

fn show_llm_event(emit: &mut dyn FnMut(&Event), key: &AttemptKey, event: lathe_llm::Event) {
    match event {
        lathe_llm::Event::Progress {
            answer_chars,
            reasoning_chars,
            output_tokens,
        } => emit(&Event::Tokens {
            key: key.clone(),
            answer_chars,
            reasoning_chars,
            output_tokens,
        }),
        lathe_llm::Event::Retry {
            attempt,
            wait_seconds,
            reason,
        } => emit(&Event::Retrying {
            key: key.clone(),
            attempt,
            wait_seconds,
            reason,
        }),
        _ => {}
    }
}

/// A model call as the store keeps it; a failed call is an outcome, with what arrived.
fn model_call(result: Result<Reply, LlmError>, seconds: f64) -> ModelCall {
    let usage = |r: &Reply| TokenUsage {
        input_tokens: r.usage.input_tokens,
        output_tokens: r.usage.output_tokens,
        reasoning_tokens: r.usage.reasoning_tokens,
    };
    match result {
        Ok(reply) => ModelCall {
            usage: usage(&reply),
            cost_usd: reply.cost_usd,
            seconds: reply.seconds.max(seconds),
            reasoning: reply.reasoning,
            outcome: CallOutcome::Replied { text: reply.text },
        },
        Err(LlmError::Truncated { partial }) => ModelCall {
            usage: usage(&partial),
            cost_usd: partial.cost_usd,
            seconds,
            reasoning: partial.reasoning.clone(),
            outcome: CallOutcome::Failed {
                error: "the reply was cut at the token limit (max_tokens)".to_owned(),
                partial: Some(partial.text),
            },
        },
        Err(error) => ModelCall {
            usage: TokenUsage::default(),
            cost_usd: None,
            seconds,
            reasoning: None,
            outcome: CallOutcome::Failed {
                error: error.to_string(),
                partial: None,
            },
        },
    }
}
