//! [`extract_code`]: the kernel source from a reply's answer text, or [`NoCode`].

use super::fence::{FencedBlock, fenced_blocks};
use super::{count, thousands};

/// The kernel source taken from a reply, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedCode {
    /// The block's content as written: one trailing line ending stripped; tabs, trailing spaces
    /// and CRLF kept. An indented fence's indentation is removed from each line (CommonMark).
    pub code: String,
    /// Whether a line starts with `class ModelNew` (after indentation).
    pub defines_model_new: bool,
    /// `false` when the block's fence was never closed: the reply was cut, or the model forgot.
    pub complete_fence: bool,
    /// How many fenced blocks the reply holds, of every language.
    pub blocks_seen: usize,
    /// The fence's language tag, lowercased (`python`, `py`, `python3`); empty for an untagged
    /// fence whose content looks like Python.
    pub language: String,
}

/// A reply with no Python code block: what it held instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no ```python block in a {}-character reply; it holds {}",
    thousands(*.answer_chars),
    held(.fenced_blocks)
)]
pub struct NoCode {
    /// The answer's length in characters.
    pub answer_chars: usize,
    /// The fenced blocks seen, none of them a Python candidate: each one's language tag,
    /// `untagged` for a fence without one, `python (empty)` for a Python block with no code.
    pub fenced_blocks: Vec<String>,
}

fn held(blocks: &[String]) -> String {
    let n = count(blocks.len(), "fenced block");
    if blocks.is_empty() {
        n
    } else {
        format!("{n}: {}", blocks.join(", "))
    }
}

/// The kernel source in `answer`, a reply's answer text with the reasoning already removed.
///
/// The candidates are the Python blocks: fences tagged `python`, `py` or `python3` (any case),
/// and untagged fences whose content looks like Python (an `import`, a `from .. import`, or a
/// `class`/`def` header at column 0); blocks holding only whitespace are not candidates. Of the
/// candidates, in order of preference:
/// 1. the last complete block that defines `class ModelNew`: the final version, after any drafts;
///    explanation snippets (a helper, a diff) do not define it;
/// 2. an unclosed last block that defines `ModelNew`: the reply was cut inside the kernel, which
///    may still be whole (it is marked, and the caller's compile step judges it);
/// 3. the last complete block;
/// 4. an unclosed block, when it is the only candidate.
///
/// Code outside fences is never taken, even when it reads like a kernel: a reasoning model's
/// fragments in prose (seed 004) are drafts, not answers.
pub fn extract_code(answer: &str) -> Result<ExtractedCode, NoCode> {
    let blocks = fenced_blocks(answer);
    let mut candidates = Vec::new();
    let mut others = Vec::new();
    for block in &blocks {
        match classify(block) {
            Class::Python => candidates.push(Candidate {
                block,
                defines_model_new: defines_model_new(&block.body),
            }),
            Class::Other(label) => others.push(label),
        }
    }
    let chosen = last(&candidates, |c| c.block.complete && c.defines_model_new)
        .or_else(|| last(&candidates, |c| !c.block.complete && c.defines_model_new))
        .or_else(|| last(&candidates, |c| c.block.complete))
        .or_else(|| candidates.last());
    let Some(chosen) = chosen else {
        return Err(NoCode {
            answer_chars: answer.chars().count(),
            fenced_blocks: others,
        });
    };
    Ok(ExtractedCode {
        code: chosen.block.body.to_string(),
        defines_model_new: chosen.defines_model_new,
        complete_fence: chosen.block.complete,
        blocks_seen: blocks.len(),
        language: chosen.block.language.clone(),
    })
}

#[derive(Debug)]
struct Candidate<'b, 'a> {
    block: &'b FencedBlock<'a>,
    defines_model_new: bool,
}

fn last<'c, 'b, 'a>(
    candidates: &'c [Candidate<'b, 'a>],
    keep: impl Fn(&Candidate<'b, 'a>) -> bool,
) -> Option<&'c Candidate<'b, 'a>> {
    candidates.iter().rev().find(|c| keep(c))
}

/// Whether a block is a kernel candidate, and if not, how [`NoCode`] names it.
#[derive(Debug, PartialEq, Eq)]
enum Class {
    Python,
    Other(String),
}

