//! Turning a model's reply into what lathe needs from it: the kernel source, or the analyst's JSON.
//!
//! The input is always the ANSWER text: the provider (or [`crate::think`]) has already set the
//! reasoning apart, so nothing here knows about `<think>` tags.
//!
//! The original system took the first ``` fence anywhere in a reply, so a draft in the reasoning
//! won over the final kernel, and a reply with no code at all went on as if it held some. Here:
//!
//! - [`extract_code`] reads fenced blocks by CommonMark's rules (simplified: see `fence`), keeps
//!   the Python ones, and takes the LAST one that defines `class ModelNew` (a model's answer ends
//!   with its final version; explanation snippets and earlier drafts come before or lack
//!   `ModelNew`). Code written unfenced inside prose is never taken: [`NoCode`] says what the
//!   reply held instead.
//! - [`extract_json`] takes the last ```json block, else the last brace-balanced object in the
//!   prose that parses.

mod code;
mod fence;
mod json;

pub use code::{ExtractedCode, NoCode, extract_code};
pub use json::{NoJson, extract_json};

/// `34480` → `"34,480"`: error messages quote reply sizes, and long numbers read better grouped.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1, "block"` → `"1 block"`; `2, "block"` → `"2 blocks"`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_by_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(34_480), "34,480");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn count_pluralizes() {
        assert_eq!(count(0, "block"), "0 blocks");
        assert_eq!(count(1, "block"), "1 block");
        assert_eq!(count(2, "block"), "2 blocks");
    }
}
