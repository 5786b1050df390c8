//! `best.py`: the best kernel, verbatim, under a comment block that says where it came from
//! and what its speed was measured against.

use std::fmt::Write as _;

use crate::RunData;
use crate::facts::speed_words;
use crate::run_data::code;

/// The run's best kernel with its header, or `None` when no attempt was kept.
pub fn best_py(data: &RunData) -> Option<String> {
    let best = data.best()?;
    let source = code(best)?;
    let run = &data.run;
    let gpu = match run.gpu.as_str() {
        "interpret" => "none (Triton's CPU interpreter)",
        gpu => gpu,
    };
    let lines = [
        ("problem", run.problem_path.display().to_string()),
        ("GPU", gpu.to_owned()),
        ("model", run.llm_spec.clone()),
        (
            "run",
            format!("{}, attempt #{} ({})", run.id, best.seq, best.key),
        ),
        ("speed", speed_words(best)),
    ];
    let mut out = String::from("# The best kernel of a lathe run.\n");
    for (label, value) in lines {
        let label = format!("{label}:");
        // `writeln!` into a String cannot fail.
        let _ = writeln!(out, "# {label:<9}{}", one_line(&value));
    }
    out.push('\n');
    out.push_str(source);
    // Extraction drops the code block's last line ending; a Python file ends with one.
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

/// A value on one comment line: a line break in a path or an error would end the comment and
/// leave the rest as code.
fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect()
}
