#!/usr/bin/env bash
# The judge's validation on a GPU (docs/validation/2026-12-05-judge.md). Run through the device
# tool from the repository root with target/release/lathe carried (and, for `cost` and `old`,
# the binary of the pipeline before the judge/runner split as target/old-lathe). Stages, in the
# order given on the command line:
#   env     kernel, Landlock ABI, GPU, and what a confined runner can and cannot do
#   smoke   one honest kernel, end to end (stops the script when it is not correct)
#   corpus  every "cuda" fixture of the manifest, judged by the new binary (run_corpus.py)
#   old     the fixtures this change added, judged by the old binary (what it got wrong)
#   cost    the isolation's cost: old and new binaries side by side (isolation_cost.py)
# Everything lands under $OUT.
set -u
out=${OUT:-/tmp/out}
mkdir -p "$out"
new=target/release/lathe
old=target/old-lathe
export LATHE_CACHE_DIR=/tmp/lathe-cache

stage_env() {
  {
    echo "date: $(date -u +%FT%TZ)"
    uname -r
    nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
    (cd worker && python3 - <<'PY'
import json, subprocess, sys, tempfile
from pathlib import Path
from lathe_worker import landlock
print("landlock abi", landlock.abi_version())
d = Path(tempfile.mkdtemp())
code = """
import json, os, sys
from pathlib import Path
from lathe_worker import landlock
c = landlock.confine([Path(sys.argv[1])])
r = {"confinement": c.as_json()}
for name, probe in [
    ("write_outside", lambda: Path("/tmp/lathe-outside").write_text("x")),
    ("write_inside", lambda: (Path(sys.argv[1]) / "f").write_text("x")),
    ("parent_mem", lambda: open(f"/proc/{os.getppid()}/mem", "rb").close()),
    ("parent_environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read(1)),
    ("signal_parent", lambda: os.kill(os.getppid(), 0)),
]:
    try:
        probe(); r[name] = "allowed"
    except OSError as e:
        r[name] = type(e).__name__
print(json.dumps(r))
"""
run = subprocess.run([sys.executable, "-c", code, str(d)], capture_output=True, text=True)
print(run.stdout.strip(), run.stderr[-500:])
PY
)
  } > "$out/env.txt" 2>&1
  cat "$out/env.txt"
}

stage_smoke() {
  # One honest kernel end to end; the corpus is not worth its device time if this fails.
  "$new" eval --problem worker/tests/fixtures/problems/add_relu.py \
    --kernel worker/tests/fixtures/honest/add_relu.py --device cuda --json > "$out/smoke.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["verdict"], d.get("rule"), d.get("evidence"), (d.get("timing") or {}).get("cross_check")); sys.exit(d["verdict"] != "correct")' "$out/smoke.json"
}

stage_corpus() {
  python3 tools/device/run_corpus.py "$new" "$out/corpus" 2>&1 | tee "$out/corpus.txt"
}

stage_old() {
  # The fixtures added with the judge (and the honest ones the old pipeline refused).
  python3 tools/device/run_corpus.py "$old" "$out/old" \
    honest_two_kernel_intermediate honest_preallocated_output honest_matmul_fp32_ieee \
    broken_autotune_inplace \
    cheat_result_rewrite_at_exit cheat_sampled_value_cache cheat_wrong_between_calls \
    cheat_timed_mode_switch cheat_reference_by_pointer cheat_harness_patch_compare \
    cheat_harness_patch_runner cheat_proc_self_mem cheat_cuda_graph_replay \
    2>&1 | tee "$out/old.txt"
}

stage_cost() {
  python3 tools/device/isolation_cost.py "$new" "$old" "$out/cost" "${RUNS:-5}" 2>&1 \
    | tee "$out/cost.txt"
}

stage_kernel() {
  python3 tools/device/compare_kernel_check.py 2>&1 | tee "$out/compare_kernel.txt"
}

stage_profile() {
  # Where each binary's time goes, phase by phase (after one run each to warm the caches).
  local problem=examples/level2/2_conv_transpose_bias_clamp_scale
  local args=(--config tools/device/isolation_cost.toml eval --problem "$problem/problem.py"
    --kernel "$problem/kernel.py" --device cuda --json)
  "$new" "${args[@]}" > /dev/null
  "$old" "${args[@]}" > /dev/null
  /usr/bin/time -f "new %e s" "$new" "${args[@]}" > "$out/new-phases.json"
  /usr/bin/time -f "old %e s" "$old" "${args[@]}" > "$out/old-phases.json"
  python3 tools/device/profile_summary.py "$out"
}

for stage in "$@"; do
  echo "== $stage $(date -u +%T)"
  "stage_$stage" || { echo "stage $stage failed"; exit 1; }
done
