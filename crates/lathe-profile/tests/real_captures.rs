//! The real raw-page captures of the seed prompts' kernels on an H200 (see data/README.md): the
//! candidate's Triton kernel is picked out of the cuDNN and ATen launches by exact function name,
//! its numbers are the file's, and the stall metric ncu did not collect is reported, not zeroed.

use lathe_profile::{
    Capture, MissingMetric, Page, Summary, metrics_block, parse_capture, summarize,
};

const SEED2: &str = include_str!("data/h200_seed2_raw.csv");
const SEED91: &str = include_str!("data/h200_seed91_raw.csv");

const STALL: &str = "smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct";

/// The seed prompts' five metrics, then the stall metric a stage may ask for.
fn requested() -> Vec<String> {
    [
        "sm__throughput.avg.pct_of_peak_sustained_elapsed",
        "launch__grid_size",
        "sm__warps_active.avg.pct_of_peak_sustained_active",
        "dram__throughput.avg.pct_of_peak_sustained_elapsed",
        "lts__t_sector_hit_rate.pct",
        STALL,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn own(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

fn capture(text: &str) -> Capture {
    parse_capture(text).unwrap_or_else(|e| panic!("{e}"))
}

const CUDNN_TO_NHWC: &str = "void cudnn::nchwToNhwcKernel<float, float, float, 0, 1, 0>\
                             (cudnn::nchw2nhwc_params_t<T3>, const T1 *, T2 *)";

#[test]
fn seed2_capture_reads_whole() {
    let capture = capture(SEED2);
    assert_eq!(capture.page, Page::Raw);
    assert_eq!(capture.launches.len(), 6);
    assert_eq!(
        capture.messages,
        [
            "==PROF== Connected to process 761 (/usr/bin/python3.12)",
            "==PROF== Disconnected from process 761"
        ]
    );
    assert_eq!(capture.metric_columns.len(), 275);
    assert!(!capture.metric_columns.iter().any(|m| m == STALL));
    assert_eq!(capture.units["gpu__time_duration.sum"], "ns");
    assert_eq!(capture.units["lts__t_sector_hit_rate.pct"], "%");
    assert_eq!(
        capture.units["launch__registers_per_thread"],
        "register/thread"
    );
    assert!(!capture.units.contains_key("launch__grid_size"));

    let first = &capture.launches[0];
    assert_eq!((first.id, first.process_id), (0, Some(761)));
    assert_eq!(first.kernel_name, CUDNN_TO_NHWC);
    assert_eq!(
        (first.block_size.as_str(), first.grid_size.as_str()),
        ("(256, 1, 1)", "(1, 2, 64)")
    );
    let ids: Vec<u64> = capture.launches.iter().map(|l| l.id).collect();
    assert_eq!(ids, [0, 1, 2, 3, 4, 5]);

    let own = &capture.launches[5];
    assert_eq!(own.kernel_name, "post_process_kernel");
    let grid = &own.values["launch__grid_size"];
    assert_eq!(grid.text, "2,097,152");
    assert_eq!(
        grid.number.map(|n| (n.value, n.integer)),
        Some((2_097_152.0, true))
    );
    // Non-numeric cells keep their text and have no number.
    let chip = &own.values["device__attribute_display_name"];
    assert_eq!((chip.text.as_str(), chip.number), ("NVIDIA H200", None));
}

#[test]
fn seed2_picks_post_process_kernel_out_of_the_library_launches() {
    let summary = summarize(&capture(SEED2), &own(&["post_process_kernel"]));
    assert_eq!(summary.launches, 6);
    assert_eq!(summary.own.len(), 1);
    let kernel = &summary.own[0];
    assert_eq!(
        (kernel.name.as_str(), kernel.function.as_str()),
        ("post_process_kernel", "post_process_kernel")
    );
    assert_eq!(kernel.launches, 1);

    let grid = kernel.metric("launch__grid_size").unwrap();
    assert_eq!(
        (grid.median, grid.integer, grid.unit.as_str(), grid.launches),
        (2_097_152.0, true, "", 1)
    );
    let sm = kernel
        .metric("sm__throughput.avg.pct_of_peak_sustained_elapsed")
        .unwrap();
    assert_eq!(
        (sm.median, sm.min, sm.max, sm.integer, sm.unit.as_str()),
        (52.31, 52.31, 52.31, false, "%")
    );
    let time = kernel.metric("gpu__time_duration.sum").unwrap();
    assert_eq!(
        (time.median, time.integer, time.unit.as_str()),
        (1_300_032.0, true, "ns")
    );
    let registers = kernel.metric("launch__registers_per_thread").unwrap();
    assert_eq!((registers.median, registers.integer), (16.0, true));
    assert!(kernel.metric(STALL).is_none());

    assert_library(
        &summary,
        &[
            (CUDNN_TO_NHWC, "nchwToNhwcKernel", 2),
            (
                "sm90_xmma_dgrad_implicit_gemm_indexed_f32f32_tf32f32_f32_nhwckrsc_nhwc_tilesize256x64x32_\
             warpgroupsize1x1x1_g1_strided_execute_kernel__5x_cudnn",
                "sm90_xmma_dgrad_implicit_gemm_indexed_f32f32_tf32f32_f32_nhwckrsc_nhwc_tilesize256x64x32_\
             warpgroupsize1x1x1_g1_strided_execute_kernel__5x_cudnn",
                1,
            ),
            (
                "void cudnn::nhwcToNchwKernel<float, float, float, 1, 0, 0>\
             (cudnn::nhwc2nchw_params_t<T3>, const T1 *, T2 *)",
                "nhwcToNchwKernel",
                1,
            ),
            (
                "void at::elementwise_kernel<128, 2, void at::gpu_kernel_impl_nocast<\
             at::CUDAFunctor_add<float>>(at::TensorIteratorBase &, const T1 &)::\
             [lambda(int) (instance 1)]>(int, T3)",
                "elementwise_kernel",
                1,
            ),
        ],
    );
    // The layout transform's two launches: grid sizes 128 and 131,072.
    let transform = summary.library[0].metric("launch__grid_size").unwrap();
    assert_eq!(
        (
            transform.median,
            transform.min,
            transform.max,
            transform.launches
        ),
        (65_600.0, 128.0, 131_072.0, 2)
    );
}

fn assert_library(summary: &Summary, expected: &[(&str, &str, usize)]) {
    let library: Vec<(&str, &str, usize)> = summary
        .library
        .iter()
        .map(|k| (k.name.as_str(), k.function.as_str(), k.launches))
        .collect();
    assert_eq!(library, expected);
}

#[test]
fn seed91_picks_the_fused_kernel() {
    let summary = summarize(
        &capture(SEED91),
        &own(&["fused_softmax_bias_scale_sigmoid_kernel"]),
    );
    assert_eq!(summary.own.len(), 1);
    let kernel = &summary.own[0];
    assert_eq!(
        (kernel.name.as_str(), kernel.launches),
        ("fused_softmax_bias_scale_sigmoid_kernel", 1)
    );
    let time = kernel.metric("gpu__time_duration.sum").unwrap();
    assert_eq!(
        (time.median, time.integer, time.unit.as_str()),
        (5_969_984.0, true, "ns")
    );
    let grid = kernel.metric("launch__grid_size").unwrap();
    assert_eq!((grid.median, grid.integer), (2_130_048.0, true));
    let hit = kernel.metric("lts__t_sector_hit_rate.pct").unwrap();
    assert_eq!((hit.median, hit.integer), (94.52, false));
    assert_eq!(summary.library.len(), 4);
    assert_eq!(summary.library.iter().map(|k| k.launches).sum::<usize>(), 5);
}

/// Substring or case-insensitive matching would take every `*_kernel` (or `*Kernel`) as the
/// candidate's.
#[test]
fn substrings_of_kernel_names_select_nothing() {
    for text in [SEED2, SEED91] {
        let capture = capture(text);
        for names in [
            &["kernel"][..],
            &["Kernel"],
            &["process_kernel"],
            &["post_process"],
            &["POST_PROCESS_KERNEL"],
            &["cudnn"],
            &["nchwToNhwc"],
        ] {
            let summary = summarize(&capture, &own(names));
            assert!(
                summary.own.is_empty(),
                "{names:?} selected {:?}",
                summary.own
            );
            assert_eq!(summary.library.iter().map(|k| k.launches).sum::<usize>(), 6);
        }
    }
}

fn block(text: &str, own_function: &str) -> (String, Vec<MissingMetric>) {
    let summary = summarize(&capture(text), &own(&[own_function]));
    let (block, missing) = metrics_block(&summary.own, &requested());
    (block.render(), missing)
}

#[test]
fn seed2_metrics_block() {
    let (rendered, missing) = block(SEED2, "post_process_kernel");
    assert!(
        rendered.contains("\"launch__grid_size\": 2097152,"),
        "{rendered}"
    );
    assert!(
        rendered.contains("\"sm__throughput.avg.pct_of_peak_sustained_elapsed\": 52.31,"),
        "{rendered}"
    );
    assert!(!rendered.contains(STALL), "{rendered}");
    assert_eq!(missing.len(), 1);
    assert_eq!(
        (missing[0].kernel.as_str(), missing[0].metric.as_str()),
        ("post_process_kernel", STALL)
    );
    assert_eq!(missing[0].reason, "not in the capture's columns");
    insta::assert_snapshot!("seed2_metrics_block", rendered);
}

#[test]
fn seed91_metrics_block() {
    let (rendered, missing) = block(SEED91, "fused_softmax_bias_scale_sigmoid_kernel");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].metric, STALL);
    insta::assert_snapshot!("seed91_metrics_block", rendered);
}

/// The block is valid metrics JSON and reads back to what was built.
#[test]
fn rendered_blocks_parse_back() {
    for (text, function) in [
        (SEED2, "post_process_kernel"),
        (SEED91, "fused_softmax_bias_scale_sigmoid_kernel"),
    ] {
        let summary = summarize(&capture(text), &own(&[function]));
        let (block, _) = metrics_block(&summary.own, &requested());
        assert_eq!(
            lathe_prompt::MetricsJson::parse(&block.render()).unwrap(),
            block
        );
    }
}

/// Windows line endings read the same.
#[test]
fn crlf_reads_the_same() {
    let crlf = SEED2.replace('\n', "\r\n");
    assert_eq!(capture(&crlf), capture(SEED2));
}
