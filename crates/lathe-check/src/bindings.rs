//! What the names of a module stand for.
//!
//! A candidate can hide `torch.cuda.synchronize` behind `import torch as T`,
//! `from torch import cuda` or `c = torch.cuda`; every rule matches qualified names, so the
//! spelling does not matter. Imports are taken from anywhere in the module (a function-level
//! `import threading` counts too), and a name assigned exactly once from a chain rooted at an
//! import (`F = torch.nn.functional`) becomes an alias. Flow is ignored on purpose: the checks
//! must hold whichever branch runs.

use std::collections::HashMap;

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{
    self as ast, Comprehension, ExceptHandler, Expr, ExprAttribute, Parameter, Stmt,
};

/// Alias chains (`a = torch; b = a.cuda`) are followed this many assignments deep.
const MAX_ALIAS_DEPTH: usize = 8;

#[derive(Debug, Default)]
pub(crate) struct Bindings {
    /// Local name → the qualified name it stands for (`F` → `torch.nn.functional`).
    names: HashMap<String, String>,
}

impl Bindings {
    pub(crate) fn collect(body: &[Stmt]) -> Self {
        let mut collector = Collector::default();
        collector.visit_body(body);
        let mut bindings = Bindings {
            names: collector.imports,
        };
        for _ in 0..MAX_ALIAS_DEPTH {
            let mut changed = false;
            for (name, value) in &collector.assignments {
                let once = collector.binding_counts.get(name.as_str()) == Some(&1);
                if !once || bindings.names.contains_key(name.as_str()) {
                    continue;
                }
                if let Some(qualified) = bindings.resolve_bound(value) {
                    bindings.names.insert(name.clone(), qualified);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        bindings
    }

    /// The dotted name an expression stands for: `T.cuda.Stream` → `torch.cuda.Stream` after
    /// `import torch as T`. Names bound by nothing the module imports stay as written
    /// (`self.conv`, `open`). `None` for anything that is not a name or an attribute chain.
    pub(crate) fn resolve(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(name) => Some(
                self.names
                    .get(name.id.as_str())
                    .cloned()
                    .unwrap_or_else(|| name.id.to_string()),
            ),
            Expr::Attribute(attribute) => self.resolve_attribute(attribute),
            _ => None,
        }
    }

    /// [`Bindings::resolve`] of an attribute access.
    pub(crate) fn resolve_attribute(&self, attribute: &ExprAttribute) -> Option<String> {
        let base = self.resolve(&attribute.value)?;
        Some(format!("{base}.{}", attribute.attr.as_str()))
    }

    /// Like [`Bindings::resolve`], but only for chains rooted at an imported name.
    pub(crate) fn resolve_bound(&self, expr: &Expr) -> Option<String> {
        match expr {
            Expr::Name(name) => self.names.get(name.id.as_str()).cloned(),
            Expr::Attribute(attribute) => {
                let base = self.resolve_bound(&attribute.value)?;
                Some(format!("{base}.{}", attribute.attr.as_str()))
            }
            _ => None,
        }
    }
}

/// Imports, single-name assignments and how often each name is bound.
#[derive(Default)]
struct Collector<'a> {
    imports: HashMap<String, String>,
    assignments: Vec<(String, &'a Expr)>,
    binding_counts: HashMap<&'a str, usize>,
}

impl<'a> Collector<'a> {
    fn bind(&mut self, name: &'a str) {
        *self.binding_counts.entry(name).or_default() += 1;
    }

    fn bind_target(&mut self, target: &'a Expr) {
        let mut names = Vec::new();
        target_names(target, &mut names);
        for name in names {
            self.bind(name);
        }
    }
}

impl<'a> Visitor<'a> for Collector<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let module = alias.name.as_str();
                    match &alias.asname {
                        // `import a.b as x`: x is a.b.
                        Some(asname) => {
                            self.imports.insert(asname.to_string(), module.to_owned());
                        }
                        // `import a.b`: binds a, and a.b resolves through it.
                        None => {
                            let root = module.split('.').next().unwrap_or(module);
                            self.imports.insert(root.to_owned(), root.to_owned());
                        }
                    }
                }
            }
            Stmt::ImportFrom(import) => {
                // Relative imports name the candidate's own files, which do not exist here.
                if let (0, Some(module)) = (import.level, &import.module) {
                    for alias in &import.names {
                        if alias.name.as_str() == "*" {
                            continue;
                        }
                        let local = alias.asname.as_ref().unwrap_or(&alias.name);
                        self.imports.insert(
                            local.to_string(),
                            format!("{}.{}", module.as_str(), alias.name.as_str()),
                        );
                    }
                }
            }
            Stmt::FunctionDef(ast::StmtFunctionDef { name, .. })
            | Stmt::ClassDef(ast::StmtClassDef { name, .. }) => self.bind(name.as_str()),
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    self.bind_target(target);
                }
                if let [Expr::Name(name)] = assign.targets.as_slice() {
                    self.assignments.push((name.id.to_string(), &assign.value));
                }
            }
            Stmt::AnnAssign(assign) => {
                self.bind_target(&assign.target);
                if let (Expr::Name(name), Some(value)) = (assign.target.as_ref(), &assign.value) {
                    self.assignments.push((name.id.to_string(), value));
                }
            }
            Stmt::AugAssign(assign) => self.bind_target(&assign.target),
            Stmt::For(for_stmt) => self.bind_target(&for_stmt.target),
            Stmt::With(with) => {
                for item in &with.items {
                    if let Some(vars) = &item.optional_vars {
                        self.bind_target(vars);
                    }
                }
            }
            _ => {}
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Named(named) = expr {
            self.bind_target(&named.target);
        }
        walk_expr(self, expr);
    }

    fn visit_parameter(&mut self, parameter: &'a Parameter) {
        self.bind(parameter.name.as_str());
        ruff_python_ast::visitor::walk_parameter(self, parameter);
    }

    fn visit_comprehension(&mut self, comprehension: &'a Comprehension) {
        self.bind_target(&comprehension.target);
        ruff_python_ast::visitor::walk_comprehension(self, comprehension);
    }

    fn visit_except_handler(&mut self, handler: &'a ExceptHandler) {
        let ExceptHandler::ExceptHandler(handler_node) = handler;
        if let Some(name) = &handler_node.name {
            self.bind(name.as_str());
        }
        ruff_python_ast::visitor::walk_except_handler(self, handler);
    }
}

