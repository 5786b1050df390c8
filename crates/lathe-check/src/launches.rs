//! Where the candidate runs its kernels: the `kernel-not-launched` rule needs at least one
//! launch, and the `launch-fallback` rule looks for launches inside `try` bodies.
//!
//! Triton: `k[grid](...)` of a kernel or of a name, attribute or container holding one
//! (`fn = k`, `self.k = k`, `KERNELS = {"a": k}`; `wrap_triton(k)[grid](...)` too), and a call
//! of a candidate function that launches one of its parameters (`launch(k, ...)` with
//! `def launch(kernel, ...): kernel[grid](...)`), and a call of a name assigned `k[grid]`.
//! `k.run(...)` and `k.warmup(...)` are not launches: they bypass the path the harness
//! observes.
//!
//! CUDA: `ext.fn(...)` where `fn` is listed in `load_inline(functions=[...])` and `ext` holds
//! the loaded module (`ext = load_inline(...)`, `self.ext = ext`, `_ext().fn(...)` for a
//! function returning it), or of a name assigned `ext.fn`. The `load_inline` calls themselves
//! are kept apart: a `try` around one falls back when the kernel does not compile.

use std::collections::HashSet;

use lathe_core::Backend;
use ruff_python_ast::{self as ast, Expr, ExprCall};
use ruff_text_size::{Ranged, TextRange};

use crate::bindings::Bindings;
use crate::function_info::FunctionInfo;
use crate::kernels::Kernels;
use crate::module_index::ModuleIndex;

/// Wrappers that hand a Triton kernel to `torch.compile` and still launch it with `[grid]`.
const TRITON_WRAPPERS: [&str; 2] = ["wrap_triton", "capture_triton"];

/// Alias chains are followed this many assignments deep.
const MAX_ALIAS_DEPTH: usize = 8;

#[derive(Debug, Default)]
pub(crate) struct Launches {
    /// Calls that run one of the candidate's kernels, in source order.
    pub(crate) sites: Vec<TextRange>,
    /// `load_inline(...)` calls.
    pub(crate) loads: Vec<TextRange>,
    /// CUDA only: the module names neither the functions it loads nor where it keeps the
    /// loaded module (`is_python_module=False` with `torch.ops`, say), so a missing launch
    /// cannot be told from an unrecognised one.
    pub(crate) undecidable: bool,
}

impl Launches {
    pub(crate) fn find(
        index: &ModuleIndex<'_>,
        bindings: &Bindings,
        kernels: &Kernels,
        backend: Backend,
    ) -> Self {
        let mut launches = match backend {
            Backend::Triton => triton(index, bindings, kernels),
            Backend::Cuda => cuda(index, bindings),
        };
        launches.sites.sort_by_key(|range| range.start());
        launches.sites.dedup();
        launches
    }
}

fn triton(index: &ModuleIndex<'_>, bindings: &Bindings, kernels: &Kernels) -> Launches {
    let mut refs: HashSet<String> = kernels.names.iter().cloned().collect();
    follow_assignments(index, bindings, &mut refs, |value, refs| {
        holds_kernel(value, bindings, refs)
    });

    // `run = k[grid]`, called later as `run(x)`.
    let launchers = assigned_from(
        index,
        bindings,
        |value| matches!(value, Expr::Subscript(s) if holds_kernel(&s.value, bindings, &refs)),
    );
    let mut sites = Vec::new();
    for call in &index.calls {
        let launch = match call.func.as_ref() {
            Expr::Subscript(subscript) => holds_kernel(&subscript.value, bindings, &refs),
            callee => bindings
                .resolve(callee)
                .is_some_and(|name| launchers.contains(&name)),
        };
        if launch {
            sites.push(call.range());
        }
    }

    sites.extend(launcher_calls(index, bindings, &refs));
    Launches {
        sites,
        ..Launches::default()
    }
}

