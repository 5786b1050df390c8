//! The report's plot, as inline SVG: each attempt's speedup over eager PyTorch by its place in
//! the loop, so that a person sees at a glance which stages paid off.
//!
//! One point per timed attempt, filled in its stage's colour (kept ones ringed), after the
//! starting kernel's square; attempts that were not correct sit as crosses on a row of their
//! own under the axis, coloured by what went wrong, and the analyst's diagnoses (replies with
//! no kernel, not failures) as diamonds. Eager is the 1.00x line, torch.compile a dashed one,
//! the best so far a step line from the starting kernel. Values spanning more than 10x get a
//! log axis. On the CPU interpreter there is no speedup to plot: the points are the
//! interpreter's milliseconds, and the axis says so. Every point has a `<title>` tooltip.

use std::fmt::Write as _;

use lathe_store::{AttemptRecord, Evaluation};

use crate::RunData;
use crate::attempt_outcome::{Measure, Outcome};
use crate::escape::html;
use crate::numbers;
use crate::palette;
use crate::plot_scale::{SeqAxis, ValueAxis};
use crate::run_data::{Basis, loop_stage};
use crate::svg_frame::{AXIS, BOTTOM, LEFT, MISS_ROW, RIGHT, TOP, WIDTH, axes};
use crate::svg_legend::{Entry, Swatch, diamond, legend, square};

