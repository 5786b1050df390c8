//! [`provider_for`]: from a parsed `--llm` spec to a ready provider.
//!
//! Every provider comes wrapped the same way, so callers see one behaviour whoever answers:
//! [`Limited`] (concurrency and rate, per provider instance) inside [`Priced`] (the cost from
//! `llm.prices`). Pricing is outermost so that it sees every reply, the partial one of a
//! truncation included.
//!
//! Adding a provider: a `ProviderKind` variant in `spec.rs` (with its syntax row), its module
//! with a constructor that checks what it can before any request (a key, a file), and one arm
//! below.

use crate::anthropic::Anthropic;
use crate::command::CommandProvider;
use crate::config::LlmConfig;
use crate::error::LlmError;
use crate::limits::Limited;
use crate::manual::ManualProvider;
use crate::openai::OpenAi;
use crate::price::Priced;
use crate::provider::Provider;
use crate::replay::ReplayProvider;
use crate::spec::{LlmSpec, ProviderKind};

/// The provider `spec` names, set up from `config`, limited and priced. Fails before any
/// request for what can be known now: a missing API key, unreadable recorded replies.
pub fn provider_for(spec: &LlmSpec, config: &LlmConfig) -> Result<Box<dyn Provider>, LlmError> {
    let target = spec.target.clone();
    Ok(match spec.provider {
        ProviderKind::OpenAi => wrap(OpenAi::new(target, config)?, config),
        ProviderKind::Anthropic => wrap(Anthropic::new(target, config)?, config),
        ProviderKind::Command => wrap(CommandProvider::new(target, config), config),
        ProviderKind::Manual => {
            let dir = if target.is_empty() {
                config.manual_dir.clone()
            } else {
                target.into()
            };
            wrap(ManualProvider::new(dir, config), config)
        }
        ProviderKind::Replay => wrap(ReplayProvider::open(target, config)?, config),
    })
}

fn wrap<P: Provider + 'static>(provider: P, config: &LlmConfig) -> Box<dyn Provider> {
    Box::new(Priced::new(
        Limited::new(provider, config),
        config.prices.clone(),
    ))
}
