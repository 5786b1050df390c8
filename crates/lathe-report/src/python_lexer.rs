//! Splits Python source into classed pieces for highlighting.
//!
//! Not Python's tokenizer: it only needs to find where strings, comments, numbers and names
//! start and end, and to never lose a byte. The pieces cover the input exactly, in order, so
//! that joining them gives the input back whatever it holds (a reply's code may be broken
//! Python, or not Python at all). Every boundary falls before or after an ASCII byte, so it
//! is always a char boundary.

/// What a piece is, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Plain,
    Keyword,
    /// A string literal with its prefix and quotes.
    Str,
    Comment,
    Number,
    /// `@triton.jit`: the `@` and the dotted name after it, at the start of a line.
    Decorator,
    /// `tl.load`, `triton.cdiv`: the names kernels are made of.
    Triton,
    /// The name a `def` or `class` defines.
    Definition,
}

const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Prefixes a string literal may have, lowercased (`rb"…"`, `f'…'`, `t"…"`).
const STRING_PREFIXES: [&str; 11] = ["r", "u", "b", "f", "t", "br", "rb", "fr", "rf", "tr", "rt"];

/// The source as `(class, piece)` pairs whose pieces join to exactly `source`.
pub(crate) fn lex(source: &str) -> Vec<(Class, &str)> {
    let bytes = source.as_bytes();
    let mut pieces: Vec<(Class, &str)> = Vec::new();
    let mut pos = 0;
    // Set by `def` and `class`: the next name is the one they define.
    let mut defining = false;
    while pos < bytes.len() {
        let (class, end) = piece_at(source, pos, defining);
        if class != Class::Plain || !source[pos..end].trim().is_empty() {
            defining = class == Class::Keyword && matches!(&source[pos..end], "def" | "class");
        }
        match pieces.last_mut() {
            // Runs of plain text become one piece, for fewer spans.
            Some((Class::Plain, last)) if class == Class::Plain => {
                let start = pos - last.len();
                *last = &source[start..end];
            }
            _ => pieces.push((class, &source[pos..end])),
        }
        pos = end;
    }
    pieces
}

/// The piece that starts at `pos`: its class and where it ends.
fn piece_at(source: &str, pos: usize, defining: bool) -> (Class, usize) {
    let bytes = source.as_bytes();
    let byte = bytes[pos];
    match byte {
        b'#' => {
            let end = source[pos..].find('\n').map_or(source.len(), |i| pos + i);
            (Class::Comment, end)
        }
        b'\'' | b'"' => (Class::Str, string_end(bytes, pos)),
        b'@' if at_line_start(source, pos) => {
            match dotted_name_end(bytes, skip_blanks(bytes, pos + 1)) {
                Some(end) => (Class::Decorator, end),
                None => (Class::Plain, pos + 1),
            }
        }
        b'0'..=b'9' => (Class::Number, number_end(bytes, pos)),
        b'.' if bytes.get(pos + 1).is_some_and(u8::is_ascii_digit) => {
            (Class::Number, number_end(bytes, pos))
        }
        _ if is_name_start(byte) => name(source, pos, defining),
        // One char: a non-ASCII one must not be split.
        _ => (
            Class::Plain,
            pos + source[pos..].chars().next().map_or(1, char::len_utf8),
        ),
    }
}

/// A name, a keyword, a string's prefix, or a `tl.`/`triton.` chain.
fn name(source: &str, pos: usize, defining: bool) -> (Class, usize) {
    let bytes = source.as_bytes();
    let end = name_end(bytes, pos);
    let word = &source[pos..end];
    if matches!(bytes.get(end), Some(b'\'' | b'"'))
        && STRING_PREFIXES.contains(&word.to_ascii_lowercase().as_str())
    {
        return (Class::Str, string_end(bytes, end));
    }
    if matches!(word, "tl" | "triton")
        && bytes.get(end) == Some(&b'.')
        && let Some(chain_end) = dotted_name_end(bytes, pos)
    {
        return (Class::Triton, chain_end);
    }
    if KEYWORDS.contains(&word) {
        (Class::Keyword, end)
    } else if defining {
        (Class::Definition, end)
    } else {
        (Class::Plain, end)
    }
}

/// Where the string literal whose opening quote is at `quote` ends: after its closing
/// quote; for an unclosed one-line string, at the line's end; for an unclosed triple-quoted
/// one, at the end of the source. A backslash escapes the next byte, raw strings included
/// (`r"\""` is one string in Python too).
fn string_end(bytes: &[u8], quote: usize) -> usize {
    let q = bytes[quote];
    let triple = bytes.get(quote..quote + 3) == Some(&[q, q, q][..]);
    let mut i = quote + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == q && !triple => return i + 1,
            b if b == q && bytes.get(i..i + 3) == Some(&[q, q, q][..]) => return i + 3,
            b'\n' if !triple => return i,
            _ => i += 1,
        }
    }
    // A backslash as the last byte steps past the end.
    bytes.len()
}

/// Where a number starting at `pos` ends: digits, `_`, a point, an exponent with its sign,
/// `0x`/`0o`/`0b` digits and a `j` suffix, loosely (a malformed number stays one piece).
fn number_end(bytes: &[u8], pos: usize) -> usize {
    let mut i = pos;
    while i < bytes.len() {
        let b = bytes[i];
        let signed_exponent = matches!(b, b'+' | b'-')
            && matches!(bytes[i - 1], b'e' | b'E')
            && !bytes[pos..i].starts_with(b"0x")
            && !bytes[pos..i].starts_with(b"0X");
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || signed_exponent {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Names may hold any non-ASCII character, as Python's may; this lexer does not tell the
/// letters apart from the rest, and needs not to.
fn is_name_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn name_end(bytes: &[u8], pos: usize) -> usize {
    let rest = &bytes[pos..];
    pos + rest
        .iter()
        .position(|&b| !(is_name_start(b) || b.is_ascii_digit()))
        .unwrap_or(rest.len())
}

/// The end of `name(.name)*` starting at `pos`, if a name starts there.
fn dotted_name_end(bytes: &[u8], pos: usize) -> Option<usize> {
    if !bytes.get(pos).is_some_and(|&b| is_name_start(b)) {
        return None;
    }
    let mut end = name_end(bytes, pos);
    while bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(|&b| is_name_start(b)) {
        end = name_end(bytes, end + 1);
    }
    Some(end)
}

fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t')) {
        pos += 1;
    }
    pos
}

/// Whether only blanks stand between the line's start and `pos`: a decorator there, matrix
/// multiplication (`a @ b`) elsewhere.
fn at_line_start(source: &str, pos: usize) -> bool {
    let line = source[..pos].rsplit('\n').next().unwrap_or_default();
    line.bytes().all(|b| b == b' ' || b == b'\t')
}
