//! `lathe suite eval --executor ray` against a real Ray cluster started on this machine: a head
//! with two logical GPUs and a second node with one, every candidate judged under Triton's
//! interpreter on the nodes. The suite gets the verdicts the local pool gives; the second node,
//! SIGKILLed (every process of it) while it judges, costs the suite nothing but a retry on the
//! head; `lathe suite run` then optimizes two problems judging on the head; an address where no
//! cluster answers is an environment error naming it.
//!
//! Needs `ray` in the worker's Python (requirements-dev.txt): where the worker is required (CI),
//! a Python without it fails these tests instead of skipping them.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Sandbox;

fn fixture(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../worker/tests/fixtures")
        .join(relative);
    std::fs::read_to_string(path).unwrap()
}

/// Eight problems (the add_relu fixture under KernelBench-style names) and kernels for seven:
/// correct, wrong, cheating (one refused by the judge, one by the static checks), missing.
fn suite(sandbox: &Sandbox) {
    let problem = fixture("problems/add_relu.py");
    for number in 1..=8 {
        let level = if number <= 5 { 1 } else { 2 };
        sandbox.write(
            &format!("problems/level{level}/{number}_add_relu.py"),
            &problem,
        );
    }
    for (name, kernel) in [
        ("level1/1_add_relu.py", "honest/add_relu.py"),
        ("level1/2_add_relu.py", "broken/wrong_values.py"),
        ("level1/3_add_relu.py", "cheating/ghost_kernel.py"),
        ("level1/4_add_relu.py", "cheating/background_thread.py"),
        // level1/5 has no kernel.
        ("level2/6_add_relu.py", "honest/add_relu_small_block.py"),
        ("level2/7_add_relu.py", "honest/add_relu.py"),
        ("level2/8_add_relu.py", "broken/wrong_values.py"),
    ] {
        sandbox.write(&format!("kernels/{name}"), &fixture(kernel));
    }
}

const EXPECTED: [(&str, &str); 8] = [
    ("level1/1_add_relu.py", "correct"),
    ("level1/2_add_relu.py", "wrong"),
    ("level1/3_add_relu.py", "rejected"),
    ("level1/4_add_relu.py", "rejected"),
    ("level1/5_add_relu.py", "missing"),
    ("level2/6_add_relu.py", "correct"),
    ("level2/7_add_relu.py", "correct"),
    ("level2/8_add_relu.py", "wrong"),
];

fn suite_eval_args<'a>(python: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let args = [
        "suite",
        "eval",
        "--problems",
        "problems",
        "--kernels",
        "kernels",
        "--device",
        "interpret",
        "--python",
        python,
        "--json",
    ];
    [&args[..], extra].concat()
}

/// (problem, outcome, where) of every row of a suite's JSON.
fn rows(stdout: &str) -> Vec<(String, String, Option<String>)> {
    let json: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["problem"].as_str().unwrap().to_owned(),
                t["outcome"].as_str().unwrap().to_owned(),
                t["gpu"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// The `ray` command beside `python`, when that Python has ray; a panic where the worker is
/// required, so that CI cannot pass without having run these tests.
fn ray_command(python: &Path, test: &str) -> Option<PathBuf> {
    let ray = python.with_file_name("ray");
    let usable = ray.is_file()
        && Command::new(python)
            .args(["-c", "import ray"])
            .output()
            .is_ok_and(|o| o.status.success());
    if usable {
        return Some(ray);
    }
    match common::worker_required() {
        Some(because) => panic!(
            "{test} needs ray beside {} ({because})\nhint: ./scripts/setup installs \
             requirements-dev.txt, which has it",
            python.display()
        ),
        None => {
            #[expect(clippy::print_stderr, reason = "a skipped test must be visible")]
            {
                eprintln!("skipping {test}: {} has no ray", python.display());
            }
            None
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One node of the test's cluster: `ray start --block`, every process of it (raylet, agents,
/// actors, the judges they start) marked by a variable of its own environment, so that the
/// test can kill exactly that node's processes and nothing else.
struct Node {
    block: Child,
    tag: String,
    tmp: PathBuf,
}

impl Node {
    fn start(ray: &Path, root: &Path, name: &str, args: &[String]) -> Node {
        let tmp = root.join(name);
        std::fs::create_dir_all(&tmp).unwrap();
        let tag = format!("{name}-{}", std::process::id());
        let block = Command::new(ray)
            .arg("start")
            .args(args)
            .args([
                "--block",
                "--node-ip-address=127.0.0.1",
                "--disable-usage-stats",
                "--dashboard-agent-listen-port",
                &free_port().to_string(),
                "--dashboard-agent-grpc-port",
                &free_port().to_string(),
                "--runtime-env-agent-port",
                &free_port().to_string(),
                "--metrics-export-port",
                &free_port().to_string(),
            ])
            .env("TMPDIR", &tmp)
            .env("LATHE_TEST_RAY_NODE", &tag)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(root.join(format!("{name}.log"))).unwrap())
            .spawn()
            .unwrap();
        Node { block, tag, tmp }
    }

    /// SIGKILLs every process of this node at once: its machine gone, as far as Ray can tell.
    fn kill(&self) -> usize {
        let marker = format!("LATHE_TEST_RAY_NODE={}", self.tag).into_bytes();
        let mut parents = Vec::new();
        let mut marked = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            let ppid = stat
                .rfind(')')
                .and_then(|i| stat[i + 2..].split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            parents.extend(ppid.map(|ppid| (pid, ppid)));
            if environ.split(|b| *b == 0).any(|var| var == marker) {
                marked.push(pid);
            }
        }
        // And their children, whatever environment they were given (a judge's runner).
        let mut grew = true;
        while grew {
            grew = false;
            for (pid, ppid) in &parents {
                if marked.contains(ppid) && !marked.contains(pid) {
                    marked.push(*pid);
                    grew = true;
                }
            }
        }
        let pids: Vec<String> = marked.iter().map(u32::to_string).collect();
        if !pids.is_empty() {
            let _ = Command::new("kill").arg("-KILL").args(&pids).status();
        }
        pids.len()
    }

    /// A scratch folder of an evaluation under way on this node.
    fn judging(&self) -> bool {
        std::fs::read_dir(&self.tmp).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                e.file_name().to_string_lossy().starts_with("lathe-ray-")
                    && e.path().join("request.json").is_file()
            })
        })
    }
}

