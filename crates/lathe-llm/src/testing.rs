//! A real HTTP/1.1 server on loopback that answers from a script, for tests of anything that
//! talks to a provider: this crate's, and the binary's (through the `testing` feature).
//!
//! Nothing is mocked below the socket: the client under test connects, sends its request and
//! reads the response as it would from a provider, stalls and dropped connections included.
//!
//! ```no_run
//! use lathe_llm::testing::{LoopbackServer, Scripted};
//!
//! let server = LoopbackServer::start([
//!     Scripted::json(429, r#"{"error":{"message":"slow down"}}"#),
//!     Scripted::json(200, r#"{"choices":[]}"#),
//! ])
//! .unwrap();
//! let base_url = server.url(); // http://127.0.0.1:PORT/v1
//! // ... point the client at base_url, then:
//! let requests = server.requests();
//! ```

mod recorded;
mod scripted;
mod server;

pub use recorded::Recorded;
pub use scripted::Scripted;
pub use server::LoopbackServer;
