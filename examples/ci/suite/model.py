"""A stand-in model for the suite's CI run: `--llm 'command:python model.py'` answers each prompt
with an element-wise Triton kernel for the operation the prompt's reference returns. With
`--log FILE` it appends one line per call to FILE, so a test can count the calls a suite made.
It writes no kernel for a prompt it cannot place (the loop records that reply as having no
code)."""

import sys

# The reference's return line names the problem; each op is a Triton expression of `x`, or of
# `a` and `b` for the two-input problems.
UNARY = {
    "return torch.relu(x)": "tl.maximum(x, 0.0)",
    "return torch.sigmoid(x)": "1.0 / (1.0 + tl.exp(-x))",
    "return torch.tanh(x)": "2.0 / (1.0 + tl.exp(-2.0 * x)) - 1.0",
    "return x * 2.0": "x * 2.0",
}
BINARY = {
    "return torch.relu(a + b)": "tl.maximum(a + b, 0.0)",
    "return torch.tanh(a * b)": "2.0 / (1.0 + tl.exp(-2.0 * (a * b))) - 1.0",
}

UNARY_KERNEL = """
@triton.jit
def _op(x_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    x = tl.load(x_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, {expr}, mask=mask)


class ModelNew(nn.Module):
    def forward(self, x):
        x = x.contiguous()
        out = torch.empty_like(x)
        n = x.numel()
        _op[(triton.cdiv(n, BLOCK),)](x, out, n, BLOCK=BLOCK)
        return out
"""

BINARY_KERNEL = """
@triton.jit
def _op(a_ptr, b_ptr, out_ptr, n, BLOCK: tl.constexpr):
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offs < n
    a = tl.load(a_ptr + offs, mask=mask)
    b = tl.load(b_ptr + offs, mask=mask)
    tl.store(out_ptr + offs, {expr}, mask=mask)


class ModelNew(nn.Module):
    def forward(self, a, b):
        a = a.contiguous()
        b = b.contiguous()
        out = torch.empty_like(a)
        n = a.numel()
        _op[(triton.cdiv(n, BLOCK),)](a, b, out, n, BLOCK=BLOCK)
        return out
"""


def reply(prompt: str) -> tuple[str, str]:
    for line, expr in UNARY.items():
        if line in prompt:
            return line, UNARY_KERNEL.format(expr=expr)
    for line, expr in BINARY.items():
        if line in prompt:
            return line, BINARY_KERNEL.format(expr=expr)
    return "unknown", ""


def main() -> None:
    prompt = sys.stdin.read()
    problem, kernel = reply(prompt)
    if "--log" in sys.argv:
        with open(sys.argv[sys.argv.index("--log") + 1], "a", encoding="utf-8") as log:
            log.write(problem + "\n")
    if not kernel:
        print("I cannot tell which problem this prompt is about.")
        return
    # The first kernel launches small programs; a stage's asks for larger ones.
    block = 256 if "stage" in prompt.lower() else 64
    header = "import torch\nimport triton\nimport triton.language as tl\nfrom torch import nn\n"
    print(f"```python\n{header}\nBLOCK = {block}\n\n{kernel}```")


if __name__ == "__main__":
    main()
