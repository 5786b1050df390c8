//! `lathe probe`: the GPU at hand matched to the catalog, and what its software offers.

use lathe_worker::driver::{self, EvalOutcome};
use lathe_worker::protocol::{PROTOCOL_VERSION, ProbeFacts, ProbeRequest, RequestKind};

use crate::cli::ProbeArgs;
use crate::error::CliError;
use crate::output::emit;
use crate::settings::Settings;

pub fn run(args: &ProbeArgs, settings: &Settings) -> Result<(), CliError> {
    let request = ProbeRequest {
        protocol: PROTOCOL_VERSION,
        kind: RequestKind::Probe,
        device: settings.eval.device.value,
        ncu: args.ncu.clone(),
        cache_dir: None,
    };
    let finished =
        driver::probe(&settings.eval.worker_config(), request).map_err(CliError::Worker)?;
    let facts = match finished.outcome {
        Ok(facts) => facts,
        Err(EvalOutcome::EnvironmentError { message }) => {
            return Err(CliError::Environment {
                message,
                hint: None,
            });
        }
        Err(EvalOutcome::WorkerError { message, detail }) => {
            return Err(CliError::WorkerDefect { message, detail });
        }
        Err(other) => {
            return Err(CliError::WorkerDefect {
                message: format!("unexpected answer to a probe: {other:?}"),
                detail: None,
            });
        }
    };
    let catalog = facts
        .gpu
        .as_ref()
        .and_then(|g| settings.gpu_catalog.lookup(&g.name).ok());
    let text = if args.json {
        let value = serde_json::json!({
            "catalog_entry": catalog,
            "facts": facts,
        });
        serde_json::to_string_pretty(&value).unwrap_or_else(|e| unreachable!("{e}")) + "\n"
    } else {
        describe(&facts, catalog.map(|g| g.name.as_str()))
    };
    emit(&text, None)
}

fn describe(facts: &ProbeFacts, catalog_name: Option<&str>) -> String {
    let f = &facts.fingerprint;
    let get = |k: &str| {
        f.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("unknown")
            .to_owned()
    };
    let mut rows: Vec<(&str, String)> = Vec::new();
    match &facts.gpu {
        Some(g) => {
            let entry = match catalog_name {
                Some(name) => format!("catalog entry `{name}`"),
                None => "not in the catalog: describe it under [[gpus]] in lathe.toml".to_owned(),
            };
            rows.push(("gpu", format!("{} ({entry})", g.name)));
            rows.push((
                "compute",
                format!(
                    "compute capability {}, {} SMs, L2 {} MB",
                    g.compute_capability,
                    g.sm_count,
                    g.l2_bytes >> 20
                ),
            ));
            if let (Some(sm), Some(block)) = (
                g.shared_memory_per_sm_bytes,
                g.shared_memory_per_block_optin_bytes,
            ) {
                rows.push((
                    "shared",
                    format!("{} KB per SM, {} KB per block", sm >> 10, block >> 10),
                ));
            }
            rows.push(("memory", format!("{:.1} GB", g.memory_bytes as f64 / 1e9)));
        }
        None => rows.push(("gpu", "none visible to torch".to_owned())),
    }
    if let Some(bw) = facts.copy_bandwidth_gb_s {
        rows.push((
            "copy",
            format!("{bw:.0} GB/s device-to-device (read + write)"),
        ));
    }
    rows.push(("driver", get("driver")));
    rows.push((
        "software",
        format!(
            "torch {}, triton {}, CUDA {}, python {}",
            get("torch"),
            get("triton"),
            get("cuda"),
            get("python")
        ),
    ));
    if let Some(tl) = &facts.tl_functions {
        let missing: Vec<&str> = tl
            .iter()
            .filter(|(_, has)| !**has)
            .map(|(n, _)| n.as_str())
            .collect();
        rows.push((
            "tl lacks",
            if missing.is_empty() {
                "nothing lathe asks about".to_owned()
            } else {
                missing.join(", ")
            },
        ));
    }
    let ncu = &facts.ncu;
    rows.push((
        "ncu",
        match &ncu.path {
            Some(p) => format!(
                "{} ({}; counters: {})",
                p.display(),
                ncu.version.as_deref().unwrap_or("version unknown"),
                ncu.counters
            ),
            None => ncu_missing(&ncu.counters),
        },
    ));
    rows.iter().map(|(k, v)| format!("{k:<10}{v}\n")).collect()
}

/// No Nsight Compute: where to get one. The worker's own word for it is `not found`, said once.
fn ncu_missing(why: &str) -> String {
    let how = "needed only to profile: put ncu on PATH or pass --ncu PATH";
    match why {
        "not found" => format!("not found ({how})"),
        other => format!("not found: {other} ({how})"),
    }
}

#[cfg(test)]
mod tests {
    use super::ncu_missing;

    #[test]
    fn a_missing_ncu_is_said_once_with_the_way_to_name_one() {
        let text = ncu_missing("not found");
        assert_eq!(text.matches("not found").count(), 1, "{text}");
        assert!(text.contains("--ncu PATH"), "{text}");
    }
}
