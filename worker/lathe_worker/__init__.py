"""lathe's worker: the program that runs next to PyTorch.

It loads a KernelBench-style problem and a candidate kernel, judges the candidate (correctness,
integrity, timing), describes the machine (probe), and writes one JSON result. It never talks to
a language model and never decides what to try next. The protocol is
docs/design/worker-protocol.md; the entry point is ``python -m lathe_worker REQUEST RESULT``.
"""

import os

PROTOCOL_VERSION = 1

# The judge's GPU allocator grows expandable segments instead of fixed blocks (set before any
# process of this package imports torch). The judge shares its GPU with the runner and frees
# input-sized tensors between phases; with fixed blocks a 6 GiB tensor failed beside 5.9 GiB
# cached in freed pieces and 5.1 GiB free (level 1's largest problems on an 80 GB H100). The
# runner keeps the user's setting (`runner_client`): its outputs go to the judge through CUDA
# IPC, which is made for the allocator's ordinary blocks. A setting of the user's is kept.
USER_ALLOC_CONF = os.environ.get("PYTORCH_CUDA_ALLOC_CONF")
if USER_ALLOC_CONF is None and "LATHE_RUNNER_FDS" not in os.environ:
    os.environ["PYTORCH_CUDA_ALLOC_CONF"] = "expandable_segments:True"
