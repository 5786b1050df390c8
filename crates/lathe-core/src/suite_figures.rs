//! The figures a suite is compared by, as the field defines them: `fast_p`, the share of *all*
//! tasks whose kernel is correct and more than `p` times as fast as the baseline (KernelBench's
//! definition: a task with no kernel, a wrong one or a failed one counts as a miss, so `fast_0`
//! is the correct share), and the geometric-mean speedup over the correct tasks.

use serde::Serialize;

/// The `p` of the tables: slower than the baseline (0.5, 0.8), as fast (1), faster (1.5, 2).
pub const FAST_P_THRESHOLDS: [f64; 6] = [0.0, 0.5, 0.8, 1.0, 1.5, 2.0];

/// What a speedup is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Baseline {
    /// Eager PyTorch.
    Eager,
    /// torch.compile (a task without a compile time has no speedup against it).
    Compile,
    /// The faster of the two for each task.
    Faster,
}

/// One task of a suite, as the tables count it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskOutcome {
    pub correct: bool,
    /// Eager time over the kernel's time (`None`: not timed).
    pub speedup_vs_eager: Option<f64>,
    /// torch.compile's time over the kernel's time (`None`: no compile baseline).
    pub speedup_vs_compile: Option<f64>,
}

impl TaskOutcome {
    /// The speedup against `baseline`, for a correct task that has one.
    pub fn speedup(&self, baseline: Baseline) -> Option<f64> {
        if !self.correct {
            return None;
        }
        let speedup = match baseline {
            Baseline::Eager => self.speedup_vs_eager,
            Baseline::Compile => self.speedup_vs_compile,
            // Against the faster baseline the speedup is the smaller one; a task timed against
            // eager alone keeps that.
            Baseline::Faster => match (self.speedup_vs_eager, self.speedup_vs_compile) {
                (Some(e), Some(c)) => Some(e.min(c)),
                (e, c) => e.or(c),
            },
        };
        speedup.filter(|s| s.is_finite() && *s > 0.0)
    }
}

/// The figures of a suite against one baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuiteFigures {
    pub baseline: Baseline,
    /// Every task of the suite, correct or not.
    pub tasks: usize,
    pub correct: usize,
    /// `(p, fast_p)` for each of [`FAST_P_THRESHOLDS`].
    pub fast_p: Vec<(f64, f64)>,
    /// The geometric mean of the correct tasks' speedups (`None` when none has one).
    pub geomean_speedup: Option<f64>,
    /// How many speedups the geometric mean is over.
    pub timed: usize,
}

impl SuiteFigures {
    pub fn of(tasks: &[TaskOutcome], baseline: Baseline) -> SuiteFigures {
        let n = tasks.len();
        let correct = tasks.iter().filter(|t| t.correct).count();
        let speedups: Vec<f64> = tasks.iter().filter_map(|t| t.speedup(baseline)).collect();
        let fast_p = FAST_P_THRESHOLDS
            .iter()
            .map(|&p| {
                // fast_0 is the correct share, timed or not: every correct kernel is "faster
                // than zero times" the baseline.
                let wins = if p == 0.0 {
                    correct
                } else {
                    speedups.iter().filter(|&&s| s > p).count()
                };
                (p, if n == 0 { 0.0 } else { wins as f64 / n as f64 })
            })
            .collect();
        let geomean_speedup = (!speedups.is_empty()).then(|| {
            let mean_log = speedups.iter().map(|s| s.ln()).sum::<f64>() / speedups.len() as f64;
            mean_log.exp()
        });
        SuiteFigures {
            baseline,
            tasks: n,
            correct,
            fast_p,
            geomean_speedup,
            timed: speedups.len(),
        }
    }

    /// fast_p at one of [`FAST_P_THRESHOLDS`].
    pub fn fast(&self, p: f64) -> Option<f64> {
        self.fast_p.iter().find(|(q, _)| *q == p).map(|(_, f)| *f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(correct: bool, eager: Option<f64>, compile: Option<f64>) -> TaskOutcome {
        TaskOutcome {
            correct,
            speedup_vs_eager: eager,
            speedup_vs_compile: compile,
        }
    }

    /// Six tasks: four correct (one untimed), a wrong one and a missing one (never judged).
    fn suite() -> Vec<TaskOutcome> {
        vec![
            task(true, Some(2.5), Some(1.2)),
            task(true, Some(1.0), Some(0.6)),
            task(true, Some(0.7), None),
            task(true, None, None),
            task(false, Some(9.0), Some(9.0)),
            task(false, None, None),
        ]
    }

    #[test]
    fn fast_p_counts_every_task_and_a_wrong_kernel_as_a_miss() {
        let eager = SuiteFigures::of(&suite(), Baseline::Eager);
        assert_eq!((eager.tasks, eager.correct, eager.timed), (6, 4, 3));
        assert_eq!(eager.fast(0.0), Some(4.0 / 6.0));
        assert_eq!(eager.fast(0.5), Some(3.0 / 6.0));
        // Strictly faster: a speedup of exactly 1.0 is not a win at p = 1.
        assert_eq!(eager.fast(1.0), Some(1.0 / 6.0));
        assert_eq!(eager.fast(2.0), Some(1.0 / 6.0));
        // The wrong kernel's 9x never counts.
        let geomean = (2.5f64 * 1.0 * 0.7).powf(1.0 / 3.0);
        assert!((eager.geomean_speedup.unwrap() - geomean).abs() < 1e-12);
    }

    #[test]
    fn against_the_faster_baseline_each_task_meets_its_harder_one() {
        let faster = SuiteFigures::of(&suite(), Baseline::Faster);
        assert_eq!(faster.fast(1.0), Some(1.0 / 6.0)); // 1.2 against compile
        assert_eq!(faster.fast(0.8), Some(1.0 / 6.0)); // 0.6 and 0.7 are misses
        assert_eq!(faster.fast(0.5), Some(3.0 / 6.0));
        let compile = SuiteFigures::of(&suite(), Baseline::Compile);
        assert_eq!(compile.timed, 2);
        assert_eq!(compile.fast(0.0), Some(4.0 / 6.0));
    }

    #[test]
    fn an_empty_suite_has_no_figures_to_divide_by() {
        let figures = SuiteFigures::of(&[], Baseline::Eager);
        assert!(figures.fast_p.iter().all(|(_, f)| *f == 0.0));
        assert_eq!(figures.geomean_speedup, None);
    }
}
