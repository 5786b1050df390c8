//! Writing tuned values back: the source with only the chosen literals' bytes replaced.

use crate::Tunable;

/// `source` with each tunable's literal replaced by its new value; everything else (comments,
/// layout, other numbers) byte for byte as it was.
pub fn rewrite(source: &str, changes: &[(&Tunable, u64)]) -> String {
    let mut ordered: Vec<&(&Tunable, u64)> = changes.iter().collect();
    ordered.sort_by_key(|(t, _)| std::cmp::Reverse(t.range.start()));
    let mut out = source.to_owned();
    for (tunable, value) in ordered {
        out.replace_range(tunable.range.to_std_range(), &value.to_string());
    }
    out
}

trait StdRange {
    fn to_std_range(self) -> std::ops::Range<usize>;
}

impl StdRange for ruff_text_size::TextRange {
    fn to_std_range(self) -> std::ops::Range<usize> {
        self.start().to_usize()..self.end().to_usize()
    }
}
