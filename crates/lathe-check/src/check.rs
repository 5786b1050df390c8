//! The entry points: parse once, resolve what the module's names and kernels are, then run
//! every rule over the result.

use lathe_core::{Backend, Policy};
use ruff_python_ast::Stmt;
use ruff_python_parser::parse_module;

use crate::context::Context;
use crate::finding_sink::FindingSink;
use crate::module_index::ModuleIndex;
use crate::source_map::SourceMap;
use crate::{CheckReport, SyntaxError, bindings::Bindings, kernels::Kernels, rules};

/// Runs the static integrity checks on a candidate's source.
///
/// A source that does not parse yields a report with `syntax_error` set and nothing else.
pub fn check(source: &str, backend: Backend, policy: Policy) -> CheckReport {
    let map = SourceMap::new(source);
    let parsed = match parse_module(source) {
        Ok(parsed) => parsed,
        Err(error) => {
            let (line, column) = map.line_column(error.location.start());
            return CheckReport {
                syntax_error: Some(SyntaxError {
                    line,
                    column,
                    message: error.error.to_string(),
                }),
                findings: Vec::new(),
                kernels: Vec::new(),
            };
        }
    };
    let body: &[Stmt] = &parsed.syntax().body;
    let cx = Context::new(body, &map, backend);
    let mut sink = FindingSink::new(&map, policy);
    rules::run_all(&cx, &mut sink);
    CheckReport {
        syntax_error: None,
        findings: sink.finish(),
        kernels: cx.kernels.names.clone(),
    }
}

/// The candidate's kernels, in source order: for Triton, the names of `@triton.jit`
/// functions (under any stack of decorators) and of names assigned `triton.jit(f)`; for CUDA,
/// the names of `__global__` functions in the module's string literals (f-strings and joined
/// strings included). Empty when the source does not parse.
pub fn kernel_names(source: &str, backend: Backend) -> Vec<String> {
    let Ok(parsed) = parse_module(source) else {
        return Vec::new();
    };
    let body: &[Stmt] = &parsed.syntax().body;
    let index = ModuleIndex::build(body);
    let bindings = Bindings::collect(body);
    Kernels::find(&index, &bindings, backend).names
}
