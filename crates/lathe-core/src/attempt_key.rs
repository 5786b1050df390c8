//! The name of one attempt within a run's task: [`AttemptKey`].
//!
//! A key says where in the loop an attempt sits, and it is what a resume matches on: a model
//! call committed under a key is never made again. The engine builds keys, the store writes and
//! reads them, the report groups attempts by the stage a key names, the progress lines show
//! them. They were strings built with `format!` and taken apart with `split('/')` in each of
//! those places; one type builds, parses and shows them, so no two places can disagree.
//!
//! The text form is what databases of earlier runs hold, unchanged:
//!
//! | key                                  | attempt                                              |
//! | ------------------------------------ | ---------------------------------------------------- |
//! | `seed/s0`                            | sample 0 of the first-kernel prompt                  |
//! | `stage:memory_access/s2`             | sample 2 of a stage's prompt                         |
//! | `tune:memory_access/3f9a0c41d2e7`    | a tuner variant, named by its source's SHA-256 (12)  |
//! | `stage:memory_access/s2/repair1`     | round 1 of the repair of that sample                 |
//! | `stage:memory_access/s2/repair1/analyst` | the analyst's diagnosis before that repair       |
//! | `start/repair1`, `start/repair1/analyst` | the repair of the starting kernel a user gave    |
//!
//! # Adding a new kind of attempt
//!
//! 1. Add a variant to [`AttemptOrigin`] with what names the attempt, and its text in `fmt` and
//!    `parse_origin` (a text no existing key can have: old databases must read as before).
//! 2. Say which stage it counts toward in [`AttemptKey::loop_stage`].
//! 3. Add it to the round-trip test below.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an attempt was made from: the first thing its key names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttemptOrigin {
    /// The starting kernel the user gave; only its repairs are attempts.
    Start,
    /// A sample of the first-kernel (seed) prompt.
    Seed { sample: u32 },
    /// A sample of a stage's optimization prompt.
    Stage { stage: String, sample: u32 },
    /// A tuner variant made while tuning after `stage`, named by the first 12 hex digits of its
    /// source's SHA-256, so that a resume finds it whatever order the search takes.
    Tune { stage: String, digest: String },
}

/// The step of a repair an attempt is, after its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepairStep {
    /// The repaired kernel of round `round` (from 1).
    Repair { round: u32 },
    /// The analyst's diagnosis that round `round`'s repair prompt quotes.
    Analyst { round: u32 },
}

/// One attempt's name, unique within a run's task. Built with the constructors, read with
/// [`FromStr`], written with [`Display`](fmt::Display) in its stored text form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AttemptKey {
    origin: AttemptOrigin,
    step: Option<RepairStep>,
}

/// A text that is no attempt key, with the grammar it missed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not an attempt key: expected seed/sN, stage:STAGE/sN, tune:STAGE/HEX or start, \
     then optionally /repairN and /repairN/analyst"
)]
pub struct AttemptKeyError {
    /// The text as given.
    pub text: String,
}

impl AttemptKey {
    fn of(origin: AttemptOrigin) -> AttemptKey {
        AttemptKey { origin, step: None }
    }

    /// The starting kernel: the origin of its repairs' keys (`start`).
    pub fn start() -> AttemptKey {
        AttemptKey::of(AttemptOrigin::Start)
    }

    /// Sample `sample` of the seed prompt (`seed/s0`).
    pub fn seed(sample: u32) -> AttemptKey {
        AttemptKey::of(AttemptOrigin::Seed { sample })
    }

    /// Sample `sample` of stage `stage`'s prompt (`stage:memory_access/s2`).
    pub fn stage(stage: &str, sample: u32) -> AttemptKey {
        AttemptKey::of(AttemptOrigin::Stage {
            stage: stage.to_owned(),
            sample,
        })
    }

    /// The tuner's variant whose source has the hex SHA-256 `sha256` (only its first 12 digits
    /// are kept), tuned after stage `stage` (`tune:memory_access/3f9a0c41d2e7`).
    pub fn tune(stage: &str, sha256: &str) -> AttemptKey {
        AttemptKey::of(AttemptOrigin::Tune {
            stage: stage.to_owned(),
            digest: sha256.chars().take(12).collect(),
        })
    }

    /// The repair of round `round` of this attempt (`…/repair1`). A repair's own repairs are
    /// the original's later rounds, so the key of a repair keeps only the new step.
    pub fn repair(&self, round: u32) -> AttemptKey {
        AttemptKey {
            origin: self.origin.clone(),
            step: Some(RepairStep::Repair { round }),
        }
    }

