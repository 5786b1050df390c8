//! Writes to attributes and items of other modules: `torch.cuda.synchronize = f`,
//! `setattr(time, "perf_counter", f)`, `os.environ["X"] = v`, `del sys.modules["m"]`.
//!
//! Rebinding a plain name (`perf_counter = f` after `from time import perf_counter`) changes
//! only the candidate's own namespace and is not a mutation here; changing an attribute of an
//! imported module changes it for the harness too.

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::{Ranged, TextRange};

use crate::bindings::Bindings;
use crate::module_index::ModuleIndex;
use crate::source_map::SourceMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mutation {
    /// The resolved target: `torch.cuda.synchronize`, `os.environ[]` for an item.
    pub(crate) chain: String,
    /// The first name of the target as written (`T` in `T.cuda.x = ...`).
    pub(crate) written_root: String,
    /// The statement or call.
    pub(crate) range: TextRange,
    /// The construct, quoted: `torch.cuda.synchronize = ...`, `setattr(...)`.
    pub(crate) construct: String,
}

impl Mutation {
    pub(crate) fn collect(
        index: &ModuleIndex<'_>,
        bindings: &Bindings,
        map: &SourceMap<'_>,
    ) -> Vec<Self> {
        let mut mutations = Vec::new();
        for target in &index.targets {
            let Some(chain) = target_chain(target.expr, bindings) else {
                continue;
            };
            let quoted = map.snippet(target.expr.range());
            let construct = if target.deleted {
                format!("del {quoted}")
            } else {
                format!("{quoted} = ...")
            };
            mutations.push(Mutation {
                chain,
                written_root: written_root(target.expr),
                range: target.statement,
                construct,
            });
        }
        for call in &index.calls {
            if let Some((object, name)) = attribute_setter(call, bindings)
                && let Some(base) = object_chain(object, bindings)
            {
                mutations.push(Mutation {
                    chain: format!("{base}.{name}"),
                    written_root: written_root(object),
                    range: call.range(),
                    construct: map.call_snippet(call),
                });
            }
        }
        mutations
    }

    /// The first segment of the resolved chain: `torch` in `torch.cuda.x`, `os` in `os.environ[]`.
    pub(crate) fn root(&self) -> &str {
        let end = self.chain.find(['.', '[']).unwrap_or(self.chain.len());
        &self.chain[..end]
    }
}

/// The resolved chain of an attribute or item target; `None` for plain names and the rest.
fn target_chain(target: &Expr, bindings: &Bindings) -> Option<String> {
    match target {
        Expr::Attribute(_) => bindings.resolve(target),
        Expr::Subscript(subscript) => {
            Some(format!("{}[]", object_chain(&subscript.value, bindings)?))
        }
        _ => None,
    }
}

/// The chain of an object written into: a name or attribute chain, or `vars(x)` as `x.__dict__`.
fn object_chain(object: &Expr, bindings: &Bindings) -> Option<String> {
    if let Expr::Call(call) = object
        && bindings.resolve(&call.func).as_deref() == Some("vars")
        && let Some(inner) = call.arguments.args.first()
    {
        return Some(format!("{}.__dict__", bindings.resolve(inner)?));
    }
    bindings.resolve(object)
}

/// `setattr(obj, "name", v)`, `delattr(obj, "name")`, `obj.__setattr__("name", v)`: the object
/// and the attribute name (`?` when computed).
fn attribute_setter<'c>(call: &'c ExprCall, bindings: &Bindings) -> Option<(&'c Expr, String)> {
    let args = &call.arguments.args;
    let name_of = |expr: Option<&Expr>| match expr {
        Some(Expr::StringLiteral(name)) => name.value.to_str().to_owned(),
        _ => "?".to_owned(),
    };
    if let Expr::Attribute(attribute) = call.func.as_ref()
        && matches!(attribute.attr.as_str(), "__setattr__" | "__delattr__")
    {
        // `object.__setattr__(obj, "name", v)` names the object first.
        let generic = matches!(
            bindings.resolve(&attribute.value).as_deref(),
            Some("object" | "type")
        );
        return if generic {
            Some((args.first()?, name_of(args.get(1))))
        } else {
            Some((&attribute.value, name_of(args.first())))
        };
    }
    let callee = bindings.resolve(&call.func)?;
    if matches!(
        callee.as_str(),
        "setattr" | "delattr" | "builtins.setattr" | "builtins.delattr"
    ) {
        return Some((args.first()?, name_of(args.get(1))));
    }
    None
}

/// The leading identifier of a target as written.
fn written_root(expr: &Expr) -> String {
    match expr {
        Expr::Name(name) => name.id.to_string(),
        Expr::Attribute(attribute) => written_root(&attribute.value),
        Expr::Subscript(subscript) => written_root(&subscript.value),
        Expr::Call(call) => written_root(&call.func),
        _ => String::new(),
    }
}
