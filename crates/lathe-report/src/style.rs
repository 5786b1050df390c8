//! The HTML report's stylesheet, inline: the report is one file that opens anywhere, offline.

pub(crate) const CSS: &str = r#"
:root { color-scheme: light; --fg: #1d1f21; --muted: #63666a; --line: #dcdfe2; --code: #f5f6f7; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.6em; margin: 0 0 .6em; }
h2 { font-size: 1.25em; margin: 2em 0 .6em; padding-bottom: .2em; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { font-size: .92em; }
pre { font-size: 13px; }
pre code { font-size: inherit; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
p.result { font-size: 1.08em; margin: 1.2em 0; padding: 10px 14px; background: #edf6f0; border-left: 4px solid #2e9e6a; }
p.result.none { background: #fbeeee; border-left-color: #d1312b; }
figure { margin: 1.2em 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { background: #f2f3f5; font-weight: 600; }
th.r { text-align: right; }
td.r { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.kept td { background: #eef7f1; }
td.bad { color: #b3261e; }
pre { background: var(--code); padding: 12px 14px; border-radius: 4px; overflow-x: auto; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 36em; overflow-y: auto; }
details { margin: 6px 0; }
details > summary { cursor: pointer; }
details details { margin-left: 1.2em; }
.attempt > summary code { font-weight: 600; }
.code .kw { color: #8a2f9e; font-weight: 600; }
.code .str { color: #2d7a2d; }
.code .com { color: #767676; font-style: italic; }
.code .num { color: #a65400; }
.code .dec { color: #1b66ad; }
.code .tl { color: #0b7685; }
.code .def { color: #1f4aa0; font-weight: 600; }
"#;
