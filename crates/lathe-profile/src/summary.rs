//! Launches grouped per kernel, the candidate's own kernels kept apart from library kernels.
//!
//! A forward pass launches the candidate's kernels among cuDNN and ATen ones; only the former are
//! the model's to optimize. A launch is the candidate's when its function name equals one the
//! candidate declared, exactly: a substring match would take `my_post_process_kernel` (or any
//! `*_kernel` for `kernel`) as the candidate's. Each metric is the median over the launches that
//! have a number for it, so one noisy launch does not decide what the prompt says.

use serde::Serialize;

use crate::capture::{Capture, Launch};
use crate::kernel_name::function_name;

/// The capture's launches, per kernel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The candidate's kernels, one per function name, in order of first launch.
    pub own: Vec<KernelSummary>,
    /// Every other kernel, one per full kernel name, in order of first launch.
    pub library: Vec<KernelSummary>,
    /// All launches in the capture.
    pub launches: usize,
}

/// One kernel's launches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KernelSummary {
    /// The function name for the candidate's kernels (a Triton kernel specialized twice is still
    /// one kernel); the full kernel name for library kernels.
    pub name: String,
    pub function: String,
    pub launches: usize,
    /// The metrics with at least one numeric reading, in the capture's column order.
    pub metrics: Vec<(String, Aggregate)>,
    /// Metrics the capture has a column for but that gave no number for this kernel, each with
    /// the text of its first non-empty cell (`n/a`), or an empty text when every cell was empty.
    pub unreadable: Vec<(String, String)>,
}

/// One metric over a kernel's launches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    /// The middle reading; the mean of the two middle ones for an even count.
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// Every reading was written as an integer and the metric is not a percentage.
    pub integer: bool,
    /// Empty when ncu gave none.
    pub unit: String,
    /// How many launches had a number for it.
    pub launches: usize,
}

impl KernelSummary {
    /// The aggregate of `metric`, when some launch had a number for it.
    pub fn metric(&self, metric: &str) -> Option<&Aggregate> {
        self.metrics
            .iter()
            .find(|(name, _)| name == metric)
            .map(|(_, aggregate)| aggregate)
    }
}

/// Groups the capture's launches per kernel; `own_functions` are the candidate's function names.
pub fn summarize(capture: &Capture, own_functions: &[String]) -> Summary {
    let mut own: Vec<(String, Vec<&Launch>)> = Vec::new();
    let mut library: Vec<(String, Vec<&Launch>)> = Vec::new();
    for launch in &capture.launches {
        let function = function_name(&launch.kernel_name);
        let (groups, key) = if own_functions.iter().any(|own| own == function) {
            (&mut own, function)
        } else {
            (&mut library, launch.kernel_name.as_str())
        };
        match groups.iter_mut().find(|(name, _)| name == key) {
            Some((_, launches)) => launches.push(launch),
            None => groups.push((key.to_owned(), vec![launch])),
        }
    }
    let summarize_all = |groups: Vec<(String, Vec<&Launch>)>| {
        groups
            .into_iter()
            .map(|(name, launches)| kernel_summary(capture, name, &launches))
            .collect()
    };
    Summary {
        own: summarize_all(own),
        library: summarize_all(library),
        launches: capture.launches.len(),
    }
}

fn kernel_summary(capture: &Capture, name: String, launches: &[&Launch]) -> KernelSummary {
    let mut metrics = Vec::new();
    let mut unreadable = Vec::new();
    for metric in &capture.metric_columns {
        let cells: Vec<_> = launches
            .iter()
            .filter_map(|l| l.values.get(metric))
            .collect();
        let numbers: Vec<_> = cells.iter().filter_map(|cell| cell.number).collect();
        if numbers.is_empty() {
            let text = cells.first().map_or("", |cell| cell.text.trim());
            unreadable.push((metric.clone(), text.to_owned()));
            continue;
        }
        let unit = capture.units.get(metric).cloned().unwrap_or_default();
        let mut values: Vec<f64> = numbers.iter().map(|n| n.value).collect();
        values.sort_by(f64::total_cmp);
        metrics.push((
            metric.clone(),
            Aggregate {
                median: median(&values),
                min: values[0],
                max: values[values.len() - 1],
                integer: unit != "%" && numbers.iter().all(|n| n.integer),
                unit,
                launches: values.len(),
            },
        ));
    }
    KernelSummary {
        function: function_name(&launches[0].kernel_name).to_owned(),
        name,
        launches: launches.len(),
        metrics,
        unreadable,
    }
}

/// The median of sorted, non-empty `values`.
fn median(values: &[f64]) -> f64 {
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        // Halving each first cannot overflow, and equals halving the sum: one rounding either way.
        values[middle - 1] / 2.0 + values[middle] / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[1.0]), 1.0);
        assert_eq!(median(&[1.0, 2.0, 10.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 10.0]), 3.0);
        assert_eq!(median(&[f64::MAX, f64::MAX]), f64::MAX);
    }
}
