//! What a suite leaves a person to read: every task's line and the suite's figures, as
//! `suite.json`, `suite.md` and a self-contained `suite.html` (the fast_p curve and the sorted
//! speedups, drawn inline). The figures are `lathe_core::SuiteFigures`: fast_p over all tasks,
//! so a missing or failed kernel is a miss.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use lathe_core::{Baseline, FAST_P_THRESHOLDS, SuiteFigures, TaskOutcome, Verdict};
use serde::Serialize;

use crate::escape::html;
use crate::html_table::{Cell, Row, table};
use crate::markdown;
use crate::style::CSS;

/// One task's line of the suite.
#[derive(Debug, Clone, Serialize)]
pub struct TaskRow {
    pub problem: String,
    pub level: Option<u32>,
    pub kernel: Option<String>,
    /// A verdict kind, or `missing` (no kernel), `unreadable` or `problem_error`.
    pub outcome: String,
    pub summary: String,
    pub candidate_ms: Option<f64>,
    pub eager_ms: Option<f64>,
    pub compile_ms: Option<f64>,
    pub speedup_vs_eager: Option<f64>,
    pub speedup_vs_compile: Option<f64>,
    pub seconds: Option<f64>,
    /// The GPU of the pool that judged it (`CUDA_VISIBLE_DEVICES`), on GPUs.
    pub gpu: Option<String>,
    /// When its evaluation began and ended, in seconds since the suite started: the record
    /// that no two evaluations shared a GPU.
    pub started_s: Option<f64>,
    pub ended_s: Option<f64>,
    /// What optimizing it took (`lathe suite run`); `None` for a kernel judged as it came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend: Option<TaskSpend>,
    /// Where its judging's time went, phase by phase as the worker reported them (`start` is
    /// near zero for a judge started ahead); empty where no worker ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseSeconds>,
    /// Why it was judged a second time, alone on its GPU: its first judging shared the GPU
    /// (`suite eval --no-timing`) and ran out of memory or time, which may have been the
    /// neighbours' doing. The row holds the second judging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged_alone: Option<String>,
}

/// One phase of a judging and its seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseSeconds {
    pub name: String,
    pub seconds: f64,
}

/// What the loop spent on one task of a suite run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskSpend {
    pub attempts: u32,
    pub model_calls: u32,
    /// Input plus output tokens.
    pub tokens: u64,
    pub cost_usd: f64,
    /// The time its candidates held a device (every judging's wall time, summed).
    pub gpu_seconds: f64,
    /// Its own run report, relative to the suite's folder.
    pub report: Option<String>,
}

impl TaskRow {
    /// A task not judged (yet): `outcome` and `summary` say why.
    pub fn unjudged(problem: String, level: Option<u32>, outcome: &str, summary: String) -> Self {
        TaskRow {
            problem,
            level,
            kernel: None,
            outcome: outcome.to_owned(),
            summary,
            candidate_ms: None,
            eager_ms: None,
            compile_ms: None,
            speedup_vs_eager: None,
            speedup_vs_compile: None,
            seconds: None,
            gpu: None,
            started_s: None,
            ended_s: None,
            spend: None,
            phases: Vec::new(),
            judged_alone: None,
        }
    }

    /// The GPU timing of a correct verdict: the candidate's time, the baselines' and the
    /// speedups; nothing for any other verdict or an untimed one.
    pub fn set_timing(&mut self, verdict: &Verdict) {
        let Verdict::Correct(correct) = verdict else {
            return;
        };
        let Some(timing) = &correct.timing else {
            return;
        };
        self.candidate_ms = Some(timing.candidate.median_ms);
        self.eager_ms = Some(timing.eager.median_ms);
        self.compile_ms = timing
            .compile
            .as_ref()
            .and_then(|c| c.stats.as_ref())
            .map(|s| s.median_ms);
        self.speedup_vs_eager = Some(timing.speedup_vs_eager);
        self.speedup_vs_compile = timing.speedup_vs_compile;
    }

    fn outcome(&self) -> TaskOutcome {
        TaskOutcome {
            correct: self.outcome == "correct",
            speedup_vs_eager: self.speedup_vs_eager,
            speedup_vs_compile: self.speedup_vs_compile,
        }
    }
}

