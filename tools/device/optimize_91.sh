#!/usr/bin/env bash
# Issue 6's GPU run: `lathe optimize` on level2/91 from seed 000's starting kernel, the model
# being the written replies of examples/gpu/91_replies (served by stage by pick.py, one call at a
# time), on the GPU with Nsight Compute profiles before each stage. Writes the run's directory,
# the JSON events and the torch.compile figure under OUT.
# Usage: tools/device/optimize_91.sh LATHE OUT
set -u
lathe=$1 out=$2
mkdir -p "$out"
python3 tools/device/seed_kernel.py 000 "$out/seed000_problem91.py"
export LATHE_PICK_STATE="$out/pick-state.json"
rm -f "$LATHE_PICK_STATE"
printf '[llm]\nmax_concurrency = 1\n' >"$out/lathe.toml"
started=$(date +%s)
LATHE_CONFIG="$out/lathe.toml" "$lathe" optimize \
  --problem examples/level2/91_conv_transpose_softmax_bias_scale_sigmoid/problem.py \
  --kernel "$out/seed000_problem91.py" --samples 2 \
  --llm "command:python3 examples/gpu/91_replies/pick.py" \
  --device cuda --runs-dir "$out/runs" --time-limit 500s --json \
  >"$out/events.jsonl" 2>"$out/stderr.txt"
echo "exit $? after $(( $(date +%s) - started )) s"
tail -n 1 "$out/events.jsonl"
