//! The kind of problem a task is: it picks the list of stages that optimize it.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// KernelBench's three levels, by what the reference computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// One operator (level 1): a matmul, a convolution, a reduction, an activation.
    Single,
    /// Several operators fused into one pass (level 2).
    Fusion,
    /// A whole network (level 3).
    Network,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Single, Category::Fusion, Category::Network];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Single => "single",
            Category::Fusion => "fusion",
            Category::Network => "network",
        }
    }

    /// The category a KernelBench-style path implies: a path component that is `level1`,
    /// `level2` or `level3`, alone or followed by a separator (`level2_fusions`, `level1-19.py`).
    /// `None` when the path says nothing, or says two different things.
    pub fn from_problem_path(path: &Path) -> Option<Category> {
        let mut found = None;
        for part in path.iter().filter_map(|p| p.to_str()) {
            let lower = part.to_ascii_lowercase();
            let Some(rest) = lower.strip_prefix("level") else {
                continue;
            };
            let mut chars = rest.chars();
            let digit = chars.next();
            if chars.as_str().starts_with(|c: char| c.is_alphanumeric()) {
                continue; // `level10`, `levels`: not a KernelBench level
            }
            let category = match digit {
                Some('1') => Category::Single,
                Some('2') => Category::Fusion,
                Some('3') => Category::Network,
                _ => continue,
            };
            if found.is_some_and(|f| f != category) {
                return None;
            }
            found = Some(category);
        }
        found
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category name that is none of `single`, `fusion`, `network`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown category `{0}`: expected single, fusion or network")]
pub struct UnknownCategory(pub String);

impl FromStr for Category {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_levels_map_to_categories() {
        let cases = [
            ("KernelBench/level1/19_ReLU.py", Some(Category::Single)),
            (
                "problems/level2/91_ConvTranspose2d.py",
                Some(Category::Fusion),
            ),
            ("level3_networks/resnet.py", Some(Category::Network)),
            ("examples/my_problem.py", None),
            ("level1/level2/confused.py", None),
            ("level10/x.py", None),
            ("levelé/x.py", None),
            ("level1-19_ReLU.py", Some(Category::Single)),
        ];
        for (path, expected) in cases {
            assert_eq!(
                Category::from_problem_path(Path::new(path)),
                expected,
                "{path}"
            );
        }
    }

    #[test]
    fn names_parse_case_insensitively() {
        assert_eq!("Fusion".parse::<Category>(), Ok(Category::Fusion));
        assert_eq!(
            "fused".parse::<Category>(),
            Err(UnknownCategory("fused".into()))
        );
    }
}
