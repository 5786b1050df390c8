//! `report.html`: one self-contained page, the plot present and complete, and every piece of
//! model-produced text shown as text.

mod common;

use common::RunBuilder;
use common::scenarios::{
    full_run, interpreter_run, no_correct, repaired_and_tuned, tuned_from_a_given_kernel,
};
use common::verdicts::{compile_error, correct};
use lathe_report::{RunData, report_html, report_md};
use lathe_store::{RunStatus, StageStatus};

/// The `<svg id="speedup-plot">` element.
fn plot(html: &str) -> &str {
    let start = html
        .find("<svg id=\"speedup-plot\"")
        .expect("the plot is in the page");
    let end = start + html[start..].find("</svg>").expect("the plot is closed");
    &html[start..end]
}

/// Fails unless every element that opens closes, in order: a builder's slip (an unclosed
/// `<details>`, a stray `</td>`) would swallow the rest of the page.
fn assert_balanced(html: &str) {
    const VOID: [&str; 3] = ["meta", "br", "!DOCTYPE"];
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        let end = at + rest[at..].find('>').expect("a tag ends");
        let tag = &rest[at + 1..end];
        rest = &rest[end + 1..];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default();
        if let Some(closing) = tag.strip_prefix('/') {
            let closing = closing.trim();
            assert_eq!(
                open.pop(),
                Some(closing),
                "</{closing}> closes the wrong element"
            );
        } else if !tag.ends_with('/') && !VOID.contains(&name) {
            open.push(name);
        }
    }
    assert!(open.is_empty(), "left open: {open:?}");
}

#[test]
fn a_full_run() {
    let html = report_html(&full_run());
    assert_balanced(&html);
    insta::assert_snapshot!("full_run", html);
}

#[test]
fn an_interpreter_run() {
    let html = report_html(&interpreter_run());
    assert_balanced(&html);
    assert!(plot(&html).contains("CPU interpreter ms"));
    assert!(plot(&html).contains("(not GPU performance)"));
    assert!(!plot(&html).contains("class=\"compile\""));
    assert_eq!(plot(&html).matches("<circle class=\"point\"").count(), 2);
    insta::assert_snapshot!("interpreter_run", html);
}

#[test]
fn a_run_that_has_just_started() {
    let data = RunBuilder::new("r20261121-160733-0000", "examples/relu.py", "H100 SXM")
        .finish(RunStatus::Running);
    let html = report_html(&data);
    assert_balanced(&html);
    assert!(plot(&html).contains("no attempt was timed"));
    assert!(html.contains("<p>No attempt was made.</p>"));
    let md = report_md(&data);
    assert!(md.contains("- **status:** running"), "{md}");
    assert!(md.contains("No attempt was made."), "{md}");
}

#[test]
fn the_page_needs_nothing_from_elsewhere() {
    for data in [full_run(), no_correct(), interpreter_run()] {
        let html = report_html(&data);
        assert_balanced(&html);
        let lower = html.to_lowercase();
        for banned in ["<script", "<link", " src=", "url(", "@import", "https:"] {
            assert!(!lower.contains(banned), "the page holds `{banned}`");
        }
        // The one address in the page is the SVG namespace, which is a name, not a fetch.
        assert_eq!(lower.matches("http:").count(), 1);
        assert!(lower.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    }
}

#[test]
fn the_plot_has_one_point_per_timed_attempt() {
    let data = full_run();
    let html = report_html(&data);
    let svg = plot(&html);
    let timed = data
        .attempts
        .iter()
        .filter(|a| a.evaluation.as_ref().is_some_and(|e| e.timing().is_some()))
        .count();
    assert_eq!(timed, 5);
    assert_eq!(svg.matches("<circle class=\"point\"").count(), timed);
    let not_correct = data
        .attempts
        .iter()
        .filter(|a| {
            !a.evaluation
                .as_ref()
                .is_some_and(|e| e.verdict.is_correct())
        })
        .count();
    assert_eq!(svg.matches("<path class=\"miss\"").count(), not_correct);
    // Every point and cross has its tooltip.
    assert_eq!(svg.matches("<title>#").count(), data.attempts.len());
    assert!(svg.contains("<title>#9 stage:tuning/s0: correct, 0.750 ms, 2.67x vs eager</title>"));
    assert_eq!(svg.matches("class=\"best\"").count(), 1);
    assert!(svg.contains("torch.compile, 1.33x"), "{svg}");
}

#[test]
fn the_legend_lists_every_stage() {
    for data in [full_run(), interpreter_run(), no_correct()] {
        let html = report_html(&data);
        let svg = plot(&html);
        let mut stages = vec!["seed".to_owned()];
        stages.extend(data.stages.iter().map(|s| s.stage.clone()));
        assert_eq!(
            svg.matches("<g class=\"legend-stage\">").count(),
            stages.len()
        );
        for stage in stages {
            assert!(
                svg.contains(&format!("\">{stage}</text></g>")),
                "{stage} is not in the legend"
            );
        }
    }
}

/// A run where everything the model wrote, and everything made from it, tries to be markup.
fn hostile_run() -> RunData {
    let run = RunBuilder::new(
        "r20261121-160733-e71c",
        "problems/<script>x</script>.py",
        "H100 SXM",
    );
    let code =
        "# </code></pre><script>alert('code')</script>\nx = \"<img src=x onerror=alert(1)>\"\n";
    let seed = run.judged_code(
        "seed/s0",
        None,
        code,
        compile_error("<script>alert('error')</script>"),
    );
    let kept = run.judged_code("seed/s0/repair1", Some(seed), code, correct(1.0, 2.0, 1.5));
    run.keep(kept);
    run.stage(
        "block_tiling",
        StageStatus::Skipped,
        Some("<script>alert('reason')</script>"),
        Some("{\"<script>\": {\"m\": 1}}"),
        (None, None),
    );
    let mut data = run.finish(RunStatus::Failed {
        message: "<script>alert('status')</script>".to_owned(),
    });
    for attempt in &mut data.attempts {
        attempt.prompt = "<script>alert('prompt')</script>".to_owned();
        if let Some(call) = &mut attempt.call {
            call.reasoning = Some("<script>alert('reasoning')</script>".to_owned());
        }
    }
    data
}

#[test]
fn model_text_is_shown_never_run() {
    let data = hostile_run();
    let html = report_html(&data);
    assert_balanced(&html);
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a <script> got through");
    assert!(!lower.contains("<img"), "an <img> got through");
    for part in ["code", "error", "reason", "status", "prompt", "reasoning"] {
        assert!(
            html.contains(&format!(
                "&lt;script&gt;alert(&#39;{part}&#39;)&lt;/script&gt;"
            )),
            "the {part} is not shown as text"
        );
    }
    assert!(
        html.contains("&lt;script&gt;x&lt;/script&gt;.py"),
        "the problem path"
    );

    // In markdown, outside code blocks and spans (whose content is never markup), every `<`
    // is escaped.
    let md = report_md(&data);
    let mut in_block = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
        } else if !in_block {
            let prose = line.split('`').step_by(2);
            let bare = prose
                .into_iter()
                .any(|p| p.replace("\\<", "").contains('<'));
            assert!(!bare, "{line}");
        }
    }
}

