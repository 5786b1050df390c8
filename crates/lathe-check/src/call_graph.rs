//! Which of the candidate's functions call which, as far as names tell.
//!
//! `forward` rarely does the work itself: it calls a wrapper that launches the kernel, or a
//! helper that calls `torch.matmul`. Rules that look "inside forward" or "inside a try body"
//! follow these edges. A call is linked by name: `f(...)` to the module's non-method
//! functions named `f`; `self.f(...)`, `cls.f(...)` and `SomeClass.f(...)` to methods named
//! `f`; `self.op(...)` to `f` after `self.op = f`. Triton kernels are not functions here: they
//! are launched, not called.

use std::collections::{HashMap, HashSet};

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::{Ranged, TextRange};

use crate::bindings::Bindings;
use crate::function_info::FunctionInfo;
use crate::kernels::Kernels;
use crate::module_index::ModuleIndex;

#[derive(Debug)]
pub(crate) struct CallGraph<'a> {
    pub(crate) functions: Vec<FunctionInfo<'a>>,
    /// Names of the module's classes: `ModelNew.helper(...)` calls a method.
    classes: HashSet<&'a str>,
    /// `self.op` → `fused_op` after `self.op = fused_op`.
    aliases: HashMap<String, String>,
    /// `callees[i]`: the functions that function `i` calls (from anywhere in its body).
    callees: Vec<HashSet<usize>>,
}

impl<'a> CallGraph<'a> {
    pub(crate) fn build(index: &ModuleIndex<'a>, bindings: &Bindings, kernels: &Kernels) -> Self {
        let functions: Vec<FunctionInfo<'a>> = index
            .functions
            .iter()
            .filter(|function| !kernels.contains(function.range()))
            .copied()
            .collect();
        let classes = index
            .classes
            .iter()
            .map(|class| class.name.as_str())
            .collect();
        let mut aliases = HashMap::new();
        for assignment in &index.assignments {
            if let Expr::Name(value) = assignment.value
                && functions.iter().any(|f| f.name() == value.id.as_str())
            {
                for target in &assignment.targets {
                    if let Some(target) = bindings.resolve(target) {
                        aliases.insert(target, value.id.to_string());
                    }
                }
            }
        }
        let mut graph = Self {
            callees: vec![HashSet::new(); functions.len()],
            functions,
            classes,
            aliases,
        };
        for call in &index.calls {
            if let Some(caller) = graph.enclosing(call.range()) {
                let targets = graph.targets(call, bindings);
                graph.callees[caller].extend(targets);
            }
        }
        graph
    }

    /// The candidate's functions that `call` may call, by name.
    pub(crate) fn targets(&self, call: &ExprCall, bindings: &Bindings) -> Vec<usize> {
        let (name, method) = match call.func.as_ref() {
            Expr::Name(name) => (name.id.as_str(), false),
            Expr::Attribute(attribute) if self.is_class_receiver(&attribute.value) => {
                (attribute.attr.as_str(), true)
            }
            _ => ("", false),
        };
        let aliased = bindings
            .resolve(&call.func)
            .and_then(|dotted| self.aliases.get(&dotted));
        self.functions
            .iter()
            .enumerate()
            .filter(|(_, function)| {
                let by_name = function.name() == name && function.is_method() == method;
                let by_alias =
                    aliased.is_some_and(|alias| alias == function.name()) && !function.is_method();
                by_name || by_alias
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// `self`, `cls`, a class of the module, or `super()`.
    fn is_class_receiver(&self, receiver: &Expr) -> bool {
        match receiver {
            Expr::Name(name) => {
                let name = name.id.as_str();
                name == "self" || name == "cls" || self.classes.contains(name)
            }
            Expr::Call(call) => {
                matches!(call.func.as_ref(), Expr::Name(name) if name.id.as_str() == "super")
            }
            _ => false,
        }
    }

    /// The functions reachable from `roots` by calls, the roots included.
    pub(crate) fn reachable_from(&self, roots: impl IntoIterator<Item = usize>) -> HashSet<usize> {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut stack: Vec<usize> = roots.into_iter().collect();
        while let Some(function) = stack.pop() {
            if seen.insert(function) {
                stack.extend(self.callees[function].iter().copied());
            }
        }
        seen
    }

    /// The functions from which one of `targets` can be reached by calls, targets included.
    pub(crate) fn reaching(&self, targets: &HashSet<usize>) -> HashSet<usize> {
        let mut reaching = targets.clone();
        loop {
            let before = reaching.len();
            for (caller, callees) in self.callees.iter().enumerate() {
                if callees.iter().any(|callee| reaching.contains(callee)) {
                    reaching.insert(caller);
                }
            }
            if reaching.len() == before {
                return reaching;
            }
        }
    }

    /// The function whose body most closely encloses `range`.
    pub(crate) fn enclosing(&self, range: TextRange) -> Option<usize> {
        self.functions
            .iter()
            .enumerate()
            .filter(|(_, function)| function.range().contains_range(range))
            .min_by_key(|(_, function)| function.range().len())
            .map(|(i, _)| i)
    }
}
