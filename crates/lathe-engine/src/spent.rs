//! What a run has spent, and whether a budget is used up. Counted from the store's records, so
//! a resumed run's calls, tokens and cost include the killed run's.

use std::time::Duration;

use lathe_store::{AttemptRecord, Budget, ModelCall};

use crate::Budgets;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spent {
    pub calls: u32,
    /// Input plus output tokens (reasoning tokens are part of the output).
    pub tokens: u64,
    pub cost_usd: f64,
}

impl Spent {
    pub fn of(attempts: &[AttemptRecord]) -> Spent {
        let mut spent = Spent::default();
        // A tuner variant's record has the shape of a call, and costs nothing.
        let model_calls = attempts
            .iter()
            .filter(|a| a.stage != crate::engine::TUNE_STAGE);
        for call in model_calls.filter_map(|a| a.call.as_ref()) {
            spent.add(call);
        }
        spent
    }

    pub fn add(&mut self, call: &ModelCall) {
        self.calls += 1;
        self.tokens += call.usage.input_tokens + call.usage.output_tokens;
        self.cost_usd += call.cost_usd.unwrap_or(0.0);
    }

    /// The first budget that another call would overrun, with the numbers; `in_flight` calls
    /// have been allowed and not counted yet.
    pub fn exhausted(
        &self,
        budgets: &Budgets,
        elapsed: Duration,
        in_flight: u32,
    ) -> Option<(Budget, String)> {
        if let Some(max) = budgets.max_calls
            && self.calls + in_flight >= max
        {
            return Some((Budget::Calls, format!("{max} model calls made")));
        }
        if let Some(max) = budgets.max_tokens
            && self.tokens >= max
        {
            return Some((
                Budget::Tokens,
                format!("{} tokens used of {max}", self.tokens),
            ));
        }
        if let Some(max) = budgets.max_cost_usd
            && self.cost_usd >= max
        {
            return Some((
                Budget::Cost,
                format!("${:.4} spent of ${max:.4}", self.cost_usd),
            ));
        }
        if let Some(max) = budgets.time_limit_seconds
            && elapsed.as_secs_f64() >= max
        {
            return Some((
                Budget::WallTime,
                format!("{:.1} s elapsed of {max:.1} s", elapsed.as_secs_f64()),
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use lathe_store::{CallOutcome, TokenUsage};

    use super::*;

    fn call(tokens: u64, cost: Option<f64>) -> ModelCall {
        ModelCall {
            outcome: CallOutcome::Replied { text: "x".into() },
            reasoning: None,
            usage: TokenUsage {
                input_tokens: tokens / 2,
                output_tokens: tokens - tokens / 2,
                reasoning_tokens: 0,
            },
            cost_usd: cost,
            seconds: 0.1,
        }
    }

    #[test]
    fn each_budget_is_spent_at_its_limit_and_not_before() {
        let mut spent = Spent::default();
        spent.add(&call(900, Some(0.5)));
        let none = Budgets::default();
        assert_eq!(spent.exhausted(&none, Duration::from_secs(999), 0), None);

        let calls = Budgets {
            max_calls: Some(2),
            ..none
        };
        assert_eq!(spent.exhausted(&calls, Duration::ZERO, 0), None);
        assert_eq!(
            spent.exhausted(&calls, Duration::ZERO, 1).map(|b| b.0),
            Some(Budget::Calls)
        );

        let tokens = Budgets {
            max_tokens: Some(1000),
            ..none
        };
        assert_eq!(spent.exhausted(&tokens, Duration::ZERO, 0), None);
        spent.add(&call(100, None));
        assert_eq!(
            spent.exhausted(&tokens, Duration::ZERO, 0).map(|b| b.0),
            Some(Budget::Tokens)
        );

        let cost = Budgets {
            max_cost_usd: Some(0.5),
            ..none
        };
        assert_eq!(
            spent.exhausted(&cost, Duration::ZERO, 0).map(|b| b.0),
            Some(Budget::Cost)
        );

        let wall = Budgets {
            time_limit_seconds: Some(2.0),
            ..none
        };
        assert_eq!(spent.exhausted(&wall, Duration::from_millis(1999), 0), None);
        assert_eq!(
            spent
                .exhausted(&wall, Duration::from_secs(2), 0)
                .map(|b| b.0),
            Some(Budget::WallTime)
        );
    }
}
