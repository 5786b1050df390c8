#!/usr/bin/env bash
# Issue 4's GPU checks of `lathe profile`: the seed 000 and 002 starting kernels, a two-kernel
# candidate, `lathe prompt --profile`, an autotuned kernel, and every degraded path that can be
# provoked on the device (unknown metrics, no ncu, a timeout, a failing candidate, another user).
# Usage: tools/device/profile_seeds.sh target/release/lathe OUT_DIR
set -u
lathe=$(realpath "$1") out=$2
mkdir -p "$out/kernels"
python3 - "$out/kernels" <<'PY'
import sys
from pathlib import Path
out = Path(sys.argv[1])
for seed, name in [("000", "seed000_problem91"), ("002", "seed002_problem2")]:
    text = next(Path("spec/seeds").glob(f"{seed}_*.txt")).read_text()
    code = text.split("[CURRENT CODE]\n```python\n", 1)[1].split("\n```\n\n[NCU PROFILING METRICS]", 1)[0]
    (out / f"{name}.py").write_text(code + "\n")
PY
P=examples/level2
P91=$P/91_conv_transpose_softmax_bias_scale_sigmoid/problem.py
P2=$P/2_conv_transpose_bias_clamp_scale/problem.py
F=worker/tests/fixtures
step() {  # name, then the lathe arguments
  local name=$1 started rc
  shift
  started=$(date +%s%N)
  "$lathe" "$@" >"$out/$name.out" 2>"$out/$name.err"
  rc=$?
  printf '%-28s exit %s  %6s ms\n' "$name" "$rc" "$(( ($(date +%s%N) - started) / 1000000 ))" | tee -a "$out/summary.txt"
}
export LATHE_CACHE_DIR="$out/cache"
step seed000_p91_first_cold profile --problem $P91 --kernel "$out/kernels/seed000_problem91.py" --json
step seed000_p91 profile --problem $P91 --kernel "$out/kernels/seed000_problem91.py" --all-kernels
step seed000_p91_json profile --problem $P91 --kernel "$out/kernels/seed000_problem91.py" --json
step seed002_p2 profile --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --all-kernels
step seed002_p2_json profile --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --json
step two_pass_p91 profile --problem $P91 --kernel $P/91_conv_transpose_softmax_bias_scale_sigmoid/kernel_two_pass.py --stage block_tiling --all-kernels
step two_pass_p91_json profile --problem $P91 --kernel $P/91_conv_transpose_softmax_bias_scale_sigmoid/kernel_two_pass.py --stage block_tiling --json
step stall_metrics profile --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --metrics smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct,smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct,sm__throughput.avg.pct_of_peak_sustained_elapse,launch__grid_size --json
step autotuned profile --problem $F/problems/add_relu.py --kernel $F/honest/add_relu_autotuned.py --metrics launch__grid_size,launch__block_size,gpu__time_duration.sum --json
step prompt_seed002 prompt --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --profile --gpu H100 --stage grid_and_parallel --out "$out/prompt_seed002.txt"
step prompt_no_ncu prompt --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --profile --gpu H100 --ncu /nonexistent/ncu --out "$out/prompt_no_ncu.txt"
step no_ncu profile --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --ncu /nonexistent/ncu
step unknown_only profile --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --metrics foo__bar_baz.sum
step timeout profile --problem $P2 --kernel "$out/kernels/seed002_problem2.py" --profile-timeout 4
step candidate_fails profile --problem $F/problems/add_relu.py --kernel $F/broken/python_exception.py --metrics launch__grid_size
step candidate_aborts profile --problem $F/problems/add_relu.py --kernel $F/broken/abort.py --metrics launch__grid_size
step illegal_access profile --problem $F/problems/add_relu.py --kernel $F/broken/illegal_memory_access.py --metrics launch__grid_size
step no_own_kernels profile --problem $F/problems/add_relu.py --kernel $F/cheating/kernel_not_launched.py --metrics launch__grid_size
# Another user: counters are restricted to administrators only where the driver says so
# (RmProfilingAdminOnly); everything it reads is copied where it may read it.
useradd -m lathe-nonroot 2>/dev/null
rm -rf /tmp/lathe-nonroot && mkdir -p /tmp/lathe-nonroot
cp -r examples "$out/kernels" "$lathe" /tmp/lathe-nonroot/ && chmod -R a+rwX /tmp/lathe-nonroot
( cd /tmp/lathe-nonroot && runuser -u lathe-nonroot -- env HOME=/home/lathe-nonroot PATH="$PATH" \
    LATHE_CACHE_DIR=/tmp/lathe-nonroot/cache ./lathe profile --problem $P2 \
    --kernel kernels/seed002_problem2.py --json >"/tmp/lathe-nonroot/nonroot.out" 2>"/tmp/lathe-nonroot/nonroot.err"
  echo "nonroot exit $?" | tee -a "$out/summary.txt" )
cp /tmp/lathe-nonroot/nonroot.* "$out/"
grep RmProfilingAdminOnly /proc/driver/nvidia/params >"$out/driver_params.txt" 2>&1
ls -R "$out/cache" >"$out/cache_listing.txt" 2>&1
