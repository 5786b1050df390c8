//! The Python highlighter: classes where a reader expects them, and never a character lost,
//! added or left unescaped.

mod common;

use lathe_report::highlight_python;
use proptest::prelude::*;

/// The text a browser shows for highlighted HTML: tags dropped, entities decoded.
fn shown(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

proptest! {
    #[test]
    fn any_text_round_trips(text in any::<String>()) {
        prop_assert_eq!(shown(&highlight_python(&text)), text);
    }

    /// Text made of what the lexer cares about, so that strings, prefixes, escapes, numbers
    /// and decorators meet each other in odd ways.
    #[test]
    fn python_like_text_round_trips(
        text in "[ \\t\\n#@'\"\\\\rbfuRBtlrion.0-9xXeEjJ_+\\-()<>&;é→]{0,120}"
    ) {
        let html = highlight_python(&text);
        prop_assert_eq!(shown(&html), text);
        // Only the highlighter's own tags remain.
        let opened = html.matches("<span class=\"").count();
        prop_assert_eq!(opened, html.matches("</span>").count());
        prop_assert_eq!(opened, html.matches('<').count() / 2);
    }
}

#[test]
fn tokens_get_their_classes() {
    let source = "@triton.jit\ndef k(x_ptr, BLOCK: tl.constexpr):\n    s = \"\"\"a\n'b'\"\"\"  # c\n    \
                  y = 1.5e-3 + 0x1F + .5j\n    z = a @ b\n    w = rb'\\'' + f\"{x}\"\n    return triton.cdiv(n, 2)\n";
    let html = highlight_python(source);
    for expected in [
        r#"<span class="dec">@triton.jit</span>"#,
        r#"<span class="kw">def</span> <span class="def">k</span>"#,
        r#"<span class="tl">tl.constexpr</span>"#,
        r#"<span class="str">&quot;&quot;&quot;a
&#39;b&#39;&quot;&quot;&quot;</span>"#,
        r#"<span class="com"># c</span>"#,
        r#"<span class="num">1.5e-3</span> + <span class="num">0x1F</span> + <span class="num">.5j</span>"#,
        "z = a @ b",
        r#"<span class="str">rb&#39;\&#39;&#39;</span>"#,
        r#"<span class="str">f&quot;{x}&quot;</span>"#,
        r#"<span class="kw">return</span> <span class="tl">triton.cdiv</span>(n, <span class="num">2</span>)"#,
    ] {
        assert!(html.contains(expected), "{expected}\nnot in\n{html}");
    }
}

#[test]
fn unclosed_strings_end_where_python_gives_up() {
    assert_eq!(
        highlight_python("x = 'abc\ny = 1"),
        "x = <span class=\"str\">&#39;abc</span>\ny = <span class=\"num\">1</span>"
    );
    assert_eq!(
        highlight_python("\"\"\"doc\nmore"),
        "<span class=\"str\">&quot;&quot;&quot;doc\nmore</span>"
    );
}

#[test]
fn a_kernel() {
    insta::assert_snapshot!(highlight_python(&common::kernel("seed/s0")));
}
