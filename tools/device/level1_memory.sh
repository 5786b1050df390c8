#!/usr/bin/env bash
# Level 1's largest problems on a GPU, with the GPU's memory in use sampled every half second
# (docs/validation/2026-12-07-level1.md). Run through the device tool from the repository root
# with target/release/lathe and .gpu-carry (kb, others) carried; everything lands under $OUT,
# packed into $OUT/all.tgz (the device tool brings back only a few files).
#   L1RANGE   the level-1 problems judged by `lathe suite eval` (default 19:49)
#   L1_S      the time the suite may take, seconds (default 240)
#   AGAIN     how many failed verdicts are judged again alone (default 4)
#   OTHERS    --only filters for tools/device/others_corpus.py (empty: that part is skipped)
#   OTHERS_S  the time that part may take, seconds (default 240)
#   FIT_MIB   on a larger GPU, a stand-in process holds all but this many MiB (81559: an H100
#             80GB's) and the judge is told to plan for that much, so an H200 shows whether
#             the problems fit an H100
set -u
out=${OUT:-/tmp/out}
mkdir -p "$out"
lathe=$PWD/target/release/lathe
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/device.txt"
nvidia-smi --query-gpu=timestamp,memory.used --format=csv,noheader -lms 500 > "$out/gpumem.csv" &
sampler=$!
# Per process as well: the judge's share and the runner's over time.
nvidia-smi --query-compute-apps=timestamp,pid,used_memory --format=csv,noheader -lms 500 \
  > "$out/gpuapps.csv" &
apps=$!

balloon=
if [ -n "${FIT_MIB:-}" ]; then
  total=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -1)
  # The stand-in's own CUDA context (about 0.5 GiB) counts against the GPU too.
  hold=$((total - FIT_MIB - 520))
  if [ "$hold" -gt 0 ]; then
    python3 -c "
import sys, time, torch
x = torch.empty($hold * 2**20, dtype=torch.uint8, device='cuda')
open('$out/balloon.ready', 'w').write('$hold MiB held\n')
time.sleep(3600)" &
    balloon=$!
    for _ in $(seq 60); do [ -f "$out/balloon.ready" ] && break; sleep 1; done
    export LATHE_GPU_MEMORY_GB=$(python3 -c "print($FIT_MIB * 2**20 / 1e9)")
    { cat "$out/balloon.ready"; nvidia-smi --query-gpu=memory.used,memory.total --format=csv; } \
      | tee "$out/balloon.txt"
  fi
fi

L1RANGE=${L1RANGE:-19:49} OUT=$out/l1 bash tools/device/suite_validation.sh "level1:${L1_S:-240}" | tail -3
# Each verdict that is no verdict on the kernel (a crash, the problem's or the worker's error) is
# judged again alone, its whole result kept.
python3 - "$out/l1/suite1/suite.json" > "$out/again.txt" <<'PY'
import json, sys
for t in json.load(open(sys.argv[1]))["tasks"]:
    if t["outcome"] in ("crash", "problem_error", "worker_error", "runtime_error"):
        print(t["problem"].split("/")[1].split("_")[0])
PY
for n in $(head -"${AGAIN:-4}" "$out/again.txt"); do
  problem=$(ls .gpu-carry/kb/level1/"${n}"_*.py)
  timeout 120 "$lathe" eval --problem "$problem" --kernel "examples/kernelbench/level1_problem_$n.py" \
    --device cuda --json --no-compile-baseline > "$out/eval-$n.json" 2> "$out/eval-$n.err"
done

if [ -n "${OTHERS:-}" ]; then
  only=()
  for o in $OTHERS; do only+=(--only "$o"); done
  timeout "${OTHERS_S:-240}" python3 -u tools/device/others_corpus.py "$lathe" "$out/others" --device cuda \
    --timeout 150 --jobs 1 "${only[@]}" > "$out/others.txt" 2>&1
  tail -24 "$out/others.txt"
fi

kill "$sampler" "$apps"
[ -n "$balloon" ] && kill "$balloon"
python3 - "$out/gpumem.csv" <<'PY' | tee "$out/gpumem-peak.txt"
import sys
used = [int(line.split(",")[1].split()[0]) for line in open(sys.argv[1]) if "MiB" in line]
print(f"GPU memory in use: peak {max(used)} MiB over {len(used)} samples")
PY
tar czf /tmp/all.tgz -C "$out" . && mv /tmp/all.tgz "$out/all.tgz"
