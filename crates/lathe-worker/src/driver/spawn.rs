//! Starting a worker process: its command, environment, scratch directory and request file,
//! run at once or started ahead (`warm_judge.rs`).

use super::reading::{check_interpreter, read_result};
use super::*;

pub(super) type RawRun = (ProcessEnd, Option<WorkerResult>, Capture, Capture, Duration);

pub(super) fn run_worker(
    config: &WorkerConfig,
    scratch: &Path,
    device: Device,
    request: &impl Serialize,
    launcher: Option<&Launcher>,
    nonce: Option<&str>,
) -> Result<RawRun, DriverError> {
    let result_path = write_request(scratch, request)?;
    let mut spec = worker_spec(config, scratch, device, launcher)?;
    if let Some(nonce) = nonce {
        // On standard input, never in the arguments or the environment: both can be read
        // through /proc by other processes of the user.
        spec.stdin = Some(format!("{nonce}\n").into_bytes());
        spec.env.push(("LATHE_NONCE_STDIN".into(), "1".into()));
    }
    let ran = process::run(&spec)?;
    finish_raw(config, &result_path, ran)
}

/// A judge started ahead of its request (`warm_judge.rs`): hardened, its modules imported,
/// its runner started and waiting to initialise CUDA; it reads the nonce on standard input
/// once its request file is written.
pub(super) fn prestarted_judge(
    config: &WorkerConfig,
    scratch: &Path,
    device: Device,
    runner_cache: Option<&Path>,
) -> Result<process::Started, DriverError> {
    let mut spec = worker_spec(config, scratch, device, None)?;
    spec.stdin = Some(Vec::new());
    spec.env.push(("LATHE_NONCE_STDIN".into(), "1".into()));
    spec.env.push(("LATHE_PRESTART".into(), "1".into()));
    spec.env
        .push(("LATHE_PRESTART_DEVICE".into(), device.as_str().into()));
    if let Some(cache) = runner_cache {
        let cache = cache.as_os_str().to_owned();
        spec.env.push(("LATHE_PRESTART_RUNNER_CACHE".into(), cache));
    }
    Ok(process::start(&spec)?)
}

pub(super) fn finish_prestarted(
    config: &WorkerConfig,
    scratch: &Path,
    request: &EvalRequest,
    started: process::Started,
    nonce: &str,
) -> Result<RawRun, DriverError> {
    let result_path = write_request(scratch, request)?;
    let ran = started.finish(format!("{nonce}\n").as_bytes())?;
    finish_raw(config, &result_path, ran)
}

/// Writes the request into the scratch directory; the path the result will be written to.
pub(super) fn write_request(
    scratch: &Path,
    request: &impl Serialize,
) -> Result<PathBuf, DriverError> {
    let text = serde_json::to_string_pretty(request).unwrap_or_else(|e| unreachable!("{e}"));
    std::fs::write(scratch.join(REQUEST_FILE), text).map_err(DriverError::Scratch)?;
    Ok(scratch.join(RESULT_FILE))
}

/// The worker's command in `scratch` (`python -m lathe_worker REQUEST RESULT`, under the
/// launcher when given), with its environment and the configured limits.
pub(super) fn worker_spec(
    config: &WorkerConfig,
    scratch: &Path,
    device: Device,
    launcher: Option<&Launcher>,
) -> Result<ProcessSpec, DriverError> {
    let worker_dir = install_worker(&config.cache_dir).map_err(|source| DriverError::Install {
        path: config.cache_dir.clone(),
        source,
    })?;
    let worker_args: Vec<OsString> = vec![
        "-m".into(),
        "lathe_worker".into(),
        scratch.join(REQUEST_FILE).into_os_string(),
        scratch.join(RESULT_FILE).into_os_string(),
    ];
    let mut spec = match launcher {
        None => {
            let mut spec = ProcessSpec::new(&config.python, scratch);
            spec.args = worker_args;
            spec
        }
        Some(launcher) => {
            let mut spec = ProcessSpec::new(&launcher.program, scratch);
            spec.args = launcher.args.clone();
            spec.args.push(config.python.clone().into_os_string());
            spec.args.extend(worker_args);
            spec
        }
    };
    spec.env = worker_env(
        std::env::vars_os(),
        &worker_dir,
        &config.pycache_dir(),
        device,
        config.gpu.as_deref(),
    );
    spec.wall_limit = config.wall_limit;
    spec.grace = config.grace;
    spec.memory_limit = config.memory_limit;
    spec.tail_bytes = config.tail_bytes;
    Ok(spec)
}

