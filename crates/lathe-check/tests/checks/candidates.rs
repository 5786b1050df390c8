//! Whole honest candidates: no rejection, and the kernels they define.

use lathe_check::{check, kernel_names};
use lathe_core::{Backend, Policy, Severity};

use crate::support::fixture;

#[test]
fn honest_triton_candidate_is_clean_and_names_its_kernel() {
    let source = fixture("honest_triton.py");
    for policy in [Policy::Default, Policy::Strict] {
        let report = check(&source, Backend::Triton, policy);
        assert_eq!(report.syntax_error, None);
        assert_eq!(report.findings, [], "{policy:?}");
        assert_eq!(report.rejection(), None);
        assert_eq!(report.kernels, ["_silu_bias_kernel"]);
    }
    assert_eq!(
        kernel_names(&source, Backend::Triton),
        ["_silu_bias_kernel"]
    );
}

#[test]
fn autotuned_kernel_launched_through_a_launcher_is_clean() {
    let source = fixture("honest_triton_matmul.py");
    let report = check(&source, Backend::Triton, Policy::Strict);
    assert_eq!(report.findings, []);
    // Stacked decorators, and `@jit` imported from triton.
    assert_eq!(report.kernels, ["matmul_kernel", "_relu"]);
}

#[test]
fn honest_cuda_candidate_is_clean_and_names_its_global_functions() {
    let source = fixture("honest_cuda.py");
    let report = check(&source, Backend::Cuda, Policy::Strict);
    assert_eq!(report.findings, []);
    assert_eq!(report.kernels, ["bias_gelu_kernel", "row_scale_kernel"]);
    assert_eq!(
        kernel_names(&source, Backend::Cuda),
        ["bias_gelu_kernel", "row_scale_kernel"]
    );
}

#[test]
fn bundled_examples_are_not_rejected() {
    // The starting kernels shipped in examples/ keep some work in PyTorch (a transposed
    // convolution, say): warnings at most under the default policy.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut seen = 0;
    for level in std::fs::read_dir(root).expect("examples/ exists") {
        let level = level.expect("entry").path();
        if !level.is_dir() {
            continue;
        }
        for problem in std::fs::read_dir(level).expect("a level dir") {
            let path = problem.expect("entry").path().join("kernel.py");
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            seen += 1;
            let report = check(&source, Backend::Triton, Policy::Default);
            assert_eq!(report.rejection(), None, "{}: {report:#?}", path.display());
            assert!(!report.kernels.is_empty(), "{}", path.display());
            assert!(
                report.findings.iter().all(|f| f.severity == Severity::Warn),
                "{}",
                path.display()
            );
        }
    }
    assert!(seen > 0, "no example kernels found under {root}");
}

#[test]
fn kernel_names_reads_fstrings_and_joined_strings() {
    let source = r##"
NAME = "scale"
header = "#include <cuda_runtime.h>\n"
src = header + "__global__ void add_one(float* x) { x[0] += 1; }"
tmpl = f"""
__global__ void {NAME}_kernel(float* x) {{ }}
__global__ void fixed_kernel(float* x, int {NAME}) {{ }}
"""
doc = "The __global__ functions (below) are launched by the wrappers."
"##;
    assert_eq!(
        kernel_names(source, Backend::Cuda),
        ["add_one", "fixed_kernel"]
    );
    assert_eq!(kernel_names(source, Backend::Triton), Vec::<String>::new());
    assert_eq!(
        kernel_names("def f(:", Backend::Triton),
        Vec::<String>::new()
    );
}
