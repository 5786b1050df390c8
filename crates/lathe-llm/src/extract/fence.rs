//! Finding fenced code blocks in Markdown, by CommonMark's rules, simplified.
//!
//! What is kept from CommonMark (<https://spec.commonmark.org/0.31.2/#fenced-code-blocks>):
//! - A fence is a line of 3 or more backticks or tildes; the info string follows it. A backtick
//!   fence's info string holds no backtick (otherwise the line is inline code, as in ```x```).
//! - The closing fence uses the opening's character, is at least as long, and is followed by
//!   nothing but spaces. So ```` fences can hold ``` lines, and ~~~ fences can hold both.
//! - An opening fence may be indented; its indentation is removed from each content line (as far
//!   as the line has it), so the Python inside a list item comes out at column 0.
//! - A fence left open runs to the end of the text: the reply was cut, or the model forgot to
//!   close it. It is marked, not dropped.
//!
//! What is simplified: list items and block quotes are not parsed as containers. An opening fence
//! may carry any indentation, and a closing fence may be indented up to 3 columns more than its
//! opener (CommonMark's 0-3, measured from the container's content, which we take to be where the
//! opener is). So a ``` line indented 4+ columns past the opener, such as one inside an indented
//! Python string, stays content. A ``` line at the opener's own indentation always closes: that
//! is what any Markdown renderer would show the reader, so it is what the model wrote.

use std::borrow::Cow;

/// One fenced block of a Markdown text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FencedBlock<'a> {
    /// The info string after the opening fence, trimmed (```python title="x" → `python title="x"`).
    pub info: &'a str,
    /// The info string's first word, lowercased (`python`, `c++`, `cuda`); empty when the fence
    /// has none.
    pub language: String,
    /// The content: the opener's indentation removed, one trailing line ending (`\n` or `\r\n`)
    /// stripped, nothing else changed. Borrowed unless the fence was indented.
    pub body: Cow<'a, str>,
    /// Whether a closing fence was found; `false` for a block cut at the end of the text.
    pub complete: bool,
}

/// Every fenced block of `text`, in order.
pub(crate) fn fenced_blocks(text: &str) -> Vec<FencedBlock<'_>> {
    let mut blocks = Vec::new();
    let mut lines = Lines::new(text);
    while let Some((_, line)) = lines.next() {
        let Some(open) = Opening::parse(line) else {
            continue;
        };
        let content_start = lines.offset;
        let mut content_end = text.len();
        let mut complete = false;
        for (start, line) in lines.by_ref() {
            if open.is_closed_by(line) {
                content_end = start;
                complete = true;
                break;
            }
        }
        let content = &text[content_start..content_end];
        blocks.push(FencedBlock {
            info: open.info,
            language: language_of(open.info),
            body: strip_one_line_ending(dedent(content, open.indent)),
            complete,
        });
    }
    blocks
}

/// An opening fence line.
#[derive(Debug)]
struct Opening<'a> {
    /// The leading spaces and tabs, as written.
    indent: &'a str,
    /// `` ` `` or `~`.
    ch: char,
    /// How many of `ch`: at least 3.
    len: usize,
    info: &'a str,
}

impl<'a> Opening<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let rest = line.trim_start_matches([' ', '\t']);
        let indent = &line[..line.len() - rest.len()];
        let ch = rest.chars().next().filter(|c| matches!(c, '`' | '~'))?;
        let after = rest.trim_start_matches(ch);
        let len = rest.len() - after.len();
        let info = after.trim();
        if len < 3 || (ch == '`' && info.contains('`')) {
            return None;
        }
        Some(Self {
            indent,
            ch,
            len,
            info,
        })
    }

    fn is_closed_by(&self, line: &str) -> bool {
        let rest = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - rest.len();
        let after = rest.trim_start_matches(self.ch);
        let len = rest.len() - after.len();
        indent <= self.indent.len() + 3 && len >= self.len && after.trim().is_empty()
    }
}

