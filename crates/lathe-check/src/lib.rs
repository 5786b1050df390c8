//! Static checks on candidate kernel sources, run before any GPU time is spent.
//!
//! A candidate is a Python module defining `ModelNew`, written by a language model that is
//! rewarded for looking fast; it may cheat. [`check`] parses it (with ruff's Python parser)
//! and applies the static integrity rules of docs/design/worker-protocol.md: it must define
//! and launch a kernel of its own, and it may not use threads, side streams, patched timers,
//! global precision switches, file writes or introspection. Each finding names the construct
//! and its line. The worker applies the runtime rules; what these checks cannot see, it does.

mod bindings;
mod call_graph;
mod check;
mod check_report;
mod context;
mod cuda_source;
mod finding;
mod finding_sink;
mod function_info;
mod import_site;
mod kernels;
mod launches;
mod module_index;
mod mutation;
mod rules;
mod source_map;
mod string_piece;
mod syntax_error;

pub use check::{check, kernel_names};
pub use check_report::CheckReport;
pub use finding::Finding;
pub use syntax_error::SyntaxError;
