//! An NVIDIA compute capability, written `major.minor` as in the datasheets and the prompt.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComputeCapability {
    pub major: u8,
    pub minor: u8,
}

impl ComputeCapability {
    /// The `sm_XY` name that compilers and Nsight Compute use.
    pub fn sm_name(self) -> String {
        format!("sm_{}{}", self.major, self.minor)
    }
}

impl fmt::Display for ComputeCapability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ComputeCapability {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a compute capability like `8.9`");
        let (major, minor) = s.split_once('.').ok_or_else(bad)?;
        Ok(ComputeCapability {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
        })
    }
}

impl<'de> Deserialize<'de> for ComputeCapability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_round_trip() {
        let cc: ComputeCapability = "10.0".parse().unwrap();
        assert_eq!((cc.major, cc.minor), (10, 0));
        assert_eq!(cc.to_string(), "10.0");
        assert_eq!(cc.sm_name(), "sm_100");
        assert!("8".parse::<ComputeCapability>().is_err());
        assert!("8.x".parse::<ComputeCapability>().is_err());
    }
}
