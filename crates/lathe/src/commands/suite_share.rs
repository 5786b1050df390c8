//! Correctness-only evaluations sharing a GPU (`suite eval --no-timing --checks-per-gpu N`).
//!
//! Nothing is timed, so N judges on one GPU disturb no measurement. What they can disturb is
//! each other's memory and wall-clock time: a kernel that runs out of either beside its
//! neighbours may have lost to their appetite, not to its own fault. Such a task is judged a
//! second time, alone on a GPU, and its row keeps the second verdict and says why; an honest
//! kernel is never failed for sharing.

use lathe_report::TaskRow;
use lathe_worker::protocol::Device;

use crate::cli::SuiteEvalArgs;
use crate::error::CliError;

/// Evaluations at once on a GPU under `--no-timing` when `--checks-per-gpu` is not given: two
/// keep a GPU busy while one of them is between phases (loading, comparing on the CPU). More
/// is the user's to ask for, knowing their problems' sizes; a judging that runs short beside
/// the others costs time (it is judged again), never a verdict.
pub const DEFAULT_CHECKS_PER_GPU: u16 = 2;

/// How many evaluations share each GPU: one whenever anything is timed.
pub fn checks_per_gpu(
    args: &SuiteEvalArgs,
    device: Device,
    on_cluster: bool,
) -> Result<usize, CliError> {
    let Some(asked) = args.checks_per_gpu else {
        let shares = args.no_timing && device == Device::Cuda && !on_cluster;
        return Ok(if shares {
            usize::from(DEFAULT_CHECKS_PER_GPU)
        } else {
            1
        });
    };
    if device != Device::Cuda {
        return Err(CliError::FlagDoesNotApply {
            flag: "--checks-per-gpu",
            why: "candidates run on Triton's interpreter here, not on a GPU".to_owned(),
            hint: "under --device interpret, --jobs sets how many evaluations run at once",
        });
    }
    if on_cluster {
        return Err(CliError::FlagDoesNotApply {
            flag: "--checks-per-gpu",
            why: "on a Ray cluster each of the bridge's actors holds a GPU of its own".to_owned(),
            hint: "leave --checks-per-gpu out with --executor ray",
        });
    }
    Ok(usize::from(asked))
}

/// The pool's slots: each GPU `per_gpu` times, the GPUs taken in turn (`0, 1, 0, 1`) so that a
/// suite smaller than the pool still spreads over every GPU.
pub fn slots(gpus: &[String], per_gpu: usize) -> Vec<Option<String>> {
    (0..per_gpu.max(1))
        .flat_map(|_| gpus.iter().cloned().map(Some))
        .collect()
}

/// The progress line's name of each slot: `GPU 0`, or `GPU 0 #2` for the second evaluation
/// sharing GPU 0; `job N` for an interpreter job.
pub fn labels(slots: &[Option<String>]) -> Vec<String> {
    slots
        .iter()
        .enumerate()
        .map(|(n, slot)| match slot {
            Some(gpu) => {
                let sharing = slots.iter().filter(|s| s.as_ref() == Some(gpu)).count();
                let nth = slots[..=n]
                    .iter()
                    .filter(|s| s.as_ref() == Some(gpu))
                    .count();
                if sharing > 1 {
                    format!("GPU {gpu} #{nth}")
                } else {
                    format!("GPU {gpu}")
                }
            }
            None => format!("job {}", n + 1),
        })
        .collect()
}

/// Why the outcome of a judging that shared its GPU may be its neighbours' doing (it ran out of
/// time, or of GPU memory, in the kernel's process or in lathe's own work); `None` when the
/// outcome is the kernel's own.
pub fn ran_short(row: &TaskRow) -> Option<String> {
    if row.outcome == "correct" {
        return None;
    }
    // "CUDA out of memory", torch's OutOfMemoryError, CUDA_ERROR_OUT_OF_MEMORY,
    // cudaErrorMemoryAllocation: the ways the driver, CUDA and PyTorch say it.
    let squeezed: String = row
        .summary
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let short_of_memory =
        squeezed.contains("outofmemory") || squeezed.contains("errormemoryallocation");
    if row.outcome != "timeout" && !short_of_memory {
        return None;
    }
    let first_line = row.summary.lines().next().unwrap_or_default();
    Some(format!(
        "beside other evaluations on its GPU it ended {}: {first_line}",
        row.outcome
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(outcome: &str, summary: &str) -> TaskRow {
        TaskRow::unjudged("level1/1_a.py".into(), Some(1), outcome, summary.into())
    }

    #[test]
    fn each_gpu_is_a_slot_per_check_taken_in_turn() {
        let gpus = vec!["0".to_owned(), "1".to_owned()];
        let slots = slots(&gpus, 2);
        let names: Vec<_> = slots.iter().map(|s| s.clone().unwrap()).collect();
        assert_eq!(names, ["0", "1", "0", "1"]);
        assert_eq!(
            labels(&slots),
            ["GPU 0 #1", "GPU 1 #1", "GPU 0 #2", "GPU 1 #2"]
        );
        assert_eq!(labels(&super::slots(&gpus, 1)), ["GPU 0", "GPU 1"]);
        assert_eq!(labels(&[None, None]), ["job 1", "job 2"]);
    }

    #[test]
    fn only_running_out_of_memory_or_time_is_judged_again() {
        for (outcome, summary) in [
            ("timeout", "the evaluation took longer than 120 s"),
            (
                "crash",
                "the worker failed: torch.OutOfMemoryError: CUDA out of memory.",
            ),
            ("runtime_error", "RuntimeError: CUDA error: out of memory"),
            (
                "problem_error",
                "the judge ran out of GPU memory (OutOfMemoryError)",
            ),
            ("runtime_error", "triton: CUDA_ERROR_OUT_OF_MEMORY"),
            ("crash", "cudaErrorMemoryAllocation"),
        ] {
            let why = ran_short(&row(outcome, summary));
            assert!(
                why.as_deref().is_some_and(|w| w.contains(outcome)),
                "{outcome}: {summary}"
            );
        }
        for (outcome, summary) in [
            ("correct", "out of memory mentioned in a note"),
            ("wrong", "output 0 differs: max_abs=3.2"),
            ("rejected", "ghost-kernel: the output still matches"),
            (
                "compile_error",
                "OutOfResources: out of resource: shared memory",
            ),
            ("missing", "no kernel for this problem"),
        ] {
            assert_eq!(
                ran_short(&row(outcome, summary)),
                None,
                "{outcome}: {summary}"
            );
        }
    }
}