impl Drop for Node {
    /// `ray start --block` stops its node on SIGTERM; what is left after that is killed.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.block.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.block.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        self.kill();
        let _ = self.block.wait();
    }
}

/// Waits until the cluster at `address` has `gpus` GPUs (its nodes registered).
fn wait_for_gpus(python: &Path, address: &str, gpus: u32) {
    let script = format!(
        "import ray; ray.init(address='{address}', logging_level='ERROR'); \
         print(int(ray.cluster_resources().get('GPU', 0)))"
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut last = String::new();
    while Instant::now() < deadline {
        let out = Command::new(python).args(["-c", &script]).output().unwrap();
        last = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if last.parse::<u32>().is_ok_and(|n| n >= gpus) {
            return;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    panic!("the test cluster at {address} never had {gpus} GPUs (last: {last:?})");
}

#[test]
fn a_suite_on_a_ray_cluster_gets_the_local_verdicts_and_outlives_a_killed_node() {
    const TEST: &str =
        "a_suite_on_a_ray_cluster_gets_the_local_verdicts_and_outlives_a_killed_node";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    let Some(ray) = ray_command(&python, TEST) else {
        return;
    };
    let started = Instant::now();
    let sandbox = Sandbox::new();
    suite(&sandbox);
    let python_arg = python.display().to_string();

    // The cluster starts while the local pool judges.
    // Ray's session folder holds Unix sockets, whose paths may not be long: a short root.
    let root = tempfile::Builder::new()
        .prefix("lr")
        .tempdir_in("/tmp")
        .unwrap();
    let port = free_port();
    // Ray turns 127.0.0.1 and localhost into the machine's outward address; another address of
    // the loopback range keeps every connection of the test on this machine's loopback.
    let address = format!("127.0.0.2:{port}");
    let head = Node::start(
        &ray,
        root.path(),
        "head",
        &[
            "--head".into(),
            format!("--port={port}"),
            "--num-gpus=2".into(),
            "--num-cpus=2".into(),
            "--include-dashboard=false".into(),
            format!("--dashboard-port={}", free_port()),
            format!("--temp-dir={}", root.path().join("ray").display()),
        ],
    );
    let local = sandbox.run(&suite_eval_args(&python_arg, &["--jobs", "2"]));
    assert_eq!(local.code, 0, "{}\n{}", local.stdout, local.stderr);
    let local: Vec<(String, String)> = rows(&local.stdout)
        .into_iter()
        .map(|(problem, outcome, _)| (problem, outcome))
        .collect();
    let expected: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(p, o)| ((*p).to_owned(), (*o).to_owned()))
        .collect();
    assert_eq!(local, expected);

    let second = Node::start(
        &ray,
        root.path(),
        "second",
        &[
            format!("--address={address}"),
            "--num-gpus=1".into(),
            "--num-cpus=1".into(),
        ],
    );
    wait_for_gpus(&python, &address, 3);

    let lathe = sandbox
        .command(&suite_eval_args(
            &python_arg,
            &["--executor", "ray", "--ray-address", &address],
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Three evaluations start at once on three actors: one of them on the second node. It dies
    // with every process of it while its judge works.
    let deadline = Instant::now() + Duration::from_secs(180);
    while !second.judging() {
        assert!(
            Instant::now() < deadline,
            "the second node was never given an evaluation"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        second.kill() > 0,
        "nothing of the second node was left to kill"
    );
    // A suite that hangs fails the test instead of holding CI until its limit.
    let pid = lathe.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(lathe.wait_with_output()));
    let output = match rx.recv_timeout(Duration::from_secs(600)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("the suite on the cluster did not finish in 600 s");
        }
    };
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");

    let remote = rows(&stdout);
    let verdicts: Vec<(String, String)> = remote
        .iter()
        .map(|(problem, outcome, _)| (problem.clone(), outcome.clone()))
        .collect();
    // Every problem once, with the local pool's verdict.
    assert_eq!(verdicts, expected, "{stderr}");
    // What reached a judge names the node and GPU that judged it; what the static checks or a
    // missing kernel decided, none.
    for (problem, outcome, place) in &remote {
        let judged_remotely =
            !matches!(problem.as_str(), "level1/4_add_relu.py") && outcome.as_str() != "missing";
        assert_eq!(
            place.as_deref().is_some_and(|p| p.starts_with("ray ")),
            judged_remotely,
            "{problem}: {place:?}"
        );
    }
    let retried: Vec<_> = remote
        .iter()
        .filter(|(_, _, place)| {
            place
                .as_deref()
                .is_some_and(|p| p.ends_with(", after 1 lost"))
        })
        .collect();
    assert_eq!(retried.len(), 1, "one evaluation lost its node: {remote:?}");
    // Each task's line once in the progress.
    assert_eq!(stderr.matches(" · level").count(), 8, "{stderr}");
    drop(second);

    // The optimize loop of `lathe suite run` judges on the cluster's two remaining GPUs.
    suite_run_on(&sandbox, &python, &address);
    drop(head);
    #[expect(
        clippy::print_stderr,
        reason = "CI's log keeps how long the cluster test takes"
    )]
    {
        eprintln!("{TEST}: {:.0} s", started.elapsed().as_secs_f64());
    }
}

/// `lathe suite run` of two of examples/ci/suite's problems with its stand-in model, judged
/// on the cluster at `address`: both end with a correct kernel, every judging on a slot of
/// the cluster (`ray0`, `ray1`), none on this machine.
fn suite_run_on(sandbox: &Sandbox, python: &Path, address: &str) {
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/ci/suite");
    for name in ["level1/1_relu.py", "level1/2_sigmoid.py"] {
        let source = std::fs::read_to_string(example.join("problems").join(name)).unwrap();
        sandbox.write(&format!("run-problems/{name}"), &source);
    }
    let model = std::fs::read_to_string(example.join("model.py")).unwrap();
    sandbox.write("model.py", &model);
    let llm = format!("command:{} model.py", python.display());
    let python = python.display().to_string();
    let run = sandbox.run(&[
        "suite",
        "run",
        "run-problems",
        "--llm",
        &llm,
        "--device",
        "interpret",
        "--gpu",
        "H100",
        "--python",
        &python,
        "--set",
        "batch_size=2",
        "--set",
        "dim=256",
        "--max-calls",
        "2",
        "--samples",
        "1",
        "--no-tune",
        "--runs-dir",
        "runs",
        "--out",
        "run-out",
        "--quiet",
        "--executor",
        "ray",
        "--ray-address",
        address,
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(sandbox.path().join("run-out/suite.json")).unwrap();
    let table = rows(&text);
    assert_eq!(table.len(), 2, "{text}");
    for (problem, outcome, slot) in &table {
        assert_eq!(outcome, "correct", "{problem}: {text}");
        assert!(
            slot.as_deref().is_some_and(|s| s.starts_with("ray")),
            "{problem} judged on {slot:?}"
        );
    }
}

#[test]
fn a_cluster_that_does_not_answer_is_an_environment_error_naming_its_address() {
    const TEST: &str = "a_cluster_that_does_not_answer_is_an_environment_error_naming_its_address";
    let Some(python) = common::worker_python(TEST) else {
        return;
    };
    if ray_command(&python, TEST).is_none() {
        return;
    }
    let sandbox = Sandbox::new();
    suite(&sandbox);
    let address = format!("127.0.0.1:{}", free_port());
    let python_arg = python.display().to_string();
    let run = sandbox.run(&suite_eval_args(
        &python_arg,
        &["--executor", "ray", "--ray-address", &address],
    ));
    assert_eq!(run.code, 5, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("the Ray cluster at {address} cannot be reached")),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}
