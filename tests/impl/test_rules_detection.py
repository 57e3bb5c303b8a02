"""The rules of the detection scenarios (special values, dtype rules of reductions/where/clamp/matmul,
Python numbers out of range, NumPy scalars, arange's length, views of non-contiguous bases, sharing,
*_like layouts, subgradients, autograd call sequences, version counters, broadcasting in matmul,
where, clamp and expand), each checked on live torch and on impl with the same program.

A rule impl gets wrong is marked strict-xfail with reason "impl gap: ...", and the impl-vs-torch
conformance run lists it in conformance/manifests/impl.toml (reason "IMPL-GAP: ..."): fixing impl
turns the xfail into a failure, the cue to remove both marks.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from tests.impl.conftest import both

nan, inf = math.nan, math.inf
Program = Callable[[Any], Any]


def _signs(result: Any) -> Any:
    """A result with the sign of each zero made visible (1 / -0.0 is -inf; values alone compare
    -0.0 equal to 0.0)."""
    return (result, 1 / result)


def _grads(t: Any, build: Callable[..., Any], *values: list[float]) -> tuple[Any, ...]:
    leaves = [t.tensor(v, requires_grad=True) for v in values]
    build(t, *leaves).sum().backward()
    return tuple(x.grad for x in leaves)


def _sequence(t: Any, *steps: Callable[[Any, dict[str, Any]], Any]) -> list[Any]:
    """x.grad and y.grad (y = x * 2, loss = (y * y).sum()) after each step, or the error stopping them."""
    x = t.tensor([0.5, -1.5, 2.0], requires_grad=True)
    env = {"x": x, "y": x * 2}
    env["loss"] = (env["y"] * env["y"]).sum()
    seen: list[Any] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for step in steps:
            try:
                step(t, env)
            except RuntimeError as exc:
                seen.append(type(exc).__name__)
                break
            seen.append((env["x"].grad, env["y"].grad))
    return seen


def _saved_then_written(t: Any, write: Callable[[Any], Any], saved: str) -> Any:
    """x.grad after writing in place into a, saved by mul (input), exp (output) or nothing (add)."""
    x = t.tensor([0.5, -1.5, 2.0], requires_grad=True)
    a = x.exp() if saved == "output" else x * 1
    loss = {"input": lambda: (a * a).sum(), "output": lambda: a.sum(), "none": lambda: (a + a).sum()}[saved]()
    write(a)
    loss.backward()
    return x.grad


def _layout(t: Any, shape: tuple[int, ...], layout: str) -> tuple[Any, Any]:
    """(root, base): a float32 base of `shape` that is contiguous, transposed, step-sliced, offset
    or expanded, and the contiguous root owning its memory."""
    stored = {
        "sliced": (*shape[:-1], 2 * shape[-1]),
        "offset": tuple(n + 1 for n in shape),
        "expanded": (1, *shape[1:]),
        "transposed": tuple(reversed(shape)),
    }.get(layout, shape)
    root = t.arange(math.prod(stored), dtype=t.float32)
    base = root.reshape(*stored)
    if layout == "transposed":
        base = base.permute(*range(len(shape))[::-1])
    elif layout == "sliced":
        base = base[..., ::2]
    elif layout == "offset":
        base = base[(slice(1, None),) * len(shape)]
    elif layout == "expanded":
        base = base.expand(*shape)
    return root, base


def _view(t: Any, layout: str, op: Callable[[Any], Any]) -> Any:
    """op on a base in `layout`: the result's layout, and its values after a write into the root
    (changed exactly when the result is a view)."""
    root, base = _layout(t, (2, 3, 4), layout)
    result = op(base)
    root.add_(100.0)
    return (result.stride(), result.storage_offset(), result.clone())


SPECIALS = [nan, -inf, -2.0, -0.0, 0.0, 0.5, inf]
PAIRS = ([x for x in SPECIALS for _ in SPECIALS], [y for _ in SPECIALS for y in SPECIALS])

RULES: dict[str, Program] = {
    # --- special values
    "maximum propagates nan": lambda t: t.maximum(t.tensor(PAIRS[0]), t.tensor(PAIRS[1])),
    "minimum propagates nan": lambda t: t.minimum(t.tensor(PAIRS[0]), t.tensor(PAIRS[1])),
    "max(dim) returns the index of a nan": lambda t: t.tensor([PAIRS[0], PAIRS[1]]).T.max(dim=1),
    "max() of a tensor with nan is nan": lambda t: t.tensor([1.0, nan, 3.0]).max(),
    "comparisons: nan false, -0.0 == 0.0": lambda t: (
        t.tensor(PAIRS[0]) == t.tensor(PAIRS[1]),
        t.tensor(PAIRS[0]) < t.tensor(PAIRS[1]),
    ),
    "negation flips the sign of zero": lambda t: _signs(-t.tensor([0.0, -0.0, 1.0])),
    "abs(-0.0) is 0.0": lambda t: _signs(t.tensor([-0.0, 0.0, -1.0]).abs()),
    "sqrt(-0.0) is -0.0": lambda t: _signs(t.tensor([-0.0, 0.0, 4.0]).sqrt()),
    "IEEE sums and products of signed zeros": lambda t: tuple(
        _signs(f(t.tensor(PAIRS[0]), t.tensor(PAIRS[1]))) for f in (t.add, t.sub, t.mul, t.div)
    ),
    "x * -0.0 with a Python scalar keeps IEEE's sign": lambda t: _signs(t.tensor([5, 0, -2]) * -0.0),
    "float16 special values through maximum": lambda t: t.maximum(
        t.tensor(PAIRS[0], dtype=t.float16), t.tensor(PAIRS[1], dtype=t.float16)
    ),
    # --- Python scalars
    "uint8 + 300 wraps the scalar": lambda t: t.tensor([5, 0, 2], dtype=t.uint8) + 300,
    "uint8 + -1 wraps the scalar": lambda t: t.tensor([5, 0, 2], dtype=t.uint8) + -1,
    "int8 < 1000 compares with the wrapped scalar": lambda t: t.tensor([5, 0, -2], dtype=t.int8) < 1000,
    "uint8 // -3 divides by 253": lambda t: t.tensor([5, 0, 2], dtype=t.uint8) // -3,
    "int64 + 2**63 wraps": lambda t: t.tensor([5, 0, -2]) + 2**63,
    "int ** -1 raises": lambda t: t.tensor([2, 1, 3]) ** -1,
    "int ** negative int tensor": lambda t: t.tensor([2, 1, -1, 0, 3]) ** t.tensor([-1, -1, -1, -1, -2]),
    "remainder by a negative scalar takes its sign": lambda t: t.tensor([5, -5, 0]) % -3,
    "floor_divide by a negative scalar floors": lambda t: t.tensor([5, -5]) // -3,
    "a Python int beyond int64 with a float tensor raises": lambda t: (
        t.tensor([1.0]) + 2**70,
        t.tensor([1.0]) + 2**64,
    ),
    "a Python int beyond uint64 with an int tensor raises": lambda t: t.tensor([1]) + 2**64,
    "bool + 2**63 (a uint64 scalar) raises": lambda t: t.tensor([True]) + 2**63,
    "pow checks its scalar exponent's range": lambda t: t.tensor([5, 0, 2], dtype=t.uint8) ** 300,
    "float16 * 2**31 computes in float32": lambda t: t.tensor([1.0, 0.0], dtype=t.float16) * 2**31,
    # --- reductions
    "sum of int8 is int64 (no overflow)": lambda t: t.tensor([100, 100, 3], dtype=t.int8).sum(),
    "sum(dtype=int8) converts first and wraps": lambda t: t.tensor([100, 100, 3]).sum(dtype=t.int8),
    "sum of bool is int64": lambda t: t.tensor([True, True, False]).sum(),
    "mean of integers raises": lambda t: t.tensor([1, 2]).mean(),
    "mean(dtype=float64) of integers": lambda t: t.tensor([1, 2]).mean(dtype=t.float64),
    "float16 sums accumulate in float32": lambda t: t.tensor(
        [2048.0, 1.0, 1.0, 1.0, -1.5, 1.0], dtype=t.float16
    ).sum(),
    "prod of int32 is int64": lambda t: t.tensor([100, 100, 3], dtype=t.int32).prod(),
    "amax keeps the dtype": lambda t: t.tensor([[1, 5, 3]], dtype=t.int8).amax(dim=1),
    "max(dim) returns the first of tied maxima": lambda t: t.tensor([[1.0, 3.0, 3.0]]).max(dim=1),
    "max of bool is bool": lambda t: t.tensor([True, False]).max(),
    # --- where, clamp, matmul
    "where(cond, int, Python float) is the default dtype": lambda t: t.where(
        t.tensor([True, False]), t.tensor([1, 2]), 2.5
    ),
    "where(cond, float16, float64 zero-dim) stays float16": lambda t: t.where(
        t.tensor([True, False]), t.tensor([1.0, 2.0], dtype=t.float16), t.tensor(3.0, dtype=t.float64)
    ),
    "where refuses an int scalar out of an int8 tensor's range": lambda t: t.where(
        t.tensor([True]), t.tensor([1], dtype=t.int8), 300
    ),
    "clamp refuses a scalar bound out of the dtype's range": lambda t: t.clamp(
        t.tensor([1], dtype=t.int8), min=300
    ),
    "clamp(int, min=1.5) is float32": lambda t: t.clamp(t.tensor([1, 2, 3]), min=1.5),
    "clamp(uint8, min=int8 tensor) is int16": lambda t: t.clamp(
        t.tensor([1, 2], dtype=t.uint8), min=t.tensor([-1, 2], dtype=t.int8)
    ),
    "clamp(bool, min=1) is int64": lambda t: t.clamp(t.tensor([True, False]), min=1),
    "clamp with complex tensor bounds raises": lambda t: t.clamp(t.tensor([1.0]), min=t.tensor([1j])),
    "clamp with a complex scalar bound raises": lambda t: t.clamp(t.tensor([1.0]), min=1j),
    "matmul does not promote": lambda t: t.matmul(t.ones(2, 2), t.ones(2, 2, dtype=t.float64)),
    "matmul of integers keeps the dtype": lambda t: t.matmul(
        t.ones(2, 2, dtype=t.uint8), t.ones(2, 2, dtype=t.uint8)
    ),
    "matmul of bool vectors raises": lambda t: t.matmul(t.tensor([True, False]), t.tensor([True, True])),
    # --- creation
    "tensor([2**63], dtype=float64) converts": lambda t: t.tensor([2**63], dtype=t.float64),
    "tensor([-1], dtype=uint8) wraps, [256] raises": lambda t: (
        t.tensor([-1], dtype=t.uint8),
        t.tensor([256], dtype=t.uint8),
    ),
    "tensor([70000], dtype=float16) is inf": lambda t: t.tensor([70000], dtype=t.float16),
    "full(300, dtype=int8) raises": lambda t: t.full((2,), 300, dtype=t.int8),
    "full(-1, dtype=uint8) wraps": lambda t: t.full((2,), -1, dtype=t.uint8),
    "full(1e300, dtype=float16) raises": lambda t: t.full((2,), 1e300, dtype=t.float16),
    "full(2**64) raises OverflowError": lambda t: t.full((2,), 2**64, dtype=t.float32),
    "NumPy ints in lists keep their dtype": lambda t: (
        t.tensor([np.int32(3)]),
        t.tensor([np.int32(3), 2]),
        t.tensor([np.int8(1), np.uint8(2)]),
    ),
    "NumPy floats in lists take part in inference": lambda t: (
        t.tensor([np.float64(2.5), 1]),
        t.tensor([np.float32(1.5), np.float64(2.5)]),
    ),
    "np.bool_ beside an int raises": lambda t: t.tensor([np.bool_(True), 2]),
    "full's NumPy fill counts as a Python number": lambda t: (
        t.full((2,), np.float64(1.5)),
        t.full((2,), np.int32(1)),
    ),
    "NumPy ints as sizes and arange bounds": lambda t: (
        t.zeros(np.int64(2), np.int32(3)),
        t.arange(np.int32(3)),
        t.linspace(0, 1, np.int64(3)),
    ),
    "arange(np.float32(2)) is floating": lambda t: t.arange(np.float32(2.0)),
    "arange's length is ceil((end - start) / step) in double": lambda t: (
        t.arange(0, 0.3, 0.1),
        t.arange(-1, 1.1, 0.3),
        t.arange(0.1, 0.7, 0.2),
    ),
    "arange with an integer dtype converts its arguments first": lambda t: t.arange(
        0, 10, 1.5, dtype=t.int64
    ),
    "arange(0, 2.5, 0.5, dtype=int64) has step 0": lambda t: t.arange(0, 2.5, 0.5, dtype=t.int64),
    "arange wraps in uint8": lambda t: t.arange(250, 260, 3, dtype=t.uint8),
    "as_tensor of lists infers like tensor": lambda t: (
        t.as_tensor([1, 2.5]),
        t.as_tensor([True, False]),
        t.as_tensor((1.5, 2)),
    ),
    "as_tensor(tensor) returns it, converting only for another dtype": lambda t: (
        lambda x: (t.as_tensor(x) is x, t.as_tensor(x, dtype=t.float32) is x, t.as_tensor(x, dtype=t.float64))
    )(t.tensor([1.5])),
    # --- memory
    "reshape views a step-sliced base": lambda t: _view(t, "sliced", lambda b: b.reshape(6, 4)),
    "reshape copies an offset base it cannot view": lambda t: _view(t, "offset", lambda b: b.reshape(6, 4)),
    "reshape splits a dim of a transposed base as a view": lambda t: _view(
        t, "transposed", lambda b: b.reshape(2, 3, 2, 2)
    ),
    "reshape of an expanded base: view where the stride rule allows": lambda t: (
        _view(t, "expanded", lambda b: b.reshape(2, 3, 2, 2)),
        _view(t, "expanded", lambda b: b.reshape(6, 4)),
    ),
    "flatten of a step-sliced base is a view": lambda t: _view(t, "sliced", lambda b: b.flatten()),
    "unsqueeze on non-contiguous bases": lambda t: tuple(
        _view(t, k, lambda b: b.unsqueeze(1)) for k in ("sliced", "offset", "expanded")
    ),
    "narrow and select keep the base's storage offset": lambda t: (
        _view(t, "offset", lambda b: b.narrow(2, 1, 2)),
        _view(t, "offset", lambda b: b.select(1, 1)),
    ),
    "views of an expanded base": lambda t: tuple(
        _view(t, "expanded", op)
        for op in (lambda b: b.select(1, 1), lambda b: b.transpose(0, 2), lambda b: b.view(2, 3, 2, 2))
    ),
    "from_numpy of a non-contiguous array shares it with its strides": lambda t: (
        lambda a: (lambda x: (x.stride(), x.storage_offset(), np.shares_memory(x.numpy(), a)))(
            t.from_numpy(a)
        )
    )(np.arange(24.0).reshape(4, 6)[1:, ::2]),
    "numpy() of a transposed tensor shares it": lambda t: (
        lambda x: np.shares_memory(x.numpy(), x.t().numpy())
    )(t.arange(6.0).reshape(2, 3)),
    "contiguous(), to(same dtype), float() return self": lambda t: (
        lambda x: (x.contiguous() is x, x.to(t.float32) is x, x.float() is x, x.to(t.float32, copy=True) is x)
    )(t.ones(2, 3)),
    "detach shares memory": lambda t: (lambda x: (x.detach().add_(1.0), x)[1])(t.ones(2)),
    "torch.tensor(t) keeps a transposed t's strides": lambda t: t.tensor(t.ones(2, 3).t()).stride(),
    "*_like keep dense strides (preserve_format)": lambda t: tuple(
        f(_layout(t, (2, 3, 4), "transposed")[1]).stride() for f in (t.zeros_like, t.ones_like, t.empty_like)
    ),
    "*_like of a non-dense base are contiguous": lambda t: tuple(
        f(_layout(t, (2, 3, 4), k)[1]).stride()
        for f in (t.zeros_like, t.empty_like)
        for k in ("sliced", "offset", "expanded")
    ),
    "clone keeps dense strides": lambda t: (
        _layout(t, (2, 3, 4), "transposed")[1].clone().stride(),
        _layout(t, (2, 3, 4), "sliced")[1].clone().stride(),
    ),
    # --- autograd
    "relu's gradient at 0 and -0.0 is 0": lambda t: _grads(t, lambda t, x: x.relu(), [-1.0, -0.0, 0.0, 1.0]),
    "abs's gradient at 0 is 0": lambda t: _grads(t, lambda t, x: x.abs(), [-1.0, -0.0, 0.0, 1.0]),
    "sqrt's gradient at 0 is inf": lambda t: _grads(t, lambda t, x: x.sqrt(), [0.0, 4.0]),
    "max() splits ties evenly": lambda t: _grads(t, lambda t, x: x.max(), [1.0, 3.0, 3.0, 2.0]),
    "min() splits ties evenly": lambda t: _grads(t, lambda t, x: x.min(), [1.0, 1.0, 3.0]),
    "amax splits ties evenly": lambda t: _grads(
        t, lambda t, x: x.amax(dim=1), [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]
    ),
    "max(dim) gives ties' gradient to the returned index": lambda t: _grads(
        t, lambda t, x: x.max(dim=1).values, [[1.0, 3.0, 3.0]]
    ),
    "maximum/minimum split ties in half": lambda t: (
        _grads(t, lambda t, x, y: t.maximum(x, y), [1.0, 2.0, 3.0], [1.0, 3.0, 2.0]),
        _grads(t, lambda t, x, y: t.minimum(x, y), [1.0, 2.0, 3.0], [1.0, 3.0, 2.0]),
    ),
    "clamp passes the gradient at its bounds": lambda t: _grads(
        t, lambda t, x: x.clamp(-1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0]
    ),
    "clamp with crossed bounds passes none": lambda t: _grads(
        t, lambda t, x: x.clamp(1.0, 0.0), [0.0, 0.5, 1.0, 2.0]
    ),
    "clamp with tensor bounds at ties": lambda t: _grads(
        t,
        lambda t, x, lo, hi: x.clamp(lo, hi),
        [-1.0, 0.0, 1.0, 2.0],
        [0.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 1.0, 1.0],
    ),
    "pow at 0: x ** 0, 0 ** y": lambda t: (
        _grads(t, lambda t, x: x**0, [0.0, 1.0]),
        _grads(t, lambda t, x, y: x**y, [0.0, 0.0, 2.0], [2.0, 0.0, 0.0]),
    ),
    "prod with zeros": lambda t: (
        _grads(t, lambda t, x: x.prod(), [2.0, 0.0, 3.0]),
        _grads(t, lambda t, x: x.prod(), [0.0, 0.0, 3.0]),
    ),
    "where routes the gradient to the chosen side": lambda t: _grads(
        t, lambda t, x, y: t.where(x < y, x, y), [1.0, 2.0, 3.0], [2.0, 2.0, 1.0]
    ),
    "retain_graph keeps the graph for the next call only": lambda t: _sequence(
        t,
        lambda t, v: v["loss"].backward(retain_graph=True),
        lambda t, v: v["loss"].backward(),
        lambda t, v: v["loss"].backward(),
    ),
    "autograd.grad(retain_graph=True) leaves .grad alone": lambda t: _sequence(
        t,
        lambda t, v: t.autograd.grad(v["loss"], (v["x"],), retain_graph=True),
        lambda t, v: v["loss"].backward(),
    ),
    "retain_grad accumulates over backward calls": lambda t: _sequence(
        t,
        lambda t, v: v["y"].retain_grad(),
        lambda t, v: v["y"].retain_grad(),
        lambda t, v: v["loss"].backward(retain_graph=True),
        lambda t, v: v["loss"].backward(),
    ),
    "requires_grad_(False) on a non-leaf raises": lambda t: _sequence(
        t, lambda t, v: v["y"].requires_grad_(False)
    ),
    "requires_grad_() makes a constant a leaf": lambda t: (
        lambda c: (c.requires_grad_() is c, c.is_leaf, (c * 2).requires_grad)
    )(t.tensor([1.0, 2.0])),
}
"""Rule -> a program on a module with torch's API (torch, or impl)."""

