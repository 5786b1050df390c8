//! Language models: one [`Provider`] interface, five providers, and what lathe makes of a reply.
//!
//! - `openai`: Chat Completions over HTTP (OpenAI and every compatible server: vLLM, SGLang,
//!   Ollama, DeepSeek, Together), JSON or server-sent events.
//! - `anthropic`: the Messages API, with extended thinking.
//! - `command`: a program that reads the prompt on stdin and writes the reply on stdout.
//! - `manual`: a person answers: the prompt is written to a file, the reply is awaited in another.
//! - `replay`: recorded replies, matched by the prompt's hash.
//!
//! Providers keep reasoning apart from the answer, report usage and cost, retry what is worth
//! retrying, and fail with a typed [`LlmError`] that says what to fix. [`extract_code`] turns a
//! reply into a kernel source, never mistaking prose or reasoning for one. Nothing here prints:
//! progress goes out as [`Event`]s.

pub mod anthropic;
pub mod command;
mod config;
mod error;
pub mod extract;
mod http;
mod key;
pub mod limits;
pub mod manual;
mod message;
pub mod openai;
pub mod price;
mod provider;
mod registry;
pub mod replay;
mod spec;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod think;

pub use config::{LlmConfig, RetryPolicy, Timeouts};
pub use error::{LlmError, TimeoutPhase};
pub use extract::{ExtractedCode, NoCode, NoJson, extract_code, extract_json};
pub use key::ApiKey;
pub use message::{Event, Finish, Reply, Request, Transcript, Usage};
pub use provider::Provider;
pub use registry::provider_for;
pub use spec::{LlmSpec, ProviderKind, UnknownProvider};
