"""The judge's one-pass comparison kernel on a GPU against the chunked PyTorch path on the CPU
(worker/tests/test_compare_kernel.py runs the same check under pytest where pytest is
installed; the GPU machine has none), and the time of each on a 537-million-element output.

Usage (from the repository root): python3 tools/device/compare_kernel_check.py
"""

import sys
import time

sys.path.insert(0, "worker")

import torch

from lathe_worker import compare_kernel
from lathe_worker.compare import Tolerance, _Comparison, compare


def main() -> int:
    gen = torch.Generator().manual_seed(7)
    r64 = torch.randn(20_000_003, generator=gen, dtype=torch.float64)
    r32 = r64.float()
    got = r32 + torch.randn(r32.shape, generator=gen) * 3e-5
    got[12_345_678] += 1e-2
    failures = 0
    for tol in (Tolerance(1e-4, 1e-4), Tolerance(1e-4, 1e-4, slack=5e-4)):
        stats = compare_kernel.statistics(r64.cuda(), got.cuda(), r32.cuda(), tol)
        on_gpu = _Comparison(r64, got, tol, r32).summary_of(stats)
        on_cpu = _Comparison(r64, got, tol, r32).run()
        same = on_gpu.keys() == on_cpu.keys() and all(
            abs(on_gpu[k] - on_cpu[k]) <= 1e-6 * abs(on_cpu[k]) + 1e-12
            if isinstance(on_cpu[k], float)
            else on_gpu[k] == on_cpu[k]
            for k in on_cpu
        )
        failures += not same
        print("agree" if same else "DIFFER", tol, on_gpu, on_cpu, sep="\n  ")
    nan = got.clone()
    nan[19_999_999] = float("nan")
    left = compare_kernel.statistics(r64.cuda(), nan.cuda(), r32.cuda(), Tolerance(1e-4, 1e-4))
    failures += left is not None
    print("non-finite left to the exact rules:", left is None)

    # The time of one judged comparison of a level-2-sized output (128x64x256x256).
    big64 = torch.rand(128 * 64 * 256 * 256, device="cuda", dtype=torch.float64)
    big32, tol = big64.float(), Tolerance(1e-4, 1e-4, slack=1e-6)
    for name, run in (
        ("one pass", lambda: compare_kernel.statistics(big64, big32, big32, tol)),
        ("chunked", lambda: compare(big64, big32, tol, nonfinite_ref=big32)),
    ):
        run()
        torch.cuda.synchronize()
        started = time.perf_counter()
        for _ in range(5):
            run()
        torch.cuda.synchronize()
        print(f"{name}: {(time.perf_counter() - started) / 5 * 1e3:.1f} ms per comparison")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