/// The figures of one group of tasks (a level, or all of them) against each baseline.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFigures {
    /// `all`, or `level N`.
    pub group: String,
    pub figures: Vec<SuiteFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuiteReport {
    /// `cuda` or `interpret`.
    pub device: String,
    /// Whether a GPU timed the correct kernels: on the interpreter, or with `--no-timing`, only
    /// fast_0 (the correct share) means anything.
    pub timed: bool,
    pub problems: String,
    pub kernels: String,
    pub tasks: Vec<TaskRow>,
    pub figures: Vec<GroupFigures>,
}

impl SuiteReport {
    /// The report of `tasks`, with each level's figures and then all tasks'; against
    /// torch.compile and the faster baseline only where a GPU timed them (`timed`: on cuda,
    /// unless timing was turned off).
    pub fn new(
        device: &str,
        timed: bool,
        problems: String,
        kernels: String,
        tasks: Vec<TaskRow>,
    ) -> Self {
        let timed = timed && device == "cuda";
        let baselines: &[Baseline] = if timed {
            &[Baseline::Eager, Baseline::Compile, Baseline::Faster]
        } else {
            &[Baseline::Eager]
        };
        let group = |name: String, rows: Vec<&TaskRow>| {
            let outcomes: Vec<TaskOutcome> = rows.iter().map(|r| r.outcome()).collect();
            GroupFigures {
                group: name,
                figures: baselines
                    .iter()
                    .map(|&b| SuiteFigures::of(&outcomes, b))
                    .collect(),
            }
        };
        let levels: BTreeSet<u32> = tasks.iter().filter_map(|t| t.level).collect();
        let mut figures: Vec<GroupFigures> = levels
            .iter()
            .map(|&level| {
                let rows = tasks.iter().filter(|t| t.level == Some(level)).collect();
                group(format!("level {level}"), rows)
            })
            .collect();
        figures.push(group("all".to_owned(), tasks.iter().collect()));
        SuiteReport {
            device: device.to_owned(),
            timed,
            problems,
            kernels,
            tasks,
            figures,
        }
    }

    /// The line under the figures: what they can mean on this device.
    pub fn device_note(&self) -> &'static str {
        if self.timed {
            ""
        } else if self.device == "cuda" {
            "Correctness only (--no-timing): nothing was timed, so only fast_0 (the correct \
             share) means anything.\n"
        } else {
            "Triton's interpreter on the CPU: no GPU timing, so only fast_0 (the correct share) \
             means anything.\n"
        }
    }

    /// A line per task judged a second time alone on its GPU (`suite eval --no-timing`): the
    /// problem, and how its first judging ended beside the others.
    pub fn judged_again_lines(&self) -> Vec<String> {
        self.tasks
            .iter()
            .filter_map(|t| Some(format!("{}: {}", t.problem, t.judged_alone.as_ref()?)))
            .collect()
    }

    /// The figures as table rows: group, baseline, correct, each fast_p, geometric mean.
    pub fn figure_rows(&self) -> Vec<[String; 10]> {
        let mut rows = Vec::new();
        for group in &self.figures {
            for f in &group.figures {
                let mut row = [const { String::new() }; 10];
                row[0].clone_from(&group.group);
                row[1] = baseline_name(f.baseline).to_owned();
                row[2] = format!("{}/{}", f.correct, f.tasks);
                for (cell, (_, fast)) in row[3..9].iter_mut().zip(&f.fast_p) {
                    *cell = format!("{fast:.2}");
                }
                row[9] = f
                    .geomean_speedup
                    .map_or_else(|| "-".to_owned(), |g| format!("{g:.2}x ({})", f.timed));
                rows.push(row);
            }
        }
        rows
    }

    /// The tasks as table rows: problem, outcome, time, speedups, the verdict in a line.
    pub fn task_rows(&self) -> Vec<[String; 6]> {
        let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
        let times = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.2}x"));
        self.tasks
            .iter()
            .map(|t| {
                [
                    t.problem.clone(),
                    t.outcome.clone(),
                    ms(t.candidate_ms),
                    times(t.speedup_vs_eager),
                    times(t.speedup_vs_compile),
                    t.summary.clone(),
                ]
            })
            .collect()
    }
}

