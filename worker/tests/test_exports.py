"""Outputs leave the runner as data, never as objects: on the CPU as bytes in the frame, read
back by the judge only after their description is checked against them."""

import pytest
import torch

from lathe_worker.exports import Exporter, ExportRefused, Importer

CPU = torch.device("cpu")


def test_outputs_round_trip_as_plain_tensors():
    outputs = [torch.randn(3, 4), torch.arange(6, dtype=torch.int64), torch.empty(0, 2)]
    outputs.append(torch.randn(4, 3).t())  # not contiguous: exported in logical order
    metas, blobs = Exporter(CPU).export(outputs)
    got = Importer(CPU).outputs(metas, blobs)
    for sent, back in zip(outputs, got, strict=True):
        assert type(back) is torch.Tensor
        assert back.dtype == sent.dtype and back.shape == sent.shape
        assert torch.equal(back, sent)


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda m: m.update(nbytes=m["nbytes"] * 2), "bytes for a float32"),
        (lambda m: m.update(dtype="object"), "dtype"),
        (lambda m: m.update(shape=[-1]), "shape"),
        (lambda m: m.update(blob=7), "blob"),
    ],
)
def test_a_false_description_is_refused(tamper, message):
    metas, blobs = Exporter(CPU).export([torch.randn(2, 2)])
    tamper(metas[0])
    with pytest.raises(ExportRefused, match=message):
        Importer(CPU).outputs(metas, blobs)


def test_outputs_that_are_not_a_list_are_refused():
    with pytest.raises(ExportRefused):
        Importer(CPU).outputs({"shape": [1]}, [])
