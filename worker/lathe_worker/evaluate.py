"""One evaluation, phase by phase: load → construct → check → second shape → integrity →
timing → recheck (on the interpreter, when asked: interpreter timing → recheck).

Every phase may end the evaluation with a verdict (raised as VerdictReached); reaching the end
means `correct`. The order matters: nothing is timed before it is known to be right, and
nothing is called correct before the checks that need several calls (determinism, the ghost
run, the recheck after timing) have passed.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from lathe_worker import launches, models
from lathe_worker.baselines import cache_key, cached, compile_key, machine_identity
from lathe_worker.compare import Tolerance, as_tensor_list, compare, tolerance_for
from lathe_worker.integrity import Guards
from lathe_worker.loading import load_candidate, load_problem, size_constants
from lathe_worker.protocol import EvalRequest
from lathe_worker.verdicts import (
    VerdictReached,
    classify_failure,
    rejected,
    wrong,
)

# Module-level constants treated as the batch size, for the second-shape check.
BATCH_NAMES = re.compile(r"^(batch|batch_size|bs|n|num_samples|batch_dim)$", re.IGNORECASE)
# Bytes over this multiple of the measured copy bandwidth in the time taken is impossible: it
# sits above every datasheet peak checked (H100 and H200 peaks are 1.12x their measured copy).
SOL_SLACK = 1.15
# Kernels that move data without computing; under the strict policy every other library kernel
# is compute that the candidate should have written itself.
DATA_MOVEMENT = re.compile(r"memcpy|memset|fill|copy|Memcpy|Memset", re.IGNORECASE)


class Progress:
    """Phases as they start, appended to a file the harness reads when the worker dies."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.phases: list[dict[str, Any]] = []
        self._started = time.perf_counter()
        self._current: str | None = None

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        if self.phases:
            self.phases[-1]["seconds"] = round(now - self._started, 4)
        self._started, self._current = now, phase
        self.phases.append({"name": phase})
        if self.path:
            with self.path.open("a") as f:
                f.write(json.dumps({"phase": phase}) + "\n")

    @property
    def current(self) -> str:
        return self._current or "start"

    def finish(self) -> list[dict[str, Any]]:
        if self.phases and "seconds" not in self.phases[-1]:
            self.phases[-1]["seconds"] = round(time.perf_counter() - self._started, 4)
        return self.phases


