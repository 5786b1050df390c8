//! The plot's axes: from values to pixels, and ticks at round numbers.

/// A linear value axis from 0 up, drawn from `bottom` (pixels, larger) up to `top`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueAxis {
    pub max: f64,
    pub step: f64,
    bottom: f64,
    top: f64,
}

impl ValueAxis {
    /// An axis that holds `largest` with some room above it, its top on a tick.
    pub(crate) fn holding(largest: f64, bottom: f64, top: f64) -> ValueAxis {
        let largest = if largest.is_finite() && largest > 0.0 {
            largest
        } else {
            1.0
        };
        let step = nice_step(largest * 1.08 / 6.0);
        let max = (largest * 1.08 / step).ceil() * step;
        ValueAxis {
            max,
            step,
            bottom,
            top,
        }
    }

    pub(crate) fn at(&self, value: f64) -> f64 {
        let value = value.clamp(0.0, self.max);
        self.bottom - value / self.max * (self.bottom - self.top)
    }

    pub(crate) fn ticks(&self) -> Vec<f64> {
        let count = (self.max / self.step).round() as u32;
        (0..=count).map(|i| f64::from(i) * self.step).collect()
    }

    /// A tick's label, with as many decimals as the step needs.
    pub(crate) fn label(&self, value: f64) -> String {
        let decimals = (-self.step.log10().floor()).max(0.0) as usize;
        format!("{value:.decimals$}")
    }
}

/// The attempts axis: attempt `seq` at the middle of the `seq`-th of `count` equal bands, so
/// that neither the first nor the last sits on the frame.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeqAxis {
    pub count: u32,
    pub left: f64,
    pub right: f64,
}

impl SeqAxis {
    pub(crate) fn at(&self, seq: u32) -> f64 {
        let band = (self.right - self.left) / f64::from(self.count.max(1));
        self.left + (f64::from(seq) - 0.5) * band
    }

    /// Ticks at 1 and every round step after it, at most about ten.
    pub(crate) fn ticks(&self) -> Vec<u32> {
        let step = (nice_step(f64::from(self.count) / 10.0).max(1.0)) as u32;
        let mut ticks = vec![1];
        ticks.extend(
            (step..=self.count)
                .step_by(step as usize)
                .filter(|&t| t > 1),
        );
        ticks
    }
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `rough`.
pub(crate) fn nice_step(rough: f64) -> f64 {
    if !rough.is_finite() || rough <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| step >= rough * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.1), 2.0);
        assert_eq!(nice_step(37.0), 50.0);
    }

    #[test]
    fn value_axis_holds_its_largest_value() {
        let axis = ValueAxis::holding(2.41, 250.0, 20.0);
        assert_eq!(axis.step, 0.5);
        assert_eq!(axis.max, 3.0);
        assert_eq!(axis.ticks().len(), 7);
        assert_eq!(axis.at(0.0), 250.0);
        assert_eq!(axis.at(3.0), 20.0);
        assert_eq!(axis.label(1.5), "1.5");
    }

    #[test]
    fn seq_ticks_start_at_one() {
        let axis = |count| SeqAxis {
            count,
            left: 0.0,
            right: 100.0,
        };
        assert_eq!(axis(4).ticks(), vec![1, 2, 3, 4]);
        assert_eq!(axis(25).ticks(), vec![1, 5, 10, 15, 20, 25]);
        assert_eq!(axis(10).at(1), 5.0);
    }
}
