//! How providers are set up: endpoints, limits, retries, prices.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::key::ApiKey;

#[derive(Debug, Clone)]
pub struct LlmConfig {
    /// Chat Completions base URL, up to and including `/v1` (`OPENAI_BASE_URL`).
    pub openai_base_url: String,
    pub openai_key: Option<ApiKey>,
    /// Messages API base URL, up to and including `/v1`.
    pub anthropic_base_url: String,
    pub anthropic_key: Option<ApiKey>,
    /// Anthropic extended thinking: the budget in tokens, `None` for off.
    pub thinking_budget: Option<u32>,
    pub timeouts: Timeouts,
    pub retry: RetryPolicy,
    /// At most this many completions at once, per provider instance.
    pub max_concurrency: usize,
    /// At most this many requests started per minute; `None`: no limit.
    pub requests_per_minute: Option<u32>,
    /// USD per million tokens, by model name: `[input, output]`.
    pub prices: BTreeMap<String, [f64; 2]>,
    /// Where `manual` writes prompts and waits for replies when its spec names no directory.
    pub manual_dir: PathBuf,
    /// How long `manual` waits for a reply file.
    pub manual_wait: Duration,
    /// `replay`: when no reply matches the prompt's hash, serve replies in recorded order
    /// instead of failing.
    pub replay_in_order: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    pub connect: Duration,
    pub first_byte: Duration,
    /// The body may pause this long between bytes (a streaming model thinking silently counts).
    pub stall: Duration,
    /// One attempt, start to end.
    pub total: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(120),
            stall: Duration::from_secs(120),
            total: Duration::from_secs(1800),
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl LlmConfig {
    /// Endpoints from the environment (`OPENAI_BASE_URL`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`)
    /// and defaults for the rest.
    pub fn from_env() -> LlmConfig {
        LlmConfig {
            openai_base_url: std::env::var("OPENAI_BASE_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| "https://api.openai.com/v1".to_owned()),
            openai_key: ApiKey::from_env("OPENAI_API_KEY"),
            anthropic_base_url: std::env::var("ANTHROPIC_BASE_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| "https://api.anthropic.com/v1".to_owned()),
            anthropic_key: ApiKey::from_env("ANTHROPIC_API_KEY"),
            thinking_budget: None,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            max_concurrency: 4,
            requests_per_minute: None,
            prices: BTreeMap::new(),
            manual_dir: PathBuf::from("lathe-manual"),
            manual_wait: Duration::from_secs(24 * 3600),
            replay_in_order: false,
        }
    }
}
