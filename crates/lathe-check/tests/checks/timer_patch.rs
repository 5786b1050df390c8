//! `timer-patch`: no writes to timing and synchronization modules.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, lines, of, triton};

#[test]
fn patching_timing_modules_is_rejected_however_spelled() {
    let report = triton(
        r#"
import builtins
import time as t
import torch
import triton
from torch import cuda

torch.cuda.synchronize = lambda: None
t.perf_counter = lambda: 0.0
setattr(torch.cuda, "synchronize", print)
torch.cuda.Event.elapsed_time = lambda self, other: 0.001
triton.testing.do_bench = lambda fn: 0.001
cuda.synchronize = print
c = torch.cuda
c.current_stream = None
builtins.print = None
torch.cuda.Event.elapsed_time += 0
del torch.cuda.synchronize
"#,
    );
    assert_eq!(
        lines(&report, Rule::TimerPatch, Severity::Reject),
        [7, 8, 9, 10, 11, 12, 14, 15, 16, 17]
    );
    let evidence = &of(&report, Rule::TimerPatch)[0].evidence;
    assert_eq!(
        evidence,
        "`torch.cuda.synchronize = ...` at line 7: patches `torch.cuda.synchronize`, in a module the harness times and synchronizes with"
    );
}

#[test]
fn local_names_and_reads_pass() {
    let report = triton(
        r#"
import time
import torch
from time import perf_counter


class ModelNew(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.time = 0.0
        self.cuda_graph = None

    def forward(self, x):
        start = time.perf_counter()
        perf_counter = None
        torch.cuda.synchronize()
        self.time = time.perf_counter() - start
        return x
"#,
    );
    assert_none(&report, Rule::TimerPatch);
}

#[test]
fn precision_switches_are_not_timer_patches() {
    let report = triton("import torch\ntorch.backends.cuda.matmul.allow_tf32 = True\n");
    assert_none(&report, Rule::TimerPatch);
    assert_eq!(lines(&report, Rule::PrecisionFlags, Severity::Reject), [2]);
}
