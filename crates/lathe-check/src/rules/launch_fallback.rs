//! `launch-fallback` [13]: a `try` around a kernel launch (or around building the kernels with
//! `load_inline`) with an `except` that carries on, or a `with contextlib.suppress(...)` around
//! one: when the kernel fails, some other code produces the output, and the verdict credits
//! the kernel with it. A launch counts when it is in the guarded body itself or inside any
//! candidate function the body calls.
//!
//! A handler that always ends by raising is not a fallback and passes.
//! Blind spot: a fallback chosen by a condition (`if not ok: return torch...`) rather than an
//! exception; the runtime rules `no-own-kernel-ran` and `ghost-kernel` see those.

use std::collections::HashSet;

use lathe_core::Rule;
use ruff_python_ast::visitor::{Visitor, walk_stmt};
use ruff_python_ast::{ExceptHandler, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::context::Context;
use crate::finding_sink::FindingSink;

pub(crate) fn check(cx: &Context<'_>, out: &mut FindingSink<'_>) {
    let finder = LaunchFinder::new(cx);
    for try_stmt in &cx.index.tries {
        if try_stmt.handlers.is_empty() || try_stmt.handlers.iter().all(always_raises) {
            continue;
        }
        let Some(launch) = finder.find(&try_stmt.body) else {
            continue;
        };
        let ExceptHandler::ExceptHandler(handler) = &try_stmt.handlers[0];
        let handler = match &handler.type_ {
            Some(kind) => format!("except {}:", cx.map.snippet(kind.range())),
            None => "except:".to_owned(),
        };
        report(cx, out, try_stmt.range, "try:", launch, &handler);
    }
    for with in &cx.index.withs {
        let suppressor = with.items.iter().find_map(|item| match &item.context_expr {
            Expr::Call(call) if cx.callee(call).as_deref() == Some("contextlib.suppress") => {
                Some(cx.map.call_snippet(call))
            }
            _ => None,
        });
        if let Some(suppressor) = suppressor
            && let Some(launch) = finder.find(&with.body)
        {
            let construct = format!("with {suppressor}:");
            report(cx, out, with.range, &construct, launch, &suppressor);
        }
    }
}

fn report(
    cx: &Context<'_>,
    out: &mut FindingSink<'_>,
    at: TextRange,
    construct: &str,
    launch: TextRange,
    guard: &str,
) {
    let (launch_line, _) = cx.map.line_column(launch.start());
    let launch_text = cx.map.snippet(launch);
    out.report(
        Rule::LaunchFallback,
        at,
        construct,
        &format!(
            "wraps the launch `{launch_text}` (line {launch_line}) with `{guard}`, \
             so a failing kernel can fall back to other code"
        ),
    );
}

/// Finds launches in a block: direct ones, and calls of functions that launch.
struct LaunchFinder<'c, 'a> {
    cx: &'c Context<'a>,
    direct: Vec<TextRange>,
    /// Functions that launch, directly or through the functions they call.
    launching: HashSet<usize>,
}

impl<'c, 'a> LaunchFinder<'c, 'a> {
    fn new(cx: &'c Context<'a>) -> Self {
        let direct: Vec<TextRange> = cx
            .launches
            .sites
            .iter()
            .chain(&cx.launches.loads)
            .copied()
            .collect();
        let launching = cx.graph.reaching(
            &cx.graph
                .functions
                .iter()
                .enumerate()
                .filter(|(_, f)| direct.iter().any(|site| f.range().contains_range(*site)))
                .map(|(i, _)| i)
                .collect(),
        );
        Self {
            cx,
            direct,
            launching,
        }
    }

    /// The first launch in `body`.
    fn find(&self, body: &[Stmt]) -> Option<TextRange> {
        let body = TextRange::new(body.first()?.start(), body.last()?.end());
        self.direct
            .iter()
            .copied()
            .find(|site| body.contains_range(*site))
            .or_else(|| {
                self.cx
                    .index
                    .calls
                    .iter()
                    .filter(|call| body.contains_range(call.range()))
                    .find(|call| {
                        self.cx
                            .graph
                            .targets(call, &self.cx.bindings)
                            .iter()
                            .any(|f| self.launching.contains(f))
                    })
                    .map(|call| call.range())
            })
    }
}

/// Whether every way through the handler ends in `raise`: its last statement raises and
/// nothing in it returns, breaks or continues.
fn always_raises(handler: &ExceptHandler) -> bool {
    let ExceptHandler::ExceptHandler(handler) = handler;
    if !matches!(handler.body.last(), Some(Stmt::Raise(_))) {
        return false;
    }
    let mut exits = Exits(false);
    exits.visit_body(&handler.body);
    !exits.0
}

/// Finds `return`, `break` or `continue` (outside nested definitions).
struct Exits(bool);

impl<'a> Visitor<'a> for Exits {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Return(_) | Stmt::Break(_) | Stmt::Continue(_) => self.0 = true,
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            _ => walk_stmt(self, stmt),
        }
    }
}
