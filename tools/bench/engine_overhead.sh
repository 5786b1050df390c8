#!/usr/bin/env bash
# The orchestrator's overhead benchmark (issue 6): a run of 100 attempts over the CI example on
# Triton's CPU interpreter, the model a replay of the example's six replies cycled (no code, a
# compile error, a wrong kernel, a cheating kernel, a slower and a faster one), 4 stages x 25
# samples, no repairs. lathe reports, at the end of the run, the time it spent per attempt
# outside model calls and worker processes (store commits, files, prompts, extraction, static
# checks, best.py and the reports) and its own peak resident memory (VmHWM; the worker
# processes are apart). Targets: <= 50 ms per attempt; the memory is recorded.
# Usage: tools/bench/engine_overhead.sh LATHE PYTHON [OUT]
set -euo pipefail
lathe=$1 python=$2 out=${3:-target/bench/engine_overhead}
rm -rf "$out"
mkdir -p "$out"
python3 - "$out/replies.jsonl" <<'PY'
import json
import sys
from pathlib import Path

replies = sorted(Path("examples/ci/add_relu/replies").glob("00[1-6].md"))
with open(sys.argv[1], "w") as f:
    for i in range(100):
        f.write(json.dumps({"reply": replies[i % len(replies)].read_text()}) + "\n")
PY
start=$(date +%s.%N)
"$lathe" optimize --problem examples/ci/add_relu/problem.py --kernel examples/ci/add_relu/kernel.py \
  --category fusion --samples 25 --repair-rounds 0 \
  --llm "replay:$out/replies.jsonl" --device interpret --gpu H100 \
  --no-tune --python "$python" --runs-dir "$out/runs" --json >"$out/events.jsonl"
end=$(date +%s.%N)
python3 - "$out/events.jsonl" "$start" "$end" <<'PY'
import json
import sys

events = [json.loads(line) for line in open(sys.argv[1])]
end = next(e for e in events if e["event"] == "run_finished")
verdicts = {}
for e in events:
    if e["event"] == "judged":
        verdicts[e["verdict"]] = verdicts.get(e["verdict"], 0) + 1
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"attempts: {end['attempts']} ({end['model_calls']} model calls); verdicts: {verdicts}")
print(f"status: {end['status']}; wall time: {wall:.1f} s")
print(f"lathe's own time per attempt: {end['overhead_ms_per_attempt']:.2f} ms (target <= 50 ms)")
print(f"lathe's peak resident memory: {end['peak_rss_bytes'] / 2**20:.1f} MiB")
PY
