//! The three shapes of the optimization prompt.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PromptStyle {
    /// The full GPU block and the output rules (seed 002).
    #[default]
    #[serde(rename = "full")]
    Full,
    /// `Full` plus the Triton API constraints line (seed 000).
    #[serde(rename = "full-api")]
    FullApi,
    /// A one-line GPU header, compile-safety rules and the missing-functions list (seed 003).
    #[serde(rename = "compact")]
    Compact,
}

impl PromptStyle {
    pub const ALL: [PromptStyle; 3] = [
        PromptStyle::Full,
        PromptStyle::FullApi,
        PromptStyle::Compact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PromptStyle::Full => "full",
            PromptStyle::FullApi => "full-api",
            PromptStyle::Compact => "compact",
        }
    }
}

impl fmt::Display for PromptStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown prompt style `{0}`: expected full, full-api or compact")]
pub struct UnknownPromptStyle(pub String);

impl FromStr for PromptStyle {
    type Err = UnknownPromptStyle;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PromptStyle::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownPromptStyle(s.to_owned()))
    }
}
