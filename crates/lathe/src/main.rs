//! The `lathe` binary: parses the command line, resolves settings once, runs the command, and
//! turns its outcome into output and an exit code. The only crate of the workspace that prints.

mod cli;
mod commands;
mod error;
mod input;
mod output;
mod run_lookup;
mod settings;
mod signals;
mod table;
mod verdict_view;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, SuiteCommand};
use crate::error::{CliError, ExitStatus};
use crate::settings::{Inputs, Settings};

fn main() -> ExitCode {
    // Before any child can be started, so that none outlives a Ctrl-C.
    let _ = signals::forward_to_children();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version come through here too, on standard output.
            let status = if e.use_stderr() {
                ExitStatus::Usage
            } else {
                ExitStatus::Success
            };
            return ExitCode::from(status as u8);
        }
    };
    match run(&cli) {
        Ok(status) => ExitCode::from(status as u8),
        Err(error) => {
            let _ = write!(std::io::stderr().lock(), "{}", error.report());
            ExitCode::from(error.exit_status() as u8)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitStatus, CliError> {
    let cwd = std::env::current_dir().map_err(|source| CliError::Output { path: None, source })?;
    let env = |name: &str| std::env::var(name).ok();
    let (flags, problem) = cli.command.flags_layer();
    let settings = Settings::resolve(Inputs {
        flags,
        problem,
        config: cli.config.as_deref(),
        cwd: &cwd,
        env: &env,
    })?;
    match &cli.command {
        Command::Gpus(args) => commands::gpus::run(args, &settings)?,
        Command::Stages(args) => commands::stages::run(args)?,
        Command::Prompt(args) => commands::prompt::run(args, &settings)?,
        Command::Config => commands::config::run(&settings)?,
        Command::Probe(args) => commands::probe::run(args, &settings)?,
        Command::Profile(args) => commands::profile::run(args, &settings)?,
        Command::Ask(args) => commands::ask::run(args, &settings)?,
        Command::Runs(args) => commands::runs::run(args, &settings)?,
        Command::Report(args) => commands::report::run(args, &settings)?,
        Command::Export(args) => commands::export::run(args, &settings)?,
        Command::Optimize(args) => return commands::optimize::run(args, &settings),
        Command::Resume(args) => return commands::resume::run(args, &settings),
        Command::Tune(args) => return commands::tune::run(args, &settings),
        Command::Suite(SuiteCommand::Eval(args)) => commands::suite_eval::run(args, &settings)?,
        Command::Suite(SuiteCommand::Baselines(args)) => {
            commands::suite_baselines::run(args, &settings)?
        }
        Command::Suite(SuiteCommand::Compare(args)) => {
            commands::suite_compare::run(args, &settings)?;
        }
        Command::Suite(SuiteCommand::Run(args)) => {
            return commands::suite_run::run(args, &settings);
        }
        Command::Eval(args) => {
            let correct = commands::eval::run(args, &settings)?;
            return Ok(if correct {
                ExitStatus::Success
            } else {
                ExitStatus::NotCorrect
            });
        }
    }
    Ok(ExitStatus::Success)
}
