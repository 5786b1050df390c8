//! What a person reads after a run, made from the store's records: `best.py` with a header
//! that says what it was measured against, `report.md`, one self-contained `report.html` with
//! a speedup plot, and the attempts as JSON lines for a training set; and after a suite,
//! `suite.md` and `suite.html` with its figures.
//!
//! Every output is a pure function of a [`RunData`] returning a `String`; the caller writes the
//! files. The markdown and the HTML are rendered from the same rows (`facts`, `stage_rows`,
//! `attempt_rows`), so the two say the same things. Model-produced text (prompts, replies,
//! code, errors) is escaped for the format it lands in: never trusted as markup.

mod attempt_notes;
mod attempt_outcome;
mod attempt_rows;
mod best_py;
mod escape;
mod export;
mod facts;
mod highlight;
mod html;
mod html_details;
mod html_table;
mod markdown;
pub mod numbers;
mod palette;
mod plot_scale;
mod python_lexer;
mod run_data;
mod stage_rows;
mod style;
mod suite;
mod svg_frame;
mod svg_legend;
mod svg_plot;

pub use best_py::best_py;
pub use export::export_jsonl;
pub use highlight::highlight_python;
pub use html::report_html;
pub use markdown::report_md;
pub use run_data::RunData;
pub use suite::{
    FIGURE_HEADER, GroupFigures, PhaseSeconds, SuiteReport, TASK_HEADER, TaskRow, TaskSpend,
    suite_html, suite_md,
};
