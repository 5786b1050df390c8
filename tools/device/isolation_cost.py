"""The cost of the judge/runner split, measured side by side: the same `lathe eval` of the same
problem and kernel, by today's binary and by the one before the split, interleaved so that both
see the same machine state.

Usage (from the repository root, both binaries carried):
    python3 tools/device/isolation_cost.py NEW_LATHE OLD_LATHE OUT_DIR [RUNS]
Each binary first judges once to fill its caches (Triton's, the worker's); then RUNS pairs
alternate which binary goes first. Writes OUT_DIR/isolation_cost.json and prints the medians.
The timing protocol is the default one without the torch.compile baseline (tools/device/
isolation_cost.toml): the compile baseline costs the same in both and only adds noise.
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROBLEM = "examples/level2/2_conv_transpose_bias_clamp_scale/problem.py"
KERNEL = "examples/level2/2_conv_transpose_bias_clamp_scale/kernel.py"
CONFIG = "tools/device/isolation_cost.toml"


def judge(lathe: str, cache: Path) -> dict:
    args = [lathe, "--config", CONFIG, "eval", "--problem", PROBLEM, "--kernel", KERNEL,
            "--device", "cuda", "--json"]  # fmt: skip
    started = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True, env=_env(cache))
    seconds = time.perf_counter() - started
    try:
        result = json.loads(run.stdout)
    except json.JSONDecodeError:
        result = {"verdict": "no-json", "stderr": run.stderr[-2000:]}
    timing = result.get("timing") or {}
    return {
        "seconds": round(seconds, 3),
        "verdict": result.get("verdict"),
        "exit_code": run.returncode,
        "candidate_median_ms": (timing.get("candidate") or {}).get("median_ms"),
        "eager_median_ms": (timing.get("eager") or {}).get("median_ms"),
        "cross_check": timing.get("cross_check"),
        "phases": [(p.get("name"), p.get("seconds")) for p in result.get("phases", [])],
    }


def _env(cache: Path) -> dict:
    import os

    env = dict(os.environ)
    env["LATHE_CACHE_DIR"] = str(cache)
    return env


def main(new: str, old: str, out_dir: str, runs: int) -> int:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Outside OUT_DIR: compiler caches are large, and nothing of them is a result.
    caches = {"new": Path("/tmp/lathe-cost-new"), "old": Path("/tmp/lathe-cost-old")}
    binaries = {"new": new, "old": old}
    warm = {name: judge(binaries[name], caches[name]) for name in ("old", "new")}
    pairs = []
    for i in range(runs):
        order = ("new", "old") if i % 2 == 0 else ("old", "new")
        pairs.append({name: judge(binaries[name], caches[name]) for name in order})
    new_s = [p["new"]["seconds"] for p in pairs]
    old_s = [p["old"]["seconds"] for p in pairs]
    summary = {
        "runs": runs,
        "new_median_s": statistics.median(new_s),
        "old_median_s": statistics.median(old_s),
        "median_added_s": statistics.median(n - o for n, o in zip(new_s, old_s, strict=True)),
        "max_added_s": max(n - o for n, o in zip(new_s, old_s, strict=True)),
    }
    report = {"warm_up": warm, "pairs": pairs, "summary": summary}
    (out / "isolation_cost.json").write_text(json.dumps(report, indent=1))
    for name in ("old", "new"):
        print(f"{name}: {[p[name]['seconds'] for p in pairs]} verdicts "
              f"{sorted({p[name]['verdict'] for p in pairs})}")  # fmt: skip
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], runs))
