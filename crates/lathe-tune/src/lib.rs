//! The LLM-free tuner (`lathe tune`): a kernel's launch constants (block sizes, `num_warps`,
//! `num_stages`) found in its source, searched stage by stage under the stage library's rules
//! and ranges, each variant judged by the worker, and the best written back with only those
//! constants changed.
//!
//! Finding and rewriting are pure (`find_tunables`, `rewrite`); the search takes the judge as a
//! function, so the command decides how a variant is run (a worker on a GPU, or Triton's CPU
//! interpreter). Nothing here prints.

mod rewrite;
mod search;
mod space;
mod tunable;
mod walk;

pub use rewrite::rewrite;
pub use search::{Budget, Plan, Start, Trial, Tuned, search, search_after};
pub use space::{allowed, step};
pub use tunable::{Kind, Site, Tunable, Unparsable, find_tunables};
