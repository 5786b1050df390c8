//! A function or method of the candidate, with the class it is defined in: rules follow calls
//! from `forward` and from `try` bodies into the candidate's own functions.

use ruff_python_ast::StmtFunctionDef;
use ruff_text_size::{Ranged, TextRange};

#[derive(Debug, Clone, Copy)]
pub(crate) struct FunctionInfo<'a> {
    pub(crate) def: &'a StmtFunctionDef,
    /// The class whose body defines it directly, if it is a method.
    pub(crate) class: Option<&'a str>,
}

impl FunctionInfo<'_> {
    pub(crate) fn name(&self) -> &str {
        self.def.name.as_str()
    }

    pub(crate) fn range(&self) -> TextRange {
        self.def.range()
    }

    pub(crate) fn is_method(&self) -> bool {
        self.class.is_some()
    }

    /// The names of all named parameters: positional ones, then keyword-only ones.
    pub(crate) fn parameters(&self) -> Vec<&str> {
        let mut names = self.positional_parameters();
        names.extend(
            self.def
                .parameters
                .kwonlyargs
                .iter()
                .map(|parameter| parameter.parameter.name.as_str()),
        );
        names
    }

    /// The names of the positional parameters, in order (`self` included for methods).
    pub(crate) fn positional_parameters(&self) -> Vec<&str> {
        let parameters = &self.def.parameters;
        parameters
            .posonlyargs
            .iter()
            .chain(&parameters.args)
            .map(|parameter| parameter.parameter.name.as_str())
            .collect()
    }
}
