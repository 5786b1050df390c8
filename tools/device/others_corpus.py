"""Judges a corpus of kernels written by others (outside this repository) and measures how often
lathe's verdict agrees with each kernel's labelled truth.

The corpus lives in .gpu-carry/others (git-ignored, never committed): kernels/*.py, each a
KernelBench `ModelNew`, and labels.json, a list of entries {file, level, problem, problem_file,
language, source, source_claim, truth, truth_reason}, where truth is "correct", "wrong" or
"cheating". Agreement: truth "correct" with verdict "correct", or truth "wrong"/"cheating" with
any other verdict.

Usage (from the repository root):
    python3 tools/device/others_corpus.py LATHE OUT_DIR [--device cuda|cpu] [--set NAME=VALUE ...]
        [--problems DIR] [--corpus DIR] [--jobs N] [--timeout S] [--python PATH]
        [--only SUBSTRING ...]
`--device cpu` runs lathe's Triton-interpreter device (`interpret`); `--set` overrides a
module-level constant of every problem (it is skipped for a problem that lacks the name).
Writes OUT_DIR/others.json and prints a table; exits 0 unless lathe itself cannot run.
"""

import argparse
import ast
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DEVICES = {"cuda": "cuda", "cpu": "interpret", "interpret": "interpret"}


def constants(problem: Path) -> set[str]:
    """The module-level names a problem assigns (what `--set` may override)."""
    try:
        tree = ast.parse(problem.read_text())
    except (OSError, SyntaxError):
        return set()
    names = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def judge(args: argparse.Namespace, entry: dict) -> dict:
    problem = Path(args.problems) / entry["problem_file"]
    kernel = Path(args.corpus) / "kernels" / entry["file"]
    cmd = [
        args.lathe, "eval", "--problem", str(problem), "--kernel", str(kernel),
        "--device", DEVICES[args.device], "--json", "--no-compile-baseline",
        "--timeout", str(args.timeout),
    ]  # fmt: skip
    if args.device != "cuda":
        cmd.append("--no-timing")
    if args.python:
        cmd += ["--python", args.python]
    known = constants(problem)
    applied = []
    for item in args.set:
        name = item.split("=", 1)[0]
        if name in known:
            cmd += ["--set", item]
            applied.append(item)
    started = time.perf_counter()
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout + 120)
        stdout, stderr, code = run.stdout, run.stderr, run.returncode
    except subprocess.TimeoutExpired as e:
        stdout, stderr, code = "", f"lathe did not return: {e}", None
    seconds = time.perf_counter() - started
    try:
        result = json.loads(stdout)
    except json.JSONDecodeError:
        result = {"verdict": "no-json", "stderr": (stderr or stdout)[-2000:]}
    verdict = result.get("verdict")
    correct = verdict == "correct"
    agree = correct == (entry["truth"] == "correct") and verdict != "no-json"
    return {
        "file": entry["file"],
        "truth": entry["truth"],
        "language": entry.get("language"),
        "verdict": verdict,
        "rule": result.get("rule") or result.get("reason") or result.get("phase"),
        "agree": agree,
        "overrides": applied,
        "exit_code": code,
        "seconds": round(seconds, 1),
        "result": result,
    }


def brief(row: dict) -> str:
    rule = row["rule"]
    if isinstance(rule, dict | list):
        rule = json.dumps(rule)
    text = f"{row['verdict']}" + (f" ({rule})" if rule else "")
    return text if len(text) <= 58 else text[:55] + "..."


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lathe")
    parser.add_argument("out_dir")
    parser.add_argument("--device", choices=sorted(DEVICES), default="cuda")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--problems", default=".gpu-carry/kb")
    parser.add_argument("--corpus", default=".gpu-carry/others")
    parser.add_argument(
        "--jobs", type=int, default=1, help="judgements at once (1: two on one GPU time each other)"
    )
    parser.add_argument("--timeout", type=int, default=600, help="lathe eval --timeout, seconds")
    parser.add_argument("--python", help="the worker's Python (lathe eval --python)")
    parser.add_argument("--only", action="append", default=[], metavar="SUBSTRING")
    args = parser.parse_args()

    try:
        subprocess.run([args.lathe, "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"lathe cannot run: {e}", file=sys.stderr)
        return 2
    entries = json.loads((Path(args.corpus) / "labels.json").read_text())
    if args.only:
        entries = [e for e in entries if any(s in e["file"] for s in args.only)]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    # Each row is printed and saved as it comes, so a run cut off by a time limit keeps what it
    # judged.
    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        for r in pool.map(lambda e: judge(args, e), entries):
            rows.append(r)
            (out / "others.json").write_text(json.dumps(rows, indent=1))
            mark = "agree   " if r["agree"] else "DISAGREE"
            line = f"{mark} {r['file']:<46} {r['truth']:<9} {brief(r):<58} {r['seconds']:>6}s"
            print(line, flush=True)
    agreed = sum(r["agree"] for r in rows)
    for truth in ("correct", "wrong", "cheating"):
        group = [r for r in rows if r["truth"] == truth]
        if group:
            print(f"  {truth}: {sum(r['agree'] for r in group)} of {len(group)} agree")
    broken = [r for r in rows if r["verdict"] == "no-json"]
    if broken:
        print(f"  {len(broken)} gave no verdict (see stderr in others.json)")
    print(f"{agreed} of {len(rows)} verdicts agree with the labelled truth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