pub const FIGURE_HEADER: [&str; 10] = [
    "group", "against", "correct", "fast_0", "fast_0.5", "fast_0.8", "fast_1", "fast_1.5",
    "fast_2", "geomean",
];

/// What each problem of a suite run cost: problem, attempts, calls, tokens, dollars, device
/// seconds. Empty for a suite of kernels judged as they came.
pub fn spend_rows(report: &SuiteReport) -> Vec<[String; 6]> {
    report
        .tasks
        .iter()
        .filter_map(|t| {
            let s = t.spend.as_ref()?;
            Some([
                t.problem.clone(),
                s.attempts.to_string(),
                s.model_calls.to_string(),
                s.tokens.to_string(),
                format!("{:.4}", s.cost_usd),
                format!("{:.1}", s.gpu_seconds),
            ])
        })
        .collect()
}

pub const SPEND_HEADER: [&str; 6] = [
    "problem",
    "attempts",
    "model calls",
    "tokens",
    "USD",
    "device s",
];

pub const TASK_HEADER: [&str; 6] = [
    "problem",
    "outcome",
    "ms",
    "vs eager",
    "vs compile",
    "verdict",
];

fn baseline_name(baseline: Baseline) -> &'static str {
    match baseline {
        Baseline::Eager => "eager",
        Baseline::Compile => "torch.compile",
        Baseline::Faster => "the faster of the two",
    }
}

/// Rows as markdown table cells, every character that could open markup escaped.
fn markdown_rows<const N: usize>(rows: &[[String; N]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|cell| markdown::text(cell)).collect())
        .collect()
}

/// `suite.md`.
pub fn suite_md(report: &SuiteReport) -> String {
    let mut text = format!(
        "# Suite: {} judged against {}\n\nDevice: {}. A task without a kernel, or with one \
         that is not correct, is a miss in every figure (fast_p over all tasks).\n\n",
        report.kernels, report.problems, report.device
    );
    text += "## Figures\n\n";
    text += &markdown::table(&FIGURE_HEADER, &markdown_rows(&report.figure_rows()));
    text += report.device_note();
    if let Some(lines) = spend_lines(report) {
        text += "\n## Spend\n\n";
        for line in lines {
            let _ = writeln!(text, "- {}", markdown::text(&line));
        }
        text += "\n";
        text += &markdown::table(&SPEND_HEADER, &markdown_rows(&spend_rows(report)));
    }
    text += "\n## Tasks\n\n";
    text += &markdown::table(&TASK_HEADER, &markdown_rows(&report.task_rows()));
    let again = report.judged_again_lines();
    if !again.is_empty() {
        text += "\n## Judged again alone\n\n";
        for line in again {
            let _ = writeln!(text, "- {}", markdown::text(&line));
        }
    }
    let reports: Vec<(&str, &str)> = report
        .tasks
        .iter()
        .filter_map(|t| Some((t.problem.as_str(), t.spend.as_ref()?.report.as_deref()?)))
        .collect();
    if !reports.is_empty() {
        text += "\n## Run reports\n\n";
        for (problem, path) in reports {
            let _ = writeln!(text, "- [{}]({path})", markdown::text(problem));
        }
    }
    text
}

/// The suite run's spending, in lines: totals, per problem, per fast_1 win against eager.
/// `None` for a suite of kernels judged as they came.
fn spend_lines(report: &SuiteReport) -> Option<Vec<String>> {
    let spends: Vec<&TaskSpend> = report
        .tasks
        .iter()
        .filter_map(|t| t.spend.as_ref())
        .collect();
    if spends.is_empty() {
        return None;
    }
    let calls: u32 = spends.iter().map(|s| s.model_calls).sum();
    let tokens: u64 = spends.iter().map(|s| s.tokens).sum();
    let cost: f64 = spends.iter().map(|s| s.cost_usd).sum();
    let gpu: f64 = spends.iter().map(|s| s.gpu_seconds).sum();
    let n = report.tasks.len().max(1) as f64;
    let wins = report
        .tasks
        .iter()
        .filter(|t| {
            t.outcome()
                .speedup(Baseline::Eager)
                .is_some_and(|s| s > 1.0)
        })
        .count();
    let mut lines = vec![
        format!(
            "{calls} model calls, {tokens} tokens, ${cost:.4}, {gpu:.1} s of device time in all"
        ),
        format!(
            "per problem: {:.1} calls, {:.0} tokens, ${:.4}",
            f64::from(calls) / n,
            tokens as f64 / n,
            cost / n
        ),
    ];
    lines.push(if wins > 0 {
        format!(
            "per fast_1 win against eager ({wins}): {:.0} tokens, ${:.4}",
            tokens as f64 / wins as f64,
            cost / wins as f64
        )
    } else {
        "no fast_1 win against eager, so no spend per win".to_owned()
    });
    Some(lines)
}