/// The info string's first word: letters, digits and `+-_#` (so `c++` and `objective-c` stay
/// whole, and `python:model.py` gives `python`), lowercased.
fn language_of(info: &str) -> String {
    info.chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '+' | '-' | '_' | '#'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Removes from each line of `content` the longest prefix it shares with `indent` (CommonMark:
/// "if the leading code fence is indented N spaces, then up to N spaces of indentation are
/// removed from each line of the content").
fn dedent<'a>(content: &'a str, indent: &str) -> Cow<'a, str> {
    if indent.is_empty() {
        return Cow::Borrowed(content);
    }
    let mut out = String::with_capacity(content.len());
    for line in content.split_inclusive('\n') {
        let shared = line
            .bytes()
            .zip(indent.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        // `indent` is spaces and tabs only, so `shared` ends on a character boundary.
        out.push_str(&line[shared..]);
    }
    Cow::Owned(out)
}

fn strip_one_line_ending(body: Cow<'_, str>) -> Cow<'_, str> {
    let keep = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .map_or(body.len(), str::len);
    match body {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..keep]),
        Cow::Owned(mut s) => {
            s.truncate(keep);
            Cow::Owned(s)
        }
    }
}

/// The lines of a text with their endings, each with its byte offset.
#[derive(Debug)]
struct Lines<'a> {
    text: &'a str,
    /// Where the next line starts.
    offset: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, offset: 0 }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.text[self.offset..];
        if rest.is_empty() {
            return None;
        }
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        let start = self.offset;
        self.offset += len;
        Some((start, &rest[..len]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(text: &str) -> FencedBlock<'_> {
        let mut blocks = fenced_blocks(text);
        assert_eq!(blocks.len(), 1, "{blocks:#?}");
        blocks.remove(0)
    }

    #[test]
    fn info_string_gives_language_and_keeps_extras() {
        let block = only("```Python title=\"k.py\"\nx = 1\n```\n");
        assert_eq!(block.info, "Python title=\"k.py\"");
        assert_eq!(block.language, "python");
        assert_eq!(block.body, "x = 1");
        assert!(block.complete);
        assert_eq!(only("```c++\nint x;\n```").language, "c++");
        assert_eq!(only("```python:model.py\nx\n```").language, "python");
        assert_eq!(only("```\nx\n```").language, "");
    }

    #[test]
    fn inline_triple_backticks_are_not_a_fence() {
        assert!(fenced_blocks("use ```x``` here\nand here\n").is_empty());
        // Tildes may: a tilde fence's info string can hold backticks.
        assert_eq!(only("~~~ a`b\nx\n~~~").info, "a`b");
    }

    #[test]
    fn closing_fence_must_match_character_and_length() {
        let block = only("````python\n```\n~~~\n```` x\n`````\n");
        assert_eq!(block.body, "```\n~~~\n```` x");
        let block = only("~~~\n```\n~~~~\n");
        assert_eq!(block.body, "```");
    }

    #[test]
    fn closing_fence_indented_past_the_opener_plus_three_is_content() {
        let block = only("```\na\n    ```\nb\n   ```\n");
        assert_eq!(block.body, "a\n    ```\nb");
        assert!(block.complete);
    }

    #[test]
    fn indented_fence_is_dedented_by_its_indentation() {
        let text = "1. code:\n   ```py\n   def f():\n       return 1\n  x\n   ```\n";
        let block = only(text);
        assert_eq!(block.body, "def f():\n    return 1\nx");
        assert!(block.complete);
    }

    #[test]
    fn unclosed_fence_runs_to_the_end() {
        let block = only("text\n```python\nx = 1\ny = ");
        assert_eq!(block.body, "x = 1\ny = ");
        assert!(!block.complete);
        assert_eq!(only("```python\nx\n").body, "x");
    }

    #[test]
    fn one_line_ending_is_stripped_crlf_whole() {
        assert_eq!(only("```\r\na\r\n\r\n```\r\n").body, "a\r\n");
        assert_eq!(only("```\n```").body, "");
    }

    #[test]
    fn blocks_come_in_order() {
        let blocks = fenced_blocks("```a\n1\n```\ntext\n```b\n2\n```\n```c\n3");
        let langs: Vec<_> = blocks.iter().map(|b| b.language.as_str()).collect();
        assert_eq!(langs, ["a", "b", "c"]);
        assert_eq!(
            blocks.iter().map(|b| b.complete).collect::<Vec<_>>(),
            [true, true, false]
        );
    }
}
