"""Shared helpers for the worker's tests. The tests run on the CPU; Triton kernels, where they
run at all, run under its interpreter (TRITON_INTERPRET=1, set before triton is imported)."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TRITON_INTERPRET", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

EXAMPLES = Path(__file__).resolve().parents[1] / "protocol" / "examples"
