"""Write MIB mebibytes to stdout and as many to stderr, interleaved, then exit 0.

Used by tests/process.rs: a harness that reads one pipe to its end before the other deadlocks
on this program, and one that keeps whole transcripts holds 2 * MIB MiB. Each mebibyte ends in
b"end\n", so the tail of either stream is predictable.

Usage: python3 flood.py MIB
"""

import sys

MIB = 1 << 20


def main(argv: list[str]) -> int:
    count = int(argv[1])
    chunk = b"a" * (MIB - 4) + b"end\n"
    out, err = sys.stdout.buffer, sys.stderr.buffer
    for _ in range(count):
        out.write(chunk)
        err.write(chunk)
    out.flush()
    err.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
