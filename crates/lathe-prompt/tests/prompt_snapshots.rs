//! Snapshots of every prompt lathe renders, on one example problem and kernel: each stage in each
//! style, the seed prompts for both backends, the analyst and the repair prompts. A change to a
//! template or to the stage texts shows up here as a reviewed diff.

use lathe_core::{Backend, Category, GpuCatalog, StageLibrary, TritonApi, VerdictKind};
use lathe_prompt::{
    Diagnosis, ErrorLog, FailedAttempt, FailureRequest, MetricsJson, OptimizeRequest, PromptStyle,
    Prompts, SeedRequest, TritonFacts,
};

const PROBLEM: &str = include_str!("fixtures/problem.py");
const KERNEL: &str = include_str!("fixtures/kernel.py");
const METRICS: &str = include_str!("fixtures/metrics.json");
const LOG: &str = include_str!("fixtures/compile_error.log");
const BROKEN_KERNEL: &str = include_str!("fixtures/broken_kernel.py");

fn triton_3_6() -> TritonFacts {
    TritonFacts::release(TritonApi::embedded().release("3.6").unwrap())
}

#[test]
fn every_stage_in_every_style() {
    let prompts = Prompts::new();
    let gpu = GpuCatalog::embedded().lookup("H100 SXM").unwrap().clone();
    let metrics = MetricsJson::parse(METRICS).unwrap();
    let triton = triton_3_6();
    for category in Category::ALL {
        for stage in StageLibrary::embedded().stages(category) {
            for style in PromptStyle::ALL {
                let text = prompts
                    .optimize(&OptimizeRequest {
                        gpu: &gpu,
                        stage,
                        style,
                        kernel_source: KERNEL,
                        metrics: Some(&metrics),
                        triton: &triton,
                        reference_source: None,
                    })
                    .unwrap();
                let name = format!("optimize__{category}__{}__{style}", stage.id);
                insta::assert_snapshot!(name, text);
            }
        }
    }
}

#[test]
fn the_reference_section_appears_only_when_given() {
    let prompts = Prompts::new();
    let gpu = GpuCatalog::embedded().lookup("L4").unwrap().clone();
    let stage = StageLibrary::embedded()
        .lookup(Category::Fusion, "block_tiling")
        .unwrap();
    let text = prompts
        .optimize(&OptimizeRequest {
            gpu: &gpu,
            stage,
            style: PromptStyle::Compact,
            kernel_source: KERNEL,
            metrics: None,
            triton: &TritonFacts::seed_list(),
            reference_source: Some(PROBLEM),
        })
        .unwrap();
    insta::assert_snapshot!("optimize_with_reference", text);
}

#[test]
fn seed_prompts_for_both_backends() {
    let prompts = Prompts::new();
    let gpu = GpuCatalog::embedded()
        .lookup("NVIDIA H200")
        .unwrap()
        .clone();
    for (backend, triton) in [
        (Backend::Triton, triton_3_6()),
        (Backend::Triton, TritonFacts::every_release()),
        (Backend::Cuda, triton_3_6()),
    ] {
        let text = prompts
            .seed(&SeedRequest {
                gpu: &gpu,
                backend,
                reference_source: PROBLEM,
                triton: &triton,
            })
            .unwrap();
        insta::assert_snapshot!(
            format!("seed__{backend}__triton_{}", triton.version_label),
            text
        );
    }
}

fn history() -> Vec<FailedAttempt> {
    vec![
        FailedAttempt {
            verdict: VerdictKind::Wrong,
            summary: "max abs error 0.41 at index (3, 17): used tanh approximation of GELU".into(),
        },
        FailedAttempt {
            verdict: VerdictKind::CompileError,
            summary: "tl.tanh does not exist".into(),
        },
    ]
}

#[test]
fn analyst_and_repair_prompts() {
    let prompts = Prompts::new();
    let gpu = GpuCatalog::embedded().lookup("A100 80GB").unwrap().clone();
    let log = ErrorLog::tail(LOG, 8);
    let history = history();
    let diagnosis = Diagnosis {
        critical_issue: "BLOCK=1000 is passed to tl.arange, which needs a power of 2".into(),
        why_it_matters: "the kernel does not compile, so nothing runs".into(),
        minimal_fix_hint: "use BLOCK=1024 in the launch and in triton.cdiv".into(),
    };
    let mut request = FailureRequest {
        gpu: &gpu,
        backend: Backend::Triton,
        reference_source: PROBLEM,
        code: BROKEN_KERNEL,
        error_log: &log,
        history: &history,
        diagnosis: None,
    };
    insta::assert_snapshot!("analyst", prompts.analyst(&request).unwrap());
    request.diagnosis = Some(&diagnosis);
    insta::assert_snapshot!("repair", prompts.repair(&request).unwrap());
    request.diagnosis = None;
    request.history = &[];
    request.backend = Backend::Cuda;
    insta::assert_snapshot!(
        "repair__cuda_first_attempt",
        prompts.repair(&request).unwrap()
    );
}

#[test]
fn a_long_log_keeps_its_tail_and_says_so() {
    let log = ErrorLog::tail(LOG, 8);
    assert_eq!(log.omitted_lines, LOG.lines().count() - 8);
    assert!(
        log.text
            .ends_with("ValueError: arange's range must be a power of 2")
    );
    let text = Prompts::new()
        .analyst(&FailureRequest {
            gpu: GpuCatalog::embedded().lookup("T4").unwrap(),
            backend: Backend::Triton,
            reference_source: PROBLEM,
            code: BROKEN_KERNEL,
            error_log: &log,
            history: &[],
            diagnosis: None,
        })
        .unwrap();
    assert!(text.contains(&format!(
        "(the first {} lines are left out)",
        log.omitted_lines
    )));
}
