//! The plot's layout and its frame: where the values, the row of untimed attempts, the axes
//! and the legend go, and the grid, ticks and titles drawn there.

use std::fmt::Write as _;

use crate::plot_scale::{SeqAxis, ValueAxis};
use crate::run_data::Basis;

// Pixels. Values span TOP..BOTTOM; under them, the row of attempts with no time, then the
// attempts axis; the legend starts right of RIGHT.
pub(crate) const WIDTH: f64 = 780.0;
pub(crate) const LEFT: f64 = 64.0;
pub(crate) const RIGHT: f64 = 560.0;
pub(crate) const TOP: f64 = 20.0;
pub(crate) const BOTTOM: f64 = 250.0;
/// The row of attempts that have no time.
pub(crate) const MISS_ROW: f64 = 272.0;
pub(crate) const AXIS: f64 = 290.0;

/// The frame, the grid with its ticks, and both axes' titles.
pub(crate) fn axes(out: &mut String, basis: Basis, x: &SeqAxis, y: &ValueAxis) {
    let unit = if basis == Basis::Gpu { "x" } else { "" };
    for tick in y.ticks() {
        let at = y.at(tick);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{at:.1}" x2="{RIGHT}" y2="{at:.1}" stroke="#e4e4e4"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}{unit}</text>"##,
            LEFT - 6.0,
            at + 4.0,
            y.label(tick)
        );
    }
    for tick in x.ticks() {
        let at = x.at(tick);
        let label = match tick {
            0 => "start".to_owned(),
            seq => seq.to_string(),
        };
        let _ = writeln!(
            out,
            r##"<line x1="{at:.1}" y1="{AXIS}" x2="{at:.1}" y2="{:.1}" stroke="#555"/><text x="{at:.1}" y="{:.1}" text-anchor="middle">{label}</text>"##,
            AXIS + 4.0,
            AXIS + 17.0
        );
    }
    let y_title = match (basis, y.is_log()) {
        (Basis::Interpreter, false) => "CPU interpreter ms (not GPU performance)",
        (Basis::Interpreter, true) => "CPU interpreter ms, log scale (not GPU performance)",
        (Basis::Gpu | Basis::Untimed, false) => "speedup vs eager",
        (Basis::Gpu | Basis::Untimed, true) => "speedup vs eager, log scale",
    };
    let _ = writeln!(
        out,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{AXIS}" stroke="#555"/><line x1="{LEFT}" y1="{AXIS}" x2="{RIGHT}" y2="{AXIS}" stroke="#555"/>
<line x1="{LEFT}" y1="{:.1}" x2="{RIGHT}" y2="{:.1}" stroke="#e4e4e4" stroke-dasharray="1 3"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#666">no time</text>
<text x="{:.1}" y="{:.1}" text-anchor="middle">attempt (seq)</text>
<text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{y_title}</text>"##,
        (BOTTOM + MISS_ROW) / 2.0,
        (BOTTOM + MISS_ROW) / 2.0,
        LEFT - 6.0,
        MISS_ROW + 4.0,
        (LEFT + RIGHT) / 2.0,
        AXIS + 36.0,
        (TOP + BOTTOM) / 2.0,
    );
}
