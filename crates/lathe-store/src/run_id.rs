//! A run's name: `r20261121-160733-3f9a`, the UTC second it started and four hex digits.
//!
//! The time makes ids sort by age and tells a person which run is which; the random suffix
//! keeps two runs started in the same second apart (`Store::create_run` refuses a duplicate,
//! so the rare collision is an error, never a merge).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::str::FromStr;

use crate::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(String);

/// Text that is not shaped like a run id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a run id like r20261121-160733-3f9a")]
pub struct InvalidRunId(pub String);

impl RunId {
    /// A fresh id for a run starting at `now`.
    pub fn new(now: Timestamp) -> RunId {
        // Each RandomState is keyed from the OS's randomness once per process and then
        // perturbed per instance, so two ids made in one process differ as well.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_i64(now.unix_ms());
        hasher.write_u32(std::process::id());
        let suffix = hasher.finish() & 0xffff;
        let (year, month, day, hour, minute, second, _) = now.parts();
        RunId(format!(
            "r{year:04}{month:02}{day:02}-{hour:02}{minute:02}{second:02}-{suffix:04x}"
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RunId {
    type Err = InvalidRunId;

    /// Exactly the shape [`RunId::new`] makes (the schema's CHECK on `runs.id` is the same).
    fn from_str(text: &str) -> Result<RunId, InvalidRunId> {
        let shape = b"rdddddddd-dddddd-xxxx";
        let bytes = text.as_bytes();
        let matches = bytes.len() == shape.len()
            && bytes.iter().zip(shape).all(|(b, s)| match s {
                b'd' => b.is_ascii_digit(),
                b'x' => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
                _ => b == s,
            });
        if matches {
            Ok(RunId(text.to_owned()))
        } else {
            Err(InvalidRunId(text.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_names_its_utc_second_and_parses_back() {
        let now = Timestamp::from_unix_ms(1_795_277_253_123);
        let id = RunId::new(now);
        assert!(
            id.as_str().starts_with("r20261121-160733-"),
            "{id} does not name 2026-11-21 16:07:33 UTC"
        );
        assert_eq!(id.as_str().parse::<RunId>(), Ok(id.clone()));
    }

    #[test]
    fn ids_made_in_one_second_differ() {
        let now = Timestamp::from_unix_ms(1_795_277_253_123);
        let ids: std::collections::BTreeSet<RunId> = (0..64).map(|_| RunId::new(now)).collect();
        // 64 draws from 65 536 values: a collision among them has odds of about 3%, so ask
        // only for most of them to differ.
        assert!(ids.len() >= 60, "only {} distinct ids of 64", ids.len());
    }

    #[test]
    fn other_shapes_are_refused() {
        for text in [
            "",
            "20261121-160733-3f9a",
            "r20261121-160733-3F9A",
            "r20261121-160733-3f9",
            "r2026112-1160733-3f9a",
            "r20261121-160733-3f9g",
        ] {
            assert_eq!(text.parse::<RunId>(), Err(InvalidRunId(text.to_owned())));
        }
    }
}
