//! The GPU catalog's data, checked as data: complete, consistent, and unambiguous to look up.

use lathe_core::GpuCatalog;

const CATALOG_TOML: &str = include_str!("../../../prompts/gpus.toml");

/// The fields of an entry, in the order the catalog writes them (the prompt's order).
const FIELDS: [&str; 18] = [
    "name",
    "architecture",
    "aliases",
    "driver_names",
    "compute_capability",
    "sm_count",
    "memory_bandwidth_gb_s",
    "tf32_tensor_tflops",
    "bf16_tensor_tflops",
    "fp16_tensor_tflops",
    "max_registers_per_thread",
    "max_threads_per_block",
    "max_threads_per_sm",
    "warp_size",
    "max_warps_per_sm",
    "shared_memory_per_sm_kb",
    "max_shared_memory_per_block_kb",
    "l2_cache_mb",
];

#[test]
fn the_catalog_has_the_gpus_users_have() {
    let catalog = GpuCatalog::embedded();
    let required = [
        "4090",
        "4090D",
        "RTX 6000 Ada",
        "L4",
        "L40S",
        "A10G",
        "T4",
        "A100 40GB",
        "A100 80GB",
        "H100 SXM",
        "H100 PCIe",
        "H200",
        "B200",
    ];
    for name in required {
        assert_eq!(catalog.lookup(name).map(|g| g.name.as_str()), Ok(name));
    }
}

#[test]
fn every_entry_writes_every_field_in_the_same_order() {
    let entries: Vec<&str> = CATALOG_TOML.split("[[gpu]]").skip(1).collect();
    assert_eq!(entries.len(), GpuCatalog::embedded().len());
    for entry in entries {
        let keys: Vec<&str> = entry
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
            .collect();
        assert_eq!(keys, FIELDS, "entry:\n{entry}");
    }
}

#[test]
fn every_entry_cites_its_source() {
    for entry in CATALOG_TOML.split("[[gpu]]").skip(1) {
        // The comment block above an entry ends the previous chunk; look at what precedes it.
        let name = entry.lines().find(|l| l.starts_with("name = ")).unwrap();
        let before = CATALOG_TOML
            .split(&format!("[[gpu]]{entry}"))
            .next()
            .unwrap();
        let comment = before
            .lines()
            .rev()
            .take_while(|l| l.starts_with('#'))
            .collect::<Vec<_>>();
        assert!(
            comment.iter().any(|l| l.contains("Source:")),
            "{name} has no `# Source:` comment above it"
        );
    }
}

#[test]
fn every_entry_is_consistent_and_prints_every_bullet() {
    for gpu in GpuCatalog::embedded().iter() {
        assert_eq!(gpu.inconsistencies(), Vec::<String>::new(), "{}", gpu.name);
        let bullets = gpu.bullets();
        assert_eq!(bullets.len(), 14, "{}", gpu.name);
        assert!(bullets.iter().all(|(_, v)| !v.is_empty()), "{}", gpu.name);
    }
}

#[test]
fn every_name_resolves_to_its_own_gpu() {
    let catalog = GpuCatalog::embedded();
    for gpu in catalog.iter() {
        for name in gpu.names() {
            for spelling in [name.to_owned(), name.to_uppercase(), name.replace(' ', "-")] {
                let found = catalog.lookup(&spelling).map(|g| g.name.as_str());
                assert_eq!(found, Ok(gpu.name.as_str()), "`{spelling}`");
            }
        }
    }
}

#[test]
fn the_4090_matches_the_seed_prompts() {
    let gpu = GpuCatalog::embedded()
        .lookup("NVIDIA GeForce RTX 4090")
        .unwrap()
        .clone();
    let lines: Vec<String> = gpu
        .bullets()
        .iter()
        .map(|(k, v)| format!("• {k}: {v}"))
        .collect();
    let seed = include_str!("../../../spec/seeds/002_f477284482e7e8c7.txt");
    let block = seed.split("Architecture: Ada Lovelace\n").nth(1).unwrap();
    let seed_lines: Vec<&str> = block.lines().take_while(|l| l.starts_with('•')).collect();
    assert_eq!(lines, seed_lines);
    assert_eq!(gpu.architecture, "Ada Lovelace");
}
