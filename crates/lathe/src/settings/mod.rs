//! Settings, resolved once per command from five layers, most specific first:
//!
//! 1. command-line flags;
//! 2. `LATHE_*` environment variables;
//! 3. the project's `lathe.toml` (working directory or a parent; `--config` names another);
//! 4. the user config (`~/.config/lathe/config.toml`);
//! 5. built-in defaults (`defaults.toml`).
//!
//! A problem path naming a KernelBench level sits just below the flags, for the category only.
//! Every resolved value remembers its layer, for errors and `lathe config`.

mod eval_settings;
mod layer;
mod llm_settings;
mod profile_settings;
pub mod source;

use std::path::{Path, PathBuf};

use lathe_core::{Backend, Category, GpuCatalog, GpuCatalogError};
use lathe_prompt::PromptStyle;

pub use eval_settings::EvalSettings;
pub use layer::{Layer, TimingTable};
pub use llm_settings::LlmSettings;
pub use profile_settings::ProfileSettings;
pub use source::{ALL_KEYS, Key, Origin, Sourced};

/// The name of a project's settings file, looked for in the working directory and its parents.
pub const PROJECT_FILE: &str = "lathe.toml";

/// The run database's file name, under `runs_dir`.
pub const RUNS_DATABASE: &str = "lathe.db";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("settings file {} is invalid: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("{var}={value} is invalid: {reason}")]
    Env {
        var: &'static str,
        value: String,
        reason: String,
    },
    #[error(transparent)]
    GpuCatalog(#[from] GpuCatalogError),
}

/// Where the layers come from; everything outside the process is named here, so tests can
/// resolve settings against a fake environment.
pub struct Inputs<'a> {
    pub flags: Layer,
    /// The problem file the command works on, if any: its path may name the category.
    pub problem: Option<&'a Path>,
    /// `--config FILE`: the project file to read instead of looking for `lathe.toml`.
    pub config: Option<&'a Path>,
    pub cwd: &'a Path,
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

#[derive(Debug)]
pub struct Settings {
    pub gpu: Option<Sourced<String>>,
    pub category: Option<Sourced<Category>>,
    pub backend: Sourced<Backend>,
    pub style: Sourced<PromptStyle>,
    pub triton_version: Option<Sourced<String>>,
    pub error_log_lines: Sourced<usize>,
    /// The directory of the run database and, by default, of each run's outputs.
    pub runs_dir: Sourced<PathBuf>,
    pub eval: EvalSettings,
    pub profile: ProfileSettings,
    pub llm: LlmSettings,
    /// The built-in catalog with the GPUs the settings files describe.
    pub gpu_catalog: GpuCatalog,
    /// The settings files that were read, most specific first.
    pub files: Vec<PathBuf>,
    /// Where the user config is looked for, whether or not it exists.
    pub user_config: Option<PathBuf>,
}

impl Settings {
    /// The run database: `lathe.db` under `runs_dir`.
    pub fn runs_database(&self) -> PathBuf {
        self.runs_dir.value.join(RUNS_DATABASE)
    }

    pub fn resolve(inputs: Inputs<'_>) -> Result<Settings, SettingsError> {
        let mut layers = vec![inputs.flags];
        if let Some(problem) = inputs.problem
            && let Some(category) = Category::from_problem_path(problem)
        {
            layers.push(Layer {
                category: Some(category),
                ..Layer::empty(Origin::ProblemPath(problem.to_owned()))
            });
        }
        layers.push(Layer::from_env(inputs.env)?);
        let project = match inputs.config {
            Some(path) => Some(path.to_owned()),
            None => find_upwards(inputs.cwd, PROJECT_FILE),
        };
        let user_config = user_config_path(inputs.env);
        let user = user_config.clone().filter(|p| p.is_file());
        for path in project.into_iter().chain(user) {
            let text = std::fs::read_to_string(&path).map_err(|source| SettingsError::Read {
                path: path.clone(),
                source,
            })?;
            layers.push(Layer::from_file(&path, &text)?);
        }
        layers.push(Layer::defaults());

        let mut gpu_catalog = GpuCatalog::embedded();
        // Least specific first, so the project's descriptions replace the user's.
        for layer in layers.iter().rev() {
            if let Origin::File(path) = &layer.origin
                && !layer.gpus.is_empty()
            {
                gpu_catalog.extend(layer.gpus.clone(), &path.display().to_string())?;
            }
        }
        Ok(Settings {
            gpu: first(&layers, &source::GPU, |l| l.gpu.as_ref()),
            category: first(&layers, &source::CATEGORY, |l| l.category.as_ref()),
            backend: defaulted(&layers, &source::BACKEND, |l| l.backend.as_ref()),
            style: defaulted(&layers, &source::STYLE, |l| l.style.as_ref()),
            triton_version: first(&layers, &source::TRITON_VERSION, |l| {
                l.triton_version.as_ref()
            }),
            error_log_lines: defaulted(&layers, &source::ERROR_LOG_LINES, |l| {
                l.error_log_lines.as_ref()
            }),
            runs_dir: defaulted(&layers, &source::RUNS_DIR, |l| l.runs_dir.as_ref()),
            eval: EvalSettings::resolve(&layers, inputs.env),
            profile: ProfileSettings::resolve(&layers),
            llm: LlmSettings::resolve(&layers),
            gpu_catalog,
            files: layers
                .iter()
                .filter_map(|l| match &l.origin {
                    Origin::File(path) => Some(path.clone()),
                    _ => None,
                })
                .collect(),
            user_config,
        })
    }
}

/// The value of the most specific layer that sets it.
pub(super) fn first<T: Clone>(
    layers: &[Layer],
    key: &'static Key,
    get: impl Fn(&Layer) -> Option<&T>,
) -> Option<Sourced<T>> {
    layers.iter().find_map(|layer| {
        get(layer).map(|value| Sourced {
            value: value.clone(),
            origin: layer.origin.clone(),
            key,
        })
    })
}

/// Like [`first`], for settings that `defaults.toml` always sets (a test checks it does).
pub(super) fn defaulted<T: Clone>(
    layers: &[Layer],
    key: &'static Key,
    get: impl Fn(&Layer) -> Option<&T>,
) -> Sourced<T> {
    first(layers, key, get).unwrap_or_else(|| panic!("defaults.toml must set `{}`", key.name))
}

fn find_upwards(start: &Path, name: &str) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// `$XDG_CONFIG_HOME/lathe/config.toml`, else `$HOME/.config/lathe/config.toml`.
pub fn user_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let non_empty = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    non_empty("XDG_CONFIG_HOME")
        .or_else(|| non_empty("HOME").map(|home| home.join(".config")))
        .map(|dir| dir.join("lathe").join("config.toml"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Fixture {
        dir: tempfile::TempDir,
        env: HashMap<String, String>,
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let home = dir.path().join("home");
            std::fs::create_dir_all(home.join(".config/lathe")).unwrap();
            std::fs::create_dir_all(dir.path().join("project/sub")).unwrap();
            let env = HashMap::from([("HOME".to_owned(), home.display().to_string())]);
            Fixture { dir, env }
        }

        fn write(&self, relative: &str, text: &str) {
            std::fs::write(self.dir.path().join(relative), text).unwrap();
        }

        fn resolve(&self, flags: Layer, problem: Option<&Path>) -> Result<Settings, SettingsError> {
            let env = |k: &str| self.env.get(k).cloned();
            Settings::resolve(Inputs {
                flags,
                problem,
                config: None,
                cwd: &self.dir.path().join("project/sub"),
                env: &env,
            })
        }
    }

    #[test]
    fn each_layer_overrides_the_ones_below() {
        let mut fx = Fixture::new();
        fx.write(
            "home/.config/lathe/config.toml",
            "gpu = \"L4\"\n[prompt]\nstyle = \"compact\"\nerror_log_lines = 20\n",
        );
        fx.write(
            "project/lathe.toml",
            "gpu = \"H200\"\n[prompt]\nstyle = \"full-api\"\n",
        );
        fx.env.insert("LATHE_PROMPT_STYLE".into(), "full".into());
        let flags = Layer {
            gpu: Some("4090".into()),
            ..Layer::empty(Origin::Flag)
        };
        let s = fx.resolve(flags, None).unwrap();
        let gpu = s.gpu.as_ref().unwrap();
        assert_eq!((gpu.value.as_str(), &gpu.origin), ("4090", &Origin::Flag));
        assert_eq!(
            (s.style.value, &s.style.origin),
            (PromptStyle::Full, &Origin::Env)
        );
        assert_eq!(s.error_log_lines.value, 20, "from the user config");
        assert_eq!(s.backend.origin, Origin::Default);
        assert_eq!(
            s.files.len(),
            2,
            "project file found from a subdirectory, then user config"
        );
    }

    #[test]
    fn a_problem_path_names_the_category_unless_a_flag_does() {
        let fx = Fixture::new();
        let problem = Path::new("KernelBench/level2/91_x.py");
        let s = fx
            .resolve(Layer::empty(Origin::Flag), Some(problem))
            .unwrap();
        assert_eq!(s.category.unwrap().value, Category::Fusion);
        let flags = Layer {
            category: Some(Category::Single),
            ..Layer::empty(Origin::Flag)
        };
        assert_eq!(
            fx.resolve(flags, Some(problem))
                .unwrap()
                .category
                .unwrap()
                .value,
            Category::Single
        );
    }

    #[test]
    fn user_gpus_join_the_catalog() {
        let fx = Fixture::new();
        let mut entry = toml::to_string(GpuCatalog::embedded().lookup("L4").unwrap()).unwrap();
        entry = entry
            .replace("name = \"L4\"", "name = \"L4 lab\"")
            .replace("\"NVIDIA L4\"", "\"lab card\"");
        fx.write("project/lathe.toml", &format!("[[gpus]]\n{entry}"));
        let s = fx.resolve(Layer::empty(Origin::Flag), None).unwrap();
        assert_eq!(s.gpu_catalog.lookup("lab card").unwrap().name, "L4 lab");
    }
}
