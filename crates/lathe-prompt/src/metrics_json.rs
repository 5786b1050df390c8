//! The `[NCU PROFILING METRICS]` block: `{kernel: {metric: number}}`, shown with 2-space
//! indentation, keys in the order given and numbers exactly as written (`50.0` stays `50.0`).

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Parsed metrics, keeping the text of every number for rendering and its value for rules.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsJson {
    kernels: Vec<KernelMetrics>,
}

/// One kernel's metrics, in the order shown.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelMetrics {
    pub kernel: String,
    pub metrics: Vec<MetricValue>,
}

/// One metric's number.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricValue {
    pub name: String,
    /// The number as written in the source.
    pub text: String,
    pub value: f64,
}

/// Metrics text that is not JSON, or not of the expected shape; positions are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at line {line} column {column}")]
pub struct MetricsJsonError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl MetricsJson {
    /// A block built from numbers already in hand (a profile). Each `text` must be a JSON number
    /// and names must not repeat, as [`MetricsJson::parse`] would insist: `render` writes them as
    /// they are.
    pub fn from_kernels(kernels: Vec<KernelMetrics>) -> MetricsJson {
        MetricsJson { kernels }
    }

    pub fn parse(text: &str) -> Result<MetricsJson, MetricsJsonError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let kernels = deserializer
            .deserialize_map(KernelsVisitor)
            .and_then(|kernels| deserializer.end().map(|()| kernels))
            .map_err(|e| MetricsJsonError {
                message: message_without_position(&e),
                line: e.line(),
                column: e.column(),
            })?;
        Ok(MetricsJson { kernels })
    }

    pub fn kernels(&self) -> &[KernelMetrics] {
        &self.kernels
    }

    /// The block as the prompt shows it (no trailing newline).
    pub fn render(&self) -> String {
        if self.kernels.is_empty() {
            return "{}".to_owned();
        }
        let kernels: Vec<String> = self
            .kernels
            .iter()
            .map(|k| {
                let body = if k.metrics.is_empty() {
                    "{}".to_owned()
                } else {
                    let lines: Vec<String> = k
                        .metrics
                        .iter()
                        .map(|m| format!("    {}: {}", json_string(&m.name), m.text))
                        .collect();
                    format!("{{\n{}\n  }}", lines.join(",\n"))
                };
                format!("  {}: {body}", json_string(&k.kernel))
            })
            .collect();
        format!("{{\n{}\n}}", kernels.join(",\n"))
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| unreachable!("a str always serializes"))
}

/// serde_json's Display appends " at line L column C"; the error carries those separately.
fn message_without_position(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

struct KernelsVisitor;

impl<'de> Visitor<'de> for KernelsVisitor {
    type Value = Vec<KernelMetrics>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"an object of kernels, {"kernel name": {"metric": number}}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kernels: Vec<KernelMetrics> = Vec::new();
        while let Some(kernel) = map.next_key::<String>()? {
            if kernels.iter().any(|k| k.kernel == kernel) {
                return Err(de::Error::custom(format!(
                    "kernel `{kernel}` appears twice"
                )));
            }
            let metrics = map.next_value_seed(MetricsOf { kernel: &kernel })?;
            kernels.push(KernelMetrics { kernel, metrics });
        }
        Ok(kernels)
    }
}

/// The metrics object of one kernel; the seed carries the kernel's name for error messages.
struct MetricsOf<'a> {
    kernel: &'a str,
}

impl<'de> DeserializeSeed<'de> for MetricsOf<'_> {
    type Value = Vec<MetricValue>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MetricsOf<'_> {
    type Value = Vec<MetricValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object of metrics for kernel `{}`", self.kernel)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut metrics: Vec<MetricValue> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let raw: Box<RawValue> = map.next_value()?;
            let text = raw.get().trim().to_owned();
            let value = number_value(&text).ok_or_else(|| {
                de::Error::custom(format!(
                    "metric `{name}` of kernel `{}` is {}, not a number",
                    self.kernel,
                    json_kind(&text)
                ))
            })?;
            if metrics.iter().any(|m| m.name == name) {
                return Err(de::Error::custom(format!(
                    "metric `{name}` of kernel `{}` appears twice",
                    self.kernel
                )));
            }
            metrics.push(MetricValue { name, text, value });
        }
        Ok(metrics)
    }
}

/// The value of a JSON number; `None` for any other JSON value.
fn number_value(text: &str) -> Option<f64> {
    let first = text.chars().next()?;
    if !(first == '-' || first.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn json_kind(text: &str) -> &'static str {
    match text.chars().next() {
        Some('"') => "a string",
        Some('{') => "an object",
        Some('[') => "an array",
        Some('t' | 'f') => "a boolean",
        Some('n') => "null",
        _ => "not a number",
    }
}

impl<'de> Deserialize<'de> for MetricsJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(MetricsJson {
            kernels: deserializer.deserialize_map(KernelsVisitor)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_the_seeds() {
        let text = r#"{"post_process_kernel": {"b": 524288, "a": 50.0, "c": 3.68}}"#;
        let metrics = MetricsJson::parse(text).unwrap();
        assert_eq!(
            metrics.render(),
            "{\n  \"post_process_kernel\": {\n    \"b\": 524288,\n    \"a\": 50.0,\n    \"c\": 3.68\n  }\n}"
        );
        assert_eq!(metrics.kernels()[0].metrics[1].value, 50.0);
    }

    #[test]
    fn built_blocks_render_like_parsed_ones() {
        let text = r#"{"k": {"m": 50.0, "n": 7}}"#;
        let metric = |name: &str, text: &str, value| MetricValue {
            name: name.to_owned(),
            text: text.to_owned(),
            value,
        };
        let built = MetricsJson::from_kernels(vec![KernelMetrics {
            kernel: "k".to_owned(),
            metrics: vec![metric("m", "50.0", 50.0), metric("n", "7", 7.0)],
        }]);
        assert_eq!(built, MetricsJson::parse(text).unwrap());
    }

    #[test]
    fn empty_objects_render_compactly() {
        assert_eq!(MetricsJson::parse("{}").unwrap().render(), "{}");
        assert_eq!(
            MetricsJson::parse(r#"{"k": {}}"#).unwrap().render(),
            "{\n  \"k\": {}\n}"
        );
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = MetricsJson::parse("{\n  \"k\": {\n    \"m\": 1,\n  }\n}").unwrap_err();
        assert_eq!((err.line, err.column), (4, 3), "{err}");
        assert!(err.message.starts_with("trailing comma"), "{err}");
    }

    #[test]
    fn shape_errors_name_the_kernel_and_metric() {
        let err = MetricsJson::parse(r#"{"k": {"m": "3.1"}}"#).unwrap_err();
        assert!(
            err.message.contains("metric `m` of kernel `k` is a string"),
            "{err}"
        );
        let err = MetricsJson::parse(r#"{"k": 3}"#).unwrap_err();
        assert!(err.message.contains("for kernel `k`"), "{err}");
        let err = MetricsJson::parse("[1]").unwrap_err();
        assert!(err.message.contains("an object of kernels"), "{err}");
        let err = MetricsJson::parse(r#"{"k": {"m": 1, "m": 2}}"#).unwrap_err();
        assert!(err.message.contains("appears twice"), "{err}");
    }
}
