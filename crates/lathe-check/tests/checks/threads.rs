//! `threads`: no host concurrency in candidates.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, cuda, lines, triton};

#[test]
fn thread_modules_are_rejected_however_imported() {
    let report = triton(
        r#"
import threading
from concurrent.futures import ThreadPoolExecutor
import multiprocessing as mp
from concurrent import futures
import asyncio, os
import _thread
mod = __import__("threading")
import torch.multiprocessing
"#,
    );
    assert_eq!(
        lines(&report, Rule::Threads, Severity::Reject),
        [1, 2, 3, 4, 5, 6, 7, 8]
    );
}

#[test]
fn thread_constructors_are_rejected() {
    let report = triton(
        r#"
from threading import *
import os


def forward(x):
    t = Thread(target=lambda: x.mul_(2))
    t.start()
    pid = os.fork()
    return x
"#,
    );
    assert_eq!(lines(&report, Rule::Threads, Severity::Reject), [1, 6, 8]);
    let evidence = &report
        .findings
        .iter()
        .find(|f| f.line == 6)
        .unwrap()
        .evidence;
    assert_eq!(
        evidence,
        "`Thread(...)` at line 6: work could finish after the timer stops"
    );
}

#[test]
fn names_that_only_look_like_threads_pass() {
    let report = triton(
        r#"
import torch
import threadpoolctl
from mylib import Pool

thread_count = 4


def forward(x, threads=thread_count):
    torch.cuda.synchronize()
    pool = Pool(2)
    return x
"#,
    );
    assert_none(&report, Rule::Threads);
}

#[test]
fn threads_started_in_cuda_sources_are_rejected() {
    let report = cuda(
        r#"
from torch.utils.cpp_extension import load_inline

src = """
#include <thread>
__global__ void k(float* x) {}
torch::Tensor run(torch::Tensor x) {
    int thread = threadIdx.x;  // a variable, not a thread
    std::thread worker([=] { k<<<1, 1>>>(x.data_ptr<float>()); });
    worker.detach();
    return x;
}
"""
ext = load_inline(name="e", cpp_sources="", cuda_sources=src, functions=["run"])
ext.run(None)
"#,
    );
    assert_eq!(lines(&report, Rule::Threads, Severity::Reject), [8]);
}
