//! `kernel-not-launched` [13]: a kernel is defined for show and never run. Triton: no
//! `k[grid](...)` of any kernel anywhere (through aliases, containers and launcher functions
//! too; `k.run(...)` does not count). CUDA: `load_inline` is never called, or none of the
//! functions it exports is ever called on the loaded module.
//!
//! Blind spot: a launch that exists but never executes (dead branch); `no-own-kernel-ran`
//! catches that at run time.

use lathe_core::{Backend, Rule};

use crate::context::Context;
use crate::finding_sink::FindingSink;

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    if cx.kernels.is_empty() || !cx.launches.sites.is_empty() {
        return;
    }
    match cx.backend {
        Backend::Triton => {
            let at = cx.kernels.first_triton_name.unwrap_or_default();
            let names = quoted_names(&cx.kernels.names);
            out.report_sentence(
                Rule::KernelNotLaunched,
                at,
                format!(
                    "Triton kernel {names} defined but never launched as `kernel[grid](...)`: \
                     it cannot be doing the work"
                ),
            );
        }
        Backend::Cuda => match cx.launches.loads.first() {
            None => out.report_sentence(
                Rule::KernelNotLaunched,
                cx.model_range(),
                format!(
                    "CUDA kernel {} written but `load_inline` is never called: \
                     it is never compiled or run",
                    quoted_names(&cx.kernels.names)
                ),
            ),
            Some(&load) if !cx.launches.undecidable => out.report(
                Rule::KernelNotLaunched,
                load,
                "load_inline(...)",
                "no function it exports is ever called on the loaded module, so its kernels never run",
            ),
            Some(_) => {}
        },
    }
}

fn quoted_names(names: &[String]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
