//! Python syntax highlighting for the HTML report: each piece of the lexer's output in a
//! `<span>` whose class the report's stylesheet colours, every character HTML-escaped.

use crate::escape::push_html;
use crate::python_lexer::{Class, lex};

/// `source` as HTML for a `<pre>`: escaped, with classed `<span>`s around keywords
/// (`kw`), strings (`str`), comments (`com`), numbers (`num`), decorators (`dec`), `tl.` and
/// `triton.` names (`tl`) and the names `def` and `class` define (`def`). Removing the tags
/// and unescaping gives `source` back, whatever it holds.
pub fn highlight_python(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 2);
    for (class, piece) in lex(source) {
        match css_class(class) {
            Some(name) => {
                out.push_str("<span class=\"");
                out.push_str(name);
                out.push_str("\">");
                push_html(&mut out, piece);
                out.push_str("</span>");
            }
            None => push_html(&mut out, piece),
        }
    }
    out
}

fn css_class(class: Class) -> Option<&'static str> {
    match class {
        Class::Plain => None,
        Class::Keyword => Some("kw"),
        Class::Str => Some("str"),
        Class::Comment => Some("com"),
        Class::Number => Some("num"),
        Class::Decorator => Some("dec"),
        Class::Triton => Some("tl"),
        Class::Definition => Some("def"),
    }
}
