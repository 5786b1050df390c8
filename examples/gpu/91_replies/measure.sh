#!/usr/bin/env bash
# Judges the seed kernel of spec/seeds/000 and the eight replies of this folder on a GPU, each
# with `lathe eval` in its own process, and prints one summary line per kernel.
# Usage, from the repository root: examples/gpu/91_replies/measure.sh LATHE OUT_DIR [NAME...]
# (NAMEs such as seed or memory_access_1 restrict the run to those kernels).
set -u
lathe=$1 out=$2
shift 2
here=$(dirname "$0")
problem=examples/level2/91_conv_transpose_softmax_bias_scale_sigmoid/problem.py
mkdir -p "$out/kernels"
python3 - "$here" "$out/kernels" <<'PY'
import sys
from pathlib import Path

here, dest = Path(sys.argv[1]), Path(sys.argv[2])
seed = next(Path("spec/seeds").glob("000_*.txt")).read_text()
code = seed.split("[CURRENT CODE]\n```python\n", 1)[1].split("\n```\n\n[NCU PROFILING METRICS]")[0]
(dest / "seed.py").write_text(code + "\n")
for md in sorted(here.glob("*/[0-9].md")):
    code = md.read_text().split("```python\n", 1)[1].rsplit("\n```", 1)[0]
    (dest / f"{md.parent.name}_{md.stem}.py").write_text(code + "\n")
PY
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(seed grid_and_parallel_1 grid_and_parallel_2 block_tiling_1
  block_tiling_2 memory_access_1 memory_access_2 memory_and_tuning_1 memory_and_tuning_2)
for name in "${names[@]}"; do
  "$lathe" eval --problem "$problem" --kernel "$out/kernels/$name.py" --device cuda --json \
    >"$out/$name.json" 2>"$out/$name.stderr"
  python3 - "$out/$name.json" "$name" <<'PY'
import json
import sys

try:
    r = json.load(open(sys.argv[1]))
except ValueError:
    print(f"{sys.argv[2]:22s} no JSON (see .stderr)")
    sys.exit()
t = r.get("timing") or {}
c, e, k = t.get("candidate") or {}, t.get("eager") or {}, t.get("compile") or {}
def f(v):
    return f"{v:.4f}" if isinstance(v, float) else str(v)
print(f"{sys.argv[2]:22s} {r['verdict']:8s} cand {f(c.get('median_ms'))} eager "
      f"{f(e.get('median_ms'))} compile {f(k.get('median_ms'))} x_eager "
      f"{f(t.get('speedup_vs_eager'))} x_compile {f(t.get('speedup_vs_compile'))} "
      f"{r.get('rule') or r.get('reason') or r.get('message', '')}")
PY
done
