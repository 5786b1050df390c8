"""A worker ends with the lathe process that started it.

lathe can be killed with SIGKILL (the OOM killer, a CI timeout, a person), which leaves it no
chance to stop its worker. An orphaned worker would go on judging a candidate nobody waits for,
holding the GPU and skewing the timings of the run that resumes. Linux's parent-death signal ends
it instead: the kernel sends SIGKILL to the worker when the thread that spawned it exits (lathe's
spawning thread waits for the worker, so only lathe's death ends it early).
"""

from __future__ import annotations

import ctypes
import signal
import sys

# <linux/prctl.h>
PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Asks the kernel to SIGKILL this process when its parent dies; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
