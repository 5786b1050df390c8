//! `lathe gpus [NAME]`: the catalog, or one GPU as the prompt shows it.

use lathe_core::GpuSpec;
use lathe_prompt::Prompts;

use crate::cli::GpusArgs;
use crate::error::CliError;
use crate::output::emit;
use crate::settings::Settings;

pub fn run(args: &GpusArgs, settings: &Settings) -> Result<(), CliError> {
    let catalog = &settings.gpu_catalog;
    let Some(name) = &args.name else {
        let gpus: Vec<&GpuSpec> = catalog.iter().collect();
        let text = if args.json {
            to_json(&gpus)
        } else {
            table(&gpus)
        };
        return emit(&text, None);
    };
    let gpu = catalog.lookup(name).map_err(|error| CliError::UnknownGpu {
        error,
        whence: "the command line".to_owned(),
    })?;
    let text = if args.json {
        to_json(gpu)
    } else {
        Prompts::new().gpu_block(gpu)?
    };
    emit(&text, None)
}

fn to_json(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_else(|e| unreachable!("{e}"));
    text.push('\n');
    text
}

fn table(gpus: &[&GpuSpec]) -> String {
    let header = [
        "NAME",
        "ARCHITECTURE",
        "CC",
        "SMS",
        "GB/S",
        "L2 MB",
        "DRIVER NAMES",
    ];
    let rows: Vec<[String; 7]> = gpus
        .iter()
        .map(|g| {
            [
                g.name.clone(),
                g.architecture.clone(),
                g.compute_capability.to_string(),
                g.sm_count.to_string(),
                g.memory_bandwidth_gb_s.to_string(),
                g.l2_cache_mb.to_string(),
                g.driver_names.join(", "),
            ]
        })
        .collect();
    crate::table::render(&header, &rows)
}