/// The number after `name="` in `element`.
fn attribute(element: &str, name: &str) -> f64 {
    let at = element.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
    element[at..].split('"').next().unwrap().parse().unwrap()
}

#[test]
fn a_tuner_run_plots_its_starting_kernel_and_names_each_change() {
    let data = tuned_from_a_given_kernel();
    let html = report_html(&data);
    assert_balanced(&html);
    let plot = plot(&html);

    // The starting kernel is a square in the band before attempt 1, labelled `start`.
    let square = plot
        .split("<g class=\"start\">")
        .nth(1)
        .expect("the starting kernel is plotted");
    let (sx, sy) = (attribute(square, "x") + 5.0, attribute(square, "y") + 5.0);
    assert!(plot.contains(">start</text>"), "{plot}");
    assert!(plot.contains("the starting kernel: 2.00 ms, 1.00x vs eager"));
    assert!(plot.contains("class=\"legend-start\""));

    // The best so far starts from it, level until the kept variant (#2).
    let line = plot
        .split("<polyline class=\"best\" points=\"")
        .nth(1)
        .unwrap();
    let points: Vec<(f64, f64)> = line
        .split('"')
        .next()
        .unwrap()
        .split(' ')
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert_eq!(points[0], (sx, sy), "{points:?}");
    assert_eq!(points[1].1, sy, "{points:?}");
    assert!(points[2].1 < sy, "the kept variant is higher: {points:?}");

    // 1.00x to 13.3x: a log axis, whose decades are as tall as each other.
    assert!(plot.contains("speedup vs eager, log scale"), "{plot}");
    assert!(plot.contains(">10x</text>"), "{plot}");

    // Each variant says what it changed, and each one not kept says why.
    for change in [
        "BLOCK 32 → 64",
        "BLOCK 64 → 128",
        "BLOCK 128 → 256",
        "BLOCK 128 → 512",
    ] {
        assert!(html.contains(change), "{change} is not in the report");
    }
    assert!(html.contains("BLOCK 32 → 64; not kept: #2 of the same stage was faster and kept"));
    assert!(
        html.contains("BLOCK 128 → 256; not kept: slower: 0.200 ms vs the best&#39;s 0.150 ms")
    );
    assert!(html.contains("BLOCK 128 → 512; not kept: within the margin"));
    // The tuner spends no tokens and no money: those columns are left out.
    assert!(!html.contains("tokens in / out") && !html.contains("<th class=\"r\">cost</th>"));

    let md = report_md(&data);
    assert!(md.contains("| BLOCK 64 → 128 |"), "{md}");
    assert!(!md.contains("tokens in / out"), "{md}");
}

#[test]
fn a_diagnosis_is_drawn_apart_from_the_failures() {
    let html = report_html(&repaired_and_tuned());
    let plot = plot(&html);
    let diagnosis = plot
        .split("<g class=\"diagnosis\">")
        .nth(1)
        .expect("the analyst's reply is plotted");
    assert!(diagnosis.starts_with("<path"), "{diagnosis}");
    assert!(plot.contains("the analyst&#39;s diagnosis"), "{plot}");
    let crosses: Vec<&str> = plot.split("<path class=\"miss\"").skip(1).collect();
    assert_eq!(
        crosses.len(),
        1,
        "only the compile error is a cross: {crosses:?}"
    );
    assert!(crosses[0].contains("compile error"), "{}", crosses[0]);
    // Nor is it marked as a failure in the table.
    assert!(!html.contains("<td class=\"bad\">diagnosis</td>"));
    assert!(html.contains("<td>diagnosis</td>"));
}
