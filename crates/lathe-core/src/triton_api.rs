//! Which `triton.language` functions a Triton release has: the facts behind the prompt's
//! "Triton has NO ..." and "Missing Triton Functions" lines.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Deserializer};

const EMBEDDED_TOML: &str = include_str!("../../../prompts/triton/tl_functions.toml");

/// A Triton minor release (`3.6`); patch releases share their minor's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TritonRelease {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for TritonRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for TritonRelease {
    type Err = String;

    /// Accepts what `triton.__version__` prints (`3.6.0`, `3.6.0+git1a2b3c`) and the short `3.6`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a Triton version like `3.6` or `3.6.0`");
        let version = s.trim().trim_start_matches('v');
        let version = version.split(['+', '-']).next().unwrap_or_default();
        let mut parts = version.split('.');
        let major = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let minor = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        if parts.any(|p| p.parse::<u32>().is_err()) {
            return Err(bad());
        }
        Ok(TritonRelease { major, minor })
    }
}

impl<'de> Deserialize<'de> for TritonRelease {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A Triton version lathe has no facts for, or text that is no version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TritonReleaseError {
    pub input: String,
    pub message: String,
    /// The releases lathe knows, oldest first.
    pub known: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlFunction {
    /// The name under `tl.`.
    pub name: String,
    pub present_in: Vec<TritonRelease>,
    /// What to write where the function is missing.
    #[serde(default)]
    pub instead: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TritonApi {
    releases: Vec<TritonRelease>,
    seed_missing: Vec<String>,
    #[serde(rename = "function")]
    functions: Vec<TlFunction>,
}

/// The `tl` functions a prompt says are missing, in the order the prompt lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingTl {
    functions: Vec<(String, Option<String>)>,
}

impl MissingTl {
    /// `tl.tanh, tl.gelu, ...`: the form both prompt lines use.
    pub fn joined(&self) -> String {
        self.functions
            .iter()
            .map(|(name, _)| format!("tl.{name}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Each missing function with what to write instead, where the table says.
    pub fn with_alternatives(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.functions
            .iter()
            .map(|(name, instead)| (name.as_str(), instead.as_deref()))
    }

    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }

    /// The functions missing from both lists, in this list's order.
    pub fn intersect(&self, other: &MissingTl) -> MissingTl {
        MissingTl {
            functions: self
                .functions
                .iter()
                .filter(|(name, _)| other.functions.iter().any(|(o, _)| o == name))
                .cloned()
                .collect(),
        }
    }
}

impl TritonApi {
    pub fn embedded() -> &'static TritonApi {
        static API: OnceLock<TritonApi> = OnceLock::new();
        API.get_or_init(|| {
            let api: TritonApi = toml::from_str(EMBEDDED_TOML)
                .unwrap_or_else(|e| panic!("prompts/triton/tl_functions.toml: {e}"));
            if let Err(problem) = api.check() {
                panic!("prompts/triton/tl_functions.toml: {problem}");
            }
            api
        })
    }

    fn check(&self) -> Result<(), String> {
        for f in &self.functions {
            if let Some(r) = f.present_in.iter().find(|r| !self.releases.contains(r)) {
                return Err(format!("tl.{} lists unknown release {r}", f.name));
            }
        }
        match self
            .seed_missing
            .iter()
            .find(|n| !self.functions.iter().any(|f| &&f.name == n))
        {
            Some(name) => Err(format!("seed_missing names tl.{name}, which has no entry")),
            None => Ok(()),
        }
    }

    /// The releases the table covers, oldest first.
    pub fn releases(&self) -> &[TritonRelease] {
        &self.releases
    }

    pub fn functions(&self) -> &[TlFunction] {
        &self.functions
    }

    /// Resolves a version string to a release of the table.
    pub fn release(&self, version: &str) -> Result<TritonRelease, TritonReleaseError> {
        let known = || self.releases.iter().map(ToString::to_string).collect();
        let release: TritonRelease = version.parse().map_err(|message| TritonReleaseError {
            input: version.to_owned(),
            message,
            known: known(),
        })?;
        if self.releases.contains(&release) {
            return Ok(release);
        }
        Err(TritonReleaseError {
            input: version.to_owned(),
            message: format!("lathe has no `tl` facts for Triton {release}"),
            known: known(),
        })
    }

    /// What the seed prompts say is missing (false for Triton 3.x; kept to reproduce them).
    pub fn seed_missing(&self) -> MissingTl {
        let instead = |name: &String| {
            self.functions
                .iter()
                .find(|f| &f.name == name)
                .and_then(|f| f.instead.clone())
        };
        MissingTl {
            functions: self
                .seed_missing
                .iter()
                .map(|n| (n.clone(), instead(n)))
                .collect(),
        }
    }

    /// What no release of the table has: true of whichever 3.x is installed.
    pub fn missing_in_every_release(&self) -> MissingTl {
        self.releases
            .iter()
            .map(|r| self.missing_in(*r))
            .reduce(|a, b| a.intersect(&b))
            .unwrap_or_else(|| self.seed_missing())
    }

    /// What the installed Triton lacks, as a probe found it: the table's functions the probe
    /// reports absent (a function the probe did not look for is not called missing).
    pub fn missing_per_probe(
        &self,
        present: &std::collections::BTreeMap<String, bool>,
    ) -> MissingTl {
        MissingTl {
            functions: self
                .functions
                .iter()
                .filter(|f| present.get(&f.name) == Some(&false))
                .map(|f| (f.name.clone(), f.instead.clone()))
                .collect(),
        }
    }

    /// What `release` really lacks among the functions of the table.
    pub fn missing_in(&self, release: TritonRelease) -> MissingTl {
        MissingTl {
            functions: self
                .functions
                .iter()
                .filter(|f| !f.present_in.contains(&release))
                .map(|f| (f.name.clone(), f.instead.clone()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_names_missing_only_what_it_found_absent() {
        let present = std::collections::BTreeMap::from([
            ("tanh".to_owned(), false),
            ("sigmoid".to_owned(), true),
        ]);
        let missing = TritonApi::embedded().missing_per_probe(&present);
        assert_eq!(missing.joined(), "tl.tanh");
    }

    #[test]
    fn seed_list_is_reproduced_in_order() {
        assert_eq!(
            TritonApi::embedded().seed_missing().joined(),
            "tl.tanh, tl.sigmoid, tl.gelu, tl.silu, tl.softmax, tl.mish"
        );
    }

    #[test]
    fn triton_3_has_sigmoid_and_softmax_but_no_tanh_gelu_silu_mish() {
        let api = TritonApi::embedded();
        for release in api.releases() {
            let missing = api.missing_in(*release).joined();
            for absent in ["tl.tanh", "tl.gelu", "tl.silu", "tl.mish"] {
                assert!(missing.contains(absent), "{release}: {missing}");
            }
            for present in ["tl.sigmoid", "tl.softmax"] {
                assert!(!missing.contains(present), "{release}: {missing}");
            }
        }
    }

    #[test]
    fn gather_arrives_in_3_3() {
        let api = TritonApi::embedded();
        let lacks_gather = |v: &str| {
            api.missing_in(api.release(v).unwrap())
                .joined()
                .contains("tl.gather")
        };
        assert!(lacks_gather("3.2.0"));
        assert!(!lacks_gather("3.3.1"));
    }

    #[test]
    fn versions_parse_like_triton_prints_them() {
        let api = TritonApi::embedded();
        assert_eq!(api.release("3.6.0+git9f2a").unwrap().to_string(), "3.6");
        assert!(
            api.release("2.3.1")
                .unwrap_err()
                .message
                .contains("no `tl` facts")
        );
        assert!(api.release("three").is_err());
        assert_eq!(api.release("3.10").unwrap_err().known.len(), 10);
    }
}
