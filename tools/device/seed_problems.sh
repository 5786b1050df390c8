#!/usr/bin/env bash
# The three seed problems on a GPU, with the seeds' own starting kernels as candidates, under the
# full protocol (torch.compile baseline included), then the repeatability benchmark: the seed 002
# kernel on problem 2 evaluated five times in separate processes.
# Usage: tools/device/seed_problems.sh target/release/lathe OUT_DIR [repeat-only]
set -u
lathe=$1 out=$2 only=${3:-}
mkdir -p "$out/kernels"
for seed_name in 000:seed000_problem91 002:seed002_problem2 003:seed003_problem70; do
  python3 tools/device/seed_kernel.py "${seed_name%%:*}" "$out/kernels/${seed_name#*:}.py"
done
run() {  # name problem kernel
  local started=$(date +%s%N)
  "$lathe" eval --problem "$2" --kernel "$3" --device cuda --json >"$out/$1.json" 2>"$out/$1.stderr"
  local rc=$?
  printf '%-24s exit %s  %6sms  %s\n' "$1" "$rc" "$(( ($(date +%s%N) - started) / 1000000 ))" \
    "$(python3 -c "import json,sys; r=json.load(open('$out/$1.json')); t=r.get('timing') or {}; c=t.get('candidate',{}); e=t.get('eager',{}); k=t.get('compile') or {}; print(r['verdict'], r.get('rule') or r.get('reason') or '', 'cand', c.get('median_ms'), 'eager', e.get('median_ms'), 'compile', k.get('median_ms'), 'x_eager', t.get('speedup_vs_eager'), 'x_compile', t.get('speedup_vs_compile'))" 2>&1)"
}
P=examples/level2
if [ "$only" != "repeat-only" ]; then
run seed000_problem91 $P/91_conv_transpose_softmax_bias_scale_sigmoid/problem.py "$out/kernels/seed000_problem91.py"
run seed002_problem2 $P/2_conv_transpose_bias_clamp_scale/problem.py "$out/kernels/seed002_problem2.py"
run seed003_problem70 $P/70_gemm_sigmoid_scaling_residual_add/problem.py "$out/kernels/seed003_problem70.py"
run ours_problem2 $P/2_conv_transpose_bias_clamp_scale/problem.py $P/2_conv_transpose_bias_clamp_scale/kernel.py
fi
for i in 1 2 3 4 5; do
  run "repeat$i" $P/2_conv_transpose_bias_clamp_scale/problem.py "$out/kernels/seed002_problem2.py"
done
python3 - "$out" <<'PY'
import json, statistics, sys
from pathlib import Path
out = Path(sys.argv[1])
medians = []
for i in range(1, 6):
    r = json.loads((out / f"repeat{i}.json").read_text())
    medians.append(r["timing"]["candidate"]["median_ms"])
    phases = {p["name"]: p.get("seconds") for p in r["phases"]}
    drift = r["timing"]["candidate"].get("drift")
    print(f"repeat{i}: median {medians[-1]:.4f} ms, drift {drift}, wall {r['wall_seconds']:.2f} s, phases {phases}")
spread = (max(medians) - min(medians)) / statistics.median(medians)
print(f"spread of medians over 5 evaluations: {spread * 100:.3f}% (target <= 1%)")
PY
