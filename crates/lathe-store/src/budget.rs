//! Which budget ended a run early: the `stopped: <budget>` of a run's status.

use std::fmt;
use std::str::FromStr;

/// The four limits a run can be given (engine.md, "Budgets"); each is checked before a model
/// call, and the first one spent stops the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// The number of model calls.
    Calls,
    /// Input plus output tokens over every call.
    Tokens,
    /// US dollars, from the price table.
    Cost,
    /// Time since the run started.
    WallTime,
}

/// A stored budget name this build does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown budget `{0}`: expected calls, tokens, cost or wall_time")]
pub struct UnknownBudget(pub String);

impl Budget {
    pub const ALL: [Budget; 4] = [
        Budget::Calls,
        Budget::Tokens,
        Budget::Cost,
        Budget::WallTime,
    ];

    /// The name in the database (the schema's CHECK lists the same four).
    pub fn as_str(self) -> &'static str {
        match self {
            Budget::Calls => "calls",
            Budget::Tokens => "tokens",
            Budget::Cost => "cost",
            Budget::WallTime => "wall_time",
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Budget {
    type Err = UnknownBudget;

    fn from_str(text: &str) -> Result<Budget, UnknownBudget> {
        Budget::ALL
            .into_iter()
            .find(|b| b.as_str() == text)
            .ok_or_else(|| UnknownBudget(text.to_owned()))
    }
}