/// `suite.html`: one page, no scripts, nothing fetched.
pub fn suite_html(report: &SuiteReport) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>lathe suite: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
         <h1>lathe suite: <code>{}</code></h1>\n<p>Against <code>{}</code> on {}. A task \
         without a kernel, or with one that is not correct, is a miss in every figure.</p>\n",
        html(&report.kernels),
        html(&report.kernels),
        html(&report.problems),
        html(&report.device),
    );
    out += "<h2>Figures</h2>\n";
    out += &table(&FIGURE_HEADER, &html_rows(&report.figure_rows()));
    if !report.device_note().is_empty() {
        let _ = writeln!(out, "<p>{}</p>", html(report.device_note().trim()));
    }
    if let Some(all) = report.figures.last() {
        out += "<figure>\n";
        out += &fast_p_curve(&report.tasks, all);
        out += "<figcaption>fast_p of all tasks for every p from 0 to 2: the share correct and \
                more than p times as fast as the baseline (dots: the tables' p)</figcaption>\n\
                </figure>\n";
    }
    out += "<figure>\n";
    out += &sorted_speedups(&report.tasks);
    out += "<figcaption>the correct, timed tasks' speedups against eager PyTorch, fastest \
            first; the line is 1x</figcaption>\n</figure>\n";
    if let Some(lines) = spend_lines(report) {
        out += "<h2>Spend</h2>\n<ul>\n";
        for line in lines {
            let _ = writeln!(out, "<li>{}</li>", html(&line));
        }
        out += "</ul>\n";
        let rows: Vec<Row> = spend_rows(report)
            .iter()
            .map(|row| Row {
                class: "",
                cells: row
                    .iter()
                    .enumerate()
                    .map(|(i, cell)| {
                        if i == 0 {
                            Cell::text(cell)
                        } else {
                            Cell::number(cell)
                        }
                    })
                    .collect(),
            })
            .collect();
        out += &table(&SPEND_HEADER, &rows);
    }
    out += "<h2>Tasks</h2>\n";
    let mut rows = html_rows(&report.task_rows());
    for (row, task) in rows.iter_mut().zip(&report.tasks) {
        if let Some(link) = task.spend.as_ref().and_then(|s| s.report.as_deref()) {
            row.cells[0] = Cell::raw(format!(
                "<a href=\"{}\">{}</a>",
                html(link),
                html(&task.problem)
            ));
        }
    }
    out += &table(&TASK_HEADER, &rows);
    out += "</main>\n</body>\n</html>\n";
    out
}

/// Rows as HTML table rows of escaped text.
fn html_rows<const N: usize>(rows: &[[String; N]]) -> Vec<Row> {
    rows.iter()
        .map(|row| Row {
            class: "",
            cells: row.iter().map(|cell| Cell::text(cell)).collect(),
        })
        .collect()
}

// The plots' frame, in pixels.
const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 470.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 200.0;
const COLORS: [&str; 3] = ["#2e6fd1", "#d1782e", "#2e9e6a"];

