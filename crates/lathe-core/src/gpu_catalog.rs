//! The GPU catalog: embedded entries, optionally extended by the user's own, looked up forgivingly.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::GpuSpec;

const EMBEDDED_TOML: &str = include_str!("../../../prompts/gpus.toml");
const EMBEDDED_ORIGIN: &str = "prompts/gpus.toml (built into lathe)";

/// GPUs by every name they answer to. Names compare after [`normalize`]: case, spaces, dashes,
/// underscores and a leading "NVIDIA" do not matter.
#[derive(Debug, Clone)]
pub struct GpuCatalog {
    gpus: Vec<GpuSpec>,
    by_key: HashMap<String, usize>,
}

/// The catalog data itself is wrong: a parse error, contradictory facts, or one name for two GPUs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GpuCatalogError {
    #[error("{origin}: {message}")]
    Parse { origin: String, message: String },
    #[error("{origin}: GPU `{gpu}` is inconsistent: {}", problems.join("; "))]
    Inconsistent {
        origin: String,
        gpu: String,
        problems: Vec<String>,
    },
    #[error("{origin}: the name `{name}` would mean both `{first}` and `{second}`")]
    AmbiguousName {
        origin: String,
        name: String,
        first: String,
        second: String,
    },
}

/// A name that matches no GPU.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown GPU `{name}`")]
pub struct GpuLookupError {
    pub name: String,
    /// Catalog names the input probably meant: those it is a prefix of, else the nearest one.
    pub suggestions: Vec<String>,
    /// Every catalog name, in catalog order.
    pub known: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    gpu: Vec<GpuSpec>,
}

impl GpuCatalog {
    /// The catalog built into lathe.
    pub fn embedded() -> GpuCatalog {
        static EMBEDDED: OnceLock<GpuCatalog> = OnceLock::new();
        EMBEDDED
            .get_or_init(|| {
                GpuCatalog::from_toml(EMBEDDED_TOML, EMBEDDED_ORIGIN)
                    .unwrap_or_else(|e| panic!("the built-in GPU catalog is invalid: {e}"))
            })
            .clone()
    }

    /// Parses a catalog file of `[[gpu]]` tables. `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<GpuCatalog, GpuCatalogError> {
        let file: CatalogFile = toml::from_str(text).map_err(|e| GpuCatalogError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        let mut catalog = GpuCatalog {
            gpus: Vec::new(),
            by_key: HashMap::new(),
        };
        catalog.extend(file.gpu, origin)?;
        Ok(catalog)
    }

    /// Adds the user's own entries. An entry whose name is already in the catalog replaces that
    /// GPU (the user knows their card); any other name clash is an error naming both GPUs.
    pub fn extend(&mut self, entries: Vec<GpuSpec>, origin: &str) -> Result<(), GpuCatalogError> {
        for entry in entries {
            let problems = entry.inconsistencies();
            if !problems.is_empty() {
                return Err(GpuCatalogError::Inconsistent {
                    origin: origin.to_owned(),
                    gpu: entry.name.clone(),
                    problems,
                });
            }
            let key = normalize(&entry.name);
            match self.gpus.iter().position(|g| normalize(&g.name) == key) {
                Some(i) => self.gpus[i] = entry,
                None => self.gpus.push(entry),
            }
        }
        self.by_key = index(&self.gpus, origin)?;
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = &GpuSpec> {
        self.gpus.iter()
    }

    pub fn len(&self) -> usize {
        self.gpus.len()
    }

    pub fn is_empty(&self) -> bool {
        self.gpus.is_empty()
    }

    pub fn lookup(&self, name: &str) -> Result<&GpuSpec, GpuLookupError> {
        let key = normalize(name);
        if let Some(&i) = self.by_key.get(&key) {
            return Ok(&self.gpus[i]);
        }
        Err(GpuLookupError {
            name: name.to_owned(),
            suggestions: self.suggestions(&key),
            known: self.gpus.iter().map(|g| g.name.clone()).collect(),
        })
    }

    fn suggestions(&self, key: &str) -> Vec<String> {
        let mut by_prefix: Vec<usize> = self
            .by_key
            .iter()
            .filter(|(k, _)| !key.is_empty() && k.starts_with(key))
            .map(|(_, &i)| i)
            .collect();
        by_prefix.sort_unstable();
        by_prefix.dedup();
        if !by_prefix.is_empty() {
            return by_prefix
                .into_iter()
                .map(|i| self.gpus[i].name.clone())
                .collect();
        }
        let keys = self.by_key.keys().map(String::as_str);
        crate::closest(key, keys)
            .map(|k| vec![self.gpus[self.by_key[k]].name.clone()])
            .unwrap_or_default()
    }
}

fn index(gpus: &[GpuSpec], origin: &str) -> Result<HashMap<String, usize>, GpuCatalogError> {
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, gpu) in gpus.iter().enumerate() {
        for name in gpu.names() {
            let key = normalize(name);
            if let Some(&other) = by_key.get(&key)
                && other != i
            {
                return Err(GpuCatalogError::AmbiguousName {
                    origin: origin.to_owned(),
                    name: name.to_owned(),
                    first: gpus[other].name.clone(),
                    second: gpu.name.clone(),
                });
            }
            by_key.insert(key, i);
        }
    }
    Ok(by_key)
}

