"""Memory scenarios on torch: aliasing sets, strides and write-through agree with torch observed
directly (untyped_storage, stride(), storage_offset()) on the same operations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spec.memory import PRODUCERS, VIEW_OPS
from spec.strategies import decode_index
from tests.spec.support import SCENARIOS, TORCH

SHARING_PRODUCERS = {"from_numpy", "as_tensor", "as_tensor_same_dtype", "numpy"}


def _direct_view(case: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """The same base and op as the views scenario, in torch directly."""
    shape = case["base_shape"]
    base = torch.arange(float(np.prod(shape)))
    if case["base_layout"] == "transposed":
        base = base.reshape(*reversed(shape)).permute(*range(len(shape))[::-1])
    else:
        base = base.reshape(*shape)
    args = [decode_index(case["args"])] if case["op"] == "__getitem__" else case["args"]
    return base, getattr(base, case["op"])(*args)


@pytest.mark.parametrize("case", SCENARIOS["memory.views"].cases(), ids=repr)
def test_views_layout_and_aliasing_match_torch(case: dict) -> None:
    outcome = SCENARIOS["memory.views"].run(TORCH, case)
    try:
        base, result = _direct_view(case)
    except Exception as exc:
        assert outcome.error is not None and outcome.error.type == type(exc).__name__
        return
    record = outcome.tensors["result"]
    assert (record.shape, record.strides, record.storage_offset) == (
        tuple(result.shape),
        result.stride(),
        result.storage_offset(),
    )
    same_storage = result.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    shares = same_storage and result.numel() > 0
    assert outcome.aliasing == ([frozenset({"base", "result"})] if shares else [])
    if outcome.error is None:  # the write of -1 through the result shows in the base iff they share
        written = outcome.tensors["base_after_write"].value
        assert bool((written == -1).any()) == shares


def test_views_cover_views_and_copies() -> None:
    outcomes = [SCENARIOS["memory.views"].run(TORCH, c) for c in SCENARIOS["memory.views"].cases()]
    assert sum(bool(o.aliasing) for o in outcomes) > 30
    assert sum(o.aliasing == [] for o in outcomes) >= 3  # clone, reshape/flatten/contiguous of transposed
    assert len(VIEW_OPS) * 2 == len(outcomes)


@pytest.mark.parametrize("producer", PRODUCERS)
def test_numpy_sharing(producer: str) -> None:
    scenario = SCENARIOS["memory.numpy_sharing"]
    for case in (c for c in scenario.cases() if c["producer"] == producer):
        outcome = scenario.run(TORCH, case)
        assert outcome.error is None, outcome.error
        shares = producer in SHARING_PRODUCERS
        assert outcome.aliasing == ([frozenset({"tensor", "array"})] if shares else [])
        tensor, array = outcome.tensors["tensor"].value, outcome.tensors["array"].value
        assert np.array_equal(tensor.astype(array.dtype), array) == shares


def test_numpy_refusals() -> None:
    scenario = SCENARIOS["memory.numpy_refusals"]
    outcomes = {c["kind"]: scenario.run(TORCH, c) for c in scenario.cases()}
    for kind, outcome in outcomes.items():
        refused = kind.endswith(("negative_stride", "big_endian")) or kind == "numpy_requires_grad"
        assert (outcome.error is not None) == refused, kind
    assert "warns" not in outcomes["from_numpy_readonly"].facts  # torch warns once per process only
    assert outcomes["from_numpy_readonly"].aliasing == [frozenset({"tensor", "array"})]
