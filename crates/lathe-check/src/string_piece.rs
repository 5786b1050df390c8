//! The text of a string expression, for the checks that read inside strings: CUDA kernels
//! live in string literals passed to `load_inline`, and so do the stream APIs a candidate could
//! call from C++.
//!
//! Implicitly concatenated literals, f-strings and `+`-joined pieces are read as one text; an
//! interpolated value (`{name}`) becomes [`HOLE`], which no scanner takes for an identifier.

use ruff_python_ast::{self as ast, Expr, FStringPart, InterpolatedStringElement, Operator};
use ruff_text_size::TextRange;

/// Stands for a value interpolated into an f-string or joined with `+`: unknown text.
pub(crate) const HOLE: char = '\u{1}';

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StringPiece {
    /// The string's value, escapes decoded, unknown parts as [`HOLE`].
    pub(crate) text: String,
    /// The whole string expression in the source.
    pub(crate) range: TextRange,
}

/// The text of a string expression, or `None` if `expr` is not one.
pub(crate) fn string_text(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(literal) => Some(literal.value.to_str().to_owned()),
        Expr::FString(fstring) => {
            let mut text = String::new();
            for part in &fstring.value {
                match part {
                    FStringPart::Literal(literal) => text.push_str(literal.as_str()),
                    FStringPart::FString(fstring) => {
                        for element in &fstring.elements {
                            match element {
                                InterpolatedStringElement::Literal(literal) => {
                                    text.push_str(&literal.value);
                                }
                                InterpolatedStringElement::Interpolation(_) => text.push(HOLE),
                            }
                        }
                    }
                }
            }
            Some(text)
        }
        Expr::BinOp(ast::ExprBinOp {
            left,
            op: Operator::Add,
            right,
            ..
        }) => {
            let (left, right) = (string_text(left), string_text(right));
            if left.is_none() && right.is_none() {
                return None;
            }
            let hole = || HOLE.to_string();
            Some(left.unwrap_or_else(hole) + &right.unwrap_or_else(hole))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(source: &str) -> Option<String> {
        let expr = ruff_python_parser::parse_expression(source).expect("test source parses");
        string_text(&expr.syntax().body)
    }

    #[test]
    fn joins_implicit_concatenation_fstrings_and_plus() {
        assert_eq!(text_of(r#""a" 'b'"#).as_deref(), Some("ab"));
        assert_eq!(text_of(r#"f"x{y}z""#), Some(format!("x{HOLE}z")));
        assert_eq!(text_of(r#""a" + b + "c""#), Some(format!("a{HOLE}c")));
        assert_eq!(text_of("a + b"), None);
        assert_eq!(text_of("1"), None);
    }
}
