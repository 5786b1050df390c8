//! What stops a run outright. A candidate's failure never does (it is that attempt's outcome);
//! these are failures of the run's own ground: its store, its files, its problem, its machine.

use std::path::PathBuf;

use lathe_store::StoreError;
use lathe_worker::driver::DriverError;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the worker could not run: {0}")]
    Worker(DriverError),
    #[error("the problem file is unusable: {message}")]
    Problem { message: String },
    #[error("this machine cannot run the candidates: {message}")]
    Environment { message: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no target GPU for the prompts: the probe found none in the catalog{found}; hint: name one with --gpu (see `lathe gpus`)"
    )]
    NoTargetGpu { found: String },
    #[error("unknown stage `{stage}` for category {category}{hint}")]
    UnknownStage {
        stage: String,
        category: String,
        hint: String,
    },
    #[error("this step needs a model and none is configured")]
    NoModel,
    #[error("cannot render a prompt: {0}")]
    Prompt(#[from] lathe_prompt::PromptError),
}

impl EngineError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> EngineError {
        let path = path.into();
        move |source| EngineError::Io { path, source }
    }
}
