//! One module per command. Each takes its parsed arguments and the resolved settings, and
//! returns what went wrong as a `CliError`; only `main` turns errors into text and exit codes.

pub mod ask;
pub mod config;
pub mod eval;
pub mod export;
pub mod gpus;
pub mod optimize;
pub mod probe;
pub mod profile;
pub mod prompt;
pub mod report;
pub mod resume;
pub mod run_parts;
pub mod run_progress;
pub mod runs;
pub mod stage_choice;
pub mod stages;
pub mod suite_baselines;
pub mod suite_compare;
pub mod suite_eval;
pub mod suite_plan;
pub mod suite_pool;
pub mod suite_progress;
pub mod suite_ray;
pub mod suite_rows;
pub mod suite_run;
pub mod suite_share;
pub mod suite_tasks;
pub mod tune;
