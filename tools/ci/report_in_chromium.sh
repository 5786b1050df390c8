#!/usr/bin/env bash
# The optimization loop's CI example run end to end by the built binary (the README's first
# command), then its report.html opened in headless Chromium: a screenshot, and the DOM Chromium
# rendered, which must hold the speedup plot with a point per timed attempt. CI keeps both under
# OUT (default target/ci).
# Usage: tools/ci/report_in_chromium.sh LATHE PYTHON [OUT]
set -euo pipefail
lathe=$1 python=$2 out=${3:-target/ci}
rm -rf "$out"
mkdir -p "$out"
"$lathe" optimize --problem examples/ci/add_relu/problem.py --kernel examples/ci/add_relu/kernel.py \
  --category fusion --stages grid_and_parallel --samples 6 \
  --llm replay:examples/ci/add_relu/replies --device interpret --gpu H100 \
  --no-tune --python "$python" --runs-dir "$out/runs" --quiet
report=$(realpath "$out"/runs/r*/report.html)
browser=$(command -v chromium || command -v chromium-browser)
# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1800)
"$browser" "${flags[@]}" --screenshot="$out/report.png" "file://$report" 2>"$out/chromium.log"
"$browser" "${flags[@]}" --dump-dom "file://$report" >"$out/report.dom.html" 2>>"$out/chromium.log"
python3 - "$out" <<'PY'
import re
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])
dom = (out / "report.dom.html").read_text()
plot = re.search(r'<svg[^>]*id="speedup-plot".*?</svg>', dom, re.S)
assert plot, "the rendered report has no #speedup-plot"
points = plot.group(0).count("<circle")
assert points >= 6, f"the plot shows {points} points; the run timed 6 correct kernels"
png = (out / "report.png").read_bytes()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
width, height = struct.unpack(">II", png[16:24])
assert (width, height) == (1400, 1800), (width, height)
assert len(png) > 20_000, f"a {len(png)}-byte screenshot is blank"
print(f"report.html in Chromium: #speedup-plot with {points} points; screenshot {out / 'report.png'}")
PY
