#!/usr/bin/env bash
# Kill and resume on a GPU: `lathe optimize` on level2/91 (two stages, the written replies of
# examples/gpu/91_replies), SIGKILLed while it judges block_tiling's first candidate, then
# `lathe resume`. pick.py's counter shows how many model calls were made in all: each stage's two
# replies once. Also checks that the killed run's worker died with it.
# Usage: tools/device/resume_91.sh LATHE OUT
set -u
lathe=$1 out=$2
mkdir -p "$out"
python3 tools/device/seed_kernel.py 000 "$out/seed000_problem91.py"
export LATHE_PICK_STATE="$out/pick-state.json"
rm -f "$LATHE_PICK_STATE"
printf '[llm]\nmax_concurrency = 1\n' >"$out/lathe.toml"
export LATHE_CONFIG="$out/lathe.toml"
"$lathe" optimize \
  --problem examples/level2/91_conv_transpose_softmax_bias_scale_sigmoid/problem.py \
  --kernel "$out/seed000_problem91.py" --samples 2 --stages grid_and_parallel,block_tiling \
  --llm "command:python3 examples/gpu/91_replies/pick.py" \
  --device cuda --runs-dir "$out/runs" --json >"$out/events-killed.jsonl" 2>"$out/stderr-killed.txt" &
pid=$!
until ls "$out"/runs/r*/attempts/003-block_tiling-s0-kernel.py >/dev/null 2>&1; do
  kill -0 $pid 2>/dev/null || { echo "the run ended before the kill"; break; }
  sleep 0.2
done
sleep 3
kill -9 $pid
wait $pid
echo "killed with SIGKILL (exit $?); model calls so far: $(cat "$LATHE_PICK_STATE")"
sleep 1
echo "workers left running: $(pgrep -fc 'lathe_worker' || true)"
"$lathe" resume latest --runs-dir "$out/runs" --json >"$out/events-resumed.jsonl" 2>"$out/stderr-resumed.txt"
echo "resume exit $?; model calls in all: $(cat "$LATHE_PICK_STATE")"
python3 - "$out" <<'PY'
import json
import sys
from pathlib import Path

out = Path(sys.argv[1])
events = [json.loads(line) for line in (out / "events-resumed.jsonl").read_text().splitlines()]
reused = [e["key"] for e in events if e["event"] == "calling" and e["reused"]]
asked = [e["key"] for e in events if e["event"] == "calling" and not e["reused"]]
judged = [(e["key"], e["verdict"], e["reused"]) for e in events if e["event"] == "judged"]
end = events[-1]
print("replies taken from the store:", reused)
print("model calls made by the resume:", asked)
print("verdicts (key, verdict, from the store):", judged)
print("end:", end["status"], end["best_ms"], "ms, speedup vs start", end["speedup_vs_start"])
PY
