#!/usr/bin/env bash
# A suite through a one-node Ray cluster on a lent GPU machine (issue 15, docs/design/ray.md),
# against the same suite through the local pool. Run through the device tool from the
# repository root with target/release/lathe carried and KernelBench's problem files carried in
# an ignored folder (KBSUB/levelN: the problems examples/kernelbench has kernels for, as for
# suite_validation.sh). Stages, in the order given:
#   ray      makes `import ray` work in python3: nothing when it already does, else installs
#            the wheels carried in RAY_WHEELS (default .gpu-carry/ray). The ray wheel (~80 MB)
#            is larger than one call's carry: prepare it here with
#              pip download ray==2.60.0 --only-binary=:all: --python-version 3.X -d .gpu-carry/ray
#              cd .gpu-carry/ray && ls ray-*.whl > wheel-name.txt
#              split -b 50M ray-*.whl ray.whl.part- && rm ray-*.whl
#            and carry the parts in two calls while the machine stays warm (the second call's
#            carry must name the first's folder too, or it is removed there); they are joined here.
#   suite    starts a head with every GPU of the machine (`ray start --head --num-gpus N`, all on
#            the loopback), runs `lathe suite eval` over LEVELS (default 1) through the local pool and then
#            through `--executor ray`, compares the verdicts task by task, and stops the cluster
# Everything lands under $OUT.
set -u
out=${OUT:-/tmp/out}
mkdir -p "$out"
lathe=$PWD/target/release/lathe
kbsub=${KBSUB:-.gpu-carry/kbsub}
wheels=${RAY_WHEELS:-.gpu-carry/ray}
# Which levels of KBSUB the suite covers (LEVELS=2: the five level-2 problems, quickest).
levels=${LEVELS:-1}
export LATHE_CACHE_DIR=/tmp/lathe-cache

stage_ray() {
  if python3 -c "import ray" 2>/dev/null; then
    python3 -c "import ray; print('ray', ray.__version__)" | tee "$out/ray.txt"
    return 0
  fi
  local joined=/tmp/ray-wheels
  rm -rf "$joined" && mkdir -p "$joined"
  cp "$wheels"/*.whl "$joined"/ 2>/dev/null
  # The parts of the ray wheel, in split's order (aa, ab, ...), under the wheel's own name.
  local name
  name=$(cat "$wheels/wheel-name.txt" 2>/dev/null || echo ray-2.60.0-cp311-cp311-manylinux2014_x86_64.whl)
  cat "$wheels"/ray.whl.part-* > "$joined/$name"
  python3 -m pip install --no-index --find-links "$joined" ray 2>&1 | tail -3 | tee "$out/ray.txt"
  python3 -c "import ray; print('ray', ray.__version__)" | tee -a "$out/ray.txt"
}

stage_suite() {
  local gpus port address root started ended
  gpus=$(nvidia-smi -L | wc -l)
  port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  # Ray turns 127.0.0.1 into the machine's outward address; 127.0.0.2 stays on the loopback.
  address=127.0.0.2:$port
  root=$(mktemp -d /tmp/lr.XXXX)
  # The ray command may not be on PATH where pip put it; its module always runs.
  python3 -m ray.scripts.scripts start --head --block --node-ip-address=127.0.0.1 --port="$port" --num-gpus="$gpus" \
    --include-dashboard=false --disable-usage-stats --temp-dir="$root/ray" \
    > "$out/ray-head.log" 2>&1 &
  local head=$!
  sleep 10

  started=$(date +%s.%N)
  "$lathe" suite eval --problems "$kbsub" --kernels examples/kernelbench --levels "$levels" \
    --no-compile-baseline --device cuda --out "$out/local" > "$out/local.txt" 2>&1
  ended=$(date +%s.%N)
  echo "local pool wall $(python3 -c "print(round($ended - $started, 3))")" | tee -a "$out/ray-suite.txt"

  started=$(date +%s.%N)
  "$lathe" suite eval --problems "$kbsub" --kernels examples/kernelbench --levels "$levels" \
    --no-compile-baseline --device cuda --executor ray --ray-address "$address" \
    --out "$out/ray" > "$out/ray.txt" 2>&1
  echo "ray exit $?" | tee -a "$out/ray-suite.txt"
  ended=$(date +%s.%N)
  echo "ray executor wall $(python3 -c "print(round($ended - $started, 3))")" | tee -a "$out/ray-suite.txt"

  python3 - "$out/local/suite.json" "$out/ray/suite.json" <<'PY' | tee -a "$out/ray-suite.txt"
import json, sys
local, ray = (json.load(open(p))["tasks"] for p in sys.argv[1:3])
same = 0
for a, b in zip(local, ray, strict=True):
    if a["outcome"] == b["outcome"]:
        same += 1
    else:
        print("differs:", a["problem"], a["outcome"], "local,", b["outcome"], "on", b["gpu"])
    print(a["problem"], a["outcome"], a["speedup_vs_eager"], "|", b["outcome"], b["speedup_vs_eager"], b["gpu"])
print(f"{same}/{len(local)} verdicts the same")
PY
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader >> "$out/ray-suite.txt"
  kill -TERM "$head"
  wait "$head"
  rm -rf "$root"
}

for stage in "$@"; do
  echo "== $stage $(date -u +%T)"
  "stage_$stage" || echo "stage $stage failed"
done
