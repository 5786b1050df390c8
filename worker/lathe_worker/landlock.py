"""Landlock: the runner confines itself before any candidate code runs.

Landlock (Linux 5.13+) lets an unprivileged process restrict itself, and it binds root too. The
runner asks for three things:
- writes only beneath the directories it needs (its scratch directory, its compiler caches,
  /dev): the judge's result, the cached baselines, lathe's worker files and the user's Python
  packages stay out of the candidate's reach;
- (from the first ABI) no ptrace of processes outside its domain: the judge's memory, file
  descriptors and environment (`/proc/<judge>/mem`, `.../fd`, `.../environ`) cannot be read;
- (ABI 6, Linux 6.12+) no signals to processes outside its domain, and no connections to
  abstract Unix sockets outside it: the candidate cannot stop or kill the judge.

Reads are not restricted: a candidate may read the problem file, Python's libraries and its
own source. Nothing here is fatal: on a kernel without Landlock the runner reports what it
could not get, and the verdict's fingerprint says so (docs/design/judge.md, "Isolation").
"""

from __future__ import annotations

import ctypes
import os
import platform
from dataclasses import dataclass
from pathlib import Path

# <linux/landlock.h>; the syscall numbers are the generic table's, shared by x86-64 and arm64.
_SYS_CREATE_RULESET = 444
_SYS_ADD_RULE = 445
_SYS_RESTRICT_SELF = 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

# Filesystem rights that change something; reads and execution stay unhandled, so allowed.
_WRITE_FILE = 1 << 1
_REMOVE_DIR = 1 << 4
_REMOVE_FILE = 1 << 5
_MAKE_CHAR = 1 << 6
_MAKE_DIR = 1 << 7
_MAKE_REG = 1 << 8
_MAKE_SOCK = 1 << 9
_MAKE_FIFO = 1 << 10
_MAKE_BLOCK = 1 << 11
_MAKE_SYM = 1 << 12
_REFER = 1 << 13  # ABI 2: renames and links across directories
_TRUNCATE = 1 << 14  # ABI 3
_WRITES_V1 = (
    _WRITE_FILE
    | _REMOVE_DIR
    | _REMOVE_FILE
    | _MAKE_CHAR
    | _MAKE_DIR
    | _MAKE_REG
    | _MAKE_SOCK
    | _MAKE_FIFO
    | _MAKE_BLOCK
    | _MAKE_SYM
)
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
_SCOPE_SIGNAL = 1 << 1  # ABI 6


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


@dataclass(frozen=True)
class Confinement:
    """What the runner got: the Landlock ABI (0 when unavailable) and what it covers."""

    abi: int
    writable: tuple[str, ...]
    signals_scoped: bool
    error: str | None = None

    def as_json(self) -> dict:
        return {
            "landlock_abi": self.abi,
            "writable": list(self.writable),
            "signals_scoped": self.signals_scoped,
            "error": self.error,
        }


def abi_version() -> int:
    """The kernel's Landlock ABI, or 0 when it has none (or this is not Linux)."""
    if platform.system() != "Linux":
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    version = libc.syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), _CREATE_RULESET_VERSION)
    return max(int(version), 0)


def confine(writable: list[Path]) -> Confinement:
    """Restricts this process (and every process it starts) for good: writes only beneath
    `writable`, no ptrace of outside processes and, where the kernel can, no signals to them.
    Directories in `writable` that do not exist are created first."""
    abi = abi_version()
    paths = tuple(str(p) for p in writable)
    if abi < 1:
        return Confinement(0, paths, False, "this kernel has no Landlock")
    handled = _WRITES_V1 | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= 6 else 0
    attr = _RulesetAttr(handled_access_fs=handled, handled_access_net=0, scoped=scoped)
    # The struct grew with the ABI; the kernel reads only as much as it is told.
    size = 24 if abi >= 6 else 8
    libc = ctypes.CDLL(None, use_errno=True)
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        return Confinement(abi, paths, False, _errno("landlock_create_ruleset"))
    try:
        for path in writable:
            path.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneathAttr(allowed_access=handled, parent_fd=fd)
                if libc.syscall(_SYS_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0):
                    return Confinement(abi, paths, False, _errno(f"landlock_add_rule {path}"))
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0):
            return Confinement(abi, paths, False, _errno("PR_SET_NO_NEW_PRIVS"))
        if libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0):
            return Confinement(abi, paths, False, _errno("landlock_restrict_self"))
    finally:
        os.close(ruleset)
    return Confinement(abi, paths, bool(scoped))


def _errno(what: str) -> str:
    err = ctypes.get_errno()
    return f"{what}: {os.strerror(err)} (errno {err})"