/// The form names are compared in: lowercase letters and digits only, without a leading "nvidia".
pub(crate) fn normalize(name: &str) -> String {
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match key.strip_prefix("nvidia") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_names_and_short_names_resolve() {
        let catalog = GpuCatalog::embedded();
        let cases = [
            ("4090", "4090"),
            ("NVIDIA GeForce RTX 4090", "4090"),
            ("rtx-4090", "4090"),
            ("NVIDIA GeForce RTX 4090 D", "4090D"),
            ("NVIDIA H100 80GB HBM3", "H100 SXM"),
            ("h100_pcie", "H100 PCIe"),
            ("NVIDIA H200", "H200"),
            ("Tesla T4", "T4"),
            ("NVIDIA A100-SXM4-80GB", "A100 80GB"),
            ("NVIDIA A100 80GB PCIe", "A100 80GB PCIe"),
            ("NVIDIA RTX 6000 Ada Generation", "RTX 6000 Ada"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                catalog.lookup(input).map(|g| g.name.as_str()),
                Ok(expected),
                "{input}"
            );
        }
    }

    #[test]
    fn an_ambiguous_prefix_suggests_every_match() {
        let err = GpuCatalog::embedded().lookup("A100").unwrap_err();
        assert_eq!(
            err.suggestions,
            ["A100 40GB", "A100 80GB", "A100 80GB PCIe"]
        );
    }

    #[test]
    fn a_typo_suggests_the_nearest_gpu() {
        let err = GpuCatalog::embedded().lookup("L40X").unwrap_err();
        assert_eq!(err.suggestions, ["L40S"]);
        let err = GpuCatalog::embedded().lookup("Radeon VII").unwrap_err();
        assert!(err.suggestions.is_empty());
        assert_eq!(err.known.len(), GpuCatalog::embedded().len());
    }

    #[test]
    fn user_entries_replace_or_extend() {
        let mut catalog = GpuCatalog::embedded();
        let mut mine = catalog.lookup("4090").unwrap().clone();
        mine.name = "RTX 5880".into();
        mine.aliases = vec!["my card".into()];
        mine.driver_names = vec![];
        catalog.extend(vec![mine], "lathe.toml").unwrap();
        assert_eq!(catalog.lookup("My-Card").unwrap().name, "RTX 5880");

        let mut clash = catalog.lookup("L4").unwrap().clone();
        clash.name = "Other".into();
        clash.aliases = vec!["H200".into()];
        clash.driver_names = vec![];
        let err = catalog.extend(vec![clash], "lathe.toml").unwrap_err();
        assert!(
            matches!(err, GpuCatalogError::AmbiguousName { .. }),
            "{err}"
        );
    }

    #[test]
    fn inconsistent_entries_are_refused() {
        let mut bad = GpuCatalog::embedded().lookup("T4").unwrap().clone();
        bad.name = "T4 typo".into();
        bad.aliases.clear();
        bad.driver_names.clear();
        bad.max_warps_per_sm = 48;
        let err = GpuCatalog::embedded()
            .extend(vec![bad], "x.toml")
            .unwrap_err();
        assert!(err.to_string().contains("max_warps_per_sm (48)"), "{err}");
    }
}
