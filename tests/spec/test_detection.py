"""The detection scenarios on torch: they reach the special points they promise (signed zeros, ties,
kinks, out-of-range scalars, version counters), the sign of zero is compared exactly where a
scenario asks for it, and every drawn scenario declares the case keys a manifest entry may match."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compare import compare
from spec.autograd import INPLACE_FORMS, SAVED, SEQUENCES
from spec.outcome import Outcome, TensorRecord
from spec.promotion import SPECIALS
from tests.spec.support import SCENARIOS, TORCH


def _zero(sign: float, dtype: str = "float32") -> Outcome:
    value = np.array([1.0, sign * 0.0], dtype=np.float32 if dtype == "float32" else np.complex64)
    return Outcome(tensors={"r": TensorRecord(value, dtype, (2,), signed_zeros=True)})


def test_the_sign_of_zero_counts_only_where_the_scenario_flags_it() -> None:
    (difference,) = compare(_zero(-1.0), _zero(1.0))
    assert difference.field == "value" and "zeros of the other sign" in difference.engine
    assert not compare(_zero(-1.0), _zero(-1.0))
    unflagged = _zero(1.0)
    unflagged.tensors["r"].signed_zeros = False
    assert not compare(_zero(-1.0), unflagged)
    assert compare(_zero(-1.0, "complex64"), _zero(1.0, "complex64"))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "neg", "abs", "sqrt"])
def test_signed_special_values_are_ieee(op: str) -> None:
    """torch's results on every pair of special values are IEEE's (NumPy's), sign of zero included."""
    outcome = SCENARIOS["promotion.special_values"].run(TORCH, {"op": op, "dtype": "float64"})
    record = outcome.tensors["result"]
    lhs = np.array([x for x in SPECIALS for _ in SPECIALS])
    rhs = np.array([y for _ in SPECIALS for y in SPECIALS])
    with np.errstate(all="ignore"):
        ieee = {"neg": lambda: -lhs, "abs": lambda: np.abs(lhs), "sqrt": lambda: np.sqrt(lhs)}.get(
            op,
            lambda: getattr(np, {"div": "divide", "sub": "subtract", "mul": "multiply"}.get(op, op))(
                lhs, rhs
            ),
        )()
    assert record.signed_zeros
    np.testing.assert_array_equal(record.value, ieee)
    zeros = ieee == 0  # the sign of a nan is no rule
    np.testing.assert_array_equal(np.signbit(record.value[zeros]), np.signbit(ieee[zeros]))


def test_special_points_sit_on_the_kinks() -> None:
    scenario = SCENARIOS["autograd.special_points"]
    relu = scenario.run(TORCH, {"point": "relu", "dtype": "float32"})
    assert relu.grads["x0"].value.tolist() == [0.0, 0.0, 0.0, 1.0]
    ties = scenario.run(TORCH, {"point": "max", "dtype": "float32"})
    assert ties.grads["x0"].value.tolist() == [0.0, 0.5, 0.5, 0.0]
    bounds = scenario.run(TORCH, {"point": "clamp", "dtype": "float32"})
    assert bounds.grads["x0"].value.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


def test_call_sequences_stop_where_torch_raises() -> None:
    outcome = SCENARIOS["autograd.call_sequences"].run(TORCH, {"sequence": "retain_then_free_then_again"})
    assert outcome.error is not None and outcome.error.type == "RuntimeError"
    assert {"x.grad@0", "x.grad@1"} <= set(outcome.grads) and "x.grad@2" not in outcome.grads
    accumulated = SCENARIOS["autograd.call_sequences"].run(TORCH, {"sequence": "retain_grad_accumulates"})
    once, twice = accumulated.grads["y.grad@1"].value, accumulated.grads["y.grad@2"].value
    np.testing.assert_allclose(twice, 2 * once)
    assert set(SEQUENCES) >= {"requires_grad_false_on_non_leaf", "grad_retained_then_backward_twice"}


@pytest.mark.parametrize("form", INPLACE_FORMS)
def test_every_inplace_form_bumps_the_version_of_a_saved_tensor(form: str) -> None:
    scenario = SCENARIOS["autograd.version_counter"]
    for saved in SAVED:
        outcome = scenario.run(TORCH, {"form": form, "saved": saved})
        assert (outcome.error is not None) == saved.startswith("saved"), (form, saved)


def test_python_scalars_reach_wrap_around_and_refusal() -> None:
    scenario = SCENARIOS["promotion.python_scalars"]
    wrapped = scenario.run(TORCH, {"op": "add", "dtype": "uint8", "scalar": "300"})
    assert wrapped.tensors["result"].value.tolist() == [49, 44, 46]
    refused = scenario.run(TORCH, {"op": "clamp", "dtype": "uint8", "scalar": "300"})
    assert refused.error is not None and refused.error.type == "RuntimeError"


def test_arange_lengths_are_computed_in_double() -> None:
    scenario = SCENARIOS["creation.arange_steps"]
    for args in ([0, 0.3, 0.1], [-1, 1.1, 0.3], [0.1, 0.7, 0.2]):
        record = scenario.run(TORCH, {"args": args, "dtype": "default"}).tensors["result"]
        assert record.shape == tuple(torch.arange(*args).shape)
        assert record.shape[0] == int(np.ceil((args[1] - args[0]) / args[2]))


def test_finite_scenarios_keys_are_their_cases_keys() -> None:
    for scenario in SCENARIOS.values():
        if scenario.finite:
            assert scenario.keys == {key for case in scenario.cases() for key in case}, scenario.id


DRAWN = sorted(sid for sid, s in SCENARIOS.items() if not s.finite)


@pytest.mark.parametrize("sid", DRAWN)
def test_drawn_scenarios_declare_the_keys_their_cases_have(sid: str) -> None:
    scenario = SCENARIOS[sid]
    assert scenario.keys, f"{sid} declares no keys= for manifest entries to match"

    @settings(max_examples=10, deadline=None, derandomize=True, database=None)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        case = data.draw(scenario.cases())
        assert scenario.keys <= set(case), (sid, scenario.keys - set(case))

    check()
