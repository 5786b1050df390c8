//! Turning replies into code and JSON: real and realistic replies, each with what must come out.

mod support;

use std::fs;
use std::path::PathBuf;

use lathe_llm::extract::{NoCode, extract_code, extract_json};
use proptest::prelude::*;
use serde_json::json;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> String {
    support::data(&format!("extract/{name}"))
}

/// A file's content as extraction returns it: without its final newline.
fn code_of(file: &str) -> String {
    let text = data(file);
    text.strip_suffix('\n').unwrap_or(&text).to_string()
}

/// What the original system did: the first ``` fence anywhere, up to the next ```.
fn original_first_fence(reply: &str) -> &str {
    let open = reply.find("```").expect("a fence");
    let body = &reply[open..];
    let body = &body[body.find('\n').expect("a newline") + 1..];
    &body[..body.find("```").expect("a closing fence")]
}

#[test]
fn seed_004_reasoning_with_unfenced_code_is_no_code() {
    // A reasoning model's reply: code fragments (even `class ModelNew(nn.Module):`) written
    // unfenced inside prose, no code block, cut mid-sentence.
    let path = manifest_dir().join("../../spec/seeds/004_df77b48220ef33d1.txt");
    let reply = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(reply.contains("\nclass ModelNew(nn.Module):\n"));
    let err = extract_code(&reply).unwrap_err();
    assert_eq!(
        err,
        NoCode {
            answer_chars: 34_480,
            fenced_blocks: vec![],
        }
    );
    insta::assert_snapshot!("seed_004_no_code", err.to_string());
}

#[test]
fn decoy_in_reasoning_is_not_taken() {
    let reasoning = data("decoy_reasoning.md");
    let answer = data("decoy_answer.md");
    let kernel = code_of("decoy_kernel.py");

    // The caller splits the reasoning off first: the answer alone gives the kernel.
    let from_answer = extract_code(&answer).unwrap();
    assert_eq!(from_answer.code, kernel);
    assert!(from_answer.defines_model_new);
    assert_eq!(from_answer.blocks_seen, 2);

    // Had the reasoning stayed in (a provider that inlines it), the original's first-fence rule
    // takes the draft; the last-ModelNew rule still takes the kernel.
    let full = format!("{reasoning}\n{answer}");
    assert_eq!(original_first_fence(&full), data("decoy_draft.py"));
    let from_full = extract_code(&full).unwrap();
    assert_eq!(from_full.code, kernel);
    assert_eq!(from_full.blocks_seen, 3);
}

#[test]
fn model_new_block_wins_over_a_later_snippet() {
    let reply = "Kernel:\n```python\nimport torch\nclass ModelNew(nn.Module):\n    pass\n```\n\
                 Usage:\n```python\nm = ModelNew()\n```\n";
    let got = extract_code(reply).unwrap();
    assert_eq!(
        got.code,
        "import torch\nclass ModelNew(nn.Module):\n    pass"
    );
    assert!(got.defines_model_new);
    assert!(got.complete_fence);
    assert_eq!(got.blocks_seen, 2);
    assert_eq!(got.language, "python");
}

#[test]
fn of_two_model_new_blocks_the_last_wins() {
    let reply = "v1:\n```py\nclass ModelNew:\n    v = 1\n```\nbetter, v2:\n\
                 ```Python3\nclass ModelNew:\n    v = 2\n```\n";
    let got = extract_code(reply).unwrap();
    assert_eq!(got.code, "class ModelNew:\n    v = 2");
    assert_eq!(got.language, "python3");
}

#[test]
fn without_model_new_the_last_python_block_wins() {
    let reply = "```python\nx = 1\n```\n```python\nx = 2\n```\n```bash\nls\n```\n";
    let got = extract_code(reply).unwrap();
    assert_eq!(got.code, "x = 2");
    assert!(!got.defines_model_new);
    assert_eq!(got.blocks_seen, 3);
}

#[test]
fn unclosed_final_fence_with_model_new_is_accepted_and_marked() {
    let reply = "Here it is:\n```python\nimport torch\nclass ModelNew(nn.Module):\n    def forward";
    let got = extract_code(reply).unwrap();
    assert_eq!(
        got.code,
        "import torch\nclass ModelNew(nn.Module):\n    def forward"
    );
    assert!(!got.complete_fence);
    assert!(got.defines_model_new);
}

