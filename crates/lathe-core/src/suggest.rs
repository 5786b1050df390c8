//! "Did you mean" for names a person types: GPUs, stages, categories.

/// The candidate closest to `input` when it is close enough to be a likely typo, else `None`.
/// Comparison is case-insensitive Jaro-Winkler similarity, which favours shared prefixes — the
/// usual shape of a typo in a short identifier.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    const LIKELY_TYPO: f64 = 0.8;
    let input = input.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&input, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= LIKELY_TYPO)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let stages = ["grid_and_parallel", "block_tiling", "memory_access"];
        assert_eq!(closest("memory_acess", stages), Some("memory_access"));
        assert_eq!(closest("Block_Tiling", stages), Some("block_tiling"));
        assert_eq!(closest("zzz", stages), None);
    }
}