class Evaluation:
    def __init__(self, request: EvalRequest, progress: Progress) -> None:
        self.req = request
        self.progress = progress
        self.device = torch.device("cuda" if request.device == "cuda" else "cpu")
        self.notes: list[str] = []
        self.tolerances: dict[int, Tolerance] = {}

    # The phases ----------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        req = self.req
        self.progress("load")
        launches.install(req.backend)  # imports Triton: before the snapshot of what is guarded
        self.guards = Guards()
        self.problem = load_problem(req.problem_path, req.overrides)
        candidate = load_candidate(req.candidate_path)
        self.guards.check("while the candidate was imported")

        self.progress("construct")
        self.reference, self.model, how = models.build_models(
            self.problem, candidate, req.correctness.seed, self.device
        )
        self.notes.append(f"parameters: {how}")
        self.guards.check("while ModelNew was constructed")

        self.progress("check")
        self.check_determinism()
        trials = self.check_trials(self.problem, req.correctness.trials, "check", first_seed=0)
        self.progress("second_shape")
        second = self.check_second_shape()
        self.progress("integrity")
        self.check_integrity()
        timing = None
        if req.timing.enabled:
            self.progress("timing")
            timing = self.time_candidate()
            self.progress("recheck")
            self.recheck()
        interpreted = None
        if req.timing.interpreter:
            self.progress("interpreter_timing")
            interpreted = self.time_interpreted()
            self.progress("recheck")
            self.recheck()
        verdict: dict[str, Any] = {"kind": "correct", "trials": trials, "second_shape": second}
        verdict["timing"] = timing
        if timing is None:
            verdict["timing_note"] = (
                "timing not measured: Triton's interpreter runs on the CPU"
                if req.device == "interpret"
                else "timing disabled by the request"
            )
        if interpreted is not None:
            verdict["interpreter_timing"] = interpreted
        return verdict

    # Correctness ---------------------------------------------------------------------------

    def call_candidate(self, inputs: list[Any], when: str) -> list[torch.Tensor]:
        """One candidate call on fresh device copies, with its failures turned into verdicts."""
        phase = self.progress.current
        try:
            with torch.no_grad():
                out = self.guards.call(self.model, *inputs, when=when)
            if self.device.type == "cuda":
                self.guards.synchronize()
        except VerdictReached:
            raise
        except BaseException as e:
            raise VerdictReached(classify_failure(e, phase)) from e
        return as_tensor_list(out, "the candidate's")

    def reference_outputs(self, inputs: list[Any]) -> list[torch.Tensor]:
        """The reference's outputs on its own copy of the inputs. They stay allocated while the
        candidate runs (so the allocator cannot hand their bytes to it) and are scrubbed by
        `release` before they are freed [integrity row 7]."""
        with torch.no_grad():
            out = self.reference(*models.fresh_copies(inputs))
        return [t.detach() for t in as_tensor_list(out, "the reference's")]

    @staticmethod
    def release(*groups: list[Any]) -> None:
        for group in groups:
            models.scrub([t for t in group if isinstance(t, torch.Tensor)])

    def judge(
        self, ref: list[torch.Tensor], got: list[torch.Tensor], inputs: list[Any]
    ) -> dict[str, Any]:
        """Per-output comparison stats of one call; `reason` set on the first mismatch."""
        if len(got) != len(ref):
            return {"reason": "count", "expected": len(ref), "got": len(got)}
        outputs = []
        for i, (r, g) in enumerate(zip(ref, got, strict=True)):
            if i not in self.tolerances:
                base = self.req.correctness.tolerances.get(str(r.dtype).removeprefix("torch."))
                self.tolerances[i] = tolerance_for(r, inputs, base or (0.0, 0.0), i)
                if self.tolerances[i].magnitude_aware:
                    self.notes.append(
                        f"output {i}: zeros or a constant would pass atol={base[0]:g}, so it is "
                        f"judged with a magnitude-aware atol={self.tolerances[i].atol:.3g}"
                    )
            stats = compare(r, g.detach().to(r.device), self.tolerances[i])
            outputs.append({"output": i, **stats})
            if "reason" in stats:
                return {"reason": stats["reason"], "outputs": outputs}
        return {"outputs": outputs}

    def check_trials(
        self, problem: ModuleType, count: int, phase: str, first_seed: int
    ) -> list[dict[str, Any]]:
        """`count` trials with fresh seeded inputs; a mismatch in any makes the verdict wrong."""
        results, failed, reason = [], [], None
        for trial in range(count):
            seed = self.req.correctness.seed + first_seed + trial
            pristine = models.make_inputs(problem, seed, self.device)
            ref = self.reference_outputs(pristine)
            inputs = models.fresh_copies(pristine)
            models.poison_free_memory(sum(t.numel() * t.element_size() for t in ref), self.device)
            got = self.call_candidate(inputs, f"in {phase} trial {trial}")
            mutated = models.changed_input(pristine, inputs)
            if mutated is not None:
                raise VerdictReached(
                    rejected(
                        "input-mutated",
                        f"the call changed input {mutated} ({phase} trial {trial})",
                    )
                )
            judged = self.judge(ref, got, pristine)
            self.release(ref, got)
            entry = {"trial": trial, "seed": seed, **judged}
            results.append(entry)
            if "reason" in judged:
                failed.append(entry)
                reason = reason or judged["reason"]
        if failed:
            raise VerdictReached(wrong(reason or "values", failed, phase))
        return results

    def check_determinism(self) -> None:
        """Two calls on the same inputs must agree [integrity row 15: a race, or a launch that
        silently failed]. First, so that a flaky kernel is named for what it is."""
        pristine = models.make_inputs(self.problem, self.req.correctness.seed, self.device)
        nbytes = sum(x.numel() * x.element_size() for x in pristine if isinstance(x, torch.Tensor))
        models.poison_free_memory(4 * nbytes, self.device)
        first = self.call_candidate(models.fresh_copies(pristine), "(first call)")
        first = [t.detach().clone() for t in first]
        models.poison_free_memory(4 * nbytes, self.device)
        second = self.call_candidate(models.fresh_copies(pristine), "(repeat)")
        for i, (a, b) in enumerate(zip(first, second, strict=False)):
            # The base tolerance, not the guarded one: this compares the candidate with itself.
            base = self.req.correctness.tolerances.get(str(a.dtype).removeprefix("torch."))
            stats = compare(a, b.detach().to(a.device), Tolerance(*(base or (0.0, 0.0))))
            # Finite disagreement only: NaN in one call is unwritten (poisoned) memory, which the
            # trials report as `wrong` with its positions; a race shows as differing values.
            if stats.get("reason") == "values":
                raise VerdictReached(
                    rejected(
                        "nondeterministic",
                        f"two calls on the same inputs disagree beyond the tolerance at output "
                        f"{i}: " + _describe(stats),
                    )
                )
        self.release(first, second)

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
        changed = constants[name] + 1
        overrides = {**self.req.overrides, name: changed}
        problem = load_problem(self.req.problem_path, overrides, name="lathe_problem_second")
        self.check_trials(problem, 2, "second_shape", first_seed=100)
        return {"overrides": overrides}

    # Integrity ----------------------------------------------------------------------------

    def check_integrity(self) -> None:
        pristine = models.make_inputs(self.problem, self.req.correctness.seed, self.device)
        ref = self.reference_outputs(pristine)

        launches.TRACKER.reset()
        first = self.call_candidate(models.fresh_copies(pristine), "(trace)")
        ran = dict(launches.TRACKER.counts)
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

        self.release(first)

        models.poison_free_memory(sum(t.numel() * t.element_size() for t in ref), self.device)
        with launches.TRACKER.ghosted():
            ghost = self.call_candidate(models.fresh_copies(pristine), "(ghost)")
        if "reason" not in self.judge(ref, ghost, pristine):
            raise VerdictReached(
                rejected(
                    "ghost-kernel",
                    "with the candidate's own kernels switched off the output still matches "
                    "the reference: they do no real work",
                )
            )
        self.release(ghost)
        if self.req.policy == "strict" and self.device.type == "cuda":
            self.check_no_library_compute(pristine, set(ran) | set(self.req.kernels))
        self.release(ref)

    def check_no_library_compute(self, pristine: list[Any], own: set[str]) -> None:
        from torch.profiler import ProfilerActivity, profile

        inputs = models.fresh_copies(pristine)
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            self.call_candidate(inputs, "(kernel trace)")
        names = {e.name for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA}
        library = sorted(
            n for n in names if not any(o in n for o in own) and not DATA_MOVEMENT.search(n)
        )
        if library:
            raise VerdictReached(
                rejected(
                    "library-compute",
                    "library kernels computed part of the output under the strict policy: "
                    + ", ".join(library[:5]),
                )
            )

    # Timing -------------------------------------------------------------------------------

    def time_candidate(self) -> dict[str, Any]:
        from lathe_worker.timing import Timer, copy_bandwidth_gb_s

        req = self.req
        pristine = models.make_inputs(self.problem, req.correctness.seed, self.device)
        self.timed_ref = self.reference_outputs(pristine)
        self.timed_inputs = pristine
        cand_inputs = models.fresh_copies(pristine)
        eager_inputs = models.fresh_copies(pristine)
        last: list[Any] = [None]
        model, reference = self.model, self.reference

        def candidate() -> None:
            last[0] = model(*cand_inputs)

        def eager() -> None:
            reference(*eager_inputs)

        timer = Timer(self.guards, req.timing)
        try:
            with torch.no_grad():
                stats = timer.measure({"candidate": candidate, "eager": eager})
        except VerdictReached:
            raise
        except BaseException as e:
            raise VerdictReached(classify_failure(e, "timing")) from e
        self.guards.check("during the timed calls")
        self.last_timed_output = last[0]

        result: dict[str, Any] = {
            "candidate": stats["candidate"],
            "eager": stats["eager"],
            "l2_flush_bytes": timer.flush.numel(),
            "persisting_l2_reset": timer.persisting_l2_reset,
        }
        result["speedup_vs_eager"] = stats["eager"]["median_ms"] / stats["candidate"]["median_ms"]
        if req.timing.compile_baseline:
            self.progress("compile_baseline")
            result["compile"] = self.compile_baseline(pristine, timer)
            self.guards.refresh()
            if "median_ms" in result["compile"]:
                compiled_ms = result["compile"]["median_ms"]
                result["speedup_vs_compile"] = compiled_ms / stats["candidate"]["median_ms"]
        bandwidth = cached(
            req.timing.cache_dir,
            "copy_bandwidth",
            cache_key("copy", machine_identity()),
            lambda: {"gb_s": copy_bandwidth_gb_s()},
        )
        result["speed_of_light"] = self.speed_of_light(
            pristine, bandwidth["gb_s"], timer.l2_bytes, stats["candidate"]["median_ms"]
        )
        from lathe_worker.fingerprint import nvml_state

        result["clocks"] = nvml_state().get("clocks")
        return result

    def time_interpreted(self) -> dict[str, Any]:
        """Wall time of the candidate's forward under Triton's interpreter and of the eager
        reference, interleaved (interpreter_timing.py says what it is worth: never GPU time).
        The last timed output is kept for the recheck, as on the GPU."""
        from lathe_worker import interpreter_timing

        pristine = models.make_inputs(self.problem, self.req.correctness.seed, self.device)
        self.timed_ref = self.reference_outputs(pristine)
        self.timed_inputs = pristine
        cand_inputs = models.fresh_copies(pristine)
        ref_inputs = models.fresh_copies(pristine)
        last: list[Any] = [None]
        model, reference = self.model, self.reference
        threads_before = set(threading.enumerate())

        def candidate() -> None:
            last[0] = model(*cand_inputs)

        def eager() -> None:
            reference(*ref_inputs)

        def after_call(name: str) -> None:
            if name == "candidate":
                self.guards.check_threads(threads_before, "(interpreter timing)")

        try:
            with torch.no_grad():
                times = interpreter_timing.measure(
                    {"candidate": candidate, "reference": eager},
                    self.guards.perf_counter,
                    after_call,
                )
        except VerdictReached:
            raise
        except BaseException as e:
            raise VerdictReached(classify_failure(e, "interpreter_timing")) from e
        self.guards.check("during the interpreter-timed calls")
        self.last_timed_output = last[0]
        return interpreter_timing.result(times["candidate"], times["reference"])

    def compile_baseline(self, pristine: list[Any], timer: Any) -> dict[str, Any]:
        req = self.req
        source = req.problem_path.read_text()

        def measure() -> dict[str, Any]:
            inputs = models.fresh_copies(pristine)
            started = time.perf_counter()
            try:
                compiled = torch.compile(self.reference)
                with torch.no_grad():
                    compiled(*inputs)
                torch.cuda.synchronize()
            except Exception as e:
                return {"error": f"torch.compile failed: {type(e).__name__}: {e}"[:1000]}
            compile_seconds = time.perf_counter() - started
            with torch.no_grad():
                stats = timer.measure({"compile": lambda: compiled(*inputs)})["compile"]
            return {**stats, "compile_seconds": compile_seconds}

        key = compile_key(source, req.overrides, req.timing)
        return cached(req.timing.cache_dir, "torch_compile", key, measure)

    def speed_of_light(
        self, inputs: list[Any], copy_gb_s: float, l2_bytes: int, median_ms: float
    ) -> dict[str, Any]:
        """The fewest bytes the problem must move (inputs and parameters read from DRAM after the
        flush; outputs written, less what may stay in L2) over the measured copy bandwidth."""
        read = sum(x.numel() * x.element_size() for x in inputs if isinstance(x, torch.Tensor))
        state = list(self.reference.parameters()) + list(self.reference.buffers())
        read += sum(p.numel() * p.element_size() for p in state)
        written = sum(t.numel() * t.element_size() for t in self.timed_ref)
        must_move = read + max(0, written - l2_bytes)
        bound_ms = must_move / (copy_gb_s * 1e9) * 1e3
        result = {
            "bytes": read + written,
            "bytes_past_l2": must_move,
            "copy_gb_s": copy_gb_s,
            "bound_ms": bound_ms,
            "fraction": bound_ms / median_ms if median_ms > 0 else None,
        }
        if median_ms * SOL_SLACK < bound_ms:
            raise VerdictReached(
                rejected(
                    "faster-than-light",
                    f"median {median_ms:.4f} ms is under the {bound_ms:.4f} ms it takes to move "
                    f"{must_move} bytes at the measured {copy_gb_s:.0f} GB/s",
                )
            )
        return result

    def recheck(self) -> None:
        """The output of the last timed call, and a call on fresh inputs, must still be right
        [integrity rows 6 and 11: honest only while being checked]."""
        got = as_tensor_list(self.last_timed_output, "the candidate's")
        judged = self.judge(self.timed_ref, got, self.timed_inputs)
        if "reason" in judged:
            raise VerdictReached(
                rejected(
                    "changed-after-timing",
                    "the output of the last timed call is wrong: " + _describe(judged),
                )
            )
        try:
            self.check_trials(self.problem, 1, "recheck", first_seed=1000)
        except VerdictReached as e:
            if e.verdict["kind"] != "wrong":
                raise
            raise VerdictReached(
                rejected(
                    "changed-after-timing",
                    "after the timed calls the output on fresh inputs is wrong: "
                    + _describe(e.verdict["trials"][0]),
                )
            ) from e


def _describe(judged: dict[str, Any]) -> str:
    outputs = judged.get("outputs") or [judged]
    bad = next((o for o in outputs if "reason" in o), outputs[-1])
    parts = [f"{bad.get('reason', 'values')}"]
    for key in ("max_abs", "mismatch_fraction", "worst_index", "expected", "got"):
        if key in bad:
            parts.append(f"{key}={bad[key]}")
    return ", ".join(parts)
