//! The candidate's own kernels: what the `no-kernel` rule requires and the report lists.
//!
//! Triton: functions decorated with `@triton.jit` (bare, called with options, or under
//! `@triton.autotune`/`@triton.heuristics`), and names assigned `triton.jit(f)`.
//! CUDA: `__global__` functions in any string of the module.

use std::collections::HashSet;

use lathe_core::Backend;
use ruff_python_ast::{Expr, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};

use crate::bindings::Bindings;
use crate::cuda_source::{global_kernel_names, strip_comments};
use crate::module_index::ModuleIndex;

/// What `@triton.jit` resolves to, however it was imported.
const TRITON_JIT: [&str; 3] = ["triton.jit", "triton.runtime.jit", "triton.runtime.jit.jit"];

#[derive(Debug, Default)]
pub(crate) struct Kernels {
    /// Kernel names in source order, each once.
    pub(crate) names: Vec<String>,
    /// Where the Triton kernels are defined (decorated functions and `triton.jit(f)` calls).
    pub(crate) triton_sites: Vec<TextRange>,
    /// Where the first Triton kernel is named, for findings about the kernels.
    pub(crate) first_triton_name: Option<TextRange>,
}

impl Kernels {
    pub(crate) fn find(index: &ModuleIndex<'_>, bindings: &Bindings, backend: Backend) -> Self {
        let mut kernels = Kernels::default();
        let mut seen = HashSet::new();
        match backend {
            Backend::Triton => {
                // (definition, where it is named, name)
                let mut found: Vec<(TextRange, TextRange, &str)> = Vec::new();
                for function in &index.functions {
                    if is_triton_kernel(function.def, bindings) {
                        found.push((function.range(), function.def.name.range, function.name()));
                    }
                }
                for assignment in &index.assignments {
                    if wraps_triton_jit(assignment.value, bindings) {
                        for target in &assignment.targets {
                            if let Expr::Name(name) = target {
                                found.push((
                                    assignment.value.range(),
                                    name.range,
                                    name.id.as_str(),
                                ));
                            }
                        }
                    }
                }
                found.sort_by_key(|(_, named, _)| named.start());
                kernels.first_triton_name = found.first().map(|(_, named, _)| *named);
                for (range, _, name) in found {
                    kernels.triton_sites.push(range);
                    if seen.insert(name.to_owned()) {
                        kernels.names.push(name.to_owned());
                    }
                }
            }
            Backend::Cuda => {
                for piece in &index.strings {
                    for name in global_kernel_names(&strip_comments(&piece.text)) {
                        if seen.insert(name.clone()) {
                            kernels.names.push(name);
                        }
                    }
                }
            }
        }
        kernels
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether `range` lies inside a Triton kernel's definition.
    pub(crate) fn contains(&self, range: TextRange) -> bool {
        self.triton_sites
            .iter()
            .any(|site| site.contains_range(range))
    }
}

/// Whether a decorator (or the callee of `triton.jit(...)`) is Triton's `jit`.
pub(crate) fn is_triton_jit(expr: &Expr, bindings: &Bindings) -> bool {
    let callee = match expr {
        // `@triton.jit(do_not_specialize=...)`
        Expr::Call(call) => &call.func,
        other => other,
    };
    bindings
        .resolve(callee)
        .is_some_and(|name| TRITON_JIT.contains(&name.as_str()))
}

fn is_triton_kernel(def: &StmtFunctionDef, bindings: &Bindings) -> bool {
    def.decorator_list
        .iter()
        .any(|decorator| is_triton_jit(&decorator.expression, bindings))
}

/// `triton.jit(f)`, `triton.jit(**options)(f)` or `triton.autotune(...)(triton.jit(f))`.
fn wraps_triton_jit(expr: &Expr, bindings: &Bindings) -> bool {
    let Expr::Call(call) = expr else {
        return false;
    };
    is_triton_jit(&call.func, bindings)
        || wraps_triton_jit(&call.func, bindings)
        || call
            .arguments
            .args
            .iter()
            .any(|arg| wraps_triton_jit(arg, bindings))
}
