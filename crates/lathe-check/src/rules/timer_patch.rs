//! `timer-patch` [4]: the functions the harness times with (`torch.cuda.synchronize`,
//! `torch.cuda.Event`, `time.perf_counter`, `triton.testing.do_bench`, builtins) replaced or
//! changed, so the measurement lies. Refused: any write (assignment, augmented assignment,
//! `del`, `setattr`) to an attribute or item of `torch`, `time`, `triton`, `cuda`, `builtins`
//! or `timeit`, however imported. `torch.backends.*` belongs to `precision-flags`.
//!
//! Blind spot: patches reached through objects the checks cannot name (`sys.modules[...]` is
//! `introspection`'s; `gc.get_referrers` is too); the worker compares function identities
//! after loading the candidate.

use lathe_core::Rule;

use crate::context::Context;
use crate::finding_sink::FindingSink;

/// Modules whose attributes the harness relies on for timing and synchronization.
const ROOTS: [&str; 7] = [
    "torch",
    "time",
    "triton",
    "cuda",
    "builtins",
    "__builtins__",
    "timeit",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    for mutation in &cx.mutations {
        let rooted =
            ROOTS.contains(&mutation.root()) || ROOTS.contains(&mutation.written_root.as_str());
        if rooted && !mutation.chain.starts_with("torch.backends.") {
            out.report(
                Rule::TimerPatch,
                mutation.range,
                &mutation.construct,
                &format!(
                    "patches `{}`, in a module the harness times and synchronizes with",
                    mutation.chain
                ),
            );
        }
    }
}