/// The plot as an `<svg id="speedup-plot">` element.
pub(crate) fn speedup_plot(data: &RunData) -> String {
    let basis = data.basis();
    let stages = data.stage_order();
    let compile = compile_speedup(data).filter(|_| basis == Basis::Gpu);
    let start = start_value(data, basis);
    let values: Vec<f64> = data
        .attempts
        .iter()
        .filter_map(|a| value_of(basis, a))
        .chain(start)
        .chain(compile)
        .chain((basis == Basis::Gpu).then_some(1.0))
        .collect();
    let largest = values.iter().copied().fold(0.0, f64::max);
    let smallest = values.iter().copied().fold(f64::INFINITY, f64::min);
    let y = ValueAxis::spanning(smallest, largest, BOTTOM, TOP);
    let x = SeqAxis {
        count: data.attempts.iter().map(|a| a.seq).max().unwrap_or(1),
        left: LEFT,
        right: RIGHT,
        start: start.is_some(),
    };

    let mut body = String::new();
    axes(&mut body, basis, &x, &y);
    if basis == Basis::Gpu {
        let eager = y.at(1.0);
        let _ = writeln!(
            body,
            r##"<line class="eager" x1="{LEFT}" y1="{eager:.1}" x2="{RIGHT}" y2="{eager:.1}" stroke="#888" stroke-dasharray="2 3"/>"##
        );
    }
    if let Some(speedup) = compile {
        let at = y.at(speedup);
        let _ = writeln!(
            body,
            r##"<line class="compile" x1="{LEFT}" y1="{at:.1}" x2="{RIGHT}" y2="{at:.1}" stroke="#444" stroke-dasharray="7 4"/>"##
        );
    }
    best_so_far(&mut body, data, basis, start, &x, &y);
    if let (Some(value), Some(start)) = (start, &data.start) {
        let tip = html(&start_tooltip(start));
        let mark = square(x.at(0), y.at(value));
        let _ = writeln!(body, r#"<g class="start">{mark}<title>{tip}</title></g>"#);
    }
    if basis == Basis::Untimed {
        let _ = writeln!(
            body,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#666">no attempt was timed</text>"##,
            (LEFT + RIGHT) / 2.0,
            (TOP + BOTTOM) / 2.0
        );
    }

    let bottom = draw_attempts(&mut body, data, &stages, &x, &y);
    let entries = legend_entries(data, &stages, compile, start.is_some(), &bottom);
    let legend_bottom = legend(&mut body, RIGHT + 24.0, TOP + 8.0, &entries);
    let height = (AXIS + 44.0).max(legend_bottom + 12.0);

    let title = match basis {
        Basis::Interpreter => {
            "Each attempt's time on Triton's CPU interpreter (not GPU performance)"
        }
        Basis::Gpu | Basis::Untimed => "Each attempt's speedup over eager PyTorch",
    };
    format!(
        "<svg id=\"speedup-plot\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
         width=\"{WIDTH}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"speedup-plot-title\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\">\n\
         <title id=\"speedup-plot-title\">{title}</title>\n{body}</svg>"
    )
}

/// What the bottom row holds, for the legend.
#[derive(Debug, Default)]
struct BottomRow {
    /// The outcomes of attempts that were not correct, in the order first met.
    missed: Vec<&'static str>,
    /// Whether a correct attempt was not timed.
    untimed: bool,
    /// Whether the analyst diagnosed a failure: a reply without a kernel, not a failure.
    diagnoses: bool,
}

/// A point per attempt with a value, a mark on the bottom row for each without one.
fn draw_attempts(
    body: &mut String,
    data: &RunData,
    stages: &[&str],
    x: &SeqAxis,
    y: &ValueAxis,
) -> BottomRow {
    let basis = data.basis();
    let mut bottom = BottomRow::default();
    for attempt in &data.attempts {
        let outcome = Outcome::of(attempt);
        let cx = x.at(attempt.seq);
        let tip = html(&tooltip(attempt, &outcome));
        match value_of(basis, attempt) {
            Some(v) => {
                let stage = stages.iter().position(|s| *s == loop_stage(attempt));
                let colour = palette::stage(stage.unwrap_or_default());
                let (r, ring, width) = if attempt.kept {
                    (6.0, "#111", 2.0)
                } else {
                    (4.5, "#fff", 1.0)
                };
                let _ = writeln!(
                    body,
                    r##"<circle class="point" cx="{cx:.1}" cy="{:.1}" r="{r}" fill="{colour}" stroke="{ring}" stroke-width="{width}"><title>{tip}</title></circle>"##,
                    y.at(v)
                );
            }
            None if matches!(outcome, Outcome::Diagnosis) => {
                bottom.diagnoses = true;
                let mark = diamond(cx, MISS_ROW);
                let _ = writeln!(
                    body,
                    r#"<g class="diagnosis">{mark}<title>{tip}</title></g>"#
                );
            }
            None if outcome.is_correct() => {
                bottom.untimed = true;
                let _ = writeln!(
                    body,
                    r##"<circle class="untimed" cx="{cx:.1}" cy="{MISS_ROW}" r="4" fill="none" stroke="#777" stroke-width="1.5"><title>{tip}</title></circle>"##
                );
            }
            None => {
                let label = outcome.label();
                if !bottom.missed.contains(&label) {
                    bottom.missed.push(label);
                }
                let _ = writeln!(
                    body,
                    r##"<path class="miss" d="M{:.1} {:.1}l8 8m0 -8l-8 8" stroke="{}" stroke-width="2"><title>{tip}</title></path>"##,
                    cx - 4.0,
                    MISS_ROW - 4.0,
                    palette::outcome(label)
                );
            }
        }
    }
    bottom
}

/// Every stage of the run (whether or not it has points), the lines drawn, and what the
/// bottom row holds.
fn legend_entries(
    data: &RunData,
    stages: &[&str],
    compile: Option<f64>,
    start: bool,
    bottom: &BottomRow,
) -> Vec<Entry> {
    let basis = data.basis();
    let mut entries: Vec<Entry> = vec![Entry::heading("stages")];
    for (index, stage) in stages.iter().enumerate() {
        let swatch = Swatch::Dot(palette::stage(index));
        entries.push(Entry::new("legend-stage", swatch, stage));
    }
    let kept = data
        .attempts
        .iter()
        .any(|a| a.kept && value_of(basis, a).is_some());
    if kept || start || basis == Basis::Gpu {
        entries.push(Entry::heading("lines"));
    }
    if start {
        entries.push(Entry::new(
            "legend-start",
            Swatch::Square,
            "the starting kernel",
        ));
    }
    if kept {
        entries.push(Entry::new("legend-line", Swatch::Ring, "kept as the best"));
    }
    if kept || start {
        entries.push(Entry::new("legend-line", Swatch::Step, "best so far"));
    }
    if basis == Basis::Gpu {
        entries.push(Entry::new(
            "legend-line",
            Swatch::Dotted,
            "eager PyTorch, 1.00x",
        ));
    }
    if let Some(speedup) = compile {
        let label = format!("torch.compile, {}", numbers::speedup(speedup));
        entries.push(Entry::new("legend-line", Swatch::Dashed, &label));
    }
    if !bottom.missed.is_empty() || bottom.untimed {
        entries.push(Entry::heading("no time (bottom row)"));
    }
    if bottom.untimed {
        entries.push(Entry::new(
            "legend-miss",
            Swatch::Hollow,
            "correct, not timed",
        ));
    }
    for label in &bottom.missed {
        let swatch = Swatch::Cross(palette::outcome(label));
        entries.push(Entry::new("legend-miss", swatch, label));
    }
    if bottom.diagnoses {
        entries.push(Entry::heading("no kernel (bottom row)"));
        entries.push(Entry::new(
            "legend-diagnosis",
            Swatch::Diamond,
            "the analyst's diagnosis",
        ));
    }
    entries
}

/// What the plot shows for an attempt: its speedup on a GPU, its time on the interpreter.
fn value_of(basis: Basis, attempt: &AttemptRecord) -> Option<f64> {
    measured(basis, Measure::of(attempt)?)
}

/// What the plot shows for the starting kernel, as for an attempt.
fn start_value(data: &RunData, basis: Basis) -> Option<f64> {
    measured(basis, Measure::of_evaluation(data.start.as_ref()?)?)
}

fn measured(basis: Basis, measure: Measure) -> Option<f64> {
    let value = match basis {
        Basis::Gpu => measure.speedup_vs_eager?,
        Basis::Interpreter if measure.on_interpreter => measure.ms,
        Basis::Interpreter | Basis::Untimed => return None,
    };
    Some(value).filter(|v| v.is_finite() && *v >= 0.0)
}

/// torch.compile's speedup over eager, as the best's evaluation measured both (else the last
/// timed attempt's): each verdict times the baselines again, and the best is the one a
/// person compares against.
fn compile_speedup(data: &RunData) -> Option<f64> {
    let timed = |a: &&AttemptRecord| a.evaluation.as_ref().is_some_and(|e| e.timing().is_some());
    let attempt = data
        .best()
        .filter(timed)
        .or_else(|| data.attempts.iter().rev().find(timed))?;
    let evaluation = attempt.evaluation.as_ref()?;
    let (eager, compile) = (evaluation.eager_ms()?, evaluation.compile_ms()?);
    (compile > 0.0).then(|| eager / compile)
}

fn tooltip(attempt: &AttemptRecord, outcome: &Outcome<'_>) -> String {
    let head = format!("#{} {}", attempt.seq, attempt.key);
    match (Measure::of(attempt), outcome) {
        (Some(m), _) if m.on_interpreter => {
            format!(
                "{head}: correct, {} ms on the CPU interpreter",
                numbers::ms(m.ms)
            )
        }
        (Some(m), _) => format!(
            "{head}: correct, {} ms, {} vs eager",
            numbers::ms(m.ms),
            numbers::speedup_or_none(m.speedup_vs_eager)
        ),
        (None, _) if outcome.is_correct() => format!("{head}: correct, not timed"),
        (None, _) => format!("{head}: {}", outcome.headline()),
    }
}

fn start_tooltip(start: &Evaluation) -> String {
    match Measure::of_evaluation(start) {
        Some(m) if m.on_interpreter => format!(
            "the starting kernel: {} ms on the CPU interpreter",
            numbers::ms(m.ms)
        ),
        Some(m) => format!(
            "the starting kernel: {} ms, {} vs eager",
            numbers::ms(m.ms),
            numbers::speedup_or_none(m.speedup_vs_eager)
        ),
        None => "the starting kernel".to_owned(),
    }
}

/// The best so far as a step line: from the starting kernel (when it was timed), each kept
/// attempt's value holding until the next replaces it.
fn best_so_far(
    out: &mut String,
    data: &RunData,
    basis: Basis,
    start: Option<f64>,
    x: &SeqAxis,
    y: &ValueAxis,
) {
    let mut points: Vec<(f64, f64)> = Vec::new();
    if let Some(value) = start {
        points.push((x.at(0), y.at(value)));
    }
    for attempt in data.attempts.iter().filter(|a| a.kept) {
        let Some(v) = value_of(basis, attempt) else {
            continue;
        };
        let (px, py) = (x.at(attempt.seq), y.at(v));
        if let Some(&(_, last_y)) = points.last() {
            points.push((px, last_y));
        }
        points.push((px, py));
    }
    let Some(&(_, last_y)) = points.last() else {
        return;
    };
    points.push((RIGHT, last_y));
    let points: Vec<String> = points
        .iter()
        .map(|(px, py)| format!("{px:.1},{py:.1}"))
        .collect();
    let _ = writeln!(
        out,
        r##"<polyline class="best" points="{}" fill="none" stroke="#111" stroke-width="1.5" stroke-linejoin="round"/>"##,
        points.join(" ")
    );
}
