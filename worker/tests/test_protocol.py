"""The shared example messages agree with what this side parses and builds."""

import json
import math

import pytest

from conftest import EXAMPLES
from lathe_worker import verdicts
from lathe_worker.baselines import compile_key
from lathe_worker.protocol import (
    BaselinesRequest,
    EvalRequest,
    ProbeRequest,
    ProfileRequest,
    ProtocolError,
    parse_request,
    write_result,
)

OUTCOMES = {
    "verdict", "problem_error", "protocol_error", "environment_error", "worker_error", "probe",
    "profiled", "baselines",
}  # fmt: skip
KINDS = {"correct", "wrong", "compile_error", "runtime_error", "timeout", "crash", "rejected"}


def load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


def test_the_eval_request_example_parses_with_its_values():
    request = parse_request(load("request_eval.json"))
    assert isinstance(request, EvalRequest)
    assert request.overrides == {"batch_size": 16}
    assert request.kernels == ("post_process_kernel",)
    assert request.correctness.tolerances["float16"] == (0.01, 0.01)
    assert request.timing.min_runs == 100 and request.timing.enabled
    assert request.policy == "default"


def test_the_probe_request_example_parses():
    assert isinstance(parse_request(load("request_probe.json")), ProbeRequest)


def test_the_profile_request_example_parses_with_its_values():
    request = parse_request(load("request_profile.json"))
    assert isinstance(request, ProfileRequest)
    assert request.kernels == ("post_process_kernel",)
    assert (request.min_warmup_runs, request.max_warmup_runs) == (2, 10)
    assert request.seed == 42


def test_the_baselines_request_example_parses_with_its_values():
    request = parse_request(load("request_baselines.json"))
    assert isinstance(request, BaselinesRequest)
    assert request.overrides == {"batch_size": 16} and request.seed == 42
    assert request.compile and request.timing.enabled


def test_baselines_fill_the_cache_entry_an_evaluation_with_the_same_timing_reads(monkeypatch):
    # `lathe suite baselines` is worth its time only if a later evaluation hits its entry.
    monkeypatch.setattr(
        "lathe_worker.baselines.machine_identity", lambda: {"gpu": "G", "torch": "t"}
    )
    baselines = parse_request(load("request_baselines.json"))
    evaluation = parse_request(
        load("request_eval.json") | {"timing": load("request_baselines.json")["timing"]}
    )
    source = "x = 1\n"
    assert compile_key(source, baselines.overrides, baselines.timing) == compile_key(
        source, evaluation.overrides, evaluation.timing
    )
    slower = parse_request(load("request_baselines.json") | {"timing": {"min_runs": 5}})
    assert compile_key(source, baselines.overrides, baselines.timing) != compile_key(
        source, slower.overrides, slower.timing
    )


def test_a_profile_request_with_impossible_warmup_bounds_is_refused():
    data = load("request_profile.json") | {"warmup": {"min_runs": 5, "max_runs": 2}}
    with pytest.raises(ProtocolError, match="min_runs <= max_runs"):
        parse_request(data)


def test_another_protocol_version_is_refused():
    data = load("request_eval.json") | {"protocol": 2}
    with pytest.raises(ProtocolError, match="protocol version 2"):
        parse_request(data)


def test_interpret_never_times():
    data = load("request_eval.json") | {"device": "interpret"}
    assert not parse_request(data).timing.enabled


def test_wrongly_typed_fields_are_named():
    data = load("request_eval.json")
    data["correctness"]["trials"] = "five"
    with pytest.raises(ProtocolError, match="`trials` must be int"):
        parse_request(data)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("result_*.json")), ids=lambda p: p.name)
def test_result_examples_have_the_shapes_this_side_builds(path):
    result = json.loads(path.read_text())
    assert result["protocol"] == 1
    assert result["outcome"] in OUTCOMES
    if result["outcome"] != "verdict":
        return
    verdict = result["verdict"]
    assert verdict["kind"] in KINDS
    built = {
        "compile_error": verdicts.compile_error("m", "load"),
        "rejected": verdicts.rejected("threads", "e"),
        "wrong": verdicts.wrong("values", [], "check"),
        "runtime_error": verdicts.runtime_error(ValueError("x"), "check"),
        "crash": verdicts.crash_cuda(RuntimeError("CUDA error: x"), "check"),
    }.get(verdict["kind"])
    if built is not None:
        assert set(built) == set(verdict), f"{path.name}: {set(built) ^ set(verdict)}"


def test_results_never_hold_nan(tmp_path):
    out = tmp_path / "result.json"
    write_result(out, {"outcome": "verdict", "verdict": {"max_rel": math.inf, "x": [math.nan]}})
    data = json.loads(out.read_text())
    assert data["verdict"] == {"max_rel": None, "x": [None]}
    assert data["protocol"] == 1
