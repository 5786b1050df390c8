//! `report.html`: one self-contained page, the plot present and complete, and every piece of
//! model-produced text shown as text.

mod common;

use common::RunBuilder;
use common::scenarios::{full_run, interpreter_run, no_correct};
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
    assert!(plot(&html).contains("CPU interpreter ms (not GPU performance)"));
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
