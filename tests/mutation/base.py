"""The machinery of a seeded bug: torch through the protocol, with one rule changed in one situation.

A `Mutant` is the torch adapter (`TorchLikeEngine` over torch) whose `calls`, `methods`, `creates`
(and, for the few rules that live elsewhere, overridden protocol methods) replace torch's answer
for one op in one situation. Each names its `witness`: a program on the protocol, in the situation,
whose observation the mutant changes; tests/mutation/test_catalog.py checks it does (and, where a
`control` is given, that a neighbouring situation is unchanged), so no bug in the catalog is a
no-op. The area is the module's name (tests/mutation/<area>.py), the rule its docstring.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch

from conformance.engines.torchlike import TorchLikeEngine
from spec.engine import AREAS

Original = Callable[..., Any]
Replacement = Callable[..., Any]  # (original, *args, **kwargs) -> result
Program = Callable[[Any], Any]  # a program on an engine (the protocol), returning what it observes

nan, inf = math.nan, math.inf


class Mutant(TorchLikeEngine):
    """torch with one rule changed: `calls`/`methods`/`creates` map an op name to a replacement
    that receives the original (unmutated) function and the op's arguments."""

    calls: ClassVar[dict[str, Replacement]] = {}
    methods: ClassVar[dict[str, Replacement]] = {}
    creates: ClassVar[dict[str, Replacement]] = {}
    witness: ClassVar[Program]
    control: ClassVar[Program | None] = None

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(torch, f"mutant-{type(self).__name__}", device)

    @classmethod
    def area(cls) -> str:
        area = cls.__module__.rsplit(".", 1)[-1]
        return area if area in AREAS else getattr(cls, "AREA", area)

    @classmethod
    def rule(cls) -> str:
        return " ".join((cls.__doc__ or "").split())

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        original = super().call
        if op in self.calls:
            return self.calls[op](lambda *a, **k: original(op, *a, **k), *args, **self._kwargs(kwargs))
        return original(op, *args, **kwargs)

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        original = super().method
        if op in self.methods:
            run = lambda s, *a, **k: original(op, s, *a, **k)  # noqa: E731
            return self.methods[op](run, self_, *args, **self._kwargs(kwargs))
        return original(op, self_, *args, **kwargs)

    def create(self, factory: str, *args: Any, **kwargs: Any) -> Any:
        original = super().create
        if factory in self.creates:
            run = lambda *a, **k: original(factory, *a, **k)  # noqa: E731
            return self.creates[factory](run, *args, **self._kwargs(kwargs))
        return original(factory, *args, **kwargs)


# --- helpers the mutants share ---------------------------------------------------------------------
def floating(x: Any) -> bool:
    return isinstance(x, torch.Tensor) and (x.is_floating_point() or x.is_complex())


def integral(x: Any) -> bool:
    return isinstance(x, torch.Tensor) and not x.is_floating_point() and not x.is_complex()


def when(test: Callable[..., bool], mutated: Replacement) -> Replacement:
    """A replacement that applies `mutated` only where `test(*args, **kwargs)` holds."""

    def replacement(original: Original, *args: Any, **kwargs: Any) -> Any:
        if test(*args, **kwargs):
            return mutated(original, *args, **kwargs)
        return original(*args, **kwargs)

    return replacement


def raising(error: type[Exception], message: str) -> Replacement:
    """A replacement that raises `error` (where torch does not)."""

    def replacement(original: Original, *args: Any, **kwargs: Any) -> Any:
        raise error(message)

    return replacement


def regrad(result: Any, grads: Callable[[tuple[Any, ...], tuple[Any, ...]], tuple[Any, ...]]) -> Any:
    """Replace the gradients result's node sends to its inputs: `grads(grad_inputs, grad_outputs)`
    returns the new grad_inputs. The node (and its name, e.g. ReluBackward0) stays torch's own."""
    node = result.grad_fn if isinstance(result, torch.Tensor) else None
    if node is not None:
        node.register_hook(lambda grad_inputs, grad_outputs: grads(grad_inputs, grad_outputs))
    return result


def silently(self_: torch.Tensor, write: Callable[[torch.Tensor], Any]) -> torch.Tensor:
    """An in-place write into a non-leaf through `.data`: the values change, the version counter
    (and autograd's record of the write) does not. Leaves keep torch's own checks."""
    if self_.requires_grad and not self_.is_leaf:
        write(self_.data)
        return self_
    write(self_)
    return self_


# --- observing a program exactly -----------------------------------------------------------------------
def snapshot(engine: Any, program: Program) -> Any:
    """What `program(engine)` observes, exactly: tensors as dtype, shape, strides, offset and bytes
    (so the sign of zero and nan payloads count), tuples item by item, errors as their type."""
    try:
        observed = program(engine)
    except Exception as exc:  # a raised error is an observation
        return ("raises", type(exc).__name__)
    return _exact(engine, observed)


def _exact(engine: Any, value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        t = value.detach()
        flat = t.cpu().resolve_conj().resolve_neg().contiguous().reshape(-1)
        data = flat.view(torch.uint8).numpy().tobytes()
        return ("tensor", str(t.dtype), tuple(t.shape), t.stride(), t.storage_offset(), data)
    if isinstance(value, np.ndarray):
        return ("array", str(value.dtype), value.shape, value.strides, value.tobytes())
    if isinstance(value, tuple | list):
        return tuple(_exact(engine, v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _exact(engine, v)) for k, v in value.items())
    return value


def grads_of(engine: Any, build: Callable[[Any, list[Any]], Any], *values: list[Any]) -> Any:
    """Backward of build(engine, leaves).sum() from leaves holding `values`: their .grad."""
    leaves = [engine.tensor(v, dtype="float32", requires_grad=True) for v in values]
    engine.backward(engine.call("sum", build(engine, leaves)))
    return tuple(engine.grad(x) for x in leaves)
