//! One optimization stage: what the model is told to focus on, what is profiled before it, when
//! it is not worth running, and what the LLM-free tuner may change during it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Category;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    pub category: Category,
    pub id: String,
    pub title: String,
    /// Nsight Compute metric names, in the order the prompt shows them.
    pub metrics: Vec<String>,
    /// A new kernel must beat the best by more than this percentage (and the timing spread).
    pub margin_pct: f64,
    /// The text under "## Current Optimization Stage", verbatim, without trailing newlines.
    pub focus: String,
    /// The stage is skipped when any rule holds.
    pub skip: Vec<SkipRule>,
    pub tunables: Tunables,
}

/// Skip the stage when every condition holds.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SkipRule {
    /// Why the stage has nothing to gain then, for the log.
    pub reason: String,
    pub when: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub metric: String,
    pub op: Comparison,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = "<=")]
    AtMost,
}

/// What the tuner may vary. An empty list or a missing range means "not in this stage".
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tunables {
    #[serde(default)]
    pub num_warps: Vec<u32>,
    #[serde(default)]
    pub num_stages: Vec<u32>,
    /// BLOCK sizes (any `tl.constexpr` named BLOCK*): the powers of two in this range.
    #[serde(default)]
    pub block: Option<BlockRange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRange {
    pub min: u32,
    pub max: u32,
}

impl BlockRange {
    /// The powers of two from `min` to `max`.
    pub fn sizes(self) -> Vec<u32> {
        std::iter::successors(Some(self.min), |&b| b.checked_mul(2))
            .take_while(|&b| b <= self.max)
            .collect()
    }
}

impl Condition {
    /// Whether the condition holds for a metric value.
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            Comparison::AtLeast => value >= self.value,
            Comparison::AtMost => value <= self.value,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
        };
        write!(f, "{} {op} {}", self.metric, self.value)
    }
}

impl SkipRule {
    /// Whether every condition holds. A metric that was not measured never lets a stage be
    /// skipped: missing data is not evidence that there is nothing to gain.
    pub fn holds(&self, metrics: &BTreeMap<String, f64>) -> bool {
        self.when
            .iter()
            .all(|c| metrics.get(&c.metric).is_some_and(|&v| c.holds(v)))
    }
}

impl Stage {
    /// The first skip rule that holds for these metrics, if any.
    pub fn skip_reason(&self, metrics: &BTreeMap<String, f64>) -> Option<&SkipRule> {
        self.skip.iter().find(|rule| rule.holds(metrics))
    }

    /// Problems that make the stage unusable: checked when the library loads.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.focus.trim().is_empty() {
            problems.push("its focus text is empty".to_owned());
        }
        if self.metrics.is_empty() {
            problems.push("it lists no metrics".to_owned());
        }
        for rule in &self.skip {
            if rule.when.is_empty() {
                problems.push(format!("skip rule `{}` has no condition", rule.reason));
            }
            for c in &rule.when {
                if !self.metrics.contains(&c.metric) {
                    problems.push(format!(
                        "skip rule `{}` reads `{}`, which the stage does not profile",
                        rule.reason, c.metric
                    ));
                }
            }
        }
        let t = &self.tunables;
        if t.num_warps.iter().any(|&w| !w.is_power_of_two() || w > 32) {
            problems.push("num_warps must be powers of two up to 32".to_owned());
        }
        if t.num_stages.iter().any(|&s| s == 0 || s > 8) {
            problems.push("num_stages must be between 1 and 8".to_owned());
        }
        if let Some(b) = t.block
            && !(b.min.is_power_of_two() && b.max.is_power_of_two() && b.min <= b.max)
        {
            problems.push("block range must be powers of two with min ≤ max".to_owned());
        }
        if !(self.margin_pct.is_finite() && self.margin_pct >= 0.0) {
            problems.push("margin_pct must be a non-negative number".to_owned());
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> SkipRule {
        SkipRule {
            reason: "memory served well".into(),
            when: vec![
                Condition {
                    metric: "hit".into(),
                    op: Comparison::AtLeast,
                    value: 90.0,
                },
                Condition {
                    metric: "stall".into(),
                    op: Comparison::AtMost,
                    value: 10.0,
                },
            ],
        }
    }

    #[test]
    fn skip_rule_needs_every_condition_and_every_metric() {
        let metrics = |pairs: &[(&str, f64)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(rule().holds(&metrics(&[("hit", 93.75), ("stall", 10.0)])));
        assert!(!rule().holds(&metrics(&[("hit", 93.75), ("stall", 10.5)])));
        assert!(
            !rule().holds(&metrics(&[("hit", 93.75)])),
            "missing metric must not skip"
        );
    }

    #[test]
    fn block_range_lists_powers_of_two() {
        assert_eq!(BlockRange { min: 16, max: 128 }.sizes(), [16, 32, 64, 128]);
    }
}
