//! Checking metric names before profiling: ncu drops a name it does not know without a word (a
//! capture asked for `foo__bar.sum` simply has no such column), so an unchecked typo or a metric
//! retired by a new GPU generation would leave a stage's rules silently blind.
//!
//! Names are checked against `ncu --query-metrics --query-metrics-mode suffix`, which lists every
//! full name of the base metrics asked about (about a second), and the answers are cached per
//! ncu version and GPU model in `<cache>/ncu/`. `launch__*` attributes are not listed by the query
//! (they are facts of the launch, not counters) and are checked against the list a real capture
//! holds (`data/launch_attributes.txt`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lathe_worker::process::ProcessEnd;
use serde::{Deserialize, Serialize};

use crate::capture::parse_csv_line;
use crate::ncu::{Ncu, end_text, run_briefly};

const LAUNCH_ATTRIBUTES: &str = include_str!("../data/launch_attributes.txt");
const QUERY_LIMIT: Duration = Duration::from_secs(60);

/// Which requested names this ncu knows on this GPU.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricCheck {
    /// Known names, in the order asked.
    pub known: Vec<String>,
    pub unknown: Vec<UnknownMetric>,
    /// False when ncu could not be asked (then every name is passed on unchecked).
    pub validated: bool,
    /// Why the names could not be checked, when they could not.
    pub note: Option<String>,
    /// Whether the answer came from the cache.
    pub cached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownMetric {
    pub metric: String,
    pub suggestion: Option<String>,
}

/// The cache file: every full name of each base metric asked about so far (an empty list: ncu
/// does not know the base).
#[derive(Debug, Default, Serialize, Deserialize)]
struct CacheFile {
    ncu_version: String,
    gpus: Vec<String>,
    bases: BTreeMap<String, Vec<String>>,
}

/// Checks `metrics`, asking ncu only about base metrics the cache has not seen.
pub fn check_metrics(ncu: &Ncu, metrics: &[String], cache_root: Option<&Path>) -> MetricCheck {
    let gpus = gpu_models();
    let cache_path = cache_root.map(|root| cache_file_path(root, ncu, &gpus));
    let mut cache: CacheFile = cache_path
        .as_deref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    let wanted: Vec<&str> = metrics
        .iter()
        .filter(|m| !m.starts_with("launch__"))
        .map(|m| base_of(m))
        .collect();
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|b| !cache.bases.contains_key(*b))
        .collect();
    let cached = missing.is_empty();
    if !missing.is_empty() {
        match query(ncu, &missing) {
            Ok(found) => {
                for base in &missing {
                    let names = found.get(*base).cloned().unwrap_or_default();
                    cache.bases.insert((*base).to_owned(), names);
                }
                cache.ncu_version = ncu.version_number().to_owned();
                cache.gpus = gpus;
                if let Some(path) = &cache_path {
                    // A cache that cannot be written costs a second next time, nothing more.
                    let _ = write_atomically(path, &cache);
                }
            }
            Err(note) => {
                return MetricCheck {
                    known: metrics.to_vec(),
                    unknown: Vec::new(),
                    validated: false,
                    note: Some(note),
                    cached: false,
                };
            }
        }
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for metric in metrics {
        let is_known = if metric.starts_with("launch__") {
            launch_attributes().any(|a| a == metric)
        } else {
            cache
                .bases
                .get(base_of(metric))
                .is_some_and(|names| names.iter().any(|n| n == metric))
        };
        if is_known {
            known.push(metric.clone());
        } else {
            let near = cache.bases.values().flatten().map(String::as_str);
            unknown.push(UnknownMetric {
                metric: metric.clone(),
                suggestion: suggest(metric, near),
            });
        }
    }
    MetricCheck {
        known,
        unknown,
        validated: true,
        note: None,
        cached,
    }
}

/// `sm__throughput` of `sm__throughput.avg.pct_of_peak_sustained_elapsed`.
fn base_of(metric: &str) -> &str {
    metric.split('.').next().unwrap_or(metric)
}

fn launch_attributes() -> impl Iterator<Item = &'static str> {
    LAUNCH_ATTRIBUTES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Every full name ncu lists for these bases, grouped by base.
