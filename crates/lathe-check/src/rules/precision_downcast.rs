//! `precision-downcast` [12], a warning: float32 work done in half precision (`.half()`,
//! `.to(torch.float16)`, `dtype=torch.bfloat16`, `tl.float16` casts, autocast, TF32 in
//! `tl.dot`). It is faster and usually less accurate; on a float16 problem it is simply
//! right. The correctness tolerance decides, so this only travels with the verdict.
//!
//! Blind spots: `tl.dot` on float32 inputs uses TF32 by default in Triton, with no keyword to
//! see; half types in CUDA sources (`__half`). The tolerance covers both.

use lathe_core::Rule;
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::finding_sink::FindingSink;

/// Half and lower-precision dtypes, as resolved names.
const HALF_DTYPES: [&str; 5] = [
    "torch.float16",
    "torch.half",
    "torch.bfloat16",
    "triton.language.float16",
    "triton.language.bfloat16",
];

/// Prefixes of 8-bit float dtypes.
const FLOAT8_PREFIXES: [&str; 2] = ["torch.float8_", "triton.language.float8"];

/// Mixed-precision contexts.
const AUTOCAST: [&str; 4] = [
    "torch.autocast",
    "torch.amp.autocast",
    "torch.cuda.amp.autocast",
    "torch.cpu.amp.autocast",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    for call in &cx.index.calls {
        if let Some(why) = downcast(cx, call) {
            out.report(
                Rule::PrecisionDowncast,
                call.range(),
                &cx.map.call_snippet(call),
                why,
            );
        }
    }
}

fn downcast(cx: &Context<'_>, call: &ExprCall) -> Option<&'static str> {
    let is_half = |expr: &Expr| {
        cx.bindings.resolve(expr).is_some_and(|name| {
            HALF_DTYPES.contains(&name.as_str())
                || FLOAT8_PREFIXES
                    .iter()
                    .any(|prefix| name.starts_with(prefix))
        })
    };
    let arguments = &call.arguments;

    if let Expr::Attribute(attribute) = call.func.as_ref()
        && cx.bindings.resolve_bound(&attribute.value).is_none()
    {
        match attribute.attr.as_str() {
            "half" | "bfloat16" => return Some("converts to half precision"),
            "to" | "type" if arguments.args.iter().any(is_half) => {
                return Some("converts to half precision");
            }
            _ => {}
        }
    }
    let callee = cx.callee(call);
    if callee.as_deref() == Some("triton.language.cast")
        && arguments
            .find_argument_value("dtype", 1)
            .is_some_and(is_half)
    {
        return Some("casts to half precision");
    }
    if callee
        .as_deref()
        .is_some_and(|callee| AUTOCAST.contains(&callee))
    {
        return Some("runs the work under autocast, in half precision");
    }
    for keyword in &arguments.keywords {
        let Some(name) = &keyword.arg else { continue };
        match (name.as_str(), &keyword.value) {
            ("dtype" | "out_dtype", value) if is_half(value) => {
                return Some("asks for a half-precision dtype");
            }
            ("allow_tf32", Expr::BooleanLiteral(flag)) if flag.value => {
                return Some("lets the dot product run in TF32");
            }
            ("input_precision", Expr::StringLiteral(precision))
                if precision.value.to_str() == "tf32" =>
            {
                return Some("lets the dot product run in TF32");
            }
            _ => {}
        }
    }
    None
}
