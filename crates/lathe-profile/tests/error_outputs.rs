//! What ncu writes when it profiles nothing or fails, and CSV that cannot be read: errors that
//! carry ncu's own explanation, or the line where the table goes wrong.

mod common;

use common::raw_page;
use lathe_profile::{CaptureError, Page, parse_capture};

const PERMISSION: &str = "==ERROR== ERR_NVGPUCTRPERM - The user does not have permission to \
                          access NVIDIA GPU Performance Counters on the target device 0.";

#[test]
fn ncu_errors_without_a_table_carry_ncu_messages() {
    let text = format!(
        "==PROF== Connected to process 123 (/usr/bin/python3)\n\
         {PERMISSION}\n\
         ==ERROR== Failed to profile \"kernel\" in process 123\n\
         ==PROF== Trying to shutdown target application\n"
    );
    let err = parse_capture(&text).unwrap_err();
    let CaptureError::NoHeader {
        messages,
        first_lines,
    } = &err
    else {
        panic!("expected NoHeader, got {err:?}");
    };
    assert_eq!(
        messages,
        &[
            "==PROF== Connected to process 123 (/usr/bin/python3)",
            PERMISSION,
            "==ERROR== Failed to profile \"kernel\" in process 123",
            "==PROF== Trying to shutdown target application",
        ]
    );
    assert!(
        first_lines.starts_with("==PROF== Connected"),
        "{first_lines}"
    );
    insta::assert_snapshot!(err.to_string(), @r#"
    ncu's output holds no CSV table: expected a header row starting with "ID" and holding "Kernel Name"; ncu reported:
      ==ERROR== ERR_NVGPUCTRPERM - The user does not have permission to access NVIDIA GPU Performance Counters on the target device 0.
      ==ERROR== Failed to profile "kernel" in process 123
    "#);
}

#[test]
fn a_crashed_application_is_no_header() {
    let err = parse_capture(include_str!("data/h100_error_app_crash.txt")).unwrap_err();
    assert!(
        matches!(&err, CaptureError::NoHeader { messages, .. } if messages.len() == 1),
        "{err:?}"
    );
}

#[test]
fn empty_and_foreign_output_is_no_header() {
    for text in [
        "",
        "\n\n",
        "hello, \"world\n",
        "\"ID\",\"Name\"\n\"0\",\"x\"\n",
        "\"Metric name\",\"Metric type\"\n",
    ] {
        let err = parse_capture(text).unwrap_err();
        assert!(
            matches!(err, CaptureError::NoHeader { .. }),
            "{text:?}: {err:?}"
        );
    }
    insta::assert_snapshot!(parse_capture("").unwrap_err().to_string(), @r#"
    ncu's output holds no CSV table: expected a header row starting with "ID" and holding "Kernel Name"; the output is empty
    hint: check that ncu ran with `--csv` and that the program launched a kernel inside the profiled range
    "#);
}

#[test]
fn a_header_with_no_launches_is_an_empty_capture() {
    let text = "==PROF== Connected to process 1\n\"ID\",\"Kernel Name\",\"gpu__time_duration.sum\"\n\
                \"\",\"\",\"ns\"\n==WARNING== No kernels were profiled.\n";
    let capture = parse_capture(text).unwrap();
    assert_eq!(capture.page, Page::Raw);
    assert!(capture.launches.is_empty());
    assert_eq!(capture.metric_columns, ["gpu__time_duration.sum"]);
    assert_eq!(capture.units["gpu__time_duration.sum"], "ns");
    assert_eq!(capture.messages.len(), 2);
    let bare = parse_capture("\"ID\",\"Kernel Name\",\"m\"\n").unwrap();
    assert!(bare.launches.is_empty() && bare.units.is_empty());
}

#[test]
fn program_output_before_the_header_is_skipped() {
    let text = "step 1, loss \"0.5\n\"ID\",\"x\"\n=== not ncu ===\nID,Kernel Name,m\n0,k,1\n";
    let capture = parse_capture(text).unwrap();
    assert_eq!(capture.launches.len(), 1);
    assert!(capture.messages.is_empty());
    // No units row: the first row is already a launch.
    assert!(capture.units.is_empty());
    assert_eq!(capture.launches[0].values["m"].text, "1");
}

#[test]
fn messages_after_the_table_are_collected() {
    let text = raw_page(&[("m", "")], &[("k", &["1"])])
        + "==WARNING== Found outstanding GPU clock reset, trying to revert...\n";
    let capture = parse_capture(&text).unwrap();
    assert_eq!(capture.launches.len(), 1);
    assert_eq!(
        capture.messages,
        [
            "==PROF== Connected to process 42 (/usr/bin/python3)",
            "==PROF== Disconnected from process 42",
            "==WARNING== Found outstanding GPU clock reset, trying to revert...",
        ]
    );
}

fn malformed(text: &str) -> (usize, String) {
    match parse_capture(text) {
        Err(CaptureError::Malformed { line, message }) => (line, message),
        other => panic!("expected Malformed for {text:?}, got {other:?}"),
    }
}

#[test]
fn an_unterminated_quote_names_its_line() {
    let text = "==PROF== x\n\"ID\",\"Kernel Name\",\"m\"\n\"\",\"\",\"\"\n\"0\",\"k\",\"1\"\n\"1\",\"k(int,\n\"2\",\"k\",\"3\"\n";
    let (line, message) = malformed(text);
    assert_eq!(line, 5, "{message}");
    assert!(message.contains("not closed on its line"), "{message}");
    let err = parse_capture(text).unwrap_err();
    insta::assert_snapshot!(err.to_string(), @r#"line 5 of ncu's CSV output: a quoted field is not closed on its line: expected a closing `"` (ncu writes no line breaks inside fields)"#);
}

#[test]
fn a_row_of_the_wrong_width_names_its_line() {
    let text = "\"ID\",\"Kernel Name\",\"m\"\n\"0\",\"k\",\"1\"\n\n\"1\",\"k\"\n";
    let (line, message) = malformed(text);
    assert_eq!(line, 4, "{message}");
    assert_eq!(
        message,
        "expected 3 fields like the header on line 1, found 2"
    );
}

#[test]
fn a_non_integer_id_names_its_line() {
    let text =
        "\"ID\",\"Kernel Name\",\"m\"\n\"\",\"\",\"%\"\n\"0\",\"k\",\"1\"\n\"x1\",\"k\",\"1\"\n";
    let (line, message) = malformed(text);
    assert_eq!(line, 4, "{message}");
    assert!(message.contains("found `x1`"), "{message}");
    // An empty ID after the units row is no launch either.
    let text = "\"ID\",\"Kernel Name\",\"m\"\n\"\",\"\",\"%\"\n\"\",\"k\",\"1\"\n";
    assert_eq!(malformed(text).0, 3);
    // On the details page too.
    let text = "\"ID\",\"Kernel Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n\"-1\",\"k\",\"m\",\"\",\"1\"\n";
    assert_eq!(malformed(text).0, 2);
}

#[test]
fn text_after_a_closing_quote_is_malformed() {
    let text = "\"ID\",\"Kernel Name\"\n\"0\",\"k\"x\n";
    let (line, message) = malformed(text);
    assert_eq!(line, 2);
    assert!(message.contains("found `x`"), "{message}");
}