/// Calls of candidate functions that launch one of their parameters (`def launch(kernel, ...):
/// kernel[grid](...)`) with a kernel in that parameter.
fn launcher_calls(
    index: &ModuleIndex<'_>,
    bindings: &Bindings,
    refs: &HashSet<String>,
) -> Vec<TextRange> {
    let mut sites = Vec::new();
    for function in &index.functions {
        let parameters = function.parameters();
        let launched: Vec<&str> = index
            .calls
            .iter()
            .filter(|call| function.range().contains_range(call.range()))
            .filter_map(|call| match call.func.as_ref() {
                Expr::Subscript(ast::ExprSubscript { value, .. }) => match value.as_ref() {
                    Expr::Name(name) => Some(name.id.as_str()),
                    _ => None,
                },
                _ => None,
            })
            .filter(|name| parameters.contains(name))
            .collect();
        if launched.is_empty() {
            continue;
        }
        for call in &index.calls {
            if passes_kernel(call, function, &launched, bindings, refs) {
                sites.push(call.range());
            }
        }
    }
    sites
}

/// Whether `call` calls `function` with a kernel in a parameter that `function` launches.
fn passes_kernel(
    call: &ExprCall,
    function: &FunctionInfo<'_>,
    launched: &[&str],
    bindings: &Bindings,
    refs: &HashSet<String>,
) -> bool {
    let (callee, via_attribute) = match call.func.as_ref() {
        Expr::Name(name) => (name.id.as_str(), false),
        Expr::Attribute(attribute) => (attribute.attr.as_str(), true),
        _ => return false,
    };
    if callee != function.name() {
        return false;
    }
    // `self.launch(k)` fills the parameter after `self`.
    let skip = usize::from(function.is_method() && via_attribute);
    let parameters = function.positional_parameters();
    let positional = call
        .arguments
        .args
        .iter()
        .zip(parameters.iter().skip(skip))
        .map(|(arg, parameter)| (*parameter, arg));
    let keywords = call
        .arguments
        .keywords
        .iter()
        .filter_map(|keyword| Some((keyword.arg.as_ref()?.as_str(), &keyword.value)));
    positional
        .chain(keywords)
        .any(|(parameter, arg)| launched.contains(&parameter) && holds_kernel(arg, bindings, refs))
}

/// Whether `expr` is, or holds, a kernel: a name or attribute bound to one, a container or
/// conditional with one inside, an element of such a container, or a Triton wrapper of one.
fn holds_kernel(expr: &Expr, bindings: &Bindings, refs: &HashSet<String>) -> bool {
    match expr {
        Expr::Name(_) | Expr::Attribute(_) => bindings
            .resolve(expr)
            .is_some_and(|name| refs.contains(&name)),
        Expr::Subscript(subscript) => holds_kernel(&subscript.value, bindings, refs),
        Expr::If(conditional) => {
            holds_kernel(&conditional.body, bindings, refs)
                || holds_kernel(&conditional.orelse, bindings, refs)
        }
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            elts.iter().any(|elt| holds_kernel(elt, bindings, refs))
        }
        Expr::Dict(dict) => dict
            .iter_values()
            .any(|value| holds_kernel(value, bindings, refs)),
        Expr::Call(call) => {
            let wrapper = bindings.resolve(&call.func).is_some_and(|name| {
                TRITON_WRAPPERS.contains(&name.rsplit('.').next().unwrap_or(&name))
            });
            wrapper
                && call
                    .arguments
                    .args
                    .first()
                    .is_some_and(|arg| holds_kernel(arg, bindings, refs))
        }
        _ => false,
    }
}

