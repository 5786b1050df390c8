"""The judge's own protections against the runner it starts (docs/design/judge.md).

- Not dumpable (`PR_SET_DUMPABLE` 0): a process of the same user that is not root cannot read
  or write the judge's memory or open its file descriptors through /proc, nor attach a debugger.
  The runner's Landlock domain denies the same to root.
- A child subreaper (`PR_SET_CHILD_SUBREAPER`): whatever the candidate forks, double-forks or
  daemonises stays a descendant of the judge, so `end_descendants` can find and kill every one
  of them before the result is written. No candidate process outlives its verdict.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from pathlib import Path

_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36


def harden_judge() -> dict[str, bool]:
    """Applies both protections; says which took (both are Linux-only)."""
    if not sys.platform.startswith("linux"):
        return {"not_dumpable": False, "subreaper": False}
    libc = ctypes.CDLL(None, use_errno=True)
    return {
        "not_dumpable": libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0,
        "subreaper": libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0,
    }


def _children() -> set[int]:
    found: set[int] = set()
    for task in Path("/proc/self/task").glob("*"):
        try:
            found |= {int(p) for p in (task / "children").read_text().split()}
        except (OSError, ValueError):
            continue
    return found


def end_descendants(deadline_seconds: float = 10.0) -> int:
    """Kills and reaps every child of this process, and every orphan that the subreaper makes
    a child meanwhile, until none is left. Returns how many were killed."""
    killed: set[int] = set()
    stop = time.monotonic() + deadline_seconds
    while time.monotonic() < stop:
        children = _children()
        for pid in children - killed:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            if not _children():
                return len(killed)
        if not children:
            return len(killed)
        time.sleep(0.01)
    return len(killed)
