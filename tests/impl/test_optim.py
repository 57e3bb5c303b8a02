"""impl.optim against live torch: the same parameters, the same loss and the same optimizer options
on torch and impl give the same parameter trajectory step by step, the same state_dict (state
tensors, group options, parameter indices), the same repr, and the same errors and warnings."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import impl
from tests.impl.conftest import both

RNG = np.random.default_rng(14)
W = RNG.standard_normal((2, 3)).astype(np.float32)
B = RNG.standard_normal(2).astype(np.float32)
X = RNG.standard_normal((8, 3)).astype(np.float32)
Y = RNG.standard_normal((8, 2)).astype(np.float32)
STEPS = 6


def leaves(T: Any) -> list[Any]:
    return [T.tensor(W, requires_grad=True), T.tensor(B, requires_grad=True)]


def loss(T: Any, w: Any, b: Any) -> Any:
    """A least-squares loss of a linear map (the gradients change at every step)."""
    return ((T.tensor(X) @ w.t() + b - T.tensor(Y)) ** 2).mean()


def observe_state(opt: Any) -> list[Any]:
    """An optimizer's state_dict as lists (its state tensors included), comparable across engines."""
    saved = opt.state_dict()
    state = [
        [index, [[key, value] for key, value in entry.items()]] for index, entry in saved["state"].items()
    ]
    return [state, [list(group.items()) for group in saved["param_groups"]]]


