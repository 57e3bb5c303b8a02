"""Creation scenarios on torch: recorded dtypes agree with torch called directly and with the
category rule on drawn data; random factories stay in range."""

from __future__ import annotations

import torch

from spec.creation import data as decode_data
from tests.spec.support import SCENARIOS, TORCH, draw_case, for_drawn_cases

CATEGORY_ORDER = {bool: 0, int: 1, float: 2, complex: 3}


def _leaves(value: object) -> list:
    return [y for x in value for y in _leaves(x)] if isinstance(value, list) else [value]


def test_tensor_from_data_matches_torch_directly() -> None:
    scenario = SCENARIOS["creation.tensor_from_data"]
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        previous = torch.get_default_dtype()
        torch.set_default_dtype(getattr(torch, case["default_dtype"]))
        try:
            dtype = None if case["dtype"] is None else getattr(torch, case["dtype"])
            expected = str(torch.tensor(decode_data(case["data"]), dtype=dtype).dtype).split(".")[1]
        except Exception as exc:
            assert outcome.error is not None and outcome.error.type == type(exc).__name__, case
            continue
        finally:
            torch.set_default_dtype(previous)
        assert outcome.error is None and outcome.tensors["result"].dtype == expected, case


@for_drawn_cases(60)
def test_drawn_data_takes_the_highest_category(data) -> None:
    case = draw_case(data, SCENARIOS["creation.tensor_from_drawn_data"])
    outcome = SCENARIOS["creation.tensor_from_drawn_data"].run(TORCH, case)
    leaves = _leaves(case["data"])
    if not leaves:
        return
    highest = max(CATEGORY_ORDER[type(v)] for v in leaves)
    float64 = case["default_dtype"] == "float64"
    expected = ["bool", "int64", case["default_dtype"], "complex128" if float64 else "complex64"][highest]
    assert outcome.tensors["result"].dtype == expected, case


def test_numpy_inputs_keep_their_dtype() -> None:
    scenario = SCENARIOS["creation.tensor_from_numpy"]
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        refused = (case["via"] == "from_numpy" and case["shape"] == "scalar") or case["dtype"] == "bfloat16"
        assert (outcome.error is not None) == refused, case
        if not refused:
            assert outcome.tensors["result"].dtype == case["dtype"]


def test_factories_honour_an_explicit_dtype() -> None:
    scenario = SCENARIOS["creation.factories"]
    explicit = 0
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        if outcome.error is None and case["dtype"] is not None:
            recorded = (
                outcome.facts["dtype"] if case["factory"] == "empty" else outcome.tensors["result"].dtype
            )
            assert recorded == case["dtype"], case
            explicit += 1
    assert explicit > 300


def test_random_values_lie_in_range() -> None:
    scenario = SCENARIOS["creation.random_and_like"]
    ran = 0
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        if outcome.error is None and "in_range" in outcome.facts:
            assert outcome.facts["in_range"], case
            ran += 1
        if outcome.error is None and "source_dtype" in case:
            assert outcome.facts["dtype"] == (case["dtype"] or case["source_dtype"]), case
    assert ran > 50


def test_set_default_dtype_is_restored() -> None:
    scenario = SCENARIOS["creation.set_default_dtype"]
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        assert torch.get_default_dtype() == torch.float32
        if outcome.error is None:
            assert outcome.facts["default"] == case["dtype"] == outcome.tensors["float"].dtype
