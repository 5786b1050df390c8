//! Evaluations on a Ray cluster's GPU nodes (`--executor ray --ray-address ADDR`), while
//! everything else stays where lathe runs. Design note: docs/design/ray.md.
//!
//! [`RayCluster::connect`] starts the bridge, `python -m lathe_worker.ray_bridge`, a process of
//! the embedded worker package that connects to the cluster, ships the package to its nodes
//! through Ray's runtime environment and holds one actor per GPU. They speak JSON lines: lathe
//! sends each evaluation (the request, the problem's and the kernel's text, the nonce, the
//! limits) and the bridge answers with what the judge on the node left: its result file's text,
//! how it ended, its output tails and phases, and where it ran. That answer is read by the same
//! function that reads a local judge's end (`driver::read_judgment`): the nonce is checked here,
//! so a result forged on a node is rejected as one forged here is. An actor or node lost
//! mid-evaluation is the bridge's to retry (bounded); what it cannot retry, or a bridge that
//! dies, is the environment's failure, never a candidate's verdict.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::driver::{self, DriverError, EvalOutcome, Finished, WorkerConfig};
use crate::embedded::install_worker;
use crate::process::{
    Capture, ProcessEnd, SECRET_NAMES, SECRET_PREFIXES, SECRET_SUFFIXES, scrubbed_env, signal_name,
};
use crate::protocol::EvalRequest;

/// How long the bridge may take to connect and start its actors before the cluster counts as
/// unreachable: Ray itself waits minutes for a GCS that never answers.
const READY_WAIT: Duration = Duration::from_secs(300);
/// How much of the bridge's own stderr (Ray's messages) is kept for an error message.
const BRIDGE_TAIL: usize = 8 * 1024;

/// Why a cluster could not be used at all: each names the address.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("the Ray cluster at {address} cannot be reached: {message}")]
    Unreachable { address: String, message: String },
    #[error("the Ray cluster at {address} has no GPU to judge on: {message}")]
    NoGpus { address: String, message: String },
    #[error("{python} cannot drive a Ray cluster: {message}", python = python.display())]
    NoRay { python: PathBuf, message: String },
    #[error("cannot start the Ray bridge: {0}")]
    Start(String),
}

/// Where one evaluation ran: the actor's node and GPU, and how many tries it took.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
pub struct Placement {
    pub node_id: String,
    pub host: String,
    /// The GPU Ray gave the actor (its index on that node; a logical one in CI).
    #[serde(default)]
    pub gpu_index: Option<String>,
    /// The GPU's model, as the judge's fingerprint names it (`None` under the interpreter).
    #[serde(default)]
    pub gpu: Option<String>,
    /// 1, or more when a node was lost under it and it ran again elsewhere.
    #[serde(default)]
    pub attempts: u32,
    /// The nodes lost under it, in order.
    #[serde(default)]
    pub lost_nodes: Vec<String>,
}

impl Placement {
    /// How a suite's row names it: `host/node GPU index (model)`.
    pub fn label(&self) -> String {
        let node: String = self.node_id.chars().take(8).collect();
        let mut label = format!("ray {}/{node}", self.host);
        if let Some(index) = &self.gpu_index {
            label += &format!(" GPU {index}");
        }
        if let Some(model) = &self.gpu {
            label += &format!(" ({model})");
        }
        label
    }
}

/// A connected cluster: the bridge process and the evaluations waiting on its answers.
pub struct RayCluster {
    address: String,
    slots: Vec<Placement>,
    /// `None` once closed, which ends the bridge.
    stdin: Mutex<Option<ChildStdin>>,
    waiting: Arc<Mutex<Waiting>>,
    next_id: AtomicU64,
    child: Mutex<Child>,
    placements: Mutex<HashMap<PathBuf, Placement>>,
}

impl std::fmt::Debug for RayCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RayCluster")
            .field("address", &self.address)
            .field("slots", &self.slots.len())
            .finish_non_exhaustive()
    }
}

/// Evaluations sent and not yet answered, by id; `ended` once the bridge's output closed.
#[derive(Default)]
struct Waiting {
    replies: HashMap<u64, Sender<Value>>,
    ended: Option<String>,
}

