"""Prints the phases of the `profile` stage of judge_validation.sh: for each binary's evaluation,
its verdict, each phase's seconds and (new binary) how long its runner took to be ready.

Usage: python3 tools/device/profile_summary.py OUT_DIR
"""

import json
import sys
from pathlib import Path


def main(out: Path) -> int:
    for name in ("new", "old"):
        path = out / f"{name}-phases.json"
        try:
            result = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            print(f"{name}: unreadable ({e})")
            continue
        phases = [(p["name"], p.get("seconds")) for p in result.get("phases", [])]
        total = sum(s for _, s in phases if isinstance(s, int | float))
        print(f"{name}: {result.get('verdict')}, phases {total:.2f} s: {phases}")
        isolation = (result.get("fingerprint") or {}).get("isolation") or {}
        if "runner_startup" in isolation:
            print(f"  runner startup: {isolation['runner_startup']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
