//! The details page (`--page details`, one row per metric per launch) reads to the same capture
//! as the raw page of the same launches.

use lathe_profile::{Page, metrics_block, parse_capture, summarize};

const DETAILS: &str = include_str!("data/handmade_details.csv");
const RAW: &str = include_str!("data/handmade_raw.csv");

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn handmade_details_page_reads_like_its_raw_page() {
    let details = parse_capture(DETAILS).unwrap();
    let raw = parse_capture(RAW).unwrap();
    assert_eq!((details.page, raw.page), (Page::Details, Page::Raw));
    assert_eq!(details.launches, raw.launches);
    assert_eq!(details.metric_columns, raw.metric_columns);
    assert_eq!(details.units, raw.units);
    assert_eq!(details.messages, raw.messages);
    assert_eq!(details.launches.len(), 3);
    assert_eq!(
        details.launches[2].values["lts__t_sector_hit_rate.pct"].text,
        "n/a"
    );

    let own = names(&["post_process_kernel"]);
    let summary = summarize(&details, &own);
    assert_eq!(summary, summarize(&raw, &own));
    assert_eq!(summary.own.len(), 1);
    assert_eq!(summary.own[0].launches, 2);
    let hit = summary.own[0].metric("lts__t_sector_hit_rate.pct").unwrap();
    assert_eq!((hit.median, hit.launches), (50.27, 1));
    let time = summary.own[0].metric("gpu__time_duration.sum").unwrap();
    assert_eq!(
        (time.median, time.integer, time.unit.as_str()),
        (1_298_016.0, true, "ns")
    );
    assert_eq!(summary.library.len(), 1);
    assert_eq!(summary.library[0].function, "nchwToNhwcKernel");

    let metrics = names(&[
        "sm__throughput.avg.pct_of_peak_sustained_elapsed",
        "launch__grid_size",
        "lts__t_sector_hit_rate.pct",
    ]);
    let (block, missing) = metrics_block(&summary.own, &metrics);
    assert!(missing.is_empty(), "{missing:?}");
    insta::assert_snapshot!(block.render(), @r#"
    {
      "post_process_kernel": {
        "sm__throughput.avg.pct_of_peak_sustained_elapsed": 51.16,
        "launch__grid_size": 2097152,
        "lts__t_sector_hit_rate.pct": 50.27
      }
    }
    "#);
}

/// A real details page (an H100, ncu 2025.3.1): no rule columns, metrics sorted by name.
#[test]
fn real_details_page() {
    let capture = parse_capture(include_str!("data/h100_multi_launch_details.csv")).unwrap();
    assert_eq!(capture.page, Page::Details);
    assert_eq!(capture.launches.len(), 9);
    assert_eq!(capture.metric_columns.len(), 8);
    assert_eq!(capture.units["gpu__time_duration.sum"], "ns");
    assert_eq!(capture.messages.len(), 2);
    let summary = summarize(&capture, &names(&["scale_kernel", "add_kernel"]));
    let own: Vec<(&str, usize)> = summary
        .own
        .iter()
        .map(|k| (k.name.as_str(), k.launches))
        .collect();
    assert_eq!(own, [("scale_kernel", 3), ("add_kernel", 1)]);
    let grid = summary.own[0].metric("launch__grid_size").unwrap();
    assert_eq!(
        (grid.median, grid.min, grid.max, grid.integer),
        (4_096.0, 1_024.0, 16_384.0, true)
    );
    let time = summary.own[0].metric("gpu__time_duration.sum").unwrap();
    assert_eq!(time.median, 11_136.0);
    assert_eq!(summary.library.iter().map(|k| k.launches).sum::<usize>(), 5);
}

#[test]
fn rule_rows_and_extra_columns_are_ignored() {
    let text = "\"ID\",\"Kernel Name\",\"Section Name\",\"Metric Name\",\"Metric Unit\",\"Metric Value\",\"Rule Name\"\n\
                \"0\",\"k\",\"SpeedOfLight\",\"Duration\",\"usecond\",\"1.50\",\"\"\n\
                \"0\",\"k\",\"SpeedOfLight\",\"\",\"\",\"\",\"SOLBottleneck\"\n\
                \"1\",\"k\",\"SpeedOfLight\",\"\",\"\",\"\",\"SOLBottleneck\"\n\
                \"0\",\"k\",\"Occupancy\",\"Duration\",\"usecond\",\"9.99\",\"\"\n";
    let capture = parse_capture(text).unwrap();
    assert_eq!(capture.page, Page::Details);
    // A launch with only rule rows was still profiled.
    assert_eq!(capture.launches.len(), 2);
    assert_eq!(capture.metric_columns, ["Duration"]);
    // A metric shown in two sections keeps its first reading.
    assert_eq!(capture.launches[0].values["Duration"].text, "1.50");
    assert!(capture.launches[1].values.is_empty());
    assert_eq!(
        (
            capture.launches[0].process_id,
            capture.launches[0].block_size.as_str()
        ),
        (None, "")
    );
}