impl RayCluster {
    /// Starts the bridge with `python` (which must have ray) and waits until its actors are
    /// up: one per GPU of the cluster at `address`, at most `max_slots` when given.
    pub fn connect(
        python: &Path,
        cache_dir: &Path,
        address: &str,
        retries: u32,
        max_slots: Option<usize>,
    ) -> Result<Arc<RayCluster>, ClusterError> {
        let worker_dir =
            install_worker(cache_dir).map_err(|e| ClusterError::Start(e.to_string()))?;
        let mut command = Command::new(python);
        command
            .args(["-m", "lathe_worker.ray_bridge", "--address", address])
            .args(["--retries", &retries.to_string()])
            .args(["--slots", &max_slots.unwrap_or(0).to_string()])
            .env_clear()
            .envs(scrubbed_env(std::env::vars_os()))
            .env("PYTHONPATH", &worker_dir)
            .env("PYTHONUNBUFFERED", "1")
            // Nothing is written into the content-addressed package that Ray ships to nodes.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(&worker_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|e| ClusterError::Start(format!("{}: {e}", python.display())))?;
        let (stdin, stdout, stderr) = match (child.stdin.take(), child.stdout.take()) {
            (Some(stdin), Some(stdout)) => (stdin, stdout, child.stderr.take()),
            _ => unreachable!("the bridge's pipes were asked for"),
        };
        let tail = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = stderr {
            let tail = Arc::clone(&tail);
            std::thread::spawn(move || keep_tail(stderr, &tail));
        }
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        let (ready_tx, ready_rx) = mpsc::channel();
        {
            let (waiting, tail) = (Arc::clone(&waiting), Arc::clone(&tail));
            std::thread::spawn(move || read_answers(stdout, &waiting, &tail, ready_tx));
        }
        let ready = wait_ready(&ready_rx, address, python, &tail);
        let slots = match ready {
            Ok(slots) => slots,
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(error);
            }
        };
        Ok(Arc::new(RayCluster {
            address: address.to_owned(),
            slots,
            stdin: Mutex::new(Some(stdin)),
            waiting,
            next_id: AtomicU64::new(1),
            child: Mutex::new(child),
            placements: Mutex::new(HashMap::new()),
        }))
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// The actors the bridge started, one per GPU: as many evaluations run at once.
    pub fn slots(&self) -> &[Placement] {
        &self.slots
    }

    /// Where the last evaluation of the candidate at `path` ran.
    pub fn placement(&self, path: &Path) -> Option<Placement> {
        lock(&self.placements).get(path).cloned()
    }

    /// The GPU models that timed this cluster's evaluations so far, sorted, each once.
    pub fn gpu_models(&self) -> Vec<String> {
        let mut models: Vec<String> = lock(&self.placements)
            .values()
            .filter_map(|p| p.gpu.clone())
            .collect();
        models.sort();
        models.dedup();
        models
    }

    /// One evaluation on the cluster, read as a local one is (see the module's note).
    pub(crate) fn evaluate(
        &self,
        config: &WorkerConfig,
        request: EvalRequest,
        phases: Option<Sender<String>>,
    ) -> Result<Finished<EvalOutcome>, DriverError> {
        let environment = |message: String| Finished {
            outcome: EvalOutcome::EnvironmentError { message },
            stdout: empty_capture(String::new()),
            stderr: empty_capture(String::new()),
            wall: Duration::ZERO,
        };
        let problem = match std::fs::read_to_string(&request.problem.path) {
            Ok(text) => text,
            Err(e) => {
                let message = format!("{}: {e}", request.problem.path.display());
                return Ok(Finished {
                    outcome: EvalOutcome::ProblemError { message },
                    ..environment(String::new())
                });
            }
        };
        let kernel = std::fs::read_to_string(&request.candidate.path).map_err(|e| {
            DriverError::Scratch(std::io::Error::new(
                e.kind(),
                format!("{}: {e}", request.candidate.path.display()),
            ))
        })?;
        let nonce = driver::fresh_nonce().map_err(DriverError::Scratch)?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let message = json!({
            "op": "eval",
            "id": id,
            "request": request,
            "problem": {"name": file_name(&request.problem.path), "source": problem},
            "kernel": {"name": file_name(&request.candidate.path), "source": kernel},
            "nonce": nonce,
            "limits": {
                "wall_s": config.wall_limit.as_secs_f64(),
                "grace_s": config.grace.as_secs_f64(),
                "memory_bytes": config.memory_limit,
                "tail_bytes": config.tail_bytes,
            },
            "secrets": {
                "suffixes": SECRET_SUFFIXES,
                "prefixes": SECRET_PREFIXES,
                "names": SECRET_NAMES,
            },
        });
        let (tx, rx) = mpsc::channel();
        {
            let mut waiting = lock(&self.waiting);
            if let Some(ended) = &waiting.ended {
                return Ok(environment(self.ended_message(ended)));
            }
            waiting.replies.insert(id, tx);
        }
        let sent = match lock(&self.stdin).as_mut() {
            Some(stdin) => writeln!(stdin, "{message}"),
            None => Err(std::io::Error::other("lathe closed it")),
        };
        if let Err(e) = sent {
            lock(&self.waiting).replies.remove(&id);
            return Ok(environment(self.ended_message(&e.to_string())));
        }
        if let Some(phases) = &phases {
            let _ = phases.send("queued on the cluster".to_owned());
        }
        let Ok(answer) = rx.recv() else {
            let ended = lock(&self.waiting).ended.clone().unwrap_or_default();
            return Ok(environment(self.ended_message(&ended)));
        };
        self.read_answer(config, &request, &nonce, answer, phases.as_ref())
            .map(|finished| finished.unwrap_or_else(environment))
    }

