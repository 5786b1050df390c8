"""A worker whose parent is killed dies with it, instead of running on alone."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

WORKER_DIR = Path(__file__).resolve().parents[1]

# The parent starts a child that asks for the parent-death signal, says so and sleeps; the
# parent prints the child's pid and is SIGKILLed before the child wakes.
PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
child.wait()
"""

CHILD = """
import time
from lathe_worker.parent import die_with_parent
assert die_with_parent()
print("armed", flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_worker_dies_when_its_parent_is_killed():
    env = {**os.environ, "PYTHONPATH": str(WORKER_DIR)}
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE, text=True, env=env
    )
    child_pid = int(parent.stdout.readline())
    assert parent.stdout.readline().strip() == "armed"
    assert alive(child_pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child_pid), "the child outlived its killed parent"
