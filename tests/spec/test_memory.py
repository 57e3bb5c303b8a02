"""Memory scenarios on torch: aliasing sets, strides and write-through agree with torch observed
directly (untyped_storage, stride(), storage_offset()) on the same operations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spec.memory import BASE_LAYOUTS, PRODUCERS, VIEW_OPS, layout_base
from spec.strategies import decode_index
from tests.spec.support import SCENARIOS, TORCH

SHARING_PRODUCERS = {"from_numpy", "as_tensor", "as_tensor_same_dtype", "numpy"}


def _direct_view(case: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """The same root, base and op as the views scenario, the op applied by torch directly."""
    root, base = layout_base(TORCH, case["base_shape"], case["base_layout"])
    args = [decode_index(case["args"])] if case["op"] == "__getitem__" else case["args"]
    return root, getattr(base, case["op"])(*args)


@pytest.mark.parametrize("case", SCENARIOS["memory.views"].cases(), ids=repr)
def test_views_layout_aliasing_and_write_through_match_torch(case: dict) -> None:
    outcome = SCENARIOS["memory.views"].run(TORCH, case)
    try:
        root, result = _direct_view(case)
    except Exception as exc:
        assert outcome.error is not None and outcome.error.type == type(exc).__name__
        return
    record = outcome.tensors["result"]
    assert (record.shape, record.strides, record.storage_offset) == (
        tuple(result.shape),
        result.stride(),
        result.storage_offset(),
    )
    same_storage = result.untyped_storage().data_ptr() == root.untyped_storage().data_ptr()
    shares = same_storage and result.numel() > 0
    assert any("result" in group for group in outcome.aliasing) == shares
    assert outcome.error is None
    moved = outcome.tensors["result_after_root_write"].value - record.value
    assert bool((moved == 100).all()) == shares or result.numel() == 0  # a view sees the owner's write
    written = outcome.tensors["root_after_result_write"].value
    assert bool((written == -1).any()) == shares  # the owner sees a view's write


def test_views_cover_every_layout_with_views_and_copies() -> None:
    cases = list(SCENARIOS["memory.views"].cases())
    outcomes = [SCENARIOS["memory.views"].run(TORCH, c) for c in cases]
    assert {c["base_layout"] for c in cases} == set(BASE_LAYOUTS)
    assert len(VIEW_OPS) * len(BASE_LAYOUTS) == len(outcomes)
    for layout in BASE_LAYOUTS:
        mine = [o for c, o in zip(cases, outcomes, strict=True) if c["base_layout"] == layout]
        views = sum(o.error is None and any("result" in g for g in o.aliasing) for o in mine)
        copies = sum(o.error is None and not any("result" in g for g in o.aliasing) for o in mine)
        assert views > 15 and copies >= 2, (layout, views, copies)


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
