"""Prints which watched `triton.language` names each Triton release exports.

lathe keeps this as reviewed data (prompts/triton/tl_functions.toml). To refresh it, download each
release's wheel from PyPI, unpack `triton/language/__init__.py` into DIR/src_<version>/, and run
    python3 tools/triton_tl_facts.py DIR
The answer is read from the module's `__all__` (parsed, never imported), so no GPU is needed.
"""

import ast
import sys
from pathlib import Path

WATCHED = [
    "tanh",
    "sigmoid",
    "gelu",
    "silu",
    "softmax",
    "mish",
    "relu",
    "leaky_relu",
    "softplus",
    "pow",
    "log1p",
    "expm1",
    "erf",
    "clamp",
    "cumsum",
    "gather",
    "topk",
    "dot_scaled",
    "make_tensor_descriptor",
]


def exported_names(init_py: Path) -> set[str]:
    tree = ast.parse(init_py.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return {ast.literal_eval(e) for e in node.value.elts}
    raise SystemExit(f"{init_py}: no __all__ found")


def main(root: Path) -> None:
    releases = {}
    for src in sorted(root.glob("src_*")):
        version = src.name.removeprefix("src_")
        releases[version] = exported_names(src / "triton/language/__init__.py")
    for name in WATCHED:
        present = [".".join(v.split(".")[:2]) for v, names in releases.items() if name in names]
        print(f"{name}: {present}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
