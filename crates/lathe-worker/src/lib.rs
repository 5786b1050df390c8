//! The worker protocol and the driver of worker processes.
//!
//! Design note: docs/design/worker-protocol.md.

pub mod driver;
pub mod embedded;
pub mod process;
pub mod protocol;
pub mod ray;
pub mod warm_judge;
