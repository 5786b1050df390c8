"""CUDA IPC between two processes, as the judge and the runner use it: a buffer exported by one
is read by the other with the bytes written, and a false size is refused. GPU only (skipped
without CUDA; run on the device with the validation script)."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

WORKER = Path(__file__).resolve().parents[1]

EXPORTER = """
    import sys, torch
    from lathe_worker.exports import Exporter
    t = torch.arange(1000, dtype=torch.float32, device="cuda") * 0.5
    metas, _ = Exporter(torch.device("cuda")).export([t, torch.zeros(0, device="cuda")])
    import json
    print(json.dumps(metas), flush=True)
    sys.stdin.readline()  # stay alive while the reader maps the buffers
"""


def test_outputs_cross_processes_through_ipc_handles():
    from lathe_worker.cuda_ipc import CudaIpcError, ImportedBuffer
    from lathe_worker.exports import Importer

    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(EXPORTER)],
        cwd=WORKER,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        import json

        metas = json.loads(child.stdout.readline())
        assert len(bytes.fromhex(metas[0]["handle"])) == 64
        # A size past the allocation is refused (and the handle closed again).
        with pytest.raises(CudaIpcError, match="holds"):
            ImportedBuffer(bytes.fromhex(metas[0]["handle"]), metas[0]["capacity"] * 64)
        got = Importer(torch.device("cuda")).outputs(metas, [])
        expected = torch.arange(1000, dtype=torch.float32, device="cuda") * 0.5
        assert torch.equal(got[0], expected)
        assert got[1].shape == (0,)
    finally:
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(timeout=30)
