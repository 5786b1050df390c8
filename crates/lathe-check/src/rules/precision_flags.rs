//! `precision-flags` [12]: global precision switches (TF32 for matmul and cuDNN, reduced
//! precision reductions, the float32 matmul precision, the default dtype) changed by the
//! candidate. They change the reference's arithmetic too and make float32 work cheaper.
//! Refused: writes to `torch.backends.*` and calls of the setters.
//!
//! Blind spot: switches flipped inside a CUDA source (`cublasSetMathMode`); the worker
//! compares the flags before and after loading the candidate.

use lathe_core::Rule;
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::finding_sink::FindingSink;

const WHY: &str = "changes a global precision switch, for the reference too";

/// Global setters of precision.
const SETTERS: [&str; 4] = [
    "torch.set_float32_matmul_precision",
    "torch.set_default_dtype",
    "torch.set_default_tensor_type",
    "torch.set_flush_denormal",
];

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    for mutation in &cx.mutations {
        if mutation.chain.starts_with("torch.backends.") {
            out.report(
                Rule::PrecisionFlags,
                mutation.range,
                &mutation.construct,
                WHY,
            );
        }
    }
    for call in &cx.index.calls {
        let Some(callee) = cx.callee(call) else {
            continue;
        };
        if SETTERS.contains(&callee.as_str())
            || callee.starts_with("torch._C._set_")
            || is_backend_switch(&callee)
        {
            out.report(
                Rule::PrecisionFlags,
                call.range(),
                &cx.map.call_snippet(call),
                WHY,
            );
        }
    }
}

/// `torch.backends.cudnn.flags(...)`, `torch.backends.cuda.enable_flash_sdp(...)` and the
/// like; reads such as `torch.backends.cudnn.is_available()` pass.
fn is_backend_switch(callee: &str) -> bool {
    let Some(rest) = callee.strip_prefix("torch.backends.") else {
        return false;
    };
    let name = rest.rsplit('.').next().unwrap_or(rest);
    name == "flags"
        || ["enable_", "set_", "allow_", "preferred_"]
            .iter()
            .any(|prefix| name.starts_with(prefix))
}
