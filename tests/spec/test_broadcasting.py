"""Broadcasting scenarios on torch: recorded shapes agree with NumPy's broadcasting (an independent
implementation of the same rule), values with NumPy where both compute exactly."""

from __future__ import annotations

import numpy as np

from spec.strategies import to_array
from tests.spec.support import SCENARIOS, TORCH, draw_case, for_drawn_cases, same_values

EXACT_DTYPES = {"int8", "int16", "int32", "int64", "uint8", "float32", "float64"}
UFUNCS = {"add": np.add, "mul": np.multiply, "maximum": np.maximum, "eq": np.equal}


def _broadcast(shapes: list) -> tuple[int, ...] | None:
    try:
        return np.broadcast_shapes(*map(tuple, shapes))
    except ValueError:
        return None


@for_drawn_cases(60)
def test_elementwise_shape_and_values(data) -> None:
    case = draw_case(data, SCENARIOS["broadcasting.elementwise"])
    outcome = SCENARIOS["broadcasting.elementwise"].run(TORCH, case)
    shapes = [spec["shape"] for spec in case["operands"]]
    if outcome.error is None:
        result = outcome.tensors["result"]
        assert result.shape == _broadcast(shapes)
        if case["op"] in UFUNCS and case["dtype"] in EXACT_DTYPES:
            expected = UFUNCS[case["op"]](*(to_array(spec) for spec in case["operands"]))
            assert same_values(result.value, expected.astype(result.value.dtype)), case


@for_drawn_cases(60)
def test_broadcast_shapes_is_numpys(data) -> None:
    case = draw_case(data, SCENARIOS["broadcasting.broadcast_shapes"])
    assert SCENARIOS["broadcasting.broadcast_shapes"].run(TORCH, case).facts["shape"] == _broadcast(
        case["shapes"]
    )


@for_drawn_cases(40)
def test_broadcast_tensors_are_zero_stride_views(data) -> None:
    case = draw_case(data, SCENARIOS["broadcasting.broadcast_tensors"])
    outcome = SCENARIOS["broadcasting.broadcast_tensors"].run(TORCH, case)
    target = _broadcast([spec["shape"] for spec in case["operands"]])
    for i, spec in enumerate(case["operands"]):
        record = outcome.tensors[f"out{i}"]
        assert record.shape == target
        assert same_values(record.value, np.broadcast_to(to_array(spec), target))
        lead = len(target) - len(spec["shape"])
        for d, size in enumerate(target):
            if size > 1 and (d < lead or spec["shape"][d - lead] == 1):
                assert record.strides[d] == 0
        if record.value.size:
            assert any({f"in{i}", f"out{i}"} <= group for group in outcome.aliasing)


@for_drawn_cases(40)
def test_expand_shape_and_aliasing(data) -> None:
    case = draw_case(data, SCENARIOS["broadcasting.expand"])
    outcome = SCENARIOS["broadcasting.expand"].run(TORCH, case)
    source = case["input"]["shape"]
    lead = len(case["sizes"]) - len(source)
    expected = tuple(source[i - lead] if n == -1 else n for i, n in enumerate(case["sizes"]))
    assert outcome.error is None, outcome.error
    assert outcome.tensors["result"].shape == expected
    assert same_values(outcome.tensors["result"].value, np.broadcast_to(to_array(case["input"]), expected))
    assert outcome.aliasing == ([frozenset({"input", "result"})] if np.prod(expected) else [])


@for_drawn_cases(60)
def test_incompatible_shapes_always_raise(data) -> None:
    case = draw_case(data, SCENARIOS["broadcasting.incompatible"])
    assert _broadcast(case["shapes"]) is None or case["op"] == "expand"
    outcome = SCENARIOS["broadcasting.incompatible"].run(TORCH, case)
    assert outcome.error is not None and outcome.error.type == "RuntimeError", case


@for_drawn_cases(60)
def test_inplace_raises_exactly_when_self_would_broadcast(data) -> None:
    case = draw_case(data, SCENARIOS["broadcasting.inplace"])
    outcome = SCENARIOS["broadcasting.inplace"].run(TORCH, case)
    self_shape = tuple(case["self"]["shape"])
    legal = _broadcast([self_shape, case["other"]["shape"]]) == self_shape
    assert (outcome.error is None) == legal, (case, outcome.error)


@for_drawn_cases(60)
def test_writes_into_overlapping_expanded_tensors_raise(data) -> None:
    case = draw_case(data, SCENARIOS["broadcasting.inplace_into_expanded"])
    outcome = SCENARIOS["broadcasting.inplace_into_expanded"].run(TORCH, case)
    overlaps = any(s == 1 and n > 1 for s, n in zip(case["source_shape"], case["shape"], strict=True))
    if case["op"] in ("add_", "mul_", "copy_"):
        assert (outcome.error is not None) == overlaps, (case, outcome.error)
    if outcome.error is None:
        assert outcome.tensors["base"].shape == tuple(case["source_shape"])
