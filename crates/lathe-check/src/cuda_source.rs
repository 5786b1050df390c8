//! Reading the CUDA C++ that a candidate keeps in Python strings, without a C++ parser.
//!
//! The checks need little from it: the names of `__global__` functions (the candidate's
//! kernels) and whether some identifier (`cudaStreamCreate`) appears outside comments. A small
//! scanner does both; it errs towards finding nothing when the text is not C++ as kernels are
//! written, since a `__global__` mentioned in prose must not count as a kernel.

use ruff_text_size::{TextRange, TextSize};

use crate::string_piece::{HOLE, StringPiece};

/// Macros and attributes that take parenthesised arguments between `__global__` and the name.
const ATTRIBUTE_MACROS: [&str; 7] = [
    "__launch_bounds__",
    "__attribute__",
    "__cluster_dims__",
    "__maxnreg__",
    "__declspec",
    "alignas",
    "__align__",
];

/// Declarations longer than this many words after `__global__` are not taken for kernels.
const MAX_DECLARATION_WORDS: usize = 16;

fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A character of a word in a declaration; an interpolated value counts, so that a name built
/// at run time (`{name}_kernel`) reads as one word and is then refused.
fn is_word_char(c: char) -> bool {
    is_identifier_char(c) || c == HOLE
}

/// `text` with `//` and `/* */` comments blanked: every byte of a comment becomes a space
/// (newlines are kept), so offsets into the result are offsets into `text`. C string and
/// character literals are skipped, so `"http://"` is not a comment.
pub(crate) fn strip_comments(text: &str) -> String {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Code,
        Line,
        Block,
        Quoted(char),
    }
    let mut out = String::with_capacity(text.len());
    let mut state = State::Code;
    let mut chars = text.chars().peekable();
    let blank = |out: &mut String, c: char| {
        if c == '\n' {
            out.push('\n');
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    };
    while let Some(c) = chars.next() {
        match state {
            State::Code => match (c, chars.peek()) {
                ('/', Some('/')) => {
                    state = State::Line;
                    blank(&mut out, c);
                }
                ('/', Some('*')) => {
                    state = State::Block;
                    blank(&mut out, c);
                    blank(&mut out, chars.next().unwrap_or(' '));
                }
                ('"' | '\'', _) => {
                    state = State::Quoted(c);
                    out.push(c);
                }
                _ => out.push(c),
            },
            State::Line => {
                if c == '\n' {
                    state = State::Code;
                }
                blank(&mut out, c);
            }
            State::Block => {
                if c == '*' && chars.peek() == Some(&'/') {
                    state = State::Code;
                    blank(&mut out, c);
                    blank(&mut out, chars.next().unwrap_or(' '));
                } else {
                    blank(&mut out, c);
                }
            }
            State::Quoted(quote) => {
                out.push(c);
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        out.push(escaped);
                    }
                } else if c == quote || c == '\n' {
                    state = State::Code;
                }
            }
        }
    }
    out
}

/// Byte offsets where `identifier` occurs in `text` as a whole word.
pub(crate) fn find_identifier(text: &str, identifier: &str) -> Vec<usize> {
    text.match_indices(identifier)
        .filter(|&(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + identifier.len()..].chars().next();
            !before.is_some_and(is_identifier_char) && !after.is_some_and(is_identifier_char)
        })
        .map(|(at, _)| at)
        .collect()
}

/// Where `identifier` occurs, outside C comments, in a string of the module: in the source
/// when every occurrence is written plainly (no escapes), else at the string's start.
pub(crate) fn occurrences(piece: &StringPiece, raw: &str, identifier: &str) -> Vec<TextRange> {
    let everywhere = find_identifier(&piece.text, identifier);
    let raw_hits = find_identifier(raw, identifier);
    find_identifier(&strip_comments(&piece.text), identifier)
        .into_iter()
        .map(|hit| {
            let nth = everywhere.iter().position(|&at| at == hit);
            let offset = match nth.and_then(|n| raw_hits.get(n)) {
                Some(&raw) if raw_hits.len() == everywhere.len() => {
                    TextSize::try_from(raw).unwrap_or_default()
                }
                _ => TextSize::default(),
            };
            TextRange::empty(piece.range.start() + offset)
        })
        .collect()
}

