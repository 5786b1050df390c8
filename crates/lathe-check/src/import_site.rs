//! An import, static (`import threading`, `from concurrent import futures`) or dynamic
//! (`__import__("gc")`, `importlib.import_module(name)`): the threads and introspection rules
//! refuse some modules outright, however they are brought in.

use ruff_python_ast::{ExprCall, Stmt};
use ruff_text_size::{Ranged, TextRange};

use crate::bindings::Bindings;
use crate::string_piece::{HOLE, string_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImportSite {
    /// Full dotted names brought in: `import a.b` → `a.b`; `from a import b, c` → `a.b`, `a.c`;
    /// `from a import *` → `a`.
    pub(crate) names: Vec<String>,
    /// The statement or call.
    pub(crate) range: TextRange,
    /// A dynamic import of a name computed at run time: the module cannot be known here.
    pub(crate) computed: bool,
}

impl ImportSite {
    pub(crate) fn from_statement(stmt: &Stmt) -> Option<Self> {
        let names = match stmt {
            Stmt::Import(import) => import
                .names
                .iter()
                .map(|alias| alias.name.to_string())
                .collect(),
            Stmt::ImportFrom(import) => {
                let module = import.module.as_ref()?.as_str();
                if import.level > 0 {
                    return None;
                }
                import
                    .names
                    .iter()
                    .map(|alias| match alias.name.as_str() {
                        "*" => module.to_owned(),
                        name => format!("{module}.{name}"),
                    })
                    .collect()
            }
            _ => return None,
        };
        Some(Self {
            names,
            range: stmt.range(),
            computed: false,
        })
    }

    /// `__import__("m")`, `importlib.import_module("m")`, or either with a computed name.
    pub(crate) fn from_call(call: &ExprCall, bindings: &Bindings) -> Option<Self> {
        let callee = bindings.resolve(&call.func)?;
        if !matches!(
            callee.as_str(),
            "__import__"
                | "builtins.__import__"
                | "importlib.import_module"
                | "importlib.__import__"
        ) {
            return None;
        }
        // `"to" + "rch"` is as plain as `"torch"`; anything with a run-time part is not.
        let name = call
            .arguments
            .args
            .first()
            .and_then(string_text)
            .filter(|name| !name.contains(HOLE));
        let (names, computed) = match name {
            Some(name) => (vec![name], false),
            None => (Vec::new(), true),
        };
        Some(Self {
            names,
            range: call.range(),
            computed,
        })
    }

    /// The first imported name that is one of `modules` or inside one of them.
    pub(crate) fn find_any(&self, modules: &[&str]) -> Option<&str> {
        self.names.iter().map(String::as_str).find(|name| {
            modules.iter().any(|module| {
                name == module
                    || name
                        .strip_prefix(module)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(source: &str) -> ImportSite {
        let parsed = ruff_python_parser::parse_module(source).expect("test source parses");
        ImportSite::from_statement(&parsed.syntax().body[0]).expect("an import")
    }

    #[test]
    fn names_are_full_dotted_paths() {
        assert_eq!(site("import a.b, c").names, ["a.b", "c"]);
        assert_eq!(site("from a.b import c as d, e").names, ["a.b.c", "a.b.e"]);
        assert_eq!(site("from a import *").names, ["a"]);
    }

    #[test]
    fn modules_match_themselves_and_their_insides_only() {
        let threads = ["threading", "concurrent.futures"];
        assert_eq!(
            site("import threading").find_any(&threads),
            Some("threading")
        );
        assert_eq!(
            site("from concurrent import futures").find_any(&threads),
            Some("concurrent.futures")
        );
        assert_eq!(
            site("from concurrent.futures import ThreadPoolExecutor").find_any(&threads),
            Some("concurrent.futures.ThreadPoolExecutor")
        );
        assert_eq!(site("import threadingx").find_any(&threads), None);
        assert_eq!(site("import concurrent").find_any(&threads), None);
    }
}
