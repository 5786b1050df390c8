//! `introspection` [10]: the candidate searches the harness's memory for the expected output
//! (`gc.get_objects()`, the caller's frame locals, `sys.modules`) instead of computing it, or
//! runs code the static checks cannot read (`exec`, `eval`, imports of computed names).
//! Refused: importing `gc`, `inspect` or `ctypes`; `sys._getframe`, `sys.modules` and the
//! frame and function attributes that lead out of the candidate's own code.
//!
//! Blind spot: the same reached through a C++ extension; the harness keeps the expected
//! output out of the candidate's process where it can.

use lathe_core::Rule;
use ruff_python_ast::Expr;
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::finding_sink::FindingSink;

const WHY: &str = "can search the harness's memory for the expected output";
const WHY_DYNAMIC: &str = "runs code the static checks cannot read";

/// Modules and module attributes for reaching other code's objects.
const MODULES: [&str; 9] = [
    "gc",
    "inspect",
    "ctypes",
    "_ctypes",
    "sys._getframe",
    "sys._current_frames",
    "sys.modules",
    "sys.settrace",
    "sys.setprofile",
];

/// Attributes that lead from an object to frames, globals or other classes' objects.
const ATTRIBUTES: [&str; 11] = [
    "__globals__",
    "__closure__",
    "__code__",
    "__subclasses__",
    "f_back",
    "f_locals",
    "f_globals",
    "f_builtins",
    "gi_frame",
    "cr_frame",
    "tb_frame",
];

/// Builtins that run code given as data.
const DYNAMIC_CODE: [&str; 4] = ["exec", "eval", "compile", "builtins.exec"];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    for site in &cx.imports {
        if site.computed {
            out.report(
                Rule::Introspection,
                site.range,
                &cx.map.snippet(site.range),
                WHY_DYNAMIC,
            );
        } else if site.find_any(&MODULES).is_some() {
            out.report(
                Rule::Introspection,
                site.range,
                &cx.map.snippet(site.range),
                WHY,
            );
        }
    }

    // Attribute chains: report the outermost match of a chain only
    // (`sys._getframe(1).f_back.f_locals` is one construct).
    let matches: Vec<TextRange> = cx
        .index
        .attributes
        .iter()
        .filter(|attribute| {
            ATTRIBUTES.contains(&attribute.attr.as_str())
                || cx
                    .bindings
                    .resolve_attribute(attribute)
                    .is_some_and(|name| MODULES.contains(&name.as_str()))
        })
        .map(|attribute| attribute.range)
        .collect();
    for &range in &matches {
        let inner = matches
            .iter()
            .any(|other| *other != range && other.contains_range(range));
        if !inner {
            out.report(Rule::Introspection, range, &cx.map.snippet(range), WHY);
        }
    }

    for call in &cx.index.calls {
        let Some(callee) = cx.callee(call) else {
            continue;
        };
        if DYNAMIC_CODE.contains(&callee.as_str()) {
            out.report(
                Rule::Introspection,
                call.range(),
                &cx.map.call_snippet(call),
                WHY_DYNAMIC,
            );
        }
        // `getattr(frame, "f_back")`
        let named_attribute = matches!(
            call.arguments.args.get(1),
            Some(Expr::StringLiteral(name)) if ATTRIBUTES.contains(&name.value.to_str())
        );
        if callee == "getattr" && named_attribute {
            out.report(
                Rule::Introspection,
                call.range(),
                &cx.map.call_snippet(call),
                WHY,
            );
        }
    }
}
