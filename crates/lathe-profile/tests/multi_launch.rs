//! Kernels launched more than once in the profiled forward pass: one summary per kernel, the
//! median over its launches, kernels in order of first launch.

mod common;

use common::raw_page;
use lathe_profile::{metrics_block, parse_capture, summarize};

const SM: &str = "sm__throughput.avg.pct_of_peak_sustained_elapsed";
const GRID: &str = "launch__grid_size";
const HIT: &str = "lts__t_sector_hit_rate.pct";

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// `scale_kernel` three times around an `add_kernel` launch and a library kernel.
fn three_scales() -> String {
    raw_page(
        &[(SM, "%"), (GRID, ""), (HIT, "%")],
        &[
            ("scale_kernel", &["10.00", "1,024", "50.5"]),
            (
                "void at::vectorized_elementwise_kernel<4>(int)",
                &["1.5", "8", "99"],
            ),
            ("add_kernel", &["7.25", "2,048", "n/a"]),
            ("scale_kernel", &["30.00", "4,096", ""]),
            ("scale_kernel", &["20.00", "16,384", "49.5"]),
        ],
    )
}

#[test]
fn medians_and_launch_counts() {
    let capture = parse_capture(&three_scales()).unwrap();
    let summary = summarize(&capture, &names(&["scale_kernel", "add_kernel"]));
    assert_eq!(summary.launches, 5);
    let scale = &summary.own[0];
    assert_eq!((scale.name.as_str(), scale.launches), ("scale_kernel", 3));
    let sm = scale.metric(SM).unwrap();
    assert_eq!(
        (sm.median, sm.min, sm.max, sm.launches, sm.integer),
        (20.0, 10.0, 30.0, 3, false)
    );
    let grid = scale.metric(GRID).unwrap();
    assert_eq!((grid.median, grid.integer), (4_096.0, true));
    // One launch left the hit rate empty: the median of the other two.
    let hit = scale.metric(HIT).unwrap();
    assert_eq!((hit.median, hit.launches), (50.0, 2));
    assert_eq!(summary.library.len(), 1);
    assert_eq!(summary.library[0].function, "vectorized_elementwise_kernel");
}

#[test]
fn own_kernels_in_order_of_first_launch() {
    let capture = parse_capture(&three_scales()).unwrap();
    // The order the candidate declares its kernels in does not matter.
    let summary = summarize(&capture, &names(&["add_kernel", "scale_kernel"]));
    let own: Vec<(&str, usize)> = summary
        .own
        .iter()
        .map(|k| (k.name.as_str(), k.launches))
        .collect();
    assert_eq!(own, [("scale_kernel", 3), ("add_kernel", 1)]);

    let (block, missing) = metrics_block(&summary.own, &names(&[GRID, SM, HIT]));
    insta::assert_snapshot!(block.render(), @r#"
    {
      "scale_kernel": {
        "launch__grid_size": 4096,
        "sm__throughput.avg.pct_of_peak_sustained_elapsed": 20.0,
        "lts__t_sector_hit_rate.pct": 50.0
      },
      "add_kernel": {
        "launch__grid_size": 2048,
        "sm__throughput.avg.pct_of_peak_sustained_elapsed": 7.25
      }
    }
    "#);
    assert_eq!(missing.len(), 1);
    assert_eq!(
        (missing[0].kernel.as_str(), missing[0].metric.as_str()),
        ("add_kernel", HIT)
    );
    assert_eq!(missing[0].reason, "no numeric value (n/a)");
}

#[test]
fn an_even_count_of_integers_has_a_fractional_median() {
    let text = raw_page(
        &[
            (GRID, ""),
            ("launch__registers_per_thread", "register/thread"),
        ],
        &[("k", &["2", "16"]), ("k", &["3", "16"])],
    );
    let summary = summarize(&parse_capture(&text).unwrap(), &names(&["k"]));
    let (block, _) = metrics_block(
        &summary.own,
        &names(&[GRID, "launch__registers_per_thread"]),
    );
    let values: Vec<&str> = block.kernels()[0]
        .metrics
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(values, ["2.5", "16"]);
}

#[test]
fn percentages_written_as_integers_are_shown_as_floats() {
    let text = raw_page(&[(SM, "%"), (HIT, "%")], &[("k", &["100", "0"])]);
    let summary = summarize(&parse_capture(&text).unwrap(), &names(&["k"]));
    assert!(!summary.own[0].metric(SM).unwrap().integer);
    let (block, _) = metrics_block(&summary.own, &names(&[SM, HIT]));
    let values: Vec<&str> = block.kernels()[0]
        .metrics
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(values, ["100.0", "0.0"]);
}

#[test]
fn cells_empty_in_every_launch_are_missing_not_zero() {
    let text = raw_page(
        &[(SM, "%"), (HIT, "%")],
        &[("k", &["12.5", ""]), ("k", &["13.5", ""])],
    );
    let summary = summarize(&parse_capture(&text).unwrap(), &names(&["k"]));
    let (block, missing) = metrics_block(&summary.own, &names(&[HIT, SM, SM]));
    assert_eq!(
        block.render(),
        "{\n  \"k\": {\n    \"sm__throughput.avg.pct_of_peak_sustained_elapsed\": 13.0\n  }\n}"
    );
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].reason, "empty in every launch of the kernel");
}

#[test]
fn no_own_kernel_gives_an_empty_block() {
    let capture = parse_capture(&three_scales()).unwrap();
    let summary = summarize(&capture, &[]);
    assert!(summary.own.is_empty());
    let (block, missing) = metrics_block(&summary.own, &names(&[SM]));
    assert_eq!(block.render(), "{}");
    assert!(missing.is_empty());
}

/// A real capture with Triton kernels launched several times (an H100, ncu 2025.3.1).
#[test]
fn real_multi_launch_capture() {
    let capture = parse_capture(include_str!("data/h100_multi_launch_raw.csv")).unwrap();
    assert_eq!(capture.launches.len(), 9);
    let summary = summarize(&capture, &names(&["scale_kernel", "add_kernel"]));
    let own: Vec<(&str, usize)> = summary
        .own
        .iter()
        .map(|k| (k.name.as_str(), k.launches))
        .collect();
    assert_eq!(own, [("scale_kernel", 3), ("add_kernel", 1)]);
    let time = summary.own[0].metric("gpu__time_duration.sum").unwrap();
    assert_eq!(
        (time.median, time.min, time.max, time.unit.as_str()),
        (11_424.0, 5_056.0, 41_984.0, "ns")
    );
    let library: Vec<(&str, usize)> = summary
        .library
        .iter()
        .map(|k| (k.function.as_str(), k.launches))
        .collect();
    assert_eq!(
        library,
        [
            ("reduce_kernel", 2),
            (
                "sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize64x64x8_stage3_warpsize1x4x1_ffma_aligna4_alignc4_execute_kernel__5x_cublas",
                1
            ),
            (
                "sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize64x64x8_stage3_warpsize1x4x1_ffma_aligna4_alignc4_execute_split_k_kernel__5x_cublas",
                1
            ),
            ("vectorized_elementwise_kernel", 1),
        ]
    );
}
