"""Prints the verdict-latency stage's figures (suite_validation.sh latency): each `lathe eval`
wall time, each suite verdict's seconds and its `start` phase (near zero for a judge started
ahead), and the medians. Usage: python3 tools/device/latency_summary.py OUT/lat"""

import json
import statistics
import sys
from pathlib import Path


def main(folder: Path) -> None:
    evals = [
        float(line.split()[2])
        for line in (folder / "latency.txt").read_text().splitlines()
        if line.startswith("eval ")
    ]
    tasks = json.loads((folder / "latency-suite" / "suite.json").read_text())["tasks"]
    seconds = [t["seconds"] for t in tasks if t.get("seconds") is not None]
    starts = [
        next((p["seconds"] for p in t.get("phases", []) if p["name"] == "start"), None)
        for t in tasks
    ]
    print("lathe eval wall s:", [round(s, 2) for s in evals])
    print("suite verdict s:  ", [round(s, 2) for s in seconds])
    print("suite start phase:", starts)
    if evals and seconds:
        print(
            f"median: lathe eval {statistics.median(evals):.2f} s, "
            f"suite verdict {statistics.median(seconds):.2f} s"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