pub(super) fn finish_raw(
    config: &WorkerConfig,
    result_path: &Path,
    ran: process::ProcessOutcome,
) -> Result<RawRun, DriverError> {
    let result = read_result(result_path, &ran.stderr)?;
    if result.is_none() {
        check_interpreter(&config.python, &ran.end, &ran.stderr)?;
    }
    Ok((ran.end, result, ran.stdout, ran.stderr, ran.wall))
}

pub(super) const REQUEST_FILE: &str = "request.json";
pub(super) const RESULT_FILE: &str = "result.json";

/// The environment of a worker: the caller's, minus secrets and Triton switches it must not
/// inherit, plus the worker package on PYTHONPATH and lathe's byte-code cache.
pub(super) fn worker_env(
    caller: impl Iterator<Item = (OsString, OsString)>,
    worker_dir: &Path,
    pycache: &Path,
    device: Device,
    gpu: Option<&str>,
) -> Vec<(OsString, OsString)> {
    // The byte-code switches too: it goes to lathe's own cache, never beside the user's
    // sources, and without it every verdict compiles torch's modules again (seconds).
    let inherited = caller.filter(|(k, _)| {
        k != "TRITON_INTERPRET"
            && k != "PYTHONDONTWRITEBYTECODE"
            && k != "PYTHONPYCACHEPREFIX"
            && (gpu.is_none() || k != "CUDA_VISIBLE_DEVICES")
    });
    let mut env = process::scrubbed_env(inherited);
    let python_path = match env.iter().position(|(k, _)| k == "PYTHONPATH") {
        Some(i) => {
            let (_, old) = env.remove(i);
            let mut joined = worker_dir.as_os_str().to_owned();
            joined.push(":");
            joined.push(old);
            joined
        }
        None => worker_dir.as_os_str().to_owned(),
    };
    env.push(("PYTHONPATH".into(), python_path));
    env.push(("PYTHONUNBUFFERED".into(), "1".into()));
    // Byte-code of every module the judge imports (torch's thousands of them, where
    // site-packages ship none) compiled once into lathe's cache, not again by every verdict.
    // The runner reads it and never writes it (the judge starts it with
    // PYTHONDONTWRITEBYTECODE, and its confinement leaves this directory read-only), so no
    // candidate can plant byte-code that a later judge would run.
    env.push(("PYTHONPYCACHEPREFIX".into(), pycache.as_os_str().to_owned()));
    if device == Device::Interpret {
        env.push(("TRITON_INTERPRET".into(), "1".into()));
    }
    if let Some(gpu) = gpu {
        env.push(("CUDA_VISIBLE_DEVICES".into(), gpu.into()));
    }
    env
}

pub(crate) fn scratch_dir(config: &WorkerConfig) -> Result<tempfile::TempDir, DriverError> {
    let root = config
        .scratch_root
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&root).map_err(DriverError::Scratch)?;
    tempfile::Builder::new()
        .prefix("lathe-eval-")
        .tempdir_in(root)
        .map_err(DriverError::Scratch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var<'a>(env: &'a [(OsString, OsString)], name: &str) -> Vec<&'a OsString> {
        env.iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn the_judge_writes_byte_code_to_lathes_cache_whatever_the_caller_set() {
        let caller = [
            ("PYTHONDONTWRITEBYTECODE", "1"),
            ("PYTHONPYCACHEPREFIX", "/home/user/elsewhere"),
            ("TRITON_INTERPRET", "1"),
            ("HOME", "/home/user"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let env = worker_env(
            caller.into_iter(),
            Path::new("/cache/worker/abc"),
            Path::new("/cache/pycache"),
            Device::Cuda,
            None,
        );
        assert!(var(&env, "PYTHONDONTWRITEBYTECODE").is_empty(), "{env:?}");
        assert_eq!(var(&env, "PYTHONPYCACHEPREFIX"), ["/cache/pycache"]);
        assert!(var(&env, "TRITON_INTERPRET").is_empty(), "{env:?}");
        assert_eq!(var(&env, "HOME"), ["/home/user"]);
        assert_eq!(var(&env, "PYTHONPATH"), ["/cache/worker/abc"]);
    }
}
