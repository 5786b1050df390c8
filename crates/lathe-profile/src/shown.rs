//! The `[NCU PROFILING METRICS]` block: the candidate's kernels and the metrics a stage asks for.
//!
//! The seed prompts were written by Python as `json.dumps` of `round(value, 2)`, so numbers follow
//! Python's spelling: counts as integers (`524288`), everything else with two decimals at most
//! and always a decimal point (`50.0`, `3.68`). A metric with no reading is left out and reported,
//! never shown as `0`: a zero would tell the model the kernel does no memory traffic, say, when
//! ncu merely could not collect it.

use lathe_prompt::{KernelMetrics, MetricValue, MetricsJson};
use serde::Serialize;

use crate::summary::{Aggregate, KernelSummary};

/// A metric asked for that a kernel's block leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingMetric {
    pub kernel: String,
    pub metric: String,
    /// Why, e.g. "not in the capture's columns" or "no numeric value (n/a)".
    pub reason: String,
}

/// One object per kernel of `own` (in its order), holding `metrics` in the order given, and what
/// had to be left out.
pub fn metrics_block(
    own: &[KernelSummary],
    metrics: &[String],
) -> (MetricsJson, Vec<MissingMetric>) {
    let mut missing = Vec::new();
    let mut kernels = Vec::new();
    for kernel in own {
        let mut shown: Vec<MetricValue> = Vec::new();
        for metric in metrics {
            if shown.iter().any(|m| &m.name == metric) {
                continue;
            }
            match kernel.metric(metric) {
                Some(aggregate) => {
                    let (text, value) = shown_number(aggregate);
                    shown.push(MetricValue {
                        name: metric.clone(),
                        text,
                        value,
                    });
                }
                None => missing.push(MissingMetric {
                    kernel: kernel.name.clone(),
                    metric: metric.clone(),
                    reason: missing_reason(kernel, metric),
                }),
            }
        }
        kernels.push(KernelMetrics {
            kernel: kernel.name.clone(),
            metrics: shown,
        });
    }
    (MetricsJson::from_kernels(kernels), missing)
}

fn missing_reason(kernel: &KernelSummary, metric: &str) -> String {
    match kernel.unreadable.iter().find(|(name, _)| name == metric) {
        Some((_, text)) if text.is_empty() => "empty in every launch of the kernel".to_owned(),
        Some((_, text)) => format!("no numeric value ({text})"),
        None => "not in the capture's columns".to_owned(),
    }
}

/// The median as the prompt writes it, and the value of what is written.
fn shown_number(aggregate: &Aggregate) -> (String, f64) {
    let value = aggregate.median;
    // The median of an even count of integers can fall between two; that is not a count.
    if aggregate.integer && value.fract() == 0.0 {
        let value = value + 0.0; // -0 is 0
        return (format!("{value:.0}"), value);
    }
    // `{:.2}` rounds the exact binary value half to even, like Python's `round(x, 2)`.
    let rounded: f64 = format!("{value:.2}").parse().unwrap_or(value);
    let rounded = rounded + 0.0; // Python would write `-0.0`; a metric rounded to zero is 0.0.
    (python_float(rounded), rounded)
}

/// Python's `repr` of a float: the shortest text that reads back, with `.0` on whole numbers,
/// and exponent form (`1e+16`, `1e-05`) outside 1e-4 <= |x| < 1e16.
fn python_float(value: f64) -> String {
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if value != 0.0 && !(-4..16).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs());
    }
    let fixed = format!("{value}");
    if fixed.contains('.') {
        fixed
    } else {
        format!("{fixed}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(median: f64, integer: bool, unit: &str) -> String {
        let aggregate = Aggregate {
            median,
            min: median,
            max: median,
            integer,
            unit: unit.to_owned(),
            launches: 1,
        };
        shown_number(&aggregate).0
    }

    #[test]
    fn numbers_are_written_like_python_json() {
        assert_eq!(shown(50.0, false, "%"), "50.0");
        assert_eq!(shown(100.0, false, "%"), "100.0");
        assert_eq!(shown(0.0, false, "%"), "0.0");
        assert_eq!(shown(11.75, false, "%"), "11.75");
        assert_eq!(shown(3.675, false, "%"), "3.67"); // 3.67499999... in binary
        assert_eq!(shown(3.6789, false, "%"), "3.68");
        assert_eq!(shown(0.125, false, ""), "0.12"); // an exact tie: half to even
        assert_eq!(shown(-1.5, false, ""), "-1.5");
        assert_eq!(shown(-0.001, false, ""), "0.0");
        assert_eq!(shown(0.00001, false, ""), "0.0");
        assert_eq!(shown(1_300_032.0, false, "ns"), "1300032.0");
    }

    #[test]
    fn integers_stay_integers() {
        assert_eq!(shown(524_288.0, true, ""), "524288");
        assert_eq!(shown(0.0, true, ""), "0");
        assert_eq!(shown(-0.0, true, ""), "0");
        assert_eq!(shown(-3.0, true, ""), "-3");
        assert_eq!(shown(1e20, true, ""), "100000000000000000000");
        // The median of the readings 2 and 3 is not a count.
        assert_eq!(shown(2.5, true, ""), "2.5");
    }

    #[test]
    fn huge_values_take_pythons_exponent_form() {
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(1.5e16), "1.5e+16");
        assert_eq!(python_float(-2.5e300), "-2.5e+300");
        assert_eq!(python_float(9_999_999_999_999_998.0), "9999999999999998.0");
        assert_eq!(python_float(1e-5), "1e-05");
        assert_eq!(python_float(0.0001), "0.0001");
        assert_eq!(shown(1.5e16, false, ""), "1.5e+16");
        assert_eq!(
            shown(12_345_678_901_234_567.0, false, ""),
            "1.2345678901234568e+16"
        );
    }
}
