//! Reasoning written inline: `<think>…</think>` in the answer text.
//!
//! Models served without a reasoning parser (DeepSeek-R1 and Qwen3 on a bare vLLM or Ollama, most
//! fine-tunes) put their reasoning in the content itself. lathe keeps it apart from the answer so
//! that code extraction never takes a draft from the reasoning for the kernel.

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

/// The reasoning and the answer of a reply that may carry its reasoning inline.
///
/// - Every `<think>…</think>` block, wherever it stands, is reasoning; the answer is the rest,
///   trimmed.
/// - A `</think>` with no `<think>` before it (the chat template opened the block, so the
///   reply starts inside it): everything before it is reasoning.
/// - A `<think>` never closed (the reply was cut while thinking): everything after it is
///   reasoning.
/// - No tags: `(None, text)`, the text untouched.
///
/// Blocks are joined with a blank line; reasoning that is only whitespace is `None`.
pub fn split_reasoning(text: &str) -> (Option<String>, String) {
    if !text.contains(OPEN) && !text.contains(CLOSE) {
        return (None, text.to_owned());
    }
    let mut reasoning: Vec<&str> = Vec::new();
    let mut answer = String::new();
    let mut rest = text;

    // A lone closing tag before any opening one: the template opened the block for the model.
    if let Some(close) = rest.find(CLOSE)
        && rest.find(OPEN).is_none_or(|open| close < open)
    {
        reasoning.push(&rest[..close]);
        rest = &rest[close + CLOSE.len()..];
    }

    while let Some(open) = rest.find(OPEN) {
        answer.push_str(&rest[..open]);
        let inside = &rest[open + OPEN.len()..];
        match inside.find(CLOSE) {
            Some(close) => {
                reasoning.push(&inside[..close]);
                rest = &inside[close + CLOSE.len()..];
            }
            None => {
                reasoning.push(inside);
                rest = "";
            }
        }
    }
    answer.push_str(rest);

    let reasoning = reasoning
        .iter()
        .map(|block| block.trim())
        .filter(|block| !block.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let reasoning = (!reasoning.is_empty()).then_some(reasoning);
    (reasoning, answer.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_tags_is_all_answer_and_untouched() {
        let text = "  Here is the kernel.\n";
        assert_eq!(split_reasoning(text), (None, text.to_owned()));
    }

    #[test]
    fn a_leading_block_is_reasoning() {
        let (reasoning, answer) =
            split_reasoning("<think>\nTile by 128.\n</think>\n\nUse BLOCK=128.");
        assert_eq!(reasoning.as_deref(), Some("Tile by 128."));
        assert_eq!(answer, "Use BLOCK=128.");
    }

    #[test]
    fn a_code_fence_inside_the_block_stays_in_the_reasoning() {
        let text = "<think>A draft:\n```python\ndef draft(): pass\n```\nNot good.</think>\n\
                    ```python\ndef kernel(): pass\n```";
        let (reasoning, answer) = split_reasoning(text);
        let reasoning = reasoning.unwrap();
        assert!(reasoning.contains("def draft()"), "{reasoning}");
        assert!(!answer.contains("draft"), "{answer}");
        assert_eq!(answer, "```python\ndef kernel(): pass\n```");
    }

    #[test]
    fn every_block_anywhere_is_taken_out() {
        let text = "First.<think>one</think> Second. <think>two</think>Third.";
        let (reasoning, answer) = split_reasoning(text);
        assert_eq!(reasoning.as_deref(), Some("one\n\ntwo"));
        assert_eq!(answer, "First. Second. Third.");
    }

    #[test]
    fn a_lone_closing_tag_ends_the_reasoning() {
        let (reasoning, answer) = split_reasoning("The template opened it.\n</think>\nAnswer.");
        assert_eq!(reasoning.as_deref(), Some("The template opened it."));
        assert_eq!(answer, "Answer.");
    }

    #[test]
    fn a_lone_closing_tag_then_a_block_are_both_reasoning() {
        let (reasoning, answer) = split_reasoning("a</think>b<think>c</think>d");
        assert_eq!(reasoning.as_deref(), Some("a\n\nc"));
        assert_eq!(answer, "bd");
    }

    #[test]
    fn an_unclosed_block_is_reasoning_to_the_end() {
        let (reasoning, answer) = split_reasoning("<think>still thinking when cut");
        assert_eq!(reasoning.as_deref(), Some("still thinking when cut"));
        assert_eq!(answer, "");
    }

    #[test]
    fn an_empty_block_is_no_reasoning() {
        // Qwen3 with thinking switched off still writes an empty block.
        let (reasoning, answer) = split_reasoning("<think>\n\n</think>\n\nJust the answer.");
        assert_eq!(reasoning, None);
        assert_eq!(answer, "Just the answer.");
    }
}
