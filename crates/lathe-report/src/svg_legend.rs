//! The plot's legend: a column of headings and swatches beside the plot.

use std::fmt::Write as _;

use crate::escape::html;

/// How an entry's sample is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    /// No sample: a heading.
    None,
    Dot(&'static str),
    /// A correct attempt that was not timed.
    Hollow,
    /// The ring of a kept attempt.
    Ring,
    Step,
    Dotted,
    Dashed,
    Cross(&'static str),
    /// The starting kernel: a square.
    Square,
    /// The analyst's diagnosis: a small diamond, apart from the failures' crosses.
    Diamond,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The `class` of the entry's group, which tests look for.
    class: &'static str,
    swatch: Swatch,
    label: String,
}

impl Entry {
    pub(crate) fn new(class: &'static str, swatch: Swatch, label: &str) -> Entry {
        Entry {
            class,
            swatch,
            label: label.to_owned(),
        }
    }

    pub(crate) fn heading(label: &str) -> Entry {
        Entry::new("legend-heading", Swatch::None, label)
    }
}

const ROW: f64 = 18.0;

/// Draws `entries` downward from (`x`, `y`); returns the bottom of the last row.
pub(crate) fn legend(out: &mut String, x: f64, y: f64, entries: &[Entry]) -> f64 {
    let mut row_y = y;
    for (index, entry) in entries.iter().enumerate() {
        // A little air above each heading but the first.
        if entry.swatch == Swatch::None && index > 0 {
            row_y += ROW / 2.0;
        }
        let (cx, cy) = (x + 6.0, row_y - 4.0);
        let sample = match entry.swatch {
            Swatch::None => String::new(),
            Swatch::Dot(colour) => {
                format!(r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="4.5" fill="{colour}"/>"#)
            }
            Swatch::Hollow => format!(
                r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="4" fill="none" stroke="#777" stroke-width="1.5"/>"##
            ),
            Swatch::Ring => format!(
                r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="6" fill="#fff" stroke="#111" stroke-width="2"/>"##
            ),
            Swatch::Step => format!(
                r##"<polyline points="{:.1},{:.1} {cx:.1},{:.1} {cx:.1},{:.1} {:.1},{:.1}" fill="none" stroke="#111" stroke-width="1.5"/>"##,
                x - 2.0,
                cy + 4.0,
                cy + 4.0,
                cy - 4.0,
                x + 14.0,
                cy - 4.0
            ),
            Swatch::Dotted | Swatch::Dashed => {
                let (colour, dashes) = if entry.swatch == Swatch::Dotted {
                    ("#888", "2 3")
                } else {
                    ("#444", "7 4")
                };
                format!(
                    r#"<line x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="{colour}" stroke-dasharray="{dashes}"/>"#,
                    x - 2.0,
                    x + 14.0
                )
            }
            Swatch::Cross(colour) => format!(
                r#"<path d="M{:.1} {:.1}l8 8m0 -8l-8 8" stroke="{colour}" stroke-width="2"/>"#,
                cx - 4.0,
                cy - 4.0
            ),
            Swatch::Square => square(cx, cy),
            Swatch::Diamond => diamond(cx, cy),
        };
        let (text_x, weight) = match entry.swatch {
            Swatch::None => (x - 2.0, r#" font-weight="600""#),
            _ => (x + 20.0, ""),
        };
        let _ = writeln!(
            out,
            r#"<g class="{}">{sample}<text x="{text_x:.1}" y="{row_y:.1}"{weight}>{}</text></g>"#,
            entry.class,
            html(&entry.label)
        );
        row_y += ROW;
    }
    row_y - ROW
}

/// The starting kernel's mark, centred on (`cx`, `cy`).
pub(crate) fn square(cx: f64, cy: f64) -> String {
    format!(
        r##"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="#fff" stroke="#111" stroke-width="2"/>"##,
        cx - 5.0,
        cy - 5.0
    )
}

/// A diagnosis's mark, centred on (`cx`, `cy`).
pub(crate) fn diamond(cx: f64, cy: f64) -> String {
    format!(
        r##"<path d="M{cx:.1} {:.1}l4 4l-4 4l-4 -4z" fill="#fff" stroke="#5c6670" stroke-width="1.5"/>"##,
        cy - 4.0
    )
}