/// The plain names an assignment target binds (`a, (b, *c) = ...` binds a, b and c).
pub(crate) fn target_names<'a>(target: &'a Expr, out: &mut Vec<&'a str>) {
    match target {
        Expr::Name(name) => out.push(name.id.as_str()),
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            for elt in elts {
                target_names(elt, out);
            }
        }
        Expr::Starred(starred) => target_names(&starred.value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_last(source: &str) -> Option<String> {
        let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
        let body = &parsed.syntax().body;
        let bindings = Bindings::collect(body);
        let Some(Stmt::Expr(last)) = body.last() else {
            panic!("the last statement must be an expression");
        };
        bindings.resolve(&last.value)
    }

    #[test]
    fn imports_and_aliases_resolve_to_qualified_names() {
        assert_eq!(
            resolve_last("import torch as T\nT.cuda.Stream").as_deref(),
            Some("torch.cuda.Stream")
        );
        assert_eq!(
            resolve_last("from torch import cuda as c\nc.synchronize").as_deref(),
            Some("torch.cuda.synchronize")
        );
        assert_eq!(
            resolve_last("import torch.nn.functional\ntorch.nn.functional.relu").as_deref(),
            Some("torch.nn.functional.relu")
        );
        assert_eq!(
            resolve_last("import torch\nc = torch.cuda\ns = c.Stream\ns").as_deref(),
            Some("torch.cuda.Stream")
        );
        assert_eq!(resolve_last("self.conv").as_deref(), Some("self.conv"));
    }

    #[test]
    fn names_bound_twice_are_not_aliases() {
        assert_eq!(
            resolve_last("import torch\nd = torch.float16\nd = torch.float32\nd").as_deref(),
            Some("d")
        );
        assert_eq!(
            resolve_last("import torch\ndef f(d=1):\n    pass\nd = torch.float16\nd").as_deref(),
            Some("d")
        );
    }
}
