//! The values a stage lets a constant take: its stage's lists (`num_warps = [2, 4, 8]`) and
//! block range (powers of two between `min` and `max`), from the stage library.

use lathe_core::Stage;

use crate::Kind;

/// The values `stage` allows a constant of `kind`, ascending; empty when the stage does not
/// tune that kind.
pub fn allowed(stage: &Stage, kind: Kind) -> Vec<u64> {
    let mut values: Vec<u64> = match kind {
        Kind::Block => stage
            .tunables
            .block
            .map(|range| range.sizes().into_iter().map(u64::from).collect())
            .unwrap_or_default(),
        Kind::NumWarps => stage
            .tunables
            .num_warps
            .iter()
            .map(|&v| u64::from(v))
            .collect(),
        Kind::NumStages => stage
            .tunables
            .num_stages
            .iter()
            .map(|&v| u64::from(v))
            .collect(),
    };
    values.sort_unstable();
    values.dedup();
    values
}

/// The nearest allowed value above (`up`) or below `current`. A block size that is not a power
/// of two is left alone: the kernel may rely on its exact value.
pub fn step(allowed: &[u64], kind: Kind, current: u64, up: bool) -> Option<u64> {
    if kind == Kind::Block && !current.is_power_of_two() {
        return None;
    }
    if up {
        allowed.iter().copied().find(|&v| v > current)
    } else {
        allowed.iter().rev().copied().find(|&v| v < current)
    }
}

#[cfg(test)]
mod tests {
    use lathe_core::{Category, StageLibrary};

    use super::*;

    #[test]
    fn a_stage_allows_its_own_lists_and_power_of_two_blocks() {
        let library = StageLibrary::embedded();
        let tiling = library.lookup(Category::Fusion, "block_tiling").unwrap();
        assert_eq!(allowed(tiling, Kind::NumWarps), [2, 4, 8]);
        assert_eq!(
            allowed(tiling, Kind::Block),
            [16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
        );
        assert!(allowed(tiling, Kind::NumStages).is_empty());
        let blocks = allowed(tiling, Kind::Block);
        assert_eq!(step(&blocks, Kind::Block, 1024, true), Some(2048));
        assert_eq!(step(&blocks, Kind::Block, 16, false), None);
        assert_eq!(
            step(&blocks, Kind::Block, 300, true),
            None,
            "not a power of two"
        );
        assert_eq!(step(&[2, 4, 8], Kind::NumWarps, 1, true), Some(2));
    }
}