fn query(ncu: &Ncu, bases: &[&str]) -> Result<BTreeMap<String, Vec<String>>, String> {
    let list = bases.join(",");
    let args = [
        "--query-metrics",
        "--query-metrics-mode",
        "suffix",
        "--csv",
        "--metrics",
        list.as_str(),
    ];
    let ran = run_briefly(&ncu.path, &args, QUERY_LIMIT)
        .map_err(|e| format!("cannot ask ncu which metrics it knows: {e}"))?;
    if ran.end != (ProcessEnd::Exited { code: 0 }) {
        return Err(format!(
            "`ncu --query-metrics` {}: {}",
            end_text(&ran.end),
            last_line(&ran.stderr.tail)
                .or(last_line(&ran.stdout.tail))
                .unwrap_or("no output")
        ));
    }
    Ok(parse_query(&ran.stdout.tail))
}

fn last_line(text: &str) -> Option<&str> {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty())
}

/// The names in the first column of `--query-metrics --csv` output, grouped by base metric.
pub(crate) fn parse_query(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines() {
        let Ok(fields) = parse_csv_line(line) else {
            continue;
        };
        let Some(name) = fields.first() else {
            continue;
        };
        if !in_table {
            in_table = name == "Metric name";
            continue;
        }
        if name.contains("__") {
            found
                .entry(base_of(name).to_owned())
                .or_default()
                .push(name.clone());
        }
    }
    found
}

/// The GPU models of this machine, as the driver names them: part of the cache key, so that a
/// machine whose GPU changes asks ncu again. Empty when the driver's files are unreadable (a
/// machine with no NVIDIA driver has nothing to profile; its stand-in ncu is cached as is).
fn gpu_models() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc/driver/nvidia/gpus") else {
        return Vec::new();
    };
    let mut models: Vec<String> = entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("information")).ok())
        .filter_map(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("Model:").map(|m| m.trim().to_owned()))
        })
        .collect();
    models.sort();
    models.dedup();
    models
}

fn cache_file_path(root: &Path, ncu: &Ncu, gpus: &[String]) -> PathBuf {
    let gpus = if gpus.is_empty() {
        "no-driver-info".to_owned()
    } else {
        gpus.join("+")
    };
    let key: String = format!("{}-{gpus}", ncu.version_number())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    root.join("ncu").join(format!("metrics-{key}.json"))
}

fn write_atomically(path: &Path, cache: &CacheFile) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".metrics-{}.tmp", std::process::id()));
    let text = serde_json::to_string_pretty(cache).unwrap_or_else(|e| unreachable!("{e}"));
    std::fs::write(&tmp, text)?;
    std::fs::rename(tmp, path)
}

/// The closest known name: among the names ncu listed, then among the names common to recent
/// GPUs.
pub(crate) fn suggest<'a>(metric: &str, listed: impl Iterator<Item = &'a str>) -> Option<String> {
    let listed: Vec<&str> = listed.collect();
    if let Some(near) = lathe_core::closest(metric, listed.iter().copied()) {
        return Some(near.to_owned());
    }
    // The embedded list holds the `launch__*` attributes too.
    let known = lathe_core::ncu_known_metric_names();
    lathe_core::closest(metric, known.iter().map(String::as_str)).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_output_is_read_by_base() {
        let text = include_str!("../tests/data/h100_query_suffix.csv");
        let found = parse_query(text);
        let names = &found["sm__throughput"];
        assert_eq!(names.len(), 8);
        assert!(names.contains(&"sm__throughput.avg.pct_of_peak_sustained_elapsed".to_owned()));
        assert!(!found.contains_key("launch__grid_size"));
    }

    #[test]
    fn near_misses_get_a_suggestion() {
        let listed = ["sm__throughput.avg.pct_of_peak_sustained_elapsed"];
        assert_eq!(
            suggest(
                "sm__throughput.avg.pct_of_peak_sustained_elapse",
                listed.into_iter()
            )
            .as_deref(),
            Some("sm__throughput.avg.pct_of_peak_sustained_elapsed")
        );
        // The seeds' stall metric does not exist; whatever is suggested must be a real stall
        // metric of the same kind.
        let stall = suggest(
            "smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct",
            std::iter::empty(),
        );
        assert!(
            stall
                .as_deref()
                .is_some_and(|s| s.starts_with("smsp__warp_issue_stalled_")
                    && s.ends_with("_per_warp_active.pct")),
            "{stall:?}"
        );
        assert_eq!(
            suggest("launch__grid_sise", std::iter::empty()).as_deref(),
            Some("launch__grid_size")
        );
    }
}