#[test]
fn unclosed_fence_after_a_complete_model_new_block_loses() {
    let reply = "```python\nclass ModelNew:\n    done = True\n```\nAnd a variant:\n\
                 ```python\nclass ModelNew:\n    done = Fa";
    let got = extract_code(reply).unwrap();
    assert_eq!(got.code, "class ModelNew:\n    done = True");
    assert!(got.complete_fence);
    assert_eq!(got.blocks_seen, 2);
}

#[test]
fn unclosed_fence_without_model_new_is_taken_only_when_alone() {
    let got = extract_code("```python\nx = 1\n").unwrap();
    assert_eq!((got.code.as_str(), got.complete_fence), ("x = 1", false));
    let got = extract_code("```python\nx = 1\n```\n```python\ny = ").unwrap();
    assert_eq!((got.code.as_str(), got.complete_fence), ("x = 1", true));
}

#[test]
fn cpp_block_is_not_the_kernel() {
    let reply = "```cpp\n__global__ void k() {}\n```\n```python\nclass ModelNew:\n    pass\n```";
    let got = extract_code(reply).unwrap();
    assert_eq!(got.code, "class ModelNew:\n    pass");
    assert_eq!(got.blocks_seen, 2);

    let err = extract_code("Only C++:\n```cpp\n__global__ void k() {}\n```\n").unwrap_err();
    assert_eq!(err.fenced_blocks, ["cpp"]);
    assert_eq!(
        err.to_string(),
        "no ```python block in a 44-character reply; it holds 1 fenced block: cpp"
    );
}

#[test]
fn untagged_block_counts_only_when_it_looks_like_python() {
    let got = extract_code("```\nimport torch\nclass ModelNew(nn.Module):\n    pass\n```").unwrap();
    assert!(got.defines_model_new);
    assert_eq!(got.language, "");

    let err =
        extract_code("```\n$ python run.py\nOK\n```\n```text\nclass ModelNew\n```").unwrap_err();
    assert_eq!(err.fenced_blocks, ["untagged", "text"]);
}

#[test]
fn load_inline_reply_gives_the_cpp_in_strings_byte_identical() {
    let reply = data("load_inline_reply.md");
    let kernel = code_of("load_inline_kernel.py");
    let got = extract_code(&reply).unwrap();
    // The C++ (tab-indented line, trailing spaces, `\\n` escapes, `<<<...>>>`) is inside the
    // Python: the whole file coming out byte-identical covers it.
    assert_eq!(got.code, kernel);
    assert!(got.code.contains("\n\t// max over channels"));
    assert!(got.code.contains("1.f / s;   \n"));
    assert!(got.defines_model_new);
    assert_eq!(got.blocks_seen, 2);
}

#[test]
fn indented_fence_in_a_list_item_is_dedented() {
    let reply = "Steps:\n\n1. Replace the model:\n\n   ```python\n   import torch\n\n   \
                 class ModelNew(nn.Module):\n       def forward(self, x):\n           return x\n   \
                 ```\n2. Run it.\n";
    let got = extract_code(reply).unwrap();
    assert_eq!(
        got.code,
        "import torch\n\nclass ModelNew(nn.Module):\n    def forward(self, x):\n        return x"
    );
    assert!(got.complete_fence);
}

#[test]
fn tilde_fences_and_long_backtick_fences_hold_triple_backtick_lines() {
    let got = extract_code("~~~python\nclass ModelNew:\n    doc = '''\n```\n'''\n~~~\n").unwrap();
    assert_eq!(got.code, "class ModelNew:\n    doc = '''\n```\n'''");

    let reply = "````python\nclass ModelNew:\n    \"\"\"Usage:\n```python\nModelNew()\n```\n\
                 \"\"\"\n````\ntrailing ```\n";
    let got = extract_code(reply).unwrap();
    assert_eq!(
        got.code,
        "class ModelNew:\n    \"\"\"Usage:\n```python\nModelNew()\n```\n\"\"\""
    );
    assert!(got.complete_fence);
    assert_eq!(got.blocks_seen, 1);
}