/// The names of the `__global__` functions declared or defined in `code` (comments already
/// blanked), in order of appearance.
pub(crate) fn global_kernel_names(code: &str) -> Vec<String> {
    find_identifier(code, "__global__")
        .into_iter()
        .filter_map(|at| kernel_after_global(&code[at + "__global__".len()..]))
        .collect()
}

/// Reads `void [attributes] name(` after a `__global__`: a kernel must return `void`, which
/// also keeps prose such as "the __global__ functions (below)" from counting.
fn kernel_after_global(rest: &str) -> Option<String> {
    let chars: Vec<char> = rest.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while words.len() <= MAX_DECLARATION_WORDS {
        let c = *chars.get(i)?;
        if c.is_whitespace() || c == ':' {
            i += 1;
        } else if is_word_char(c) {
            let start = i;
            while chars.get(i).copied().is_some_and(is_word_char) {
                i += 1;
            }
            words.push(chars[start..i].iter().collect());
        } else if c == '(' {
            if words
                .last()
                .is_some_and(|word| ATTRIBUTE_MACROS.contains(&word.as_str()))
            {
                words.pop();
                i = skip_balanced(&chars, i, '(', ')')?;
                continue;
            }
            let name = words.pop()?;
            let valid = words.iter().any(|word| word == "void")
                && name != "void"
                && !name.contains(HOLE)
                && !name.starts_with(|c: char| c.is_ascii_digit());
            return valid.then_some(name);
        } else if c == '<' {
            // Template arguments of an explicit specialization: `k<float>(...)`.
            i = skip_balanced(&chars, i, '<', '>')?;
        } else if c == '[' && chars.get(i + 1) == Some(&'[') {
            // A C++11 attribute: `[[nodiscard]]`.
            i = skip_balanced(&chars, i, '[', ']')?;
        } else {
            return None;
        }
    }
    None
}

/// The index just past the bracket that closes the one at `open_at`.
fn skip_balanced(chars: &[char], open_at: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in chars.iter().enumerate().skip(open_at) {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(i + 1);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(code: &str) -> Vec<String> {
        global_kernel_names(&strip_comments(code))
    }

    #[test]
    fn finds_kernels_in_the_forms_they_are_written() {
        let code = r#"
#include <cuda_runtime.h>
template <typename T>
__global__ void add_kernel(const T* x, T* y, int n) { }
extern "C" __global__ void __launch_bounds__(256, 2) scale(float* x) { }
__global__ static void
    relu_kernel (float* x);
template <> __global__ void add_kernel<float>(const float* x, float* y, int n);
"#;
        assert_eq!(
            names(code),
            ["add_kernel", "scale", "relu_kernel", "add_kernel"]
        );
    }

    #[test]
    fn ignores_comments_prose_and_non_void_functions() {
        let code = r#"
// __global__ void commented_out(float* x) {}
/* __global__ void also_commented(float* x) {} */
const char* s = "// not a comment"; __global__ void real(float* x) {}
__device__ float helper(float x) { return x; }
"#;
        assert_eq!(names(code), ["real"]);
        assert!(names("These are the __global__ functions (see below).").is_empty());
        assert!(names("__global__ int not_a_kernel(float* x);").is_empty());
        assert!(names(&format!("__global__ void {HOLE}(float* x);")).is_empty());
    }

    #[test]
    fn comment_blanking_keeps_offsets() {
        let code = "a /* é */ b // c\nd";
        let stripped = strip_comments(code);
        assert_eq!(stripped.len(), code.len());
        assert_eq!(stripped.find('d'), code.find('d'));
        assert_eq!(
            stripped.trim_end_matches('d').trim(),
            format!("a{}b", " ".repeat(10))
        );
    }

    #[test]
    fn identifiers_match_whole_words() {
        let text = "cudaStreamCreateWithFlags(&s); cudaStreamCreate(&t);";
        assert_eq!(find_identifier(text, "cudaStreamCreate"), [31]);
    }
}
