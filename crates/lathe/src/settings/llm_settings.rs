//! The resolved `[llm]` settings: which model answers, and how it is called. API keys are never
//! settings: they come from `OPENAI_API_KEY` / `ANTHROPIC_API_KEY` only, so they never sit in a
//! file lathe reads or writes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use lathe_llm::{ApiKey, LlmConfig, Request, RetryPolicy, Timeouts};
use serde::Deserialize;

use super::first;
use super::layer::Layer;
use super::source::{self, Sourced};

/// The `[llm]` table of a settings file (and of `defaults.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmLayer {
    pub spec: Option<String>,
    pub openai_base_url: Option<String>,
    pub anthropic_base_url: Option<String>,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub stream: Option<bool>,
    pub thinking_budget: Option<u32>,
    pub connect_timeout_seconds: Option<f64>,
    pub first_byte_timeout_seconds: Option<f64>,
    pub stall_timeout_seconds: Option<f64>,
    pub total_timeout_seconds: Option<f64>,
    pub max_attempts: Option<u32>,
    pub max_concurrency: Option<usize>,
    pub requests_per_minute: Option<u32>,
    pub manual_dir: Option<String>,
    pub manual_wait_seconds: Option<f64>,
    pub replay_in_order: Option<bool>,
    /// USD per million tokens, `[input, output]`, by model name.
    pub prices: Option<BTreeMap<String, [f64; 2]>>,
}

#[derive(Debug, Clone)]
pub struct LlmSettings {
    /// `PROVIDER:MODEL`, from --llm, LATHE_LLM or `llm.spec`; unset means no model configured.
    pub spec: Option<Sourced<String>>,
    /// Every other field, each from the most specific layer that sets it.
    pub table: LlmLayer,
}

impl LlmSettings {
    pub(super) fn resolve(layers: &[Layer]) -> LlmSettings {
        fn pick<T: Clone>(layers: &[Layer], get: impl Fn(&LlmLayer) -> Option<T>) -> Option<T> {
            layers.iter().find_map(|l| get(&l.llm))
        }
        let mut prices = BTreeMap::new();
        for layer in layers.iter().rev() {
            if let Some(p) = &layer.llm.prices {
                prices.extend(p.iter().map(|(k, v)| (k.clone(), *v)));
            }
        }
        LlmSettings {
            spec: first(layers, &source::LLM, |l| l.llm.spec.as_ref()),
            table: LlmLayer {
                spec: None,
                openai_base_url: pick(layers, |l| l.openai_base_url.clone()),
                anthropic_base_url: pick(layers, |l| l.anthropic_base_url.clone()),
                max_tokens: pick(layers, |l| l.max_tokens),
                temperature: pick(layers, |l| l.temperature),
                stream: pick(layers, |l| l.stream),
                thinking_budget: pick(layers, |l| l.thinking_budget),
                connect_timeout_seconds: pick(layers, |l| l.connect_timeout_seconds),
                first_byte_timeout_seconds: pick(layers, |l| l.first_byte_timeout_seconds),
                stall_timeout_seconds: pick(layers, |l| l.stall_timeout_seconds),
                total_timeout_seconds: pick(layers, |l| l.total_timeout_seconds),
                max_attempts: pick(layers, |l| l.max_attempts),
                max_concurrency: pick(layers, |l| l.max_concurrency),
                requests_per_minute: pick(layers, |l| l.requests_per_minute),
                manual_dir: pick(layers, |l| l.manual_dir.clone()),
                manual_wait_seconds: pick(layers, |l| l.manual_wait_seconds),
                replay_in_order: pick(layers, |l| l.replay_in_order),
                prices: Some(prices),
            },
        }
    }

    /// Provider settings; endpoints and keys from the environment win over files
    /// (`OPENAI_BASE_URL`, `ANTHROPIC_BASE_URL`, `OPENAI_API_KEY`, `ANTHROPIC_API_KEY`).
    pub fn config(&self, env: &dyn Fn(&str) -> Option<String>) -> LlmConfig {
        let t = &self.table;
        let env_url = |var: &str| env(var).filter(|v| !v.trim().is_empty());
        let seconds = |v: Option<f64>, default: Duration| {
            v.map(|s| Duration::from_secs_f64(s.max(0.001)))
                .unwrap_or(default)
        };
        let timeouts = Timeouts::default();
        let retry = RetryPolicy::default();
        LlmConfig {
            openai_base_url: env_url("OPENAI_BASE_URL")
                .or_else(|| t.openai_base_url.clone())
                .unwrap_or_else(|| "https://api.openai.com/v1".to_owned()),
            openai_key: env("OPENAI_API_KEY").and_then(ApiKey::new),
            anthropic_base_url: env_url("ANTHROPIC_BASE_URL")
                .or_else(|| t.anthropic_base_url.clone())
                .unwrap_or_else(|| "https://api.anthropic.com/v1".to_owned()),
            anthropic_key: env("ANTHROPIC_API_KEY").and_then(ApiKey::new),
            thinking_budget: t.thinking_budget.filter(|&b| b > 0),
            timeouts: Timeouts {
                connect: seconds(t.connect_timeout_seconds, timeouts.connect),
                first_byte: seconds(t.first_byte_timeout_seconds, timeouts.first_byte),
                stall: seconds(t.stall_timeout_seconds, timeouts.stall),
                total: seconds(t.total_timeout_seconds, timeouts.total),
            },
            retry: RetryPolicy {
                max_attempts: t.max_attempts.unwrap_or(retry.max_attempts).max(1),
                ..retry
            },
            max_concurrency: t.max_concurrency.unwrap_or(4).max(1),
            requests_per_minute: t.requests_per_minute.filter(|&r| r > 0),
            prices: t.prices.clone().unwrap_or_default(),
            manual_dir: PathBuf::from(t.manual_dir.as_deref().unwrap_or("lathe-manual")),
            manual_wait: seconds(t.manual_wait_seconds, Duration::from_secs(24 * 3600)),
            replay_in_order: t.replay_in_order.unwrap_or(false),
        }
    }

    /// A request for `prompt` with these settings.
    pub fn request(&self, prompt: String, system: Option<String>) -> Request {
        Request {
            prompt,
            system,
            max_tokens: self.table.max_tokens.unwrap_or(16_384),
            temperature: self.table.temperature,
            stream: self.table.stream.unwrap_or(true),
        }
    }
}