    /// The analyst's diagnosis before the repair of round `round` (`…/repair1/analyst`).
    pub fn analyst(&self, round: u32) -> AttemptKey {
        AttemptKey {
            origin: self.origin.clone(),
            step: Some(RepairStep::Analyst { round }),
        }
    }

    /// What the attempt was made from.
    pub fn origin(&self) -> &AttemptOrigin {
        &self.origin
    }

    /// The repair step, if the attempt is one.
    pub fn step(&self) -> Option<RepairStep> {
        self.step
    }

    /// Whether this is sample of stage `stage`'s own prompt (not a repair, not a variant).
    pub fn is_sample_of(&self, stage: &str) -> bool {
        self.step.is_none()
            && matches!(&self.origin, AttemptOrigin::Stage { stage: s, .. } if s == stage)
    }

    /// Whether this is a tuner variant made while tuning after stage `stage`.
    pub fn is_variant_of(&self, stage: &str) -> bool {
        matches!(&self.origin, AttemptOrigin::Tune { stage: s, .. } if s == stage)
    }

    /// The stage of the loop the attempt counts toward: its stage for a stage's sample, its
    /// repairs and a tuner variant; `seed` and `start` for theirs.
    pub fn loop_stage(&self) -> &str {
        match &self.origin {
            AttemptOrigin::Start => "start",
            AttemptOrigin::Seed { .. } => "seed",
            AttemptOrigin::Stage { stage, .. } | AttemptOrigin::Tune { stage, .. } => stage,
        }
    }

    /// The key as part of a file name, without separators: `memory_access-s2-repair1`,
    /// `seed-s0-repair1-analyst`, `tune_memory_access-3f9a0c41d2e7` (the names runs have
    /// always written their attempts' files under).
    pub fn slug(&self) -> String {
        let text = self.to_string();
        text.strip_prefix("stage:")
            .unwrap_or(&text)
            .chars()
            .map(|c| match c {
                '/' => '-',
                c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => c,
                _ => '_',
            })
            .collect()
    }
}

impl fmt::Display for AttemptKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            AttemptOrigin::Start => write!(f, "start")?,
            AttemptOrigin::Seed { sample } => write!(f, "seed/s{sample}")?,
            AttemptOrigin::Stage { stage, sample } => write!(f, "stage:{stage}/s{sample}")?,
            AttemptOrigin::Tune { stage, digest } => write!(f, "tune:{stage}/{digest}")?,
        }
        match self.step {
            None => Ok(()),
            Some(RepairStep::Repair { round }) => write!(f, "/repair{round}"),
            Some(RepairStep::Analyst { round }) => write!(f, "/repair{round}/analyst"),
        }
    }
}

impl FromStr for AttemptKey {
    type Err = AttemptKeyError;

    fn from_str(text: &str) -> Result<AttemptKey, AttemptKeyError> {
        parse(text).ok_or_else(|| AttemptKeyError {
            text: text.to_owned(),
        })
    }
}

impl TryFrom<String> for AttemptKey {
    type Error = AttemptKeyError;

    fn try_from(text: String) -> Result<AttemptKey, AttemptKeyError> {
        text.parse()
    }
}

impl From<AttemptKey> for String {
    fn from(key: AttemptKey) -> String {
        key.to_string()
    }
}

fn parse(text: &str) -> Option<AttemptKey> {
    let mut parts = text.split('/');
    let origin = parse_origin(&mut parts)?;
    let step = match (parts.next(), parts.next(), parts.next()) {
        (None, _, _) => None,
        (Some(repair), analyst, None) => {
            let round = number(repair.strip_prefix("repair")?)?;
            match analyst {
                None => Some(RepairStep::Repair { round }),
                Some("analyst") => Some(RepairStep::Analyst { round }),
                Some(_) => return None,
            }
        }
        _ => return None,
    };
    Some(AttemptKey { origin, step })
}