VERSION_WRITES: dict[str, Callable[[Any], Any]] = {
    "add_": lambda a: a.add_(1.0),
    "+=": lambda a: a.__iadd__(1.0),
    "setitem": lambda a: a.__setitem__(0, 5.0),
    "fill_": lambda a: a.fill_(2.0),
    "zero_": lambda a: a.zero_(),
    "through a view": lambda a: a.view(-1).add_(1.0),
    "through detach": lambda a: a.detach().add_(1.0),
}

GAPS: dict[str, str] = {}
"""Rules impl gets wrong (each also an IMPL-GAP entry of conformance/manifests/impl.toml)."""


def _rule(name: str) -> Any:
    gap = GAPS.get(name)
    marks = [pytest.mark.xfail(strict=True, reason=f"impl gap: {gap}")] if gap else []
    return pytest.param(name, id=name, marks=marks)


@pytest.mark.parametrize("rule", [_rule(name) for name in RULES])
def test_rule_agrees_with_torch(rule: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.tensor(tensor) and non-leaf .grad reads warn
        both(RULES[rule], message=False)


@pytest.mark.parametrize("saved", ["input", "output", "none"])
@pytest.mark.parametrize("write", VERSION_WRITES)
def test_version_counter_of_every_inplace_form(write: str, saved: str) -> None:
    """Backward raises after a write into a tensor saved for backward (as mul's input or exp's
    output), through every in-place form, views and detach() included; not when nothing saved it."""
    both(lambda t: _saved_then_written(t, VERSION_WRITES[write], saved), message=False)


MESSAGES: dict[str, Program] = {
    "the version-counter error names the writing node": lambda t: _saved_then_written(
        t, lambda a: a.__setitem__(0, 5.0), "input"
    ),
    "clamp with complex tensor bounds names the kernel": lambda t: t.clamp(
        t.tensor([1.0]), min=t.tensor([1j])
    ),
    "a Python int beyond uint64: 'int too big to convert'": lambda t: t.tensor([1]) + 2**64,
}
"""Errors whose messages impl words as torch does (the rules above compare exception types only)."""


@pytest.mark.parametrize("rule", MESSAGES)
def test_error_message_agrees_with_torch(rule: str) -> None:
    both(MESSAGES[rule])


def test_the_gap_list_names_real_rules() -> None:
    assert set(GAPS) <= set(RULES)
    assert torch.tensor([1, 2]).sum().dtype == torch.int64  # the tests above run against live torch
