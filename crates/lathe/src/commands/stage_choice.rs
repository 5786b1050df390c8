//! Which category and stage a command works on: shared by `lathe prompt` and `lathe profile`,
//! so that both resolve (and refuse) the same way.

use std::path::Path;

use lathe_core::{Category, Stage, StageLibrary};

use crate::error::CliError;
use crate::settings::Settings;

/// The category from the settings (flag, environment, a level in the problem's path, a file).
pub fn category(settings: &Settings, problem: Option<&Path>) -> Result<Category, CliError> {
    settings
        .category
        .as_ref()
        .map(|c| c.value)
        .ok_or_else(|| CliError::NoCategory {
            problem: problem.map(Path::to_owned),
        })
}

/// The stage `id` of the category, or its first stage.
pub fn stage(category: Category, id: Option<&str>) -> Result<&'static Stage, CliError> {
    let library = StageLibrary::embedded();
    match id {
        Some(id) => library.lookup(category, id).map_err(CliError::UnknownStage),
        None => Ok(library
            .stages(category)
            .next()
            .unwrap_or_else(|| unreachable!("every category has stages"))),
    }
}

/// The stages `ids` names, in its order, or every stage of the category.
pub fn stage_list(
    category: Category,
    ids: Option<&[String]>,
) -> Result<Vec<&'static Stage>, CliError> {
    let library = StageLibrary::embedded();
    match ids {
        Some(ids) => ids
            .iter()
            .map(|id| {
                library
                    .lookup(category, id.trim())
                    .map_err(CliError::UnknownStage)
            })
            .collect(),
        None => Ok(library.stages(category).collect()),
    }
}