/// The origin from the first parts of the key: `start`, `seed/sN`, `stage:ID/sN`, `tune:ID/HEX`.
fn parse_origin<'a>(parts: &mut impl Iterator<Item = &'a str>) -> Option<AttemptOrigin> {
    let first = parts.next()?;
    if first == "start" {
        return Some(AttemptOrigin::Start);
    }
    let second = parts.next()?;
    if first == "seed" {
        return Some(AttemptOrigin::Seed {
            sample: sample(second)?,
        });
    }
    if let Some(stage) = first.strip_prefix("stage:").filter(|s| is_stage_id(s)) {
        return Some(AttemptOrigin::Stage {
            stage: stage.to_owned(),
            sample: sample(second)?,
        });
    }
    let stage = first.strip_prefix("tune:").filter(|s| is_stage_id(s))?;
    let hex = !second.is_empty() && second.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then(|| AttemptOrigin::Tune {
        stage: stage.to_owned(),
        digest: second.to_owned(),
    })
}

/// `sN`: a sample number.
fn sample(part: &str) -> Option<u32> {
    number(part.strip_prefix('s')?)
}

/// Decimal digits only (no sign, no spaces), as the keys were written.
fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A stage id as the stage library writes them: not empty, and nothing a key uses as a
/// separator.
fn is_stage_id(id: &str) -> bool {
    !id.is_empty() && !id.contains([':', '/'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_key_reads_back_as_written() {
        let sample = AttemptKey::stage("memory_access", 2);
        let cases = [
            (AttemptKey::seed(0), "seed/s0"),
            (AttemptKey::seed(0).repair(1), "seed/s0/repair1"),
            (AttemptKey::seed(3).analyst(2), "seed/s3/repair2/analyst"),
            (sample.clone(), "stage:memory_access/s2"),
            (sample.repair(1), "stage:memory_access/s2/repair1"),
            (sample.analyst(1), "stage:memory_access/s2/repair1/analyst"),
            (AttemptKey::start().repair(1), "start/repair1"),
            (AttemptKey::start().analyst(1), "start/repair1/analyst"),
            (
                AttemptKey::tune("grid_and_parallel", "6942126d7557aa0b1c"),
                "tune:grid_and_parallel/6942126d7557",
            ),
        ];
        for (key, text) in cases {
            assert_eq!(key.to_string(), text);
            assert_eq!(text.parse::<AttemptKey>(), Ok(key.clone()), "{text}");
            let json = serde_json::to_string(&key).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<AttemptKey>(&json).unwrap(), key);
        }
    }

    #[test]
    fn a_repair_of_a_repair_is_a_later_round_of_the_original() {
        let key = AttemptKey::stage("tuning", 1);
        assert_eq!(key.repair(1).repair(2), key.repair(2));
        assert_eq!(key.repair(1).analyst(2), key.analyst(2));
    }

    #[test]
    fn texts_that_are_no_key_are_refused() {
        for text in [
            "",
            "start/",
            "seed",
            "seed/0",
            "seed/s",
            "seed/s-1",
            "seed/s+1",
            "stage:/s0",
            "stage:a/s0/extra",
            "stage:a/s0/repair",
            "stage:a/s0/repair1/critic",
            "stage:a/s0/repair1/analyst/more",
            "tune:a/xyz",
            "tune:a/",
            "loop/3",
        ] {
            let error = text.parse::<AttemptKey>().unwrap_err();
            assert_eq!(error.text, text);
            assert!(error.to_string().contains("expected seed/sN"), "{error}");
        }
    }

    #[test]
    fn each_key_names_the_stage_it_counts_toward() {
        let stage = |text: &str| text.parse::<AttemptKey>().unwrap().loop_stage().to_owned();
        assert_eq!(stage("stage:memory_access/s2/repair1"), "memory_access");
        assert_eq!(stage("tune:memory_access/3f9a"), "memory_access");
        assert_eq!(stage("seed/s0/repair1/analyst"), "seed");
        assert_eq!(stage("start/repair1"), "start");
    }

    #[test]
    fn samples_and_variants_are_told_apart_by_stage() {
        let sample = AttemptKey::stage("a", 0);
        assert!(sample.is_sample_of("a"));
        assert!(!sample.is_sample_of("b"));
        assert!(!sample.repair(1).is_sample_of("a"));
        let variant = AttemptKey::tune("a", "beef");
        assert!(variant.is_variant_of("a") && !variant.is_variant_of("b"));
        assert!(!variant.is_sample_of("a"));
    }

    #[test]
    fn slugs_have_no_separators() {
        let slug = |text: &str| text.parse::<AttemptKey>().unwrap().slug();
        assert_eq!(
            slug("stage:memory_access/s2/repair1"),
            "memory_access-s2-repair1"
        );
        assert_eq!(slug("seed/s0/repair1/analyst"), "seed-s0-repair1-analyst");
        assert_eq!(slug("tune:x/beef"), "tune_x-beef");
    }
}