fn classify(block: &FencedBlock<'_>) -> Class {
    let python = match block.language.as_str() {
        "python" | "py" | "python3" => true,
        "" => looks_like_python(&block.body),
        _ => false,
    };
    match (python, block.language.as_str()) {
        (true, _) if block.body.trim().is_empty() => Class::Other("python (empty)".to_string()),
        (true, _) => Class::Python,
        (false, "") => Class::Other("untagged".to_string()),
        (false, language) => Class::Other(language.to_string()),
    }
}

/// Whether an untagged block's content is Python: some line, at column 0, is an `import x`, a
/// `from x import y`, or a `class`/`def` header ending in `:`. A kernel always has its imports and
/// `class ModelNew(...):` at column 0; C++ has none of these (its classes end in `{`), nor do
/// shell commands or program output. Deliberately no parser: a false negative costs a retry with
/// a clear [`NoCode`], a false positive a compile error.
fn looks_like_python(body: &str) -> bool {
    body.lines().any(|line| {
        let header = line.trim_end();
        line.starts_with("import ")
            || (line.starts_with("from ") && line.contains(" import "))
            || ((line.starts_with("class ") || line.starts_with("def ")) && header.ends_with(':'))
    })
}

/// Whether some line matches `^\s*class\s+ModelNew\b`: the class the harness instantiates.
fn defines_model_new(code: &str) -> bool {
    code.lines().any(|line| {
        let Some(rest) = line.trim_start().strip_prefix("class") else {
            return false;
        };
        let name = rest.trim_start();
        name.len() < rest.len()
            && name
                .strip_prefix("ModelNew")
                .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_new_is_found_at_line_start_only_as_a_whole_word() {
        assert!(defines_model_new(
            "import torch\nclass ModelNew(nn.Module):"
        ));
        assert!(defines_model_new("    class ModelNew:"));
        assert!(defines_model_new("class\tModelNew(nn.Module):"));
        assert!(defines_model_new("class ModelNew"));
        assert!(!defines_model_new("class ModelNewer(nn.Module):"));
        assert!(!defines_model_new("class ModelNew_2:"));
        assert!(!defines_model_new("classModelNew:"));
        assert!(!defines_model_new("model = ModelNew()  # class ModelNew"));
        assert!(!defines_model_new("class Model(nn.Module):"));
    }

    #[test]
    fn untagged_python_is_recognized_by_its_top_level_lines() {
        assert!(looks_like_python("import torch\nx = 1"));
        assert!(looks_like_python(
            "from torch.utils.cpp_extension import load_inline"
        ));
        assert!(looks_like_python("class ModelNew(nn.Module):\n    pass"));
        assert!(looks_like_python("def f(x):  \n    return x"));
        assert!(!looks_like_python("#include <cuda.h>\nclass Foo {\n};"));
        assert!(!looks_like_python("class Foo : public Bar {"));
        assert!(!looks_like_python("pip install torch\nfrom here on"));
        assert!(!looks_like_python("    import torch"));
        assert!(!looks_like_python("x = torch.randn(4)"));
    }

    #[test]
    fn blocks_are_classified_by_tag_then_content() {
        let blocks = fenced_blocks(
            "```PY\nx=1\n```\n```cuda\nimport x\n```\n```\n$ nvcc\n```\n```python\n \n```\n",
        );
        let classes: Vec<_> = blocks.iter().map(classify).collect();
        assert_eq!(
            classes,
            [
                Class::Python,
                Class::Other("cuda".into()),
                Class::Other("untagged".into()),
                Class::Other("python (empty)".into()),
            ]
        );
    }

    #[test]
    fn no_code_message_lists_what_was_seen() {
        let none = NoCode {
            answer_chars: 34_480,
            fenced_blocks: vec![],
        };
        assert_eq!(
            none.to_string(),
            "no ```python block in a 34,480-character reply; it holds 0 fenced blocks"
        );
        let some = NoCode {
            answer_chars: 120,
            fenced_blocks: vec!["cpp".into(), "untagged".into()],
        };
        assert_eq!(
            some.to_string(),
            "no ```python block in a 120-character reply; it holds 2 fenced blocks: cpp, untagged"
        );
    }
}