/// fast_p of all tasks as the step function it is, for every p from 0 to 2 (it drops at each
/// task's speedup), one line per baseline; a dot at each p of the tables.
fn fast_p_curve(tasks: &[TaskRow], group: &GroupFigures) -> String {
    let x = |p: f64| LEFT + (RIGHT - LEFT) * p / 2.0;
    let y = |f: f64| BOTTOM - (BOTTOM - TOP) * f;
    let mut svg = frame("p", "fast_p");
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{RIGHT}" y2="{0:.1}" stroke="#e4e4e4"/><text x="{1:.1}" y="{2:.1}" text-anchor="end">{tick}</text>"##,
            y(tick),
            LEFT - 6.0,
            y(tick) + 4.0
        );
    }
    for p in FAST_P_THRESHOLDS {
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{p}</text>"##,
            x(p),
            BOTTOM + 16.0
        );
    }
    let n = tasks.len().max(1) as f64;
    for (i, f) in group.figures.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mut speedups: Vec<f64> = tasks
            .iter()
            .filter_map(|t| t.outcome().speedup(f.baseline))
            .collect();
        speedups.sort_by(f64::total_cmp);
        // At p = 0 every correct task counts; just above, only the timed ones, each until p
        // reaches its speedup.
        let mut path = format!("M{:.1},{:.1}", x(0.0), y(f.correct as f64 / n));
        let mut left = speedups.len();
        let _ = write!(path, " V{:.1}", y(left as f64 / n));
        for s in speedups.iter().filter(|s| **s < 2.0) {
            left -= 1;
            let _ = write!(path, " H{:.1} V{:.1}", x(*s), y(left as f64 / n));
        }
        let _ = write!(path, " H{:.1}", x(2.0));
        let dash = ["", " stroke-dasharray=\"6 3\"", " stroke-dasharray=\"2 3\""][i % 3];
        let _ = writeln!(
            svg,
            r##"<path d="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>"##
        );
        for (p, v) in &f.fast_p {
            let _ = writeln!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"><title>{} fast_{p} = {v:.2}</title></circle>"##,
                x(*p),
                y(*v),
                html(baseline_name(f.baseline))
            );
        }
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" fill="{color}">{}</text>"##,
            RIGHT + 12.0,
            TOP + 14.0 + 18.0 * i as f64,
            html(baseline_name(f.baseline))
        );
    }
    svg + "</svg>\n"
}

/// The correct tasks' speedups against eager, sorted, as bars on a log scale.
fn sorted_speedups(tasks: &[TaskRow]) -> String {
    let mut speedups: Vec<(f64, &str)> = tasks
        .iter()
        .filter_map(|t| Some((t.outcome().speedup(Baseline::Eager)?, t.problem.as_str())))
        .collect();
    speedups.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut svg = frame("task", "speedup vs eager (log)");
    if speedups.is_empty() {
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">no timed correct task</text>"##,
            (LEFT + RIGHT) / 2.0,
            (TOP + BOTTOM) / 2.0
        );
        return svg + "</svg>\n";
    }
    // A symmetric log range around 1x that holds every speedup.
    let reach = speedups
        .iter()
        .map(|(s, _)| s.log10().abs())
        .fold(0.5_f64, f64::max)
        .ceil();
    let y = |s: f64| (TOP + BOTTOM) / 2.0 - (BOTTOM - TOP) / 2.0 * s.log10() / reach;
    let one = y(1.0);
    let width = (RIGHT - LEFT) / speedups.len() as f64;
    for (i, (s, problem)) in speedups.iter().enumerate() {
        let top = y(*s).min(one);
        let height = (y(*s) - one).abs().max(1.0);
        let color = if *s >= 1.0 { COLORS[2] } else { COLORS[1] };
        let _ = writeln!(
            svg,
            r##"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{height:.1}" fill="{color}"><title>{} {s:.2}x</title></rect>"##,
            LEFT + width * i as f64 + width * 0.1,
            width * 0.8,
            html(problem)
        );
    }
    for power in [-reach, 0.0, reach] {
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}x</text>"##,
            LEFT - 6.0,
            y(10f64.powf(power)) + 4.0,
            10f64.powf(power)
        );
    }
    let _ = writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{one:.1}" x2="{RIGHT}" y2="{one:.1}" stroke="#555"/>"##
    );
    svg + "</svg>\n"
}