fn cuda(index: &ModuleIndex<'_>, bindings: &Bindings) -> Launches {
    let loads: Vec<&ExprCall> = index
        .calls
        .iter()
        .copied()
        .filter(|call| is_load_inline(call, bindings))
        .collect();
    if loads.is_empty() {
        return Launches::default();
    }

    // The functions the extension exports; `None` when some load does not say.
    let mut functions: Option<HashSet<String>> = Some(HashSet::new());
    for load in &loads {
        match (listed_functions(load, index), functions.as_mut()) {
            (Some(listed), Some(all)) => all.extend(listed),
            _ => functions = None,
        }
    }

    // Where the loaded module is kept, and the functions that return it.
    let mut holders: HashSet<String> = HashSet::new();
    let mut holder_functions: HashSet<String> = HashSet::new();
    for _ in 0..MAX_ALIAS_DEPTH {
        let before = holders.len() + holder_functions.len();
        follow_assignments(index, bindings, &mut holders, |value, holders| {
            is_loaded_module(value, bindings, holders, &holder_functions)
        });
        for ret in &index.returns {
            let Some(value) = &ret.value else { continue };
            if is_loaded_module(value, bindings, &holders, &holder_functions)
                && let Some(function) = index
                    .functions
                    .iter()
                    .filter(|f| f.range().contains_range(ret.range))
                    .min_by_key(|f| f.range().len())
            {
                holder_functions.insert(function.name().to_owned());
            }
        }
        if holders.len() + holder_functions.len() == before {
            break;
        }
    }

    let unknown_holder = holders.is_empty() && holder_functions.is_empty();
    // `ext.fn`: a function the extension exports, on the loaded module.
    let is_export = |expr: &Expr| {
        let Expr::Attribute(attribute) = expr else {
            return false;
        };
        let listed = functions
            .as_ref()
            .is_some_and(|functions| functions.contains(attribute.attr.as_str()));
        let held = is_loaded_module(&attribute.value, bindings, &holders, &holder_functions);
        match (&functions, unknown_holder) {
            (Some(_), true) => listed,
            (Some(_), false) => listed && held,
            (None, false) => held,
            (None, true) => false,
        }
    };
    // `fn = ext.fn`, called later as `fn(x)`.
    let launchers = assigned_from(index, bindings, is_export);
    let mut sites = Vec::new();
    for call in &index.calls {
        let aliased = bindings
            .resolve(&call.func)
            .is_some_and(|name| launchers.contains(&name));
        if is_export(&call.func) || aliased {
            sites.push(call.range());
        }
    }
    Launches {
        sites,
        loads: loads.iter().map(|call| call.range()).collect(),
        undecidable: functions.is_none() && unknown_holder,
    }
}

/// `load_inline(...)`, however imported (`torch.utils.cpp_extension.load_inline`, `cpp_ext.load_inline`).
pub(crate) fn is_load_inline(call: &ExprCall, bindings: &Bindings) -> bool {
    bindings
        .resolve(&call.func)
        .is_some_and(|name| name == "load_inline" || name.ends_with(".load_inline"))
}

/// The names in `functions=[...]` (a literal list, tuple or string, or a name assigned one).
fn listed_functions(load: &ExprCall, index: &ModuleIndex<'_>) -> Option<Vec<String>> {
    let mut value = &load.arguments.find_keyword("functions")?.value;
    if let Expr::Name(name) = value {
        value = index
            .assignments
            .iter()
            .rev()
            .find(|assignment| {
                assignment
                    .targets
                    .iter()
                    .any(|t| matches!(t, Expr::Name(n) if n.id == name.id))
            })?
            .value;
    }
    let literal = |expr: &Expr| match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str().to_owned()),
        _ => None,
    };
    match value {
        Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
            elts.iter().map(literal).collect()
        }
        other => literal(other).map(|name| vec![name]),
    }
}

/// Whether `expr` evaluates to the loaded extension module.
fn is_loaded_module(
    expr: &Expr,
    bindings: &Bindings,
    holders: &HashSet<String>,
    holder_functions: &HashSet<String>,
) -> bool {
    match expr {
        Expr::Call(call) => {
            is_load_inline(call, bindings)
                || bindings.resolve(&call.func).is_some_and(|name| {
                    holder_functions.contains(name.rsplit('.').next().unwrap_or(&name))
                })
        }
        Expr::Name(_) | Expr::Attribute(_) => bindings
            .resolve(expr)
            .is_some_and(|name| holders.contains(&name)),
        _ => false,
    }
}

/// The targets of the assignments whose value satisfies `pick`.
fn assigned_from(
    index: &ModuleIndex<'_>,
    bindings: &Bindings,
    pick: impl Fn(&Expr) -> bool,
) -> HashSet<String> {
    index
        .assignments
        .iter()
        .filter(|assignment| pick(assignment.value))
        .flat_map(|assignment| &assignment.targets)
        .filter_map(|target| bindings.resolve(target))
        .collect()
}

/// Adds to `names` every assignment target whose value `holds` says holds one of them, until
/// nothing changes.
fn follow_assignments(
    index: &ModuleIndex<'_>,
    bindings: &Bindings,
    names: &mut HashSet<String>,
    holds: impl Fn(&Expr, &HashSet<String>) -> bool,
) {
    for _ in 0..MAX_ALIAS_DEPTH {
        let before = names.len();
        for assignment in &index.assignments {
            if holds(assignment.value, names) {
                for target in &assignment.targets {
                    if let Some(target) = bindings.resolve(target) {
                        names.insert(target);
                    }
                }
            }
        }
        if names.len() == before {
            break;
        }
    }
}