    /// The bridge's answer as a local judge's end; `Ok(Err(message))` for an evaluation the
    /// cluster could not carry out.
    fn read_answer(
        &self,
        config: &WorkerConfig,
        request: &EvalRequest,
        nonce: &str,
        answer: Value,
        phases: Option<&Sender<String>>,
    ) -> Result<Result<Finished<EvalOutcome>, String>, DriverError> {
        let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or_default();
        if text("event") != "done" {
            return Ok(Err(format!(
                "the Ray cluster at {} could not judge {}: {} ({})",
                self.address,
                request.candidate.path.display(),
                text("message"),
                text("kind"),
            )));
        }
        let done: Done =
            serde_json::from_value(answer.clone()).map_err(|e| DriverError::BadResult {
                message: format!("the Ray bridge's answer is unreadable: {e}"),
                stderr_tail: answer.to_string(),
            })?;
        for phase in &done.phases {
            if let Some(phases) = phases {
                let _ = phases.send(phase.clone());
            }
        }
        let stderr = empty_capture(done.stderr_tail);
        let result = match &done.result {
            Some(text) => Some(driver::parse_result(text, &stderr)?),
            None => None,
        };
        // A node without torch is named as that node's Python, not lathe's.
        let mut node_config = config.clone();
        node_config.python = PathBuf::from(format!(
            "{} on {}",
            done.node.python.as_deref().unwrap_or("python"),
            done.node.host
        ));
        let end = done.end.process_end();
        let mut outcome = driver::read_judgment(
            &node_config,
            result,
            nonce,
            &end,
            &stderr,
            done.phases.last().cloned(),
        )?;
        let mut placement = Placement {
            node_id: done.node.node_id,
            host: done.node.host,
            gpu_index: done.node.gpu_index,
            gpu: None,
            attempts: done.attempts,
            lost_nodes: done
                .lost
                .iter()
                .filter_map(|l| l.pointer("/node/node_id").and_then(Value::as_str))
                .map(str::to_owned)
                .collect(),
        };
        if let EvalOutcome::Judged { fingerprint, .. } = &mut outcome {
            placement.gpu = fingerprint
                .get("gpu")
                .and_then(Value::as_str)
                .map(str::to_owned);
            // Whatever records the fingerprint records the node that timed the candidate.
            if let Value::Object(map) = fingerprint {
                map.insert("placement".to_owned(), json!(placement));
            }
        }
        lock(&self.placements).insert(request.candidate.path.clone(), placement);
        Ok(Ok(Finished {
            outcome,
            stdout: empty_capture(done.stdout_tail),
            stderr,
            wall: Duration::from_secs_f64(done.wall_s.max(0.0)),
        }))
    }

    fn ended_message(&self, why: &str) -> String {
        format!(
            "the bridge to the Ray cluster at {} ended: {}",
            self.address,
            why.trim()
        )
    }
}

