"""lathe's worker: the program that runs next to PyTorch.

It loads a KernelBench-style problem and a candidate kernel, judges the candidate (correctness,
integrity, timing), describes the machine (probe), and writes one JSON result. It never talks to
a language model and never decides what to try next. The protocol is
docs/design/worker-protocol.md; the entry point is ``python -m lathe_worker REQUEST RESULT``.
"""

PROTOCOL_VERSION = 1
