#!/usr/bin/env bash
# The optimization loop's CI example run end to end by the built binary (the README's main-job
# command), then its report.html opened in headless Chromium: a screenshot, and the DOM Chromium
# rendered, which must hold the speedup plot with a point per timed attempt; then a small
# `lathe suite eval` whose suite.html Chromium must render with both its plots. CI keeps all of
# it under OUT (default target/ci).
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
assert '<g class="start">' in plot.group(0), "the starting kernel is not plotted"
assert '<polyline class="best"' in plot.group(0), "no best-so-far line"
png = (out / "report.png").read_bytes()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
width, height = struct.unpack(">II", png[16:24])
assert (width, height) == (1400, 1800), (width, height)
assert len(png) > 20_000, f"a {len(png)}-byte screenshot is blank"
print(f"report.html in Chromium: #speedup-plot with {points} points; screenshot {out / 'report.png'}")
PY

# A run without a model: the tuner's variants, whose rendered report must plot the starting
# kernel and name each changed constant.
"$lathe" optimize --problem examples/ci/add_relu/problem.py --kernel examples/ci/add_relu/kernel.py \
  --category fusion --stages grid_and_parallel --tune-budget 2 --device interpret --gpu H100 \
  --python "$python" --runs-dir "$out/tuner-runs" --quiet 2>>"$out/chromium.log"
tuned=$(realpath "$out"/tuner-runs/r*/report.html)
"$browser" "${flags[@]}" --screenshot="$out/tuner-report.png" "file://$tuned" 2>>"$out/chromium.log"
"$browser" "${flags[@]}" --dump-dom "file://$tuned" >"$out/tuner-report.dom.html" 2>>"$out/chromium.log"
python3 - "$out" <<'PY'
import sys
from pathlib import Path

dom = (Path(sys.argv[1]) / "tuner-report.dom.html").read_text(encoding="utf-8")
assert '<g class="start">' in dom, "the tuner run's report does not plot the starting kernel"
assert "BLOCK 32 \u2192 64" in dom, "the tuner's first change (BLOCK 32 -> 64) is not in the report"
print("tuner report.html in Chromium: the starting kernel plotted, BLOCK 32 -> 64 named")
PY

# A suite's page: `lathe suite eval` of the same example as a one-level suite (its kernel, and a
# second problem without one) under the interpreter, its suite.html rendered by Chromium.
suite="$out/suite"
mkdir -p "$suite/problems/level2" "$suite/kernels/level2"
cp examples/ci/add_relu/problem.py "$suite/problems/level2/1_add_relu.py"
cp examples/ci/add_relu/problem.py "$suite/problems/level2/2_add_relu.py"
cp examples/ci/add_relu/kernel.py "$suite/kernels/level2/1_add_relu.py"
"$lathe" suite eval --problems "$suite/problems" --kernels "$suite/kernels" --device interpret \
  --python "$python" --out "$suite/report" > "$suite/suite.txt" 2>>"$out/chromium.log"
"$browser" "${flags[@]}" --dump-dom "file://$(realpath "$suite/report/suite.html")" \
  >"$out/suite.dom.html" 2>>"$out/chromium.log"
python3 - "$out" <<'PY'
import sys
from pathlib import Path

dom = (Path(sys.argv[1]) / "suite.dom.html").read_text()
assert dom.count("<svg") == 2, "the rendered suite page lacks its two plots"
assert "1/2" in dom and "missing" in dom, "the suite page does not count its tasks"
assert dom.count('<path d="M') == 1, "the fast_p curve is not drawn (one baseline on the CPU)"
print("suite.html in Chromium: both plots, the fast_p curve, 1 of 2 tasks correct")
PY