#[test]
fn crlf_tabs_and_trailing_spaces_are_preserved() {
    let code =
        "import torch\r\nclass ModelNew(nn.Module):\r\n\tdef forward(self, x):  \r\n\t\treturn x\t";
    let reply = format!("Answer:\r\n```python\r\n{code}\r\n```\r\nDone.\r\n");
    let got = extract_code(&reply).unwrap();
    assert_eq!(got.code, code);
    assert!(got.defines_model_new);
}

#[test]
fn reply_without_fences_is_no_code() {
    let err = extract_code("I could not find a faster way.").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no ```python block in a 30-character reply; it holds 0 fenced blocks"
    );
}

#[test]
fn json_from_a_fenced_block() {
    let reply = "Analysis:\n```json\n{\"draft\": 1}\n```\nRevised:\n```json\n\
                 {\"critical_issue\": \"uncoalesced loads\", \"why_it_matters\": \"x\", \
                 \"minimal_fix_hint\": \"y\"}\n```\n{\"trailing\": true}\n";
    assert_eq!(
        extract_json(reply).unwrap(),
        json!({
            "critical_issue": "uncoalesced loads",
            "why_it_matters": "x",
            "minimal_fix_hint": "y"
        })
    );
}

#[test]
fn json_object_amid_prose_with_braces_in_strings_and_nesting() {
    let reply = r#"Looking at {the profile}, the answer is:
{"critical_issue": "loop {i} never ends \" }", "why_it_matters": {"sm": {"busy": 0.1}},
 "minimal_fix_hint": "use a `for (;;) {}` guard"}
Hope this helps!"#;
    assert_eq!(
        extract_json(reply).unwrap(),
        json!({
            "critical_issue": "loop {i} never ends \" }",
            "why_it_matters": {"sm": {"busy": 0.1}},
            "minimal_fix_hint": "use a `for (;;) {}` guard"
        })
    );
}

#[test]
fn json_bad_fenced_block_falls_back_to_prose() {
    let reply = "```json\n{critical_issue: oops}\n```\nI meant: {\"critical_issue\": \"a\"}";
    assert_eq!(extract_json(reply).unwrap(), json!({"critical_issue": "a"}));
}

#[test]
fn no_json_says_what_was_tried() {
    let err = extract_json("The kernel is fine; nothing to fix.").unwrap_err();
    assert_eq!(
        err.to_string(),
        "no JSON object in a 35-character reply: it holds no ```json block and no {...} span"
    );

    let err = extract_json("Use {braces} wisely.\n```json\n[1, 2]\n```").unwrap_err();
    assert_eq!((err.json_blocks, err.spans), (1, 1));
    assert_eq!(
        err.to_string(),
        "no JSON object in a 39-character reply: 1 ```json block and 1 {...} span, none an \
         object (last ```json block: a JSON array, not an object)"
    );
}

/// A line the generator must not produce: it could open or close a fence.
fn fence_like(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("```") || line.starts_with("~~~")
}

/// Code text with no fence line. A final `\r` would make the line before the closing fence end
/// in CRLF, which is a line ending, not code, so it is excluded too.
fn code_text() -> impl Strategy<Value = String> {
    let line = "[`~ \t\ra-zA-Z0-9:()=\"'#{}\\\\é中]{0,30}".prop_map(|line| {
        if fence_like(&line) {
            format!("#{line}")
        } else {
            line
        }
    });
    prop::collection::vec(line, 1..8).prop_map(|lines| {
        let code = lines.join("\n");
        if code.ends_with('\r') {
            format!("{code}x")
        } else {
            code
        }
    })
}

proptest! {
    #[test]
    fn fenced_code_comes_out_exactly(code in code_text()) {
        let reply = format!("prose\n```python\n{code}\n```\nmore prose");
        match extract_code(&reply) {
            Ok(got) => {
                prop_assert_eq!(got.code, code);
                prop_assert!(got.complete_fence);
            }
            // A block of whitespace is not code.
            Err(err) => {
                prop_assert!(code.trim().is_empty());
                prop_assert_eq!(err.fenced_blocks, ["python (empty)"]);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = extract_code(&text);
        let _ = extract_json(&text);
    }

    #[test]
    fn fence_heavy_text_never_panics(text in "[`~ \t\r\n{}\"\\\\pyjson]{0,200}") {
        let _ = extract_code(&text);
        let _ = extract_json(&text);
    }
}