/// An SVG's opening, axes and titles.
fn frame(x_title: &str, y_title: &str) -> String {
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" font-size="12">
<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="#555"/><line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="#555"/>
<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>
<text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text>
"##,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 34.0,
        html(x_title),
        (TOP + BOTTOM) / 2.0,
        html(y_title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(problem: &str, level: u32, outcome: &str, speedup: Option<f64>) -> TaskRow {
        let mut row = TaskRow::unjudged(problem.to_owned(), Some(level), outcome, outcome.into());
        row.speedup_vs_eager = speedup;
        row
    }

    fn report() -> SuiteReport {
        let tasks = vec![
            row("level1/1_a.py", 1, "correct", Some(2.0)),
            row("level1/2_<b>.py", 1, "correct", Some(0.5)),
            row("level1/3_c.py", 1, "wrong", None),
            row("level2/1_d.py", 2, "missing", None),
        ];
        SuiteReport::new("cuda", true, "p".into(), "k".into(), tasks)
    }

    #[test]
    fn each_level_and_the_whole_suite_get_their_figures() {
        let report = report();
        let names: Vec<&str> = report.figures.iter().map(|g| g.group.as_str()).collect();
        assert_eq!(names, ["level 1", "level 2", "all"]);
        let all = &report.figures[2].figures[0];
        assert_eq!((all.tasks, all.correct), (4, 2));
        assert_eq!(all.fast(1.0), Some(0.25));
        assert_eq!(report.figures[2].figures.len(), 3);
        let untimed = SuiteReport::new("cuda", false, "p".into(), "k".into(), report.tasks.clone());
        assert_eq!(untimed.figures[2].figures.len(), 1);
        assert!(untimed.device_note().contains("--no-timing"));
        let interpreted = SuiteReport::new("interpret", true, "p".into(), "k".into(), report.tasks);
        assert_eq!(interpreted.figures[2].figures.len(), 1);
        assert!(interpreted.device_note().contains("interpreter"));
    }

    #[test]
    fn markdown_cells_cannot_open_markup() {
        let mut report = report();
        report.tasks[0].summary = "wrong | <b>".to_owned();
        let text = suite_md(&report);
        assert!(!text.contains("wrong | <b>"), "{text}");
        assert_eq!(text.matches("\n| level1/1_a.py").count(), 1, "{text}");
    }

    #[test]
    fn the_page_escapes_every_name_and_draws_both_plots() {
        let page = suite_html(&report());
        assert!(page.contains("level1/2_&lt;b&gt;.py"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
        assert_eq!(page.matches("<svg").count(), 2);
        // Three baselines' fast_p lines with a dot per p of the tables; two bars (the
        // correct, timed tasks).
        assert_eq!(page.matches("<path d=").count(), 3);
        assert_eq!(page.matches("<circle").count(), 3 * FAST_P_THRESHOLDS.len());
        assert_eq!(page.matches("<rect").count(), 2);
        assert!(!page.contains("NaN") && !page.contains("inf\""), "{page}");
    }

    #[test]
    fn a_suite_runs_spend_is_totalled_per_problem_and_per_win_and_linked() {
        let mut report = report();
        let spend = |tokens, cost_usd, report: Option<&str>| TaskSpend {
            attempts: 3,
            model_calls: 2,
            tokens,
            cost_usd,
            gpu_seconds: 4.0,
            report: report.map(str::to_owned),
        };
        report.tasks[0].spend = Some(spend(1000, 0.5, Some("tasks/level1/1_a/report.html")));
        report.tasks[1].spend = Some(spend(3000, 1.5, None));
        let lines = spend_lines(&report).unwrap();
        assert!(
            lines[0].starts_with("4 model calls, 4000 tokens, $2.0000, 8.0 s"),
            "{lines:?}"
        );
        assert!(
            lines[1].contains("1000 tokens, $0.5000"),
            "per problem of 4: {lines:?}"
        );
        // One task is correct and faster than eager: the whole spend is that win's.
        assert!(lines[2].contains("(1): 4000 tokens, $2.0000"), "{lines:?}");
        assert_eq!(spend_rows(&report).len(), 2);
        let page = suite_html(&report);
        assert!(page.contains(r#"<a href="tasks/level1/1_a/report.html">level1/1_a.py</a>"#));
        assert!(suite_md(&report).contains("](tasks/level1/1_a/report.html)"));
        assert!(
            spend_lines(&super::tests::report()).is_none(),
            "suite eval spends nothing"
        );
    }
}
