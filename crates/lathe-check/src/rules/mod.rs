//! The static integrity rules, one module each. Every module names the attack it stops (the
//! row of shared/reference/integrity.md in brackets) and what it does not see.
//!
//! Adding a rule: add it to `lathe_core::Rule` and the table in
//! docs/design/worker-protocol.md, write `check(cx, out)` in a module here, call it from
//! [`run_all`], and give it a positive and a near-miss negative test in `tests/`.

mod cuda_graph;
mod file_write;
mod forbidden_apis;
mod introspection;
mod kernel_not_launched;
mod launch_fallback;
mod no_kernel;
mod precision_downcast;
mod precision_flags;
mod side_stream;
mod threads;
mod timer_patch;
mod torch_compute;

use crate::context::Context;
use crate::finding_sink::FindingSink;

pub(crate) fn run_all(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    no_kernel::check(cx, out);
    kernel_not_launched::check(cx, out);
    launch_fallback::check(cx, out);
    threads::check(cx, out);
    side_stream::check(cx, out);
    cuda_graph::check(cx, out);
    timer_patch::check(cx, out);
    precision_flags::check(cx, out);
    file_write::check(cx, out);
    introspection::check(cx, out);
    precision_downcast::check(cx, out);
    torch_compute::check(cx, out);
}
