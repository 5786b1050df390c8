//! How fast a judged kernel is, and the rule that keeps a candidate (engine.md, "Keeping the
//! best"): correct, and faster than the best by more than both the stage's margin and the
//! measured spread of the two timings, each spread taken in milliseconds.

use crate::Verdict;

/// A correct kernel's measured time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Speed {
    /// The median: GPU time, or CPU-interpreter time when `interpreter`.
    pub ms: f64,
    /// The timing's interquartile range as a percentage of its median.
    pub spread_pct: f64,
    /// Timed on Triton's CPU interpreter: orders kernels by interpreter work only.
    pub interpreter: bool,
}

impl Speed {
    /// The speed of a correct, timed verdict; GPU timing first.
    pub fn of(verdict: &Verdict) -> Option<Speed> {
        let Verdict::Correct(correct) = verdict else {
            return None;
        };
        if let Some(t) = &correct.timing {
            return Some(Speed {
                ms: t.candidate.median_ms,
                spread_pct: percent(t.candidate.iqr_ms, t.candidate.median_ms),
                interpreter: false,
            });
        }
        correct.interpreter_timing.as_ref().map(|t| Speed {
            ms: t.candidate_ms.median,
            spread_pct: percent(t.candidate_ms.iqr, t.candidate_ms.median),
            interpreter: true,
        })
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole * 100.0
    } else {
        0.0
    }
}

/// Whether `candidate` replaces `best`: `Ok` with the gain in percent, or `Err` saying why not.
///
/// The spread that a gain must clear is half the sum of the two interquartile ranges in
/// milliseconds, as a share of the best's time: the gain separates the two interquartile
/// ranges (each taken as centred on its median). A percentage of the candidate's own (short)
/// median would ask a much faster kernel for a gain above 100% when its timing wobbles; the
/// wider of the two ranges alone would let one disturbed run of the best (a busy CI machine,
/// five interpreted runs) hold back a kernel ten times faster.
pub fn beats(candidate: Speed, best: Speed, margin_pct: f64) -> Result<f64, String> {
    if candidate.interpreter != best.interpreter {
        return Err("the two were timed differently (GPU and CPU interpreter)".to_owned());
    }
    let gain = (best.ms - candidate.ms) / best.ms * 100.0;
    let spread_ms = (candidate.spread_pct * candidate.ms + best.spread_pct * best.ms) / 200.0;
    let spread = percent(spread_ms, best.ms);
    let needed = margin_pct.max(spread);
    if gain > needed {
        Ok(gain)
    } else {
        Err(format!(
            "{:.4} ms vs the best's {:.4} ms: a gain of {gain:.1}%, not above the {needed:.1}% needed (margin {margin_pct:.1}%, spread {spread:.1}% of the best's time)",
            candidate.ms, best.ms
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speed(ms: f64, spread_pct: f64) -> Speed {
        Speed {
            ms,
            spread_pct,
            interpreter: false,
        }
    }

    #[test]
    fn a_gain_must_clear_both_the_margin_and_the_spread() {
        assert!(beats(speed(0.97, 0.5), speed(1.0, 0.5), 2.0).is_ok());
        assert!(beats(speed(0.99, 0.5), speed(1.0, 0.5), 2.0).is_err());
        // 3% faster, but the best's timing wobbles by 8%: the ranges overlap.
        let why = beats(speed(0.97, 0.5), speed(1.0, 8.0), 2.0).unwrap_err();
        assert!(why.contains("spread 4.2%"), "{why}");
        // Wobbling by 4%, its range ends above the candidate's.
        assert!(beats(speed(0.97, 0.5), speed(1.0, 4.0), 2.0).is_ok());
        assert!(beats(speed(1.2, 0.1), speed(1.0, 0.1), 2.0).is_err());
    }

    #[test]
    fn a_much_faster_kernel_wins_though_its_own_timing_wobbles() {
        // Five times faster; its quartiles 0.3 ms apart around 0.2 ms (150% of its median)
        // are 3% of the best's time.
        let gain = beats(speed(0.2, 150.0), speed(1.0, 1.0), 2.0).unwrap();
        assert!((gain - 80.0).abs() < 1e-9, "{gain}");
        // A wobble twice as wide as the gain itself still refuses it.
        let why = beats(speed(0.2, 800.0), speed(1.0, 1.0), 2.0).unwrap_err();
        assert!(why.contains("spread 80.5% of the best's time"), "{why}");
    }

    #[test]
    fn one_disturbed_run_of_the_best_does_not_hold_back_a_much_faster_kernel() {
        // Five interpreted runs of the best, two of them on a busy machine: its quartiles sit
        // 95% of its median apart. A kernel twelve times faster still wins.
        let gain = beats(speed(8.0, 5.0), speed(100.0, 95.0), 2.0).unwrap();
        assert!((gain - 92.0).abs() < 1e-9, "{gain}");
        // Not a kernel only a little faster.
        assert!(beats(speed(80.0, 5.0), speed(100.0, 95.0), 2.0).is_err());
    }

    #[test]
    fn interpreter_time_is_never_compared_with_gpu_time() {
        let cpu = Speed {
            ms: 0.1,
            spread_pct: 0.0,
            interpreter: true,
        };
        assert!(beats(cpu, speed(1.0, 0.0), 2.0).is_err());
    }
}
