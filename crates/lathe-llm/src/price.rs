//! What a reply cost: [`cost_usd`] from the user's price table, and [`Priced`], which fills
//! [`Reply::cost_usd`] for any provider.
//!
//! Prices are USD per million tokens, `[input, output]`, keyed by model name (`[llm.prices]` in
//! `lathe.toml`). Reasoning is billed as output and is not added again: OpenAI counts reasoning
//! tokens inside `completion_tokens`, and Anthropic's `output_tokens` includes extended
//! thinking, so [`Usage::output_tokens`] already holds them ([`Usage::reasoning_tokens`] is the
//! part of it spent reasoning).

use std::collections::BTreeMap;

use crate::error::LlmError;
use crate::message::{Event, Reply, Request, Usage};
use crate::provider::Provider;

/// The cost of `usage` at `model`'s price, `None` when the table has no price for it.
///
/// The price is the table's entry for `model` exactly, else the entry of the longest key that
/// is a prefix of `model` followed by a separator (neither a letter, a digit nor `.`):
/// `gpt-4.1` prices `gpt-4.1-2025-04-14` (a dated snapshot), but `gpt-4` prices neither `gpt-4o`
/// nor `gpt-4.1`, other models. A variant's own key (`gpt-4.1-mini`) wins over a shorter one.
pub fn cost_usd(prices: &BTreeMap<String, [f64; 2]>, model: &str, usage: &Usage) -> Option<f64> {
    let [input, output] = prices.get(model).copied().or_else(|| {
        prices
            .iter()
            .filter(|(key, _)| {
                model.strip_prefix(key.as_str()).is_some_and(|rest| {
                    rest.chars()
                        .next()
                        .is_some_and(|next| !next.is_alphanumeric() && next != '.')
                })
            })
            .max_by_key(|(key, _)| key.len())
            .map(|(_, price)| *price)
    })?;
    let per_token = |tokens: u64, usd_per_million: f64| tokens as f64 * usd_per_million / 1e6;
    Some(per_token(usage.input_tokens, input) + per_token(usage.output_tokens, output))
}

/// The built-in price table: empty. List prices change without notice, and a stale figure
/// shipped in a release would misreport every run's cost; the user's `[llm.prices]` is the only
/// source, and a model without a price there has no cost (`None`), not a guessed one.
pub fn default_prices() -> BTreeMap<String, [f64; 2]> {
    BTreeMap::new()
}

/// `P`, with [`Reply::cost_usd`] filled from a price table: on every reply, and on the partial
/// reply of [`LlmError::Truncated`] (its tokens are billed too). A cost the provider reported
/// itself is kept: it knows its prices better than a table.
#[derive(Debug)]
pub struct Priced<P> {
    inner: P,
    prices: BTreeMap<String, [f64; 2]>,
}

impl<P: Provider> Priced<P> {
    pub fn new(inner: P, prices: BTreeMap<String, [f64; 2]>) -> Priced<P> {
        Priced { inner, prices }
    }

    fn price(&self, reply: &mut Reply) {
        if reply.cost_usd.is_none() {
            reply.cost_usd = cost_usd(&self.prices, &reply.model, &reply.usage);
        }
    }
}

impl<P: Provider> Provider for Priced<P> {
    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn order_sensitive(&self) -> bool {
        self.inner.order_sensitive()
    }

    fn served_before(&self, prompt: &str) {
        self.inner.served_before(prompt);
    }

    fn complete(
        &self,
        request: &Request,
        events: &mut dyn FnMut(Event),
    ) -> Result<Reply, LlmError> {
        match self.inner.complete(request, events) {
            Ok(mut reply) => {
                self.price(&mut reply);
                Ok(reply)
            }
            Err(LlmError::Truncated { mut partial }) => {
                self.price(&mut partial);
                Err(LlmError::Truncated { partial })
            }
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(entries: &[(&str, [f64; 2])]) -> BTreeMap<String, [f64; 2]> {
        entries
            .iter()
            .map(|(model, price)| ((*model).to_owned(), *price))
            .collect()
    }

    const USAGE: Usage = Usage {
        input_tokens: 1_000_000,
        output_tokens: 500_000,
        reasoning_tokens: 200_000,
    };

    #[test]
    fn an_exact_name_is_priced_input_plus_output() {
        let prices = table(&[("gpt-4.1", [2.0, 8.0]), ("gpt-4.1-mini", [0.4, 1.6])]);
        assert_eq!(cost_usd(&prices, "gpt-4.1", &USAGE), Some(2.0 + 4.0));
        // Reasoning is inside output_tokens: not billed twice.
        assert_eq!(cost_usd(&prices, "gpt-4.1-mini", &USAGE), Some(0.4 + 0.8));
    }

    #[test]
    fn the_longest_prefix_prices_a_snapshot() {
        let prices = table(&[("gpt-4", [30.0, 60.0]), ("gpt-4.1", [2.0, 8.0])]);
        assert_eq!(
            cost_usd(&prices, "gpt-4.1-2025-04-14", &USAGE),
            Some(2.0 + 4.0)
        );
        assert_eq!(cost_usd(&prices, "gpt-4-0613", &USAGE), Some(30.0 + 30.0));
    }

    #[test]
    fn a_prefix_must_end_at_a_separator() {
        let prices = table(&[("gpt-4", [30.0, 60.0])]);
        assert_eq!(cost_usd(&prices, "gpt-4o", &USAGE), None);
        assert_eq!(cost_usd(&prices, "gpt-4.1", &USAGE), None);
        assert_eq!(cost_usd(&prices, "gpt-4:latest", &USAGE), Some(60.0));
    }

    #[test]
    fn a_model_without_a_price_has_no_cost() {
        let prices = table(&[("gpt-4.1", [2.0, 8.0])]);
        assert_eq!(cost_usd(&prices, "claude-sonnet-4-5", &USAGE), None);
        assert_eq!(cost_usd(&default_prices(), "gpt-4.1", &USAGE), None);
        assert_eq!(cost_usd(&prices, "gpt", &USAGE), None);
    }
}
