"""Writes the starting kernel of a seed prompt (the code under [CURRENT CODE]) to a file.

Usage: python3 tools/device/seed_kernel.py SEED OUT.py   (SEED: 000, 002, 003)
Run from the repository root; the seeds are spec/seeds/SEED_*.txt.
"""

import sys
from pathlib import Path


def main(seed: str, out: str) -> None:
    text = next(Path("spec/seeds").glob(f"{seed}_*.txt")).read_text()
    code = text.split("[CURRENT CODE]\n```python\n", 1)[1]
    code = code.split("\n```\n\n[NCU PROFILING METRICS]", 1)[0]
    Path(out).write_text(code + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:])
