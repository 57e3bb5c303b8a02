"""Promotion scenarios on torch: what they record agrees with torch's own promotion API, called live."""

from __future__ import annotations

import numpy as np
import torch

from spec.promotion import LHS_VALUES, RHS_VALUES, SCALARS, _values, operand
from spec.strategies import build
from tests.spec.support import SCENARIOS, TORCH, draw_case, for_drawn_cases, same_values

COMPARISONS = {"eq", "lt"}
FLOATING_RESULT = {"div", "atan2"}


def _torch_operand(kind: str, dtype: str, table: dict) -> object:
    if kind == "scalar":
        return SCALARS[dtype]
    values = _values(table, dtype)
    return torch.tensor(values if kind == "tensor" else values[0], dtype=getattr(torch, dtype))


def _expected_dtype(case: dict) -> torch.dtype:
    """torch.result_type of the operands, then the op's own rule (comparison -> bool, true division ->
    the default float dtype for integral results)."""
    lhs = _torch_operand(case["lhs_kind"], case["lhs_dtype"], LHS_VALUES)
    rhs = _torch_operand(case["rhs_kind"], case["rhs_dtype"], RHS_VALUES)
    if case["op"] in COMPARISONS:
        return torch.bool
    with _default(case["default_dtype"]):
        promoted = torch.result_type(lhs, rhs)
        if case["op"] in FLOATING_RESULT and not (promoted.is_floating_point or promoted.is_complex):
            return torch.get_default_dtype()
        return promoted


class _default:
    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.previous = torch.get_default_dtype()
        torch.set_default_dtype(getattr(torch, self.name))

    def __exit__(self, *exc: object) -> None:
        torch.set_default_dtype(self.previous)


def test_binary_op_dtype_is_torch_result_type() -> None:
    scenario = SCENARIOS["promotion.binary_op"]
    checked = 0
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        if outcome.error is None:
            assert outcome.tensors["result"].dtype == str(_expected_dtype(case)).split(".")[1], case
            checked += 1
    assert checked > 10_000  # most pairs are legal


def test_binary_op_values_match_numpy_for_add_and_mul() -> None:
    """add/mul on same-category int64/float64 operands equal NumPy's (an independent computation)."""
    scenario = SCENARIOS["promotion.binary_op"]
    for op, ufunc in (("add", np.add), ("mul", np.multiply)):
        for dtype in ("int64", "float64"):
            case = {
                "op": op,
                "lhs_kind": "tensor",
                "lhs_dtype": dtype,
                "rhs_kind": "tensor",
                "rhs_dtype": dtype,
            }
            outcome = scenario.run(TORCH, {**case, "default_dtype": "float32"})
            expected = ufunc(
                np.array(_values(LHS_VALUES, dtype), dtype), np.array(_values(RHS_VALUES, dtype), dtype)
            )
            assert same_values(outcome.tensors["result"].value, expected)


def test_default_dtype_is_restored_and_matters() -> None:
    scenario = SCENARIOS["promotion.binary_op"]
    case = {
        "op": "add",
        "lhs_kind": "tensor",
        "lhs_dtype": "int32",
        "rhs_kind": "scalar",
        "rhs_dtype": "float",
    }
    dtypes = {
        d: scenario.run(TORCH, {**case, "default_dtype": d}).tensors["result"].dtype
        for d in ("float32", "float64")
    }
    assert dtypes == {"float32": "float32", "float64": "float64"}
    assert torch.get_default_dtype() == torch.float32


def test_promote_types_all_pairs() -> None:
    scenario = SCENARIOS["promotion.promote_types"]
    cases = list(scenario.cases())
    assert len(cases) == 144
    for case in cases:
        expected = torch.promote_types(getattr(torch, case["a"]), getattr(torch, case["b"]))
        assert scenario.run(TORCH, case).facts["result"] == str(expected).split(".")[1]


def test_inplace_cast_errors_exactly_when_torch_cannot_cast() -> None:
    scenario = SCENARIOS["promotion.inplace_cast"]
    for case in scenario.cases():
        if case["op"] == "sub_" and "bool" in (case["lhs_dtype"], case["rhs_dtype"]):
            continue  # bool subtraction is refused for its own reason
        outcome = scenario.run(TORCH, case)
        lhs = _torch_operand("tensor", case["lhs_dtype"], LHS_VALUES)
        rhs = _torch_operand(case["rhs_kind"], case["rhs_dtype"], RHS_VALUES)
        with _default(case["default_dtype"]):
            promoted = torch.result_type(lhs, rhs)
            if case["op"] == "div_" and not (promoted.is_floating_point or promoted.is_complex):
                promoted = torch.get_default_dtype()
        castable = torch.can_cast(promoted, lhs.dtype)
        assert (outcome.error is None) == castable, (case, outcome.error)
        if castable:
            assert outcome.tensors["self"].dtype == case["lhs_dtype"] and outcome.facts["returns_self"]
        else:
            assert "can't be cast" in outcome.error.message


def test_integer_division_by_zero() -> None:
    """floor_divide/remainder by an integer zero raise; true division gives inf/nan in float32."""
    scenario = SCENARIOS["promotion.integer_division_by_zero"]
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        if case["op"] == "div":
            assert outcome.error is None and outcome.tensors["result"].dtype == "float32"
            assert not np.isfinite(outcome.tensors["result"].value).any()
        else:
            assert outcome.error is not None and outcome.error.key == "zerodivisionerror"


def test_operand_builds_every_kind_through_the_protocol() -> None:
    assert TORCH.shape(operand(TORCH, "tensor", "int8", LHS_VALUES)) == (3,)
    assert TORCH.shape(operand(TORCH, "zero_dim", "bfloat16", LHS_VALUES)) == ()
    assert operand(TORCH, "scalar", "complex", LHS_VALUES) == SCALARS["complex"]


def test_forms_agree_on_torch() -> None:
    """The function, method and operator forms record equal results; in-place forms equal them cast."""
    scenario = SCENARIOS["promotion.forms_agree"]
    agreeing = 0
    for case in scenario.cases():
        tensors = scenario.run(TORCH, case).tensors
        if "function" in tensors:
            for form in ("method", "operator"):
                assert same_values(tensors[form].value, tensors["function"].value), (case, form)
            if "inplace" in tensors:
                assert tensors["inplace"].dtype == case["lhs_dtype"]
                assert same_values(tensors["inplace"].value, tensors["augmented"].value)
                agreeing += 1
    assert agreeing > 100


@for_drawn_cases(60)
def test_binary_values_dtype_and_shape(data) -> None:
    case = draw_case(data, SCENARIOS["promotion.binary_values"])
    outcome = SCENARIOS["promotion.binary_values"].run(TORCH, case)
    if outcome.error is None:
        result = outcome.tensors["result"]
        promoted = torch.result_type(build(TORCH, case["lhs"]), build(TORCH, case["rhs"]))  # 0-d aware
        if case["op"] in COMPARISONS:
            promoted = torch.bool
        elif case["op"] in FLOATING_RESULT and not (promoted.is_floating_point or promoted.is_complex):
            promoted = torch.get_default_dtype()
        assert result.dtype == str(promoted).split(".")[1], case
        assert result.shape == np.broadcast_shapes(tuple(case["lhs"]["shape"]), tuple(case["rhs"]["shape"]))
