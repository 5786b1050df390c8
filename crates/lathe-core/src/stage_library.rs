//! The stage library: each category's stages, in the order they run, from `prompts/stages/`.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::{Category, Stage, Tunables};

const SOURCES: [(Category, &str, &str); 3] = [
    (
        Category::Single,
        "prompts/stages/single.toml",
        include_str!("../../../prompts/stages/single.toml"),
    ),
    (
        Category::Fusion,
        "prompts/stages/fusion.toml",
        include_str!("../../../prompts/stages/fusion.toml"),
    ),
    (
        Category::Network,
        "prompts/stages/network.toml",
        include_str!("../../../prompts/stages/network.toml"),
    ),
];

#[derive(Debug)]
pub struct StageLibrary {
    stages: Vec<Stage>,
}

/// A stage id the category does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stage `{id}`{}", category.map(|c| format!(" in category {c}")).unwrap_or_default())]
pub struct StageLookupError {
    pub id: String,
    /// The category searched; `None` when every category was.
    pub category: Option<Category>,
    /// The nearest stage id of the category, when the input looks like a typo of it.
    pub suggestion: Option<String>,
    /// Other categories that do have a stage of this id.
    pub found_in: Vec<Category>,
    /// The category's stage ids, in run order.
    pub known: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageFile {
    category: Category,
    stage: Vec<StageEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageEntry {
    id: String,
    title: String,
    metrics: Vec<String>,
    margin_pct: f64,
    focus: String,
    #[serde(default)]
    skip: Vec<crate::SkipRule>,
    #[serde(default)]
    tunables: Tunables,
}

impl StageLibrary {
    /// The library built into lathe. Its data is checked by tests, so a failure here is a bug.
    pub fn embedded() -> &'static StageLibrary {
        static LIBRARY: OnceLock<StageLibrary> = OnceLock::new();
        LIBRARY.get_or_init(|| {
            StageLibrary::parse(&SOURCES).unwrap_or_else(|e| panic!("built-in stage library: {e}"))
        })
    }

    fn parse(sources: &[(Category, &str, &str)]) -> Result<StageLibrary, String> {
        let mut stages = Vec::new();
        for &(category, origin, text) in sources {
            let file: StageFile = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
            if file.category != category {
                return Err(format!("{origin}: says category {}", file.category));
            }
            for entry in file.stage {
                let stage = Stage {
                    category,
                    id: entry.id,
                    title: entry.title,
                    metrics: entry.metrics,
                    margin_pct: entry.margin_pct,
                    focus: entry.focus.trim_end_matches('\n').to_owned(),
                    skip: entry.skip,
                    tunables: entry.tunables,
                };
                let problems = stage.problems();
                if !problems.is_empty() {
                    return Err(format!(
                        "{origin}: stage `{}`: {}",
                        stage.id,
                        problems.join("; ")
                    ));
                }
                if stages
                    .iter()
                    .any(|s: &Stage| s.category == category && s.id == stage.id)
                {
                    return Err(format!("{origin}: stage `{}` is defined twice", stage.id));
                }
                stages.push(stage);
            }
        }
        Ok(StageLibrary { stages })
    }

    /// The category's stages in run order.
    pub fn stages(&self, category: Category) -> impl Iterator<Item = &Stage> {
        self.stages.iter().filter(move |s| s.category == category)
    }

    pub fn all(&self) -> impl Iterator<Item = &Stage> {
        self.stages.iter()
    }

    pub fn lookup(&self, category: Category, id: &str) -> Result<&Stage, StageLookupError> {
        if let Some(stage) = self.stages(category).find(|s| s.id == id) {
            return Ok(stage);
        }
        let known: Vec<String> = self.stages(category).map(|s| s.id.clone()).collect();
        Err(StageLookupError {
            id: id.to_owned(),
            category: Some(category),
            suggestion: crate::closest(id, known.iter().map(String::as_str)).map(str::to_owned),
            found_in: self
                .stages
                .iter()
                .filter(|s| s.id == id && s.category != category)
                .map(|s| s.category)
                .collect(),
            known,
        })
    }
}

impl StageLibrary {
    /// The stages of every category that have this id, in category order.
    pub fn lookup_anywhere(&self, id: &str) -> Result<Vec<&Stage>, StageLookupError> {
        let found: Vec<&Stage> = self.stages.iter().filter(|s| s.id == id).collect();
        if !found.is_empty() {
            return Ok(found);
        }
        let mut known: Vec<String> = Vec::new();
        for stage in &self.stages {
            if !known.contains(&stage.id) {
                known.push(stage.id.clone());
            }
        }
        Err(StageLookupError {
            id: id.to_owned(),
            category: None,
            suggestion: crate::closest(id, known.iter().map(String::as_str)).map(str::to_owned),
            found_in: Vec::new(),
            known,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_the_four_kinds_of_stage() {
        let library = StageLibrary::embedded();
        for category in Category::ALL {
            let ids: Vec<&str> = library.stages(category).map(|s| s.id.as_str()).collect();
            assert!(ids.len() >= 4, "{category}: {ids:?}");
            for required in ["grid_and_parallel", "block_tiling", "memory_access"] {
                assert!(ids.contains(&required), "{category} lacks {required}");
            }
            let last = library.stages(category).last().unwrap();
            assert!(
                !last.tunables.num_warps.is_empty() && !last.tunables.num_stages.is_empty(),
                "{category}: the last stage must be a final tuning stage"
            );
        }
    }

    #[test]
    fn lookup_failure_suggests_and_points_elsewhere() {
        let library = StageLibrary::embedded();
        let err = library
            .lookup(Category::Single, "memory_and_tuning")
            .unwrap_err();
        assert_eq!(err.found_in, [Category::Fusion]);
        let err = library
            .lookup(Category::Fusion, "grid_and_paralel")
            .unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("grid_and_parallel"));
    }

    #[test]
    fn a_skip_rule_on_an_unprofiled_metric_is_refused() {
        let text = r#"
category = "single"
[[stage]]
id = "x"
title = "x"
metrics = ["a"]
margin_pct = 2.0
focus = "Focus: x"
[[stage.skip]]
reason = "r"
when = [{ metric = "b", op = ">=", value = 1.0 }]
"#;
        let err = StageLibrary::parse(&[(Category::Single, "t.toml", text)]).unwrap_err();
        assert!(
            err.contains("reads `b`, which the stage does not profile"),
            "{err}"
        );
    }
}
