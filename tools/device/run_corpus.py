"""Runs the fixture corpus on the GPU: every fixture whose manifest entry lists "cuda" is judged
by `lathe eval --device cuda --json`, and its verdict compared with the declared one.

Usage (from the repository root, with a release `lathe` built and carried):
    python3 tools/device/run_corpus.py target/release/lathe OUT_DIR [FIXTURE_NAME ...]
Writes OUT_DIR/corpus.json (every result) and prints a table; exits 1 if any verdict is missed.
The timing protocol is shortened (tools/device/corpus.toml): the corpus checks verdicts, not
speed, and the seed-problem runs (seed_problems.sh) time with the full protocol.
"""

import json
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FIXTURES = Path("worker/tests/fixtures")
CONFIG = Path("tools/device/corpus.toml")


def judge(lathe: str, fixture: dict) -> dict:
    timeout = "20" if fixture["verdict"] == "timeout" else "300"
    args = [
        lathe, "--config", str(CONFIG), "eval",
        "--problem", str(FIXTURES / fixture["problem"]),
        "--kernel", str(FIXTURES / fixture["candidate"]),
        "--device", "cuda", "--json", "--timeout", timeout,
        "--memory-limit-gb", str(fixture.get("memory_limit_gb", 24)),
    ]  # fmt: skip
    if "policy" in fixture:
        args += ["--policy", fixture["policy"]]
    for name, value in fixture.get("overrides", {}).items():
        args += ["--set", f"{name}={json.dumps(value)}"]
    started = time.perf_counter()
    run = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    try:
        result = json.loads(run.stdout)
    except json.JSONDecodeError:
        result = {"verdict": "no-json", "stderr": run.stderr[-2000:]}
    got = result.get("verdict")
    ok = got == fixture["verdict"]
    for key in ("rule", "reason", "phase"):
        if key in fixture and result.get(key) != fixture[key]:
            ok = False
    if "static" in fixture and result.get("static") != fixture["static"]:
        ok = False
    return {
        "name": fixture["name"],
        "declared": fixture["verdict"],
        "declared_rule": fixture.get("rule") or fixture.get("reason"),
        "got": got,
        "got_rule": result.get("rule") or result.get("reason"),
        "ok": ok,
        "exit_code": run.returncode,
        "seconds": round(seconds, 1),
        "result": result,
    }


def main(lathe: str, out_dir: str, names: list[str]) -> int:
    manifest = tomllib.loads((FIXTURES / "manifest.toml").read_text())["fixture"]
    fixtures = [f for f in manifest if "cuda" in f["devices"] and (not names or f["name"] in names)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        rows = list(pool.map(lambda f: judge(lathe, f), fixtures))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    (Path(out_dir) / "corpus.json").write_text(json.dumps(rows, indent=1))
    for r in rows:
        mark = "ok  " if r["ok"] else "MISS"
        declared = f"{r['declared']}/{r['declared_rule'] or ''}"
        got = f"{r['got']}/{r['got_rule'] or ''}"
        print(f"{mark} {r['name']:<42} {declared:<36} {got:<36} {r['seconds']:>6}s")
    missed = [r for r in rows if not r["ok"]]
    print(f"{len(rows) - len(missed)} of {len(rows)} fixtures got their declared verdict")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
