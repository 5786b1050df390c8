//! Source text as the prompts show it.

/// `text` without leading and trailing whitespace, exactly as Python's `str.strip()` removes it
/// (Unicode whitespace plus the separators U+001C..U+001F, which Rust's `trim` keeps). The seed
/// prompts show code stripped this way and otherwise untouched.
pub fn python_strip(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_like_python() {
        assert_eq!(python_strip("\n\n  x = 1\n    \n\u{1f}"), "x = 1");
        assert_eq!(
            python_strip("a\n    \nb"),
            "a\n    \nb",
            "inner whitespace is kept"
        );
    }
}
