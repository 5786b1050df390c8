//! What the driver's tests share.

use std::path::PathBuf;

use lathe_core::Backend;
use lathe_worker::protocol::{
    CandidateRef, CorrectnessConfig, Device, EvalRequest, IntegrityConfig, Limits,
    PROTOCOL_VERSION, ProblemRef, RequestKind, TimingConfig,
};

/// An evaluation request with every setting at its default, on the interpreter.
pub fn eval_request(problem: impl Into<PathBuf>, kernel: impl Into<PathBuf>) -> EvalRequest {
    EvalRequest {
        protocol: PROTOCOL_VERSION,
        kind: RequestKind::Eval,
        device: Device::Interpret,
        problem: ProblemRef {
            path: problem.into(),
            overrides: Default::default(),
        },
        candidate: CandidateRef {
            path: kernel.into(),
            backend: Backend::Triton,
            kernels: vec![],
        },
        correctness: CorrectnessConfig::default(),
        timing: TimingConfig::default(),
        integrity: IntegrityConfig::default(),
        limits: Limits::default(),
        progress_path: None,
        runner: Default::default(),
    }
}