CONFIGS = {
    "SGD": {"lr": 0.1},
    "SGD-momentum": {"lr": 0.1, "momentum": 0.9},
    "SGD-dampening": {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    "SGD-nesterov": {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    "SGD-weight-decay": {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1},
    "SGD-maximize": {"lr": 0.01, "maximize": True},
    "SGD-default-lr": {},
    "RMSprop": {},
    "RMSprop-alpha": {"lr": 0.01, "alpha": 0.5},
    "RMSprop-momentum": {"lr": 0.01, "momentum": 0.5},
    "RMSprop-centered": {"lr": 0.01, "centered": True},
    "RMSprop-centered-momentum": {"lr": 0.01, "centered": True, "momentum": 0.9},
    "RMSprop-weight-decay-eps": {"lr": 0.01, "weight_decay": 0.1, "eps": 1e-3},
    "RMSprop-maximize": {"lr": 0.01, "maximize": True},
    "Adam": {},
    "Adam-lr-betas": {"lr": 0.1, "betas": (0.8, 0.99)},
    "Adam-amsgrad": {"lr": 0.1, "amsgrad": True},
    "Adam-weight-decay": {"lr": 0.1, "weight_decay": 0.1},
    "Adam-decoupled-weight-decay": {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True},
    "Adam-maximize-eps": {"lr": 0.01, "maximize": True, "eps": 1e-3},
}


@pytest.mark.parametrize("options", CONFIGS.values(), ids=CONFIGS.keys())
def test_trajectory_state_dict_and_repr(request: pytest.FixtureRequest, options: dict[str, Any]) -> None:
    name = request.node.callspec.id.split("-")[0]

    def program(T: Any) -> Any:
        w, b = leaves(T)
        opt = getattr(T.optim, name)([w, b], **options)
        trajectory = []
        for _ in range(STEPS):
            opt.zero_grad()
            loss(T, w, b).backward()
            opt.step()
            trajectory += [w.detach().clone(), b.detach().clone()]
        return [trajectory, observe_state(opt), repr(opt), w.is_leaf, w.grad is not None]

    both(program)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    def program(T: Any) -> Any:
        w, b = leaves(T)
        opt = T.optim.SGD([w, b], lr=0.1)
        loss(T, w, b).backward()
        opt.zero_grad(set_to_none=set_to_none)
        return [w.grad, b.grad]

    assert (both(program)[0] is None) == set_to_none


def test_zero_grad_defaults_to_none() -> None:
    def program(T: Any) -> Any:
        w, b = leaves(T)
        opt = T.optim.Adam([w, b])
        loss(T, w, b).backward()
        opt.zero_grad()
        return [w.grad is None, b.grad is None]

    assert both(program) == [True, True]


def test_param_groups_with_their_own_options_and_parameters_without_grad() -> None:
    """Group options override the defaults; a parameter whose .grad is None is skipped (no state)."""

    def program(T: Any) -> Any:
        w, b = leaves(T)
        frozen = T.tensor([1.0, 2.0], requires_grad=True)
        opt = T.optim.SGD([{"params": [w]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1, momentum=0.5)
        opt.add_param_group({"params": [frozen], "nesterov": True, "momentum": 0.1})
        for _ in range(3):
            opt.zero_grad()
            loss(T, w, b).backward()
            opt.step()
        return [w.detach(), b.detach(), frozen.detach(), observe_state(opt), repr(opt), len(opt.state)]

    both(program)


def test_step_calls_the_closure_with_grad_enabled_and_returns_its_loss() -> None:
    def program(T: Any) -> Any:
        w, b = leaves(T)
        opt = T.optim.RMSprop([w, b], lr=0.01)

        def closure() -> Any:
            opt.zero_grad()
            value = loss(T, w, b)
            value.backward()
            return value

        with T.no_grad():
            returned = [opt.step(closure) for _ in range(3)]
        return [returned, w.detach(), b.detach()]

    both(program)


def test_non_leaf_that_retains_grad_can_be_optimized() -> None:
    def program(T: Any) -> Any:
        w = T.tensor(W, requires_grad=True) * 1
        w.retain_grad()
        opt = T.optim.SGD([w], lr=0.1)
        loss(T, w, T.tensor(B)).backward()
        opt.step()
        return w.detach()

    both(program)


def _duplicated_group(T: Any) -> Any:
    w, _ = leaves(T)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt = T.optim.SGD([w, w], lr=0.1)
    return [[str(c.message) for c in caught], len(opt.param_groups[0]["params"])]


def test_duplicate_parameters_in_a_group_warn() -> None:
    both(_duplicated_group)


BAD_OPTIMIZERS = {
    "tensor-as-params": lambda T: T.optim.SGD(T.ones(2, requires_grad=True), lr=0.1),
    "empty": lambda T: T.optim.SGD([], lr=0.1),
    "non-tensor-param": lambda T: T.optim.SGD([1.0], lr=0.1),
    "non-leaf": lambda T: T.optim.Adam([T.ones(2, requires_grad=True) * 2]),
    "set-in-group": lambda T: T.optim.SGD([{"params": {T.ones(2, requires_grad=True)}}], lr=0.1),
    "group-not-dict": lambda T: T.optim.SGD([T.ones(1, requires_grad=True)]).add_param_group([1]),
    "parameter-in-two-groups": lambda T: (lambda w: T.optim.SGD([{"params": [w]}, {"params": [w]}]))(
        T.ones(1, requires_grad=True)
    ),
    "SGD-lr": lambda T: T.optim.SGD(leaves(T), lr=-0.1),
    "SGD-momentum": lambda T: T.optim.SGD(leaves(T), lr=0.1, momentum=-0.5),
    "SGD-weight-decay": lambda T: T.optim.SGD(leaves(T), lr=0.1, weight_decay=-1),
    "SGD-nesterov-without-momentum": lambda T: T.optim.SGD(leaves(T), lr=0.1, nesterov=True),
    "SGD-nesterov-with-dampening": lambda T: T.optim.SGD(
        leaves(T), momentum=0.9, dampening=0.1, nesterov=True
    ),
    "RMSprop-lr": lambda T: T.optim.RMSprop(leaves(T), lr=-1),
    "RMSprop-lr-nan": lambda T: T.optim.RMSprop(leaves(T), lr=float("nan")),
    "RMSprop-eps": lambda T: T.optim.RMSprop(leaves(T), eps=-1e-8),
    "RMSprop-momentum": lambda T: T.optim.RMSprop(leaves(T), momentum=-0.1),
    "RMSprop-weight-decay": lambda T: T.optim.RMSprop(leaves(T), weight_decay=-0.1),
    "RMSprop-alpha": lambda T: T.optim.RMSprop(leaves(T), alpha=-0.99),
    "Adam-lr": lambda T: T.optim.Adam(leaves(T), lr=-1e-3),
    "Adam-eps": lambda T: T.optim.Adam(leaves(T), eps=-1.0),
    "Adam-beta1": lambda T: T.optim.Adam(leaves(T), betas=(1.0, 0.999)),
    "Adam-beta2": lambda T: T.optim.Adam(leaves(T), betas=(0.9, -0.1)),
    "Adam-int-beta": lambda T: T.optim.Adam(leaves(T), betas=(0, 0.999)),
    "Adam-weight-decay": lambda T: T.optim.Adam(leaves(T), weight_decay=-1),
    "Adam-lr-str": lambda T: T.optim.Adam(leaves(T), lr="0.1"),
}


@pytest.mark.parametrize("program", BAD_OPTIMIZERS.values(), ids=BAD_OPTIMIZERS.keys())
def test_bad_arguments_raise_as_torch(program: Callable[[Any], Any]) -> None:
    assert isinstance(both(program), TypeError | ValueError)


def test_sgd_takes_a_nan_learning_rate_as_torch_does() -> None:
    """SGD checks `lr < 0`, which NaN passes (RMSprop and Adam check `0 <= lr`, which it fails)."""
    both(lambda T: repr(T.optim.SGD(leaves(T), lr=float("nan"))))


@pytest.mark.parametrize("flag", ["differentiable", "capturable"])
def test_differentiable_and_capturable_steps_are_refused(flag: str) -> None:
    """impl steps under no_grad (torch's default): the options that change that are not modelled."""
    with pytest.raises(NotImplementedError, match=flag):
        impl.optim.Adam(leaves(impl), **{flag: True})
