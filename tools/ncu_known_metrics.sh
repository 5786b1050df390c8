#!/usr/bin/env bash
# Builds crates/lathe-core/data/ncu_known_metrics.txt.gz: the Nsight Compute metric names that exist
# on all of sm_80 (ga100), sm_89 (ad102) and sm_90 (gh100), limited to the units and roll-ups a
# stage can ask for, plus the launch__* attributes (query-metrics does not list those; a real
# capture's header does).
#
# Inputs: the gzipped `ncu --query-metrics --chip C --query-metrics-mode all` dumps that
# tools/device/probe_facts.sh writes, and one raw-page CSV captured by ncu.
# Usage: tools/ncu_known_metrics.sh DUMP_DIR CAPTURE.csv
set -euo pipefail
dump=$1 capture=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for chip in ga100 ad102 gh100; do
  # Names are the first column; some carry a "GROUP.Section." qualifier, which is not part of the name.
  zcat "$dump/metrics_$chip.txt.gz" | awk '{print $1}' | grep '__' |
    sed -E 's/^[A-Z0-9_]+\.[A-Za-z0-9]+\.//' | sort -u >"$tmp/$chip"
done
comm -12 "$tmp/ga100" "$tmp/ad102" | comm -12 - "$tmp/gh100" |
  grep -E '^(sm|smsp|dram|lts|l1tex|gpu)__' |
  grep -E '\.(pct|ratio|sum|avg|max|min|pct_of_peak_sustained_elapsed|pct_of_peak_sustained_active)$' >"$tmp/hw"
grep -m1 '^"ID"' "$capture" | tr ',' '\n' | tr -d '"' | grep '^launch__' >"$tmp/launch"
sort -u "$tmp/hw" "$tmp/launch" | gzip -9n >crates/lathe-core/data/ncu_known_metrics.txt.gz
