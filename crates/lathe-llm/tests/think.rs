//! `split_reasoning` on any text: reasoning and answer never mix, and nothing is lost.

use lathe_llm::think::split_reasoning;
use proptest::prelude::*;

/// Text that may hold anything a reply holds (fences, angle brackets, newlines) but no tag.
fn untagged() -> impl Strategy<Value = String> {
    "[a-z <>/`\n]{0,40}".prop_filter("no think tag", |s| {
        !s.contains("<think>") && !s.contains("</think>")
    })
}

proptest! {
    #[test]
    fn text_without_tags_is_the_answer_untouched(text in untagged()) {
        prop_assert_eq!(split_reasoning(&text), (None, text.clone()));
    }

    #[test]
    fn a_block_and_its_answer_come_apart(before in untagged(), inside in untagged(), after in untagged()) {
        let text = format!("{before}<think>{inside}</think>{after}");
        let (reasoning, answer) = split_reasoning(&text);
        let inside = inside.trim();
        prop_assert_eq!(reasoning.as_deref(), (!inside.is_empty()).then_some(inside));
        let rest = format!("{before}{after}");
        prop_assert_eq!(answer, rest.trim());
    }

    #[test]
    fn a_lone_closing_tag_splits_there(reasoning in untagged(), answer in untagged()) {
        let text = format!("{reasoning}</think>{answer}");
        let (got_reasoning, got_answer) = split_reasoning(&text);
        let reasoning = reasoning.trim();
        prop_assert_eq!(got_reasoning.as_deref(), (!reasoning.is_empty()).then_some(reasoning));
        prop_assert_eq!(got_answer, answer.trim());
    }
}

#[test]
fn a_reasoning_model_reply_keeps_its_draft_out_of_the_answer() {
    let reply = "<think>\nFirst idea:\n```python\n@triton.jit\ndef slow(x): ...\n```\n\
                 That reloads x. Better to keep it in registers.\n</think>\n\n\
                 ```python\n@triton.jit\ndef fast(x): ...\n```\n";
    let (reasoning, answer) = split_reasoning(reply);
    assert!(reasoning.unwrap().contains("def slow"));
    assert_eq!(answer, "```python\n@triton.jit\ndef fast(x): ...\n```");
}
