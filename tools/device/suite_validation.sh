#!/usr/bin/env bash
# Suites on a GPU (docs/validation/2026-12-06-suite.md, second part). Run through the device
# tool from the repository root with target/release/lathe carried, and KernelBench's problem
# files carried in an ignored folder: KB/level1, KB/level2 (every problem) and KBSUB/levelN
# (only those examples/kernelbench has kernels for). Stages, in the order given:
#   fixtures  the whole fixture corpus (FIXTURES="name ..." narrows it)
#   latency   verdict latency, warm: `lathe eval` ten times on level 2 #12, then `lathe suite
#             eval` over ten copies of the same problem (judges started ahead), both with the
#             torch.compile baseline cached by `lathe suite baselines` first
#   share     `lathe suite eval --no-timing` one and four evaluations at a time on the GPU
#   level1    `lathe suite baselines` (eager only) on three level-1 problems, then `lathe suite
#             eval` over all of level 1 with examples/kernelbench
# Everything lands under $OUT.
set -u
out=${OUT:-/tmp/out}
mkdir -p "$out"
lathe=$PWD/target/release/lathe
kb=${KB:-.gpu-carry/kb}
kbsub=${KBSUB:-.gpu-carry/kbsub}
L1RANGE=${L1RANGE:-}
SHARE_RANGE=${SHARE_RANGE:-}
FIXTURES=${FIXTURES:-}
export LATHE_CACHE_DIR=/tmp/lathe-cache

stage_fixtures() {
  # The whole corpus, old and new: FIXTURES (names, space-separated) narrows it.
  # shellcheck disable=SC2086
  python3 tools/device/run_corpus.py "$lathe" "$out/fixtures" ${FIXTURES:-} \
    2>&1 | tee "$out/fixtures.txt"
}

stage_latency() {
  local problem kernel work=/tmp/latency
  problem=$(ls "$kb"/level2/12_*.py)
  kernel=examples/kernelbench/level2_problem_12.py
  rm -rf "$work" && mkdir -p "$work/problems/level2" "$work/kernels"
  for n in 1 2 3 4 5 6 7 8 9 10; do
    cp "$problem" "$work/problems/level2/${n}_Gemm_Multiply_LeakyReLU.py"
    cp "$kernel" "$work/kernels/level2_problem_${n}.py"
  done
  # The copies share one torch.compile cache entry (keyed by the problem's source).
  "$lathe" suite baselines "$work/problems" --first 1 --json > "$out/latency-baselines.json"
  # One unrecorded run: the byte-code cache and the machine's cached rates are filled.
  "$lathe" eval --problem "$problem" --kernel "$kernel" --device cuda --json > /dev/null
  for n in 1 2 3 4 5 6 7 8 9 10; do
    local started ended
    started=$(date +%s.%N)
    "$lathe" eval --problem "$problem" --kernel "$kernel" --device cuda --json \
      > "$out/latency-eval-$n.json"
    ended=$(date +%s.%N)
    echo "eval $n $(python3 -c "print(round($ended - $started, 3))")" | tee -a "$out/latency.txt"
  done
  local started ended
  started=$(date +%s.%N)
  "$lathe" suite eval --problems "$work/problems" --kernels "$work/kernels" --device cuda \
    --out "$out/latency-suite" > "$out/latency-suite.txt" 2>&1
  ended=$(date +%s.%N)
  echo "suite wall $(python3 -c "print(round($ended - $started, 3))")" | tee -a "$out/latency.txt"
}

stage_level1() {
  "$lathe" suite baselines "$kbsub" --levels 1 --first 3 --no-compile-baseline --json \
    > "$out/baselines1.json" 2> "$out/baselines1.log"
  local started ended
  started=$(date +%s.%N)
  # L1RANGE (A:B) narrows level 1 to the problems numbered A to B when time is short.
  "$lathe" suite eval --problems "$kb" --kernels examples/kernelbench --levels 1 \
    ${L1RANGE:+--range "$L1RANGE"} --no-compile-baseline --device cuda --out "$out/suite1" \
    > "$out/log1.txt" 2>&1
  ended=$(date +%s.%N)
  echo "level 1 suite wall $(python3 -c "print(round($ended - $started, 3))")" | tee -a "$out/level1.txt"
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >> "$out/level1.txt"
}

stage_share() {
  # Correctness only: level 2's kernels judged one, then four at a time on the GPU (the same
  # verdicts, the wall times), then level 1's largest (6 GB inputs) four at a time, where those
  # that run out of memory beside the others are judged again alone.
  local per started ended
  for per in 1 4; do
    started=$(date +%s.%N)
    "$lathe" suite eval --problems "$kb" --kernels examples/kernelbench --levels 2 --no-timing \
      --checks-per-gpu "$per" --device cuda --out "$out/share2-$per" > "$out/share2-$per.txt" 2>&1
    ended=$(date +%s.%N)
    echo "level 2 no-timing checks-per-gpu $per wall $(python3 -c "print(round($ended - $started, 3))")" \
      | tee -a "$out/share.txt"
  done
  started=$(date +%s.%N)
  "$lathe" suite eval --problems "$kb" --kernels examples/kernelbench --levels 1 \
    --range "${SHARE_RANGE:-19:24}" --no-timing --checks-per-gpu 4 --device cuda \
    --out "$out/share1-4" > "$out/share1-4.txt" 2>&1
  ended=$(date +%s.%N)
  echo "level 1 no-timing checks-per-gpu 4 wall $(python3 -c "print(round($ended - $started, 3))")" \
    | tee -a "$out/share.txt"
}

# Each argument is STAGE or STAGE:SECONDS, a time limit for that stage (device time is short:
# a stage cut off still leaves what it wrote).
for arg in "$@"; do
  stage=${arg%%:*}
  limit=${arg#*:}
  [ "$limit" = "$arg" ] && limit=3600
  echo "== $stage $(date -u +%T) (at most $limit s)"
  export -f "stage_$stage"
  export out lathe kb kbsub L1RANGE FIXTURES SHARE_RANGE
  timeout "$limit" bash -c "stage_$stage" || echo "stage $stage failed or was cut off"
done