impl Drop for RayCluster {
    /// Closing its input ends the bridge and, with its Ray job, the actors.
    fn drop(&mut self) {
        drop(lock(&self.stdin).take());
        let mut child = lock(&self.child);
        if !wait_for(&mut child, Duration::from_secs(10)) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The bridge's `done` answer.
#[derive(Debug, Deserialize)]
struct Done {
    result: Option<String>,
    end: End,
    #[serde(default)]
    stdout_tail: String,
    #[serde(default)]
    stderr_tail: String,
    #[serde(default)]
    wall_s: f64,
    #[serde(default)]
    phases: Vec<String>,
    node: Node,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    lost: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Node {
    node_id: String,
    host: String,
    #[serde(default)]
    gpu_index: Option<String>,
    #[serde(default)]
    python: Option<String>,
}

/// How the judge on the node ended, as ray_node.py reports it (the shape of [`ProcessEnd`]).
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum End {
    Exited {
        code: i32,
    },
    Signaled {
        signal: i32,
    },
    TimedOut {
        after_seconds: f64,
        #[serde(default)]
        killed: bool,
    },
    MemoryLimit {
        rss_bytes: u64,
        limit: u64,
    },
}

impl End {
    fn process_end(&self) -> ProcessEnd {
        match *self {
            End::Exited { code } => ProcessEnd::Exited { code },
            End::Signaled { signal } => ProcessEnd::Signaled {
                signal,
                name: signal_name(signal),
            },
            End::TimedOut {
                after_seconds,
                killed,
            } => ProcessEnd::TimedOut {
                after: Duration::from_secs_f64(after_seconds.max(0.0)),
                killed,
            },
            End::MemoryLimit { rss_bytes, limit } => ProcessEnd::MemoryLimit { rss_bytes, limit },
        }
    }
}

fn empty_capture(tail: String) -> Capture {
    Capture {
        total_bytes: tail.len() as u64,
        tail,
        truncated: false,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || "module.py".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Reads the bridge's lines: the first `ready` or `error` goes to `ready`, every answer to the
/// evaluation waiting on its id. At the end of its output every waiting evaluation is told.
fn read_answers(
    stdout: impl Read,
    waiting: &Mutex<Waiting>,
    tail: &Mutex<String>,
    ready: Sender<Value>,
) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let Ok(value) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        match value.get("event").and_then(Value::as_str) {
            Some("ready" | "error") => {
                let _ = ready.send(value);
            }
            _ => {
                let id = value.get("id").and_then(Value::as_u64).unwrap_or(0);
                if let Some(reply) = lock(waiting).replies.remove(&id) {
                    let _ = reply.send(value);
                }
            }
        }
    }
    // Its stderr says why; give the tail reader a moment to have it.
    std::thread::sleep(Duration::from_millis(200));
    let why = last_lines(&lock(tail), 3);
    let mut waiting = lock(waiting);
    waiting.ended = Some(if why.is_empty() {
        "it exited".to_owned()
    } else {
        why
    });
    // Dropping the senders wakes every evaluation still waiting.
    waiting.replies.clear();
}

fn wait_ready(
    ready: &Receiver<Value>,
    address: &str,
    python: &Path,
    tail: &Mutex<String>,
) -> Result<Vec<Placement>, ClusterError> {
    let unreachable = |message: String| ClusterError::Unreachable {
        address: address.to_owned(),
        message,
    };
    let value = match ready.recv_timeout(READY_WAIT) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            return Err(unreachable(format!(
                "no answer in {} s",
                READY_WAIT.as_secs()
            )));
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::thread::sleep(Duration::from_millis(200));
            let why = last_lines(&lock(tail), 3);
            return Err(ClusterError::NoRay {
                python: python.to_owned(),
                message: format!("the bridge exited before it connected: {why}"),
            });
        }
    };
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match value.get("kind").and_then(Value::as_str) {
        None => serde_json::from_value(value.get("slots").cloned().unwrap_or_default())
            .map_err(|e| unreachable(format!("the bridge's slots are unreadable: {e}"))),
        Some("no_ray") => Err(ClusterError::NoRay {
            python: python.to_owned(),
            message,
        }),
        Some("no_gpus") => Err(ClusterError::NoGpus {
            address: address.to_owned(),
            message,
        }),
        Some(_) => Err(unreachable(message)),
    }
}

fn keep_tail(stderr: impl Read, tail: &Mutex<String>) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let mut tail = lock(tail);
        tail.push_str(&line);
        tail.push('\n');
        if tail.len() > BRIDGE_TAIL {
            let cut = tail.len() - BRIDGE_TAIL;
            let cut = (cut..tail.len())
                .find(|i| tail.is_char_boundary(*i))
                .unwrap_or(0);
            tail.drain(..cut);
        }
    }
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(count)..].join(" / ")
}

/// Whether `child` exited within `limit`.
fn wait_for(child: &mut Child, limit: Duration) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while std::time::Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
