//! `lathe stages [--category C] [ID]`: the stage library, or one stage in full.

use std::fmt::Write;

use lathe_core::{Stage, StageLibrary};

use crate::cli::StagesArgs;
use crate::error::CliError;
use crate::output::emit;

pub fn run(args: &StagesArgs) -> Result<(), CliError> {
    let library = StageLibrary::embedded();
    let stages: Vec<&Stage> = match (&args.stage, args.category) {
        (Some(id), Some(category)) => vec![
            library
                .lookup(category, id)
                .map_err(CliError::UnknownStage)?,
        ],
        (Some(id), None) => library
            .lookup_anywhere(id)
            .map_err(CliError::UnknownStage)?,
        (None, Some(category)) => library.stages(category).collect(),
        (None, None) => library.all().collect(),
    };
    let text = if args.json {
        let mut text =
            serde_json::to_string_pretty(&stages).unwrap_or_else(|e| unreachable!("{e}"));
        text.push('\n');
        text
    } else {
        let full = args.stage.is_some();
        stages
            .iter()
            .map(|s| describe(s, full))
            .collect::<Vec<_>>()
            .join("\n")
    };
    emit(&text, None)
}

fn describe(stage: &Stage, with_focus: bool) -> String {
    let mut text = format!("{}/{}: {}\n", stage.category, stage.id, stage.title);
    let _ = writeln!(text, "  metrics:");
    for metric in &stage.metrics {
        let _ = writeln!(text, "    {metric}");
    }
    if stage.skip.is_empty() {
        let _ = writeln!(text, "  skipped: never");
    }
    for rule in &stage.skip {
        let conditions: Vec<String> = rule.when.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            text,
            "  skipped when {} ({})",
            conditions.join(" and "),
            rule.reason
        );
    }
    let _ = writeln!(
        text,
        "  keeps a candidate faster by more than {}%",
        stage.margin_pct
    );
    let t = &stage.tunables;
    let list = |v: &[u32]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut tunables = Vec::new();
    if !t.num_warps.is_empty() {
        tunables.push(format!("num_warps ∈ {{{}}}", list(&t.num_warps)));
    }
    if !t.num_stages.is_empty() {
        tunables.push(format!("num_stages ∈ {{{}}}", list(&t.num_stages)));
    }
    if let Some(b) = t.block {
        tunables.push(format!("BLOCK sizes {}..{} (powers of 2)", b.min, b.max));
    }
    let _ = writeln!(
        text,
        "  tunes: {}",
        if tunables.is_empty() {
            "nothing".to_owned()
        } else {
            tunables.join("; ")
        }
    );
    if with_focus {
        let _ = write!(text, "\n{}\n", stage.focus);
    }
    text
}
