//! Finding Nsight Compute and asking it its version.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lathe_worker::process::{self, ProcessEnd, ProcessSpec};
use serde::Serialize;

use crate::unavailable::UnavailableReason;

/// Places a CUDA installation puts ncu when it is not on PATH.
const USUAL_PLACES: &[&str] = &["/usr/local/cuda/bin/ncu", "/opt/nvidia/nsight-compute/ncu"];

/// An ncu that answered `--version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ncu {
    pub path: PathBuf,
    /// The version line, e.g. `Version 2025.3.1.0 (build 36398880) (public-release)`.
    pub version: String,
}

impl Ncu {
    /// `explicit` (from --ncu, LATHE_NCU or the settings) when given, else `ncu` on `path_var`,
    /// then `$CUDA_HOME/bin/ncu` and the usual install places.
    pub fn locate(
        explicit: Option<&Path>,
        path_var: Option<&OsStr>,
        cuda_home: Option<&OsStr>,
    ) -> Result<Ncu, UnavailableReason> {
        let path = match explicit {
            Some(p) => resolve_explicit(p, path_var)?,
            None => search(path_var, cuda_home).ok_or_else(|| UnavailableReason::NcuNotFound {
                searched: "PATH, $CUDA_HOME/bin, /usr/local/cuda/bin, /opt/nvidia/nsight-compute"
                    .to_owned(),
            })?,
        };
        let version = version(&path)?;
        Ok(Ncu { path, version })
    }

    /// The version number alone (`2025.3.1.0`), for cache keys and messages.
    pub fn version_number(&self) -> &str {
        self.version
            .split_whitespace()
            .nth(1)
            .unwrap_or(&self.version)
    }
}

fn resolve_explicit(path: &Path, path_var: Option<&OsStr>) -> Result<PathBuf, UnavailableReason> {
    let found = if path.components().count() > 1 {
        // Relative means the user's directory: ncu runs elsewhere (a scratch directory).
        let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
        path.is_file().then_some(path)
    } else {
        on_path(path.as_os_str(), path_var)
    };
    found.ok_or_else(|| UnavailableReason::NcuNotFound {
        searched: format!("{} as given", path.display()),
    })
}

fn search(path_var: Option<&OsStr>, cuda_home: Option<&OsStr>) -> Option<PathBuf> {
    on_path(OsStr::new("ncu"), path_var)
        .or_else(|| {
            cuda_home
                .map(|home| Path::new(home).join("bin").join("ncu"))
                .filter(|p| p.is_file())
        })
        .or_else(|| USUAL_PLACES.iter().map(PathBuf::from).find(|p| p.is_file()))
}

fn on_path(name: &OsStr, path_var: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The last line of `ncu --version`.
fn version(path: &Path) -> Result<String, UnavailableReason> {
    let unusable = |detail: String| UnavailableReason::NcuUnusable {
        ncu: path.to_owned(),
        detail,
    };
    let ran = run_briefly(path, &["--version"], Duration::from_secs(30))
        .map_err(|e| unusable(first_line(&e.to_string())))?;
    match ran.end {
        ProcessEnd::Exited { code: 0 } => ran
            .stdout
            .tail
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_owned())
            .ok_or_else(|| unusable("`--version` printed nothing".to_owned())),
        end => Err(unusable(format!(
            "`--version` {}: {}",
            end_text(&end),
            ran.stderr.tail.trim()
        ))),
    }
}

/// Runs ncu for a quick question (version, metric query) with a secret-free environment.
pub(crate) fn run_briefly(
    ncu: &Path,
    args: &[&str],
    limit: Duration,
) -> Result<process::ProcessOutcome, process::SpawnError> {
    let cwd = std::env::temp_dir();
    let mut spec = ProcessSpec::new(ncu, cwd);
    spec.args = args.iter().map(Into::into).collect();
    spec.env = process::scrubbed_env(std::env::vars_os());
    spec.wall_limit = limit;
    spec.grace = Duration::from_secs(2);
    spec.tail_bytes = 16 * 1024 * 1024;
    process::run(&spec)
}

/// How a quick ncu run ended, for a message.
pub(crate) fn end_text(end: &ProcessEnd) -> String {
    match end {
        ProcessEnd::Exited { code } => format!("exited with code {code}"),
        ProcessEnd::Signaled { name, .. } => format!("died of {name}"),
        ProcessEnd::TimedOut { after, .. } => format!("ran past {:.0} s", after.as_secs_f64()),
        ProcessEnd::MemoryLimit { limit, .. } => format!("exceeded {limit} bytes of memory"),
    }
}

/// The first line of a spawn error: the rest speaks of the process API, not to the user.
pub(crate) fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}
