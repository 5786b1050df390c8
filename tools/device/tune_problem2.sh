#!/usr/bin/env bash
# Issue 7's GPU run: `lathe tune` on level2/2 with seed 002's autotuned starting kernel and with
# our kernel of explicit launch constants (examples/level2/2_.../kernel.py: BLOCK_SIZE,
# NUM_WARPS), one after the other in one session, each within a budget of variants. Writes each
# one's tuned.py and tune.json (every variant judged, the chosen one, the speedup) under OUT.
# Usage: tools/device/tune_problem2.sh LATHE OUT [BUDGET]
set -u
lathe=$1 out=$2 budget=${3:-8}
mkdir -p "$out"
python3 tools/device/seed_kernel.py 002 "$out/seed002_problem2.py"
problem=examples/level2/2_conv_transpose_bias_clamp_scale/problem.py
for name in seed002 ours; do
  case $name in
    seed002) kernel=$out/seed002_problem2.py ;;
    ours) kernel=examples/level2/2_conv_transpose_bias_clamp_scale/kernel.py ;;
  esac
  started=$(date +%s)
  "$lathe" tune --problem "$problem" --kernel "$kernel" --budget "$budget" --device cuda \
    --out "$out/$name" 2>"$out/$name.stderr"
  echo "$name: exit $? after $(( $(date +%s) - started )) s"
  tail -n 4 "$out/$name.stderr"
done
