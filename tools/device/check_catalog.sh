#!/usr/bin/env bash
# Checks the catalog against the GPU at hand: the driver's name must resolve to a catalog entry
# whose facts match what CUDA reports. Run through the device tool with target/release/lathe
# carried; prints a table and writes it to $OUT/catalog_check.txt.
set -u
out=${OUT:-/tmp/out}
mkdir -p "$out"
lathe=${LATHE:-target/release/lathe}
name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
{
  echo "date: $(date -u +%FT%TZ)"
  echo "driver name: $name"
  nvidia-smi --query-gpu=driver_version,compute_cap --format=csv,noheader
  echo "--- lathe gpus \"$name\" --json"
  "$lathe" gpus "$name" --json
  echo "--- CUDA device properties (torch)"
  python3 - <<'PY'
import torch
p = torch.cuda.get_device_properties(0)
print(f"name={p.name} cc={p.major}.{p.minor} sms={p.multi_processor_count}")
print(f"l2_bytes={p.L2_cache_size} l2_mb={p.L2_cache_size / 2**20:g}")
print(f"max_threads_per_sm={p.max_threads_per_multi_processor}")
print(f"regs_per_sm={p.regs_per_multiprocessor}")
smem = getattr(p, "shared_memory_per_multiprocessor", None)
smem_block = getattr(p, "shared_memory_per_block_optin", None)
print(f"smem_per_sm_kb={smem and smem // 1024} smem_per_block_optin_kb={smem_block and smem_block // 1024}")
PY
  echo "--- triton.language on this machine"
  python3 -c 'import triton, triton.language as tl; print("triton", triton.__version__); print({n: hasattr(tl, n) for n in ["tanh","sigmoid","gelu","silu","softmax","mish","relu","leaky_relu","softplus","pow","log1p","expm1","erf","clamp","cumsum","gather","topk"]})'
  echo "--- stage metrics known to this GPU's ncu"
  chip=$(ncu --list-chips >/dev/null 2>&1; python3 -c 'import torch; print({(8,0):"ga100",(8,9):"ad102",(9,0):"gh100"}.get(torch.cuda.get_device_capability(0), "gh100"))')
  ncu --query-metrics --chip "$chip" --query-metrics-mode all | awk '{print $1}' | sed -E 's/^[A-Z0-9_]+\.[A-Za-z0-9]+\.//' | sort -u >/tmp/names.txt
  "$lathe" stages --json | python3 -c '
import json, sys
names = set(open("/tmp/names.txt").read().split())
missing = sorted({m for s in json.load(sys.stdin) for m in s["metrics"] if not m.startswith("launch__") and m not in names})
print("hardware metrics of all stages missing on this chip:", missing or "none")'
} 2>&1 | tee "$out/catalog_check.txt"
