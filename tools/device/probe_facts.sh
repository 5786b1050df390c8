#!/usr/bin/env bash
# Gathers the facts lathe keeps as reviewed data and that only a GPU machine can tell:
# the Nsight Compute metric names of each chip we support, and what `triton.language`
# offers in the installed Triton. Run through the device tool; results land in $OUT.
set -u
out=${OUT:-/tmp/out}
mkdir -p "$out"
{
  echo "date: $(date -u +%FT%TZ)"
  nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader
  ncu --version | tail -1
  python3 -c 'import torch, triton; print("torch", torch.__version__, "triton", triton.__version__)'
} >"$out/env.txt" 2>&1
ncu --list-chips >"$out/chips.txt" 2>&1
for chip in ga100 ad102 gh100; do
  ncu --query-metrics --chip "$chip" --query-metrics-mode all 2>&1 | gzip -9 >"$out/metrics_$chip.txt.gz"
done
python3 - >"$out/triton_tl.txt" 2>&1 <<'PY'
import triton, triton.language as tl
names = ["tanh", "sigmoid", "gelu", "silu", "softmax", "mish", "erf", "exp2", "log2",
         "rsqrt", "cumsum", "flip", "clamp", "gather", "topk", "histogram", "dot_scaled",
         "make_tensor_descriptor", "div_rn", "fma", "umulhi", "sort", "interleave"]
print("triton", triton.__version__)
for n in names:
    print(n, hasattr(tl, n))
import triton.language.extra.cuda.libdevice as ld
print("libdevice.tanh", hasattr(ld, "tanh"))
PY
cat "$out/env.txt" "$out/chips.txt" "$out/triton_tl.txt"
ls -la "$out"
