//! lathe's prompts: the templates under `prompts/templates/`, embedded, and what they render from.
//!
//! Four kinds of prompt, one [`Prompts`] method each: the optimization prompt of a stage (three
//! styles, two of which reproduce the seed prompts byte for byte), the first-kernel prompt, the
//! analyst's diagnosis prompt and the repair prompt. Inputs are typed requests; the rendering
//! never reads files and never prints.

mod error_log;
mod failure;
mod metrics_json;
mod prompts;
mod requests;
mod source_text;
mod style;

pub use error_log::ErrorLog;
pub use failure::{Diagnosis, FailedAttempt};
pub use metrics_json::{KernelMetrics, MetricValue, MetricsJson, MetricsJsonError};
pub use prompts::{PromptError, Prompts};
pub use requests::{FailureRequest, OptimizeRequest, SeedRequest, TritonFacts};
pub use source_text::python_strip;
pub use style::{PromptStyle, UnknownPromptStyle};
