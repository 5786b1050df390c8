//! The shape shared by rules that refuse an API wherever a candidate can reach it: calls of
//! Python functions (resolved through imports and aliases) and CUDA functions named in any
//! string of the source (a `load_inline` source; comments excluded).

use lathe_core::Rule;
use ruff_text_size::Ranged;

use crate::context::Context;
use crate::cuda_source::occurrences;
use crate::finding_sink::FindingSink;

pub(crate) struct ForbiddenApis<'a> {
    pub rule: Rule,
    pub python_calls: &'a [&'a str],
    pub cuda_calls: &'a [&'a str],
    pub why: &'a str,
    /// What a CUDA source does with one of `cuda_calls`, for the evidence ("creates a stream").
    pub cuda_use: &'a str,
}

impl ForbiddenApis<'_> {
    pub(crate) fn check(&self, cx: &Context<'_>, out: &mut FindingSink<'_>) {
        for call in &cx.index.calls {
            if cx
                .callee(call)
                .is_some_and(|callee| self.python_calls.contains(&callee.as_str()))
            {
                out.report(
                    self.rule,
                    call.range(),
                    &cx.map.call_snippet(call),
                    self.why,
                );
            }
        }
        for piece in &cx.index.strings {
            let raw = cx.map.text(piece.range);
            for api in self.cuda_calls {
                for at in occurrences(piece, raw, api) {
                    let why = format!("a CUDA source {}; {}", self.cuda_use, self.why);
                    out.report(self.rule, at, api, &why);
                }
            }
        }
    }
}
