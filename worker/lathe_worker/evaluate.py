"""One evaluation, as the judge runs it: load → calibrate → check → second shape → integrity →
timing (or, on the interpreter when asked, interpreter timing).

The judge never imports the candidate. It holds the problem, the reference (in the problem's
precision and in float64), every expected output and every verdict; the runner (runner.py)
holds the candidate and answers commands. Each phase may end the evaluation with a verdict
(raised as VerdictReached); reaching the end means `correct`. Nothing is timed before it is
known to be right, and every call is judged: the first one (compilation, autotuning) against
the reference like the rest, the timed ones on a sample the runner cannot predict.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Callable
from typing import Any

import torch

from lathe_worker import models
from lathe_worker.baselines import cache_key, cached, compile_baseline, machine_identity
from lathe_worker.compare import compare, finite_mean
from lathe_worker.correctness import Expected, OutputJudge, trivial_output_passes
from lathe_worker.exports import ExportRefused, Importer
from lathe_worker.loading import load_problem, size_constants
from lathe_worker.progress import Progress
from lathe_worker.protocol import EvalRequest
from lathe_worker.reference import Reference
from lathe_worker.runner_client import RunnerClient
from lathe_worker.timed_calls import TimedCalls
from lathe_worker.verdicts import ProblemError, VerdictReached, rejected, wrong

# Module-level constants treated as the batch size, for the second-shape check.
BATCH_NAMES = re.compile(r"^(batch|batch_size|bs|n|num_samples|batch_dim)$", re.IGNORECASE)
# Kernels that move data without computing; under the strict policy every other library kernel
# is compute that the candidate should have written itself.
DATA_MOVEMENT = re.compile(r"memcpy|memset|fill|copy|Memcpy|Memset", re.IGNORECASE)
# Seeds of the second-shape and integrity calls, after the check trials' own.
SECOND_SHAPE_SEED = 100
INTEGRITY_SEED = 200
# Offset from the first seed of the seed whose outputs' means are the trivial constants
# (`Evaluation.learn_constants`): other inputs than any checked call's.
CONSTANTS_SEED_OFFSET = 7919
# An evaluation whose inputs and outputs (one set of each) take more than this share of the
# GPU's memory runs lean (`Evaluation.lean`). Judge and runner together hold about 13 such
# sets at their peak when the reference overlaps the candidate's call: 1/20 keeps that near
# two thirds of the GPU. At 1/8, level 1 #96 (8 GiB of inputs, a scalar output) was not lean
# and ran out of memory on an 80 GB H100 (judge 32.7 GiB, runner 44.7 GiB; 2026-12-07).
LEAN_SHARE = 1 / 20
# The GPU memory, in GB, an evaluation is to plan for instead of the GPU's own (read by the judge
# before any candidate exists; for a GPU shared with other work, and for tests of lean judging).
MEMORY_ENV = "LATHE_GPU_MEMORY_GB"


class Evaluation:
    def __init__(self, request: EvalRequest, progress: Progress, runner: RunnerClient) -> None:
        self.req = request
        self.progress = progress
        self.runner = runner
        self.device = torch.device("cuda" if request.device == "cuda" else "cpu")
        self.notes: list[str] = []
        self.judge = OutputJudge(request.correctness, self.notes)
        self.importer = Importer(self.device)
        self.calls = 0
        # Seeds of the timed calls: unpredictable, so no candidate can have met them before.
        self.rng = random.SystemRandom()
        self.problems: dict[str, Any] = {}
        self.noted_float64 = False
        # Correctness on inputs with random signs, scaled up a level at a time while a trivial
        # output still passes (judge.md, "Widened inputs"); 0 for the problem's own inputs.
        # Timed calls keep the problem's own.
        self.widen = 0
        # Lean: the reference's work is done before each call rather than while the runner
        # computes, the first seed's tensors are given up after its trial (made again for the
        # timing) and the runner keeps fewer old input sets, so that a problem whose tensors
        # are large beside the GPU's memory still fits it beside the judge.
        self.lean = False
        self.capacity = memory_capacity(self.device)
        # Every output's tolerance decided on the first seed (`OutputJudge.prepare`): the
        # judge's inputs are then needed only to time the reference.
        self.tolerances_decided = False

    # The phases ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        req = self.req
        self.progress("load")
        self.problems["main"] = load_problem(req.problem_path, req.overrides)
        self.reference = Reference(self.problems["main"], req.correctness.seed, self.device)
        self.learn_constants()
        first = self.expected("main", req.correctness.seed)
        first = self.widen_while_trivial(first)
        self.tolerances_decided = self.judge.prepare(first)
        self.lean = self._large(first)
        timed = TimedCalls(self) if self._times_anything() else None
        if timed is not None and req.timing.enabled:
            # While the runner starts, the slower of the two to be ready.
            timed.flops = self.reference_flops(first.inputs)
        self.give_back_memory()
        self.runner.wait_ready()
        self._runner_problem("main", req.overrides)
        if timed is not None:
            self.progress("calibrate")
            timed.calibrate(first)
        # The timing makes them again if they go.
        self.release_inputs(first)
        self.give_back_memory()
        self.progress("load")
        loaded = self.runner.request(
            {
                "op": "load_candidate",
                "path": str(req.candidate_path),
                "backend": req.backend,
                "kernels": list(req.kernels),
                "seed": req.correctness.seed,
                "problem": "main",
            },
            "load",
        )
        self.notes.append(f"parameters: {loaded.header.get('how')}")

        self.progress("check")
        self.check_first_calls(first)
        trials = self.check_trials("main", req.correctness.trials, "check", 0, first)
        self.give_back_memory()
        self.progress("second_shape")
        second = self.check_second_shape()
        self.progress("integrity")
        self.check_integrity()
        verdict: dict[str, Any] = {"kind": "correct", "trials": trials, "second_shape": second}
        verdict["timing"] = None
        if timed is not None and req.timing.enabled:
            self.progress("timing")
            verdict["timing"] = timed.gpu_timing()
        elif timed is not None:
            self.progress("interpreter_timing")
            verdict["interpreter_timing"] = timed.interpreter_timing()
        if verdict["timing"] is None:
            verdict["timing_note"] = (
                "timing not measured: Triton's interpreter runs on the CPU"
                if req.device == "interpret"
                else "timing disabled by the request"
            )
        return verdict

    def widen_while_trivial(self, first: Expected) -> Expected:
        """The first seed's expectation on the least widened inputs where no trivial output
        (zeros, a constant, an input passed through) matches the reference; at the last level
        the tolerance check that follows refuses the problem (trivial-output-passes)."""
        while self.widen < models.MOST_WIDENED and trivial_output_passes(first, self.judge):
            self.widen += 1
            del first  # lean: a large problem's tensors are not held twice
            self.learn_constants()
            first = self.expected("main", self.req.correctness.seed)
        if self.widen:
            scale = models.WIDEN_SCALES[self.widen]
            if scale is None:
                low, high = models.RANDOM_FACTORS
                factors = f"{2**low:g} to {2**high:g}"
                how = f", each scaled by a factor of its own drawn per call ({factors})"
            else:
                how = f", scaled by {scale:g}" if scale != 1.0 else ""
            self.notes.append(
                "on the problem's own inputs a trivial output (zeros, a constant or an input "
                "passed through) matches the reference, so every output is judged on the same "
                "inputs with random signs" + how
            )
        return first

    def learn_constants(self) -> None:
        """The trivial constant of each floating output: its mean on another seed's inputs
        (widened as the checks' are), what a kernel could return without reading the inputs.
        A scalar loss whose value moves with the inputs is then not mistaken for one that
        carries no information; one that is the same on any inputs (an analytical answer)
        still is."""
        seed = self.req.correctness.seed + CONSTANTS_SEED_OFFSET
        inputs = models.make_inputs(self.problems["main"], seed, self.device, self.widen)
        outputs = self.reference.outputs(inputs)
        del inputs
        self.judge.constants = {
            i: finite_mean(r)
            for i, r in enumerate(outputs)
            if isinstance(r, torch.Tensor) and r.is_floating_point() and r.numel() > 0
        }

    def _large(self, first: Expected) -> bool:
        """Whether the first seed's inputs and outputs take more than LEAN_SHARE of the memory
        (noted, with the sizes, when they do)."""
        tensors = [t for t in [*first.inputs, *first.r32] if isinstance(t, torch.Tensor)]
        footprint = sum(t.numel() * t.element_size() for t in tensors)
        if self.capacity is None or footprint <= self.capacity * LEAN_SHARE:
            return False
        self.notes.append(
            f"lean judging: one set of inputs and outputs takes {footprint / 2**30:.2f} GiB of "
            f"{self.capacity / 2**30:.1f} GiB, so the reference is computed before each call "
            "rather than during it and fewer tensors are kept between calls"
        )
        return True

    def release_inputs(self, expected: Expected) -> None:
        """Lean, with every tolerance decided: the judge needs no inputs to judge outputs, and
        holds none through the runner's calls."""
        if self.lean and self.tolerances_decided:
            expected.inputs = []

    def give_back_memory(self) -> None:
        """Returns the GPU memory the judge's allocator keeps cached but unused to the driver.
        The judge shares its GPU with the runner, and a problem whose inputs take gigabytes
        leaves the judge tens of them cached after its reference work: held, they are memory
        the candidate's process cannot have, and an honest kernel would fail for want of it.
        Between phases only, never around a timed call."""
        if self.device.type == "cuda":
            torch.cuda.empty_cache()

    def _times_anything(self) -> bool:
        return self.req.timing.enabled or self.req.timing.interpreter

    # Calls ---------------------------------------------------------------------------------

    def expected(self, problem: str, seed: int, with64: bool = True) -> Expected:
        inputs = models.make_inputs(self.problems[problem], seed, self.device, self.widen)
        # Float64 first: its upcast inputs and outputs are then never beside `r32` (a lean
        # evaluation's peak in the judge).
        r64 = self.reference.outputs64(inputs) if with64 else None
        r32 = self.reference.outputs(inputs)
        if with64 and r64 is None and self.reference.float64_error and not self.noted_float64:
            self.noted_float64 = True
            self.notes.append(
                "the reference cannot run in float64 ("
                + self.reference.float64_error
                + "): outputs are judged by KernelBench's atol/rtol alone"
            )
        return Expected(seed, inputs, r32, r64)

    def call(
        self,
        seed: int,
        phase: str,
        mode: str = "plain",
        problem: str = "main",
        meanwhile: Callable[[], Any] | None = None,
    ) -> tuple[list[torch.Tensor], dict[str, Any]]:
        """One runner call on the inputs of `seed`; (its outputs as the judge reads them, the
        reply). `meanwhile` runs in the judge while the runner works (never around a timed
        call: nothing may share the GPU with one)."""
        self.calls += 1
        if self.lean and mode != "timed":
            # What the judge freed since its last call (a float64 input set, an output read)
            # goes back before the runner allocates: cached here, it is memory the runner
            # cannot have, in pieces this process may not be able to use either.
            self.give_back_memory()
        self.runner.send(
            {
                "op": "call",
                "seed": seed,
                "mode": mode,
                "problem": problem,
                "call": self.calls,
                "mutation": mode != "timed",
                "widen": self.widen,
                "lean": self.lean,
            },
            phase,
        )
        if meanwhile is not None:
            meanwhile()
        frame = self.runner.reply()
        mutated = frame.header.get("mutated")
        if mutated is not None:
            raise VerdictReached(
                rejected("input-mutated", f"the call changed input {mutated} ({phase})")
            )
        return self.read_outputs(frame.header, frame.blobs), frame.header

    def read_outputs(self, header: dict[str, Any], blobs: list[bytes]) -> list[torch.Tensor]:
        try:
            return self.importer.outputs(header.get("outputs"), blobs)
        except ExportRefused as e:
            raise VerdictReached(
                rejected("harness-tamper", f"the runner described its outputs falsely: {e}")
            ) from e

    def _runner_problem(self, name: str, overrides: dict[str, Any]) -> None:
        self.runner.request(
            {
                "op": "load_problem",
                "name": name,
                "path": str(self.req.problem_path),
                "overrides": overrides,
            },
            "load",
        )

    # Correctness ---------------------------------------------------------------------------

    def check_first_calls(self, first: Expected) -> None:
        """The first two calls, on the same inputs, each judged against the reference: the
        first compiles and autotunes and must be right all the same; two calls that disagree
        with each other are named for what they are [integrity row 15]."""
        one, _ = self.call(first.seed, "first_call")
        judged = [self.judge.judge(first, one)]
        # Kept for the comparison with the second call, which reuses the runner's buffers:
        # lean, in host memory (a copy on the GPU would sit beside the runner's peak).
        one = [t.cpu() if self.lean else t.clone() for t in one]
        two, _ = self.call(first.seed, "first_call")
        judged.append(self.judge.judge(first, two))
        if not any("reason" in j for j in judged):
            del one, two
            self.give_back_memory()
            return
        if "reason" in judged[0] and "reason" not in judged[1]:
            # Wrong once, right from then on: the first call's own work (compilation, an
            # autotuner benchmarking every config on the output buffer) spoiled its result.
            self.notes.append("the first call is wrong; the second, on the same inputs, is right")
            entry = {"trial": 0, "seed": first.seed, **judged[0]}
            raise VerdictReached(wrong(judged[0]["reason"], [entry], "first_call"))
        if all("reason" in j for j in judged):
            # Both wrong: that is the verdict, whether or not they also differ (unwritten
            # memory read twice differs on a CPU, where nothing poisons it; that is no race).
            failed = [{"trial": n, "seed": first.seed, **j} for n, j in enumerate(judged)]
            raise VerdictReached(wrong(failed[0]["reason"], failed, "first_call"))
        for i, (a, b) in enumerate(zip(one, two, strict=False)):
            if a.shape != b.shape or a.dtype != b.dtype:
                continue
            b = b.to(a.device)
            stats = compare(a, b, self.judge.kernelbench(a.dtype))
            # Finite disagreement only: NaN in one call is unwritten memory, which the trial
            # reports as `wrong` with its positions; a race shows as differing values.
            if stats.get("reason") == "values":
                raise VerdictReached(
                    rejected(
                        "nondeterministic",
                        "two calls on the same inputs disagree beyond the tolerance at output "
                        f"{i}: " + describe(stats),
                    )
                )
        failed = [
            {"trial": n, "seed": first.seed, **j} for n, j in enumerate(judged) if "reason" in j
        ]
        raise VerdictReached(wrong(failed[0]["reason"], failed, "first_call"))

    def check_trials(
        self, problem: str, count: int, phase: str, first_seed: int, first: Expected | None = None
    ) -> list[dict[str, Any]]:
        """`count` trials with fresh seeded inputs; a mismatch in any makes the verdict wrong."""
        results, failed = [], []
        for trial in range(count):
            seed = self.req.correctness.seed + first_seed + trial
            known = first if first is not None and first.seed == seed else None
            # The reference's answer is computed while the runner computes the candidate's.
            answer: list[Expected] = [known] if known else []

            def reference(
                problem: str = problem, seed: int = seed, answer: list[Expected] = answer
            ) -> None:
                answer.append(self.expected(problem, seed))

            if not known and self.lean:
                reference()
                self.release_inputs(answer[0])
            overlap = None if known or self.lean else reference
            got, _ = self.call(seed, phase, problem=problem, meanwhile=overlap)
            expected = answer[0]
            judged = self.judge.judge(expected, got)
            if known is not None:
                # From here on the first seed's inputs and problem-precision outputs serve the
                # timing (baselines, the speed-of-light bound); its float64 outputs serve
                # nothing (its torch error is kept). Lean, the timing makes them again.
                known.r64 = None
                if self.lean:
                    known.inputs, known.r32 = [], []
            # `reference` holds `answer` (its default): both go, or the outputs stay cached.
            del got, expected, answer, reference
            self.give_back_memory()
            entry = {"trial": trial, "seed": seed, **judged}
            results.append(entry)
            if "reason" in judged:
                failed.append(entry)
        if failed:
            raise VerdictReached(wrong(failed[0]["reason"], failed, phase))
        return results

    def check_second_shape(self) -> dict[str, Any] | None:
        """The same check at another batch size, when the problem's constants name one
        [integrity row 14: kernels hard-coded to the fixed shape]."""
        if not self.req.correctness.second_shape:
            return None
        constants = size_constants(self.req.problem_path) | {
            k: v for k, v in self.req.overrides.items() if isinstance(v, int)
        }
        name = next((n for n in constants if BATCH_NAMES.match(n)), None)
        if name is None:
            self.notes.append("second shape skipped: the problem names no batch-size constant")
            return None
        # One more, not one fewer: a launch baked for the default size leaves the extra elements
        # unwritten, and an odd size exercises the masks.
        overrides = {**self.req.overrides, name: constants[name] + 1}
        seed = self.req.correctness.seed + SECOND_SHAPE_SEED
        try:
            self.problems["second"] = load_problem(
                self.req.problem_path, overrides, name="lathe_problem_second"
            )
            # The reference first, before the runner sees the problem: a size tied to another
            # constant (level 1 #100 broadcasts a (batch,) target over an (input_shape) row)
            # breaks the problem itself at batch + 1, which says nothing of the kernel.
            first = self.expected("second", seed)
        except ProblemError as e:
            self.problems.pop("second", None)
            self.notes.append(
                f"second shape skipped: the problem itself fails with {name} = "
                f"{constants[name] + 1} ({str(e)[:300]})"
            )
            return {"overrides": overrides, "skipped": str(e)[:300]}
        self.release_inputs(first)
        self._runner_problem("second", overrides)
        self.check_trials("second", 2, "second_shape", SECOND_SHAPE_SEED, first=first)
        return {"overrides": overrides}

    # Integrity -----------------------------------------------------------------------------

    def check_integrity(self) -> None:
        seed = self.req.correctness.seed + INTEGRITY_SEED
        _, reply = self.call(seed, "integrity")
        ran = reply.get("launches") if isinstance(reply.get("launches"), dict) else {}
        if not ran:
            raise VerdictReached(
                rejected(
                    "no-own-kernel-ran",
                    "none of the candidate's own kernels was launched during forward",
                )
            )
        self.notes.append(
            "own kernels launched in one forward: "
            + ", ".join(f"{k} x{v}" for k, v in sorted(ran.items()))
        )
        # On inputs of their own: an honest kernel that keeps its output buffer between calls
        # would otherwise still hold the right answer with its kernels switched off.
        answer: list[Expected] = []
        ghost, _ = self.call(
            seed + 1,
            "integrity",
            mode="ghost",
            meanwhile=lambda: answer.append(self.expected("main", seed + 1, with64=False)),
        )
        if "reason" not in self.judge.judge(answer[0], ghost):
            raise VerdictReached(
                rejected(
                    "ghost-kernel",
                    "with the candidate's own kernels switched off (and every buffer PyTorch "
                    "allocated during the call filled with NaN) the output still matches the "
                    "reference: they do no real work",
                )
            )
        if self.req.policy == "strict" and self.device.type == "cuda":
            _, reply = self.call(seed, "integrity", mode="library")
            own = set(ran) | set(self.req.kernels)
            names = reply.get("kernels") if isinstance(reply.get("kernels"), list) else []
            library = sorted(
                str(n)
                for n in names
                if not any(o in str(n) for o in own) and not DATA_MOVEMENT.search(str(n))
            )
            if library:
                raise VerdictReached(
                    rejected(
                        "library-compute",
                        "library kernels computed part of the output under the strict policy: "
                        + ", ".join(library[:5]),
                    )
                )

    # Baselines -----------------------------------------------------------------------------

    def compile_baseline(self, inputs: list[Any], timer: Any) -> dict[str, Any]:
        req = self.req
        return compile_baseline(
            req.problem_path, req.overrides, req.timing, self.reference.model, inputs, timer
        )

    def reference_flops(self, inputs: list[Any]) -> int | None:
        """The reference's matrix-product and convolution flops per forward, cached per problem:
        counting them imports much of PyTorch's compiler stack, seconds on a cold start."""
        req = self.req
        key = cache_key("flops", req.problem_path.read_text(), req.overrides, torch.__version__)
        counted = cached(
            req.timing.cache_dir,
            "reference_flops",
            key,
            lambda: {"flops": self.reference.flops(inputs)},
        )
        return counted["flops"]

    def machine_rates(self) -> tuple[float, float | None]:
        """(copy bandwidth in GB/s, dense bf16 TFLOP/s), measured once per machine and cached."""
        from lathe_worker.timing import copy_bandwidth_gb_s, matmul_tflops

        identity = machine_identity()
        cache_dir = self.req.timing.cache_dir
        copy = cached(
            cache_dir,
            "copy_bandwidth",
            cache_key("copy", identity),
            lambda: {"gb_s": copy_bandwidth_gb_s()},
        )
        try:
            flops = cached(
                cache_dir,
                "matmul_rate",
                cache_key("bf16-matmul", identity),
                lambda: {"tflops": matmul_tflops()},
            )
        except Exception as e:  # a GPU too small for the measuring product
            self.notes.append(f"no flop bound: the bf16 rate could not be measured ({e})"[:300])
            return copy["gb_s"], None
        return copy["gb_s"], flops["tflops"]


def memory_capacity(device: torch.device) -> int | None:
    """The memory, in bytes, one evaluation plans for: MEMORY_ENV when set, else the GPU's
    (None on the CPU: the interpreter's shapes are small)."""
    asked = os.environ.pop(MEMORY_ENV, None)
    if asked:
        try:
            return int(float(asked) * 1e9)
        except ValueError:
            pass
    if device.type != "cuda":
        return None
    return torch.cuda.get_device_properties(device).total_memory


def describe(judged: dict[str, Any]) -> str:
    outputs = judged.get("outputs") or [judged]
    bad = next((o for o in outputs if "reason" in o), outputs[-1])
    parts = [f"{bad.get('reason', 'values')}"]
    for key in ("max_abs", "mismatch_fraction", "worst_index", "expected", "got"):
        if key in bad:
            parts.append(f"{key}={bad[key]}")
    return ", ".join(parts)
