"""Autograd scenarios on torch: recorded gradients agree with finite differences and with sums of
single backward calls; recorded graph facts agree with torch evaluated directly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spec.autograd import EXPRESSIONS, X_VALUES, Y_VALUES, apply, cotangent
from spec.strategies import build
from tests.spec.support import SCENARIOS, TORCH, draw_case, for_drawn_cases

KINKED = {"relu", "max", "maximum", "clamp"}
"""Ops whose derivative jumps where hypothesis likes to put values (0, ties, bounds)."""


def _numeric_vjp(case: dict, index: int, seed: int) -> np.ndarray:
    """v . d op / d input[index], by central differences in float64, without autograd."""
    inputs = [build(TORCH, spec).double() for spec in case["inputs"]]
    v = cotangent(TORCH, apply(TORCH, case, inputs), seed).double()
    x = inputs[index]
    grad = torch.zeros_like(x)
    step = 1e-6
    for j in range(x.numel()):
        flat = x.view(-1)
        saved = flat[j].item()
        flat[j] = saved + step
        up = (apply(TORCH, case, inputs) * v).sum().item()
        flat[j] = saved - step
        down = (apply(TORCH, case, inputs) * v).sum().item()
        flat[j] = saved
        grad.view(-1)[j] = (up - down) / (2 * step)
    return grad.numpy()


@for_drawn_cases(40)
def test_vjp_matches_finite_differences(data) -> None:
    case = draw_case(data, SCENARIOS["autograd.vjp"])
    outcome = SCENARIOS["autograd.vjp"].run(TORCH, case)
    assert outcome.error is None, outcome.error
    if case["dtype"] != "float64" or case["op"] in KINKED:
        return
    for i in range(len(case["inputs"])):
        numeric = _numeric_vjp(case, i, case["cotangent_seed"])
        np.testing.assert_allclose(outcome.grads[f"x{i}"].value, numeric, rtol=1e-4, atol=1e-5)


@for_drawn_cases(30)
def test_accumulation_is_the_sum_of_single_calls(data) -> None:
    case = draw_case(data, SCENARIOS["autograd.accumulation"])
    outcome = SCENARIOS["autograd.accumulation"].run(TORCH, case)

    def single(seed: int) -> list[torch.Tensor]:
        leaves = [build(TORCH, spec, requires_grad=True) for spec in case["inputs"]]
        result = apply(TORCH, case, leaves)
        result.backward(cotangent(TORCH, result, seed))
        return [x.grad for x in leaves]

    seed, calls = case["cotangent_seed"], case["calls"]
    total = [sum(g) for g in zip(*(single(seed + c) for c in range(calls)), strict=True)]
    for i, expected in enumerate(total):
        np.testing.assert_allclose(outcome.grads[f"x{i}"].value, expected.numpy(), rtol=1e-5, atol=1e-6)
    for i, expected in enumerate(single(seed + calls)):
        np.testing.assert_allclose(outcome.grads[f"x{i}_after_reset"].value, expected.numpy(), rtol=1e-6)


def test_retain_graph_second_call_accumulates_or_raises() -> None:
    scenario = SCENARIOS["autograd.retain_graph"]
    raised = set()
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        once = scenario.run(TORCH, {**case, "retain_graph": True}).grads["x"].value / 2
        if case["retain_graph"]:
            assert outcome.error is None
        if outcome.error is None:
            np.testing.assert_allclose(outcome.grads["x"].value, 2 * once)
        else:
            raised.add(case["graph"])
            assert "second time" in outcome.error.message
            np.testing.assert_allclose(outcome.grads["x"].value, once)
    # docs ("Autograd mechanics", saved tensors): add/sum/mean/view save none; mul/exp/... do
    assert raised and not raised & {"x + y", "x.sum()", "x.mean()", "x.view(-1)"}


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_graph_facts_match_torch(expr: str) -> None:
    outcome = SCENARIOS["autograd.graph_facts"].run(TORCH, {"expr": expr})
    x = torch.tensor(X_VALUES, requires_grad=True)
    c = torch.tensor(X_VALUES)
    result = eval(expr, {"torch": torch, "float64": torch.float64, "x": x, "c": c})
    assert outcome.facts["requires_grad"] == result.requires_grad
    assert outcome.facts["is_leaf"] == result.is_leaf
    assert outcome.facts["grad_fn"] == (None if result.grad_fn is None else type(result.grad_fn).__name__)
    if result.requires_grad:
        assert outcome.grads["x"] is not None


def test_grad_modes() -> None:
    scenario = SCENARIOS["autograd.grad_mode"]
    for case in scenario.cases():
        facts = scenario.run(TORCH, case).facts
        recording = case["mode"] in ("set_grad_enabled_true", "no_grad_then_enabled")
        assert facts["requires_grad"] == recording and facts["is_leaf"] == (not recording)
        assert (facts["grad_fn"] is None) == (not recording)


def test_errors_and_their_legal_neighbours() -> None:
    """torch docs ("Autograd mechanics": in-place correctness checks; torch.autograd.grad)."""
    legal = {
        "inplace_on_leaf_no_grad",
        "unsaved_input_modified",
        "grad_allow_unused",
        "grad_of_intermediate",
    }
    scenario = SCENARIOS["autograd.errors"]
    for case in scenario.cases():
        outcome = scenario.run(TORCH, case)
        assert (outcome.error is None) == (case["situation"] in legal), (case, outcome.error)
        if outcome.error is not None:
            assert outcome.error.type == "RuntimeError"
    allow_unused = scenario.run(TORCH, {"situation": "grad_allow_unused"})
    assert allow_unused.grads["y"] is None and allow_unused.facts["x.grad is None"]


def test_requires_grad_only_for_floating_and_complex() -> None:
    scenario = SCENARIOS["autograd.requires_grad_dtype"]
    for case in scenario.cases():
        dtype = getattr(torch, case["dtype"])
        outcome = scenario.run(TORCH, case)
        assert (outcome.error is None) == (dtype.is_floating_point or dtype.is_complex), case


def test_custom_function_uses_the_users_backward() -> None:
    run = SCENARIOS["autograd.custom_function"].run
    product, scaled = run(TORCH, {"kind": "product"}), run(TORCH, {"kind": "scaled_backward"})
    np.testing.assert_allclose(scaled.grads["x"].value, 3 * product.grads["x"].value)
    np.testing.assert_allclose(product.grads["x"].value, np.array(Y_VALUES, np.float32))  # d(x*y)/dx = y
    assert product.facts["needs_input_grad"] == (True, True)
    assert run(TORCH, {"kind": "none_for_y"}).grads["y"] is None
    constant = run(TORCH, {"kind": "y_constant"})
    assert constant.facts["needs_input_grad"] == (True, False) and constant.grads["y"] is None
    np.testing.assert_allclose(run(TORCH, {"kind": "scalar_argument"}).grads["x"].value, 2.5)
