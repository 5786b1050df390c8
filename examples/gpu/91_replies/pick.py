"""Serves this folder's written replies to `lathe optimize`, one per model call, by stage.

Why it exists: the GPU demonstration run of problem 91 needs replies that answer the stage being
run, and lathe skips a stage whose profiled thresholds are already met, so the replies cannot be
served in one fixed order (as `replay:` serves a numbered folder). This script is lathe's
`command` provider: lathe writes the prompt to its stdin and takes its stdout as the reply. It
finds the stage from the prompt's `Focus:` line and prints that stage's next reply,
`<stage>/1.md`, then `<stage>/2.md`. Any other prompt (analyst, repair, a first kernel) gets a
short reply with no code.

State: a per-stage call counter, in the JSON file named by LATHE_PICK_STATE, else `.state.json`
beside this script. Delete it before each run. lathe passes its environment (less secrets) to
the command and makes a stage's calls in parallel, so the counter is updated under a file lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Stage id -> the focus text its optimization prompt shows after `Focus:`, lowercased.
STAGES = {
    "grid_and_parallel": "grid layout & indexing for fused operations",
    "block_tiling": "block tiling for fused operations",
    "memory_access": "memory access pattern of fused operations",
    "memory_and_tuning": "memory pattern and parameter tuning for fused operations",
}


def stage_of(prompt: str) -> str | None:
    """The stage whose focus line the prompt holds, if any."""
    for line in prompt.splitlines():
        if line.startswith("Focus:"):
            focus = line.removeprefix("Focus:").strip().lower()
            for stage, title in STAGES.items():
                if focus.startswith(title):
                    return stage
    return None


def take_turn(stage: str, state: Path) -> int:
    """This call's number for `stage` (1, 2, ...), counted in `state` under an exclusive lock."""
    with state.open("a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        counts = json.loads(text) if text.strip() else {}
        counts[stage] = counts.get(stage, 0) + 1
        f.seek(0)
        f.truncate()
        json.dump(counts, f)
        return counts[stage]


def main() -> int:
    prompt = sys.stdin.read()
    stage = stage_of(prompt)
    if stage is None:
        print("This prompt is not one of the four fusion stages; no written reply, no code.")
        return 0
    state = Path(os.environ.get("LATHE_PICK_STATE") or HERE / ".state.json")
    turn = take_turn(stage, state)
    reply = HERE / stage / f"{turn}.md"
    if not reply.is_file():
        print(f"No written reply {turn} for stage {stage}; no change proposed, no code.")
        return 0
    sys.stdout.write(reply.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
