//! The handle on one attempt for the writes that follow its start.

use std::fmt;

/// An attempt's row id: unique in the database, across runs. People see an attempt's `seq`
/// (its place in its run) instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AttemptId(pub(crate) i64);

impl fmt::Display for AttemptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}
