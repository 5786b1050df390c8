//! `introspection`: no fishing in the harness's memory, no code the checks cannot read.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, lines, triton};

#[test]
fn memory_and_frame_inspection_is_rejected() {
    let report = triton(
        r#"
import gc
import inspect
from ctypes import c_void_p
import sys
import importlib

expected = sys._getframe(1).f_back.f_locals["expected"]
torch_module = sys.modules["torch"]
g = forward.__globals__
value = eval("1 + 1")
mod = importlib.import_module(name)
back = getattr(frame, "f_back")
"#,
    );
    assert_eq!(
        lines(&report, Rule::Introspection, Severity::Reject),
        [1, 2, 3, 7, 8, 9, 10, 11, 12]
    );
}

#[test]
fn ordinary_uses_of_sys_and_eval_methods_pass() {
    let report = triton(
        r#"
import sys
import torch

if sys.version_info < (3, 10):
    raise RuntimeError("python too old")


class ModelNew(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.eval()
        self.fn = torch.compile(lambda x: x)

    def forward(self, x):
        return x.stride()
"#,
    );
    assert_none(&report, Rule::Introspection);
}

#[test]
fn dynamic_imports_of_plain_names_are_judged_by_the_name() {
    let report = triton(
        r#"
time_module = __import__("ti" + "me")
gc_module = __import__("g" + "c")
other = __import__(f"{prefix}me")
"#,
    );
    assert_eq!(
        lines(&report, Rule::Introspection, Severity::Reject),
        [2, 3]
    );
}
