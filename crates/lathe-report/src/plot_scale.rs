//! The plot's axes: from values to pixels, and ticks at round numbers.

/// A value axis drawn from `bottom` (pixels, larger) up to `top`: linear from 0, or
/// logarithmic over whole decades when the values span more than [`LOG_SPAN`] (one slow
/// outlier would otherwise crush every other point against the floor).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueAxis {
    pub max: f64,
    pub step: f64,
    bottom: f64,
    top: f64,
    /// The lowest decade of a logarithmic axis (its top is `max`); `None`: linear.
    log_floor: Option<f64>,
}

/// The ratio of the largest value to the smallest beyond which the axis is logarithmic.
pub(crate) const LOG_SPAN: f64 = 10.0;

impl ValueAxis {
    /// An axis for values from `smallest` to `largest`: logarithmic when they span more than
    /// [`LOG_SPAN`], else linear from 0.
    pub(crate) fn spanning(smallest: f64, largest: f64, bottom: f64, top: f64) -> ValueAxis {
        let usable = smallest.is_finite() && largest.is_finite() && smallest > 0.0;
        if !usable || largest / smallest <= LOG_SPAN {
            return ValueAxis::holding(largest, bottom, top);
        }
        let floor = 10f64.powf(smallest.log10().floor());
        let max = 10f64.powf((largest * 1.08).log10().ceil());
        ValueAxis {
            max,
            step: 10.0,
            bottom,
            top,
            log_floor: Some(floor),
        }
    }

    /// A linear axis that holds `largest` with some room above it, its top on a tick.
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
            log_floor: None,
        }
    }

    pub(crate) fn is_log(&self) -> bool {
        self.log_floor.is_some()
    }

    pub(crate) fn at(&self, value: f64) -> f64 {
        let share = match self.log_floor {
            Some(floor) => {
                let value = value.clamp(floor, self.max);
                (value / floor).ln() / (self.max / floor).ln()
            }
            None => value.clamp(0.0, self.max) / self.max,
        };
        self.bottom - share * (self.bottom - self.top)
    }

    pub(crate) fn ticks(&self) -> Vec<f64> {
        match self.log_floor {
            // Each decade, with 2 and 5 inside it while there are few decades.
            Some(floor) => {
                let decades = (self.max / floor).log10().round() as i32;
                let inside: &[f64] = if decades <= 2 {
                    &[1.0, 2.0, 5.0]
                } else {
                    &[1.0]
                };
                let mut ticks: Vec<f64> = (0..decades)
                    .flat_map(|d| inside.iter().map(move |m| m * floor * 10f64.powi(d)))
                    .collect();
                ticks.push(self.max);
                ticks
            }
            None => {
                let count = (self.max / self.step).round() as u32;
                (0..=count).map(|i| f64::from(i) * self.step).collect()
            }
        }
    }

    /// A tick's label, with as many decimals as the step (or, on a log axis, the tick) needs.
    pub(crate) fn label(&self, value: f64) -> String {
        let unit = if self.is_log() { value } else { self.step };
        let decimals = (-unit.log10().floor()).max(0.0) as usize;
        format!("{value:.decimals$}")
    }
}

/// The attempts axis: attempt `seq` at the middle of the `seq`-th of `count` equal bands, so
/// that neither the first nor the last sits on the frame.
/// With the starting kernel plotted, its band is 0, before the first attempt's.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeqAxis {
    pub count: u32,
    pub left: f64,
    pub right: f64,
    /// Whether band 0 holds the starting kernel.
    pub start: bool,
}

impl SeqAxis {
    pub(crate) fn at(&self, seq: u32) -> f64 {
        let first = u32::from(!self.start);
        let bands = self.count.max(1) + 1 - first;
        let band = (self.right - self.left) / f64::from(bands);
        self.left + (f64::from(seq) + 0.5 - f64::from(first)) * band
    }

    /// Ticks at 1 and every round step after it, at most about ten; 0 first when the starting
    /// kernel has a band.
    pub(crate) fn ticks(&self) -> Vec<u32> {
        let step = (nice_step(f64::from(self.count) / 10.0).max(1.0)) as u32;
        let mut ticks = if self.start { vec![0, 1] } else { vec![1] };
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
            start: false,
        };
        assert_eq!(axis(4).ticks(), vec![1, 2, 3, 4]);
        assert_eq!(axis(25).ticks(), vec![1, 5, 10, 15, 20, 25]);
        assert_eq!(axis(10).at(1), 5.0);
    }

    #[test]
    fn the_starting_kernel_has_the_first_band() {
        let axis = SeqAxis {
            count: 9,
            left: 0.0,
            right: 100.0,
            start: true,
        };
        assert_eq!(axis.at(0), 5.0);
        assert_eq!(axis.at(9), 95.0);
        assert_eq!(axis.ticks()[..2], [0, 1]);
    }

    #[test]
    fn values_spanning_more_than_ten_times_get_a_log_axis() {
        let linear = ValueAxis::spanning(0.5, 4.0, 250.0, 20.0);
        assert!(!linear.is_log());
        let log = ValueAxis::spanning(2.75, 206.0, 250.0, 20.0);
        assert!(log.is_log());
        assert_eq!(log.at(1.0), 250.0);
        assert_eq!(log.at(1000.0), 20.0);
        // Each decade is as tall as the next: 10 sits a third of the way up.
        assert!((log.at(10.0) - (250.0 - 230.0 / 3.0)).abs() < 1e-9);
        assert_eq!(log.ticks(), vec![1.0, 10.0, 100.0, 1000.0]);
        assert_eq!(log.label(1.0), "1");
        let small = ValueAxis::spanning(0.04, 0.9, 250.0, 20.0);
        assert_eq!(small.ticks(), vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]);
        assert_eq!(small.label(0.02), "0.02");
    }
}
