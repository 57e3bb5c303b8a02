"""Deliberately broken engines: the torch adapter with exactly one rule changed each.

They prove the harness catches real breakage (tests/conformance/test_broken_adapters.py): each is
run through the real scenarios and must be reported with a divergence in the named field.
"""

from __future__ import annotations

from typing import Any

import torch

from conformance.engines.torchlike import TorchLikeEngine

VIEW_METHODS = frozenset({"view", "t", "transpose", "permute", "expand", "__getitem__", "reshape", "narrow"})


class BrokenEngine(TorchLikeEngine):
    """torch with one rule broken; `breaks` names the rule, `field` where it must show."""

    breaks = ""
    field = ""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(torch, f"broken-{type(self).__name__}", device)


class Float64ForPythonFloats(BrokenEngine):
    """Promotion: a float32/float16/bfloat16 tensor combined with a Python float gives float64."""

    breaks, field = "Python float promotes a low-precision float tensor to float64", "dtype"

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return self._widen(super().call(op, *args, **kwargs), args)

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        return self._widen(super().method(op, self_, *args, **kwargs), (self_, *args))

    @staticmethod
    def _widen(result: Any, args: tuple[Any, ...]) -> Any:
        has_float = any(type(a) is float for a in args)
        if has_float and isinstance(result, torch.Tensor) and result.dtype in (torch.float32, torch.float16):
            return result.to(torch.float64)
        return result


class ValueErrorOnBroadcast(BrokenEngine):
    """Broadcasting: incompatible shapes raise ValueError instead of RuntimeError."""

    breaks, field = "incompatible shapes raise ValueError, not RuntimeError", "error"

    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return self._translate(super().call, op, *args, **kwargs)

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        return self._translate(super().method, op, self_, *args, **kwargs)

    @staticmethod
    def _translate(run: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return run(*args, **kwargs)
        except RuntimeError as exc:
            if "must match" in str(exc) or "broadcast" in str(exc) or "expanded size" in str(exc):
                raise ValueError(str(exc)) from None
            raise


class ViewsCopy(BrokenEngine):
    """Memory: view operations return copies (no aliasing with their base)."""

    breaks, field = "views are copies", "aliasing"

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        result = super().method(op, self_, *args, **kwargs)
        if op in VIEW_METHODS and isinstance(result, torch.Tensor):
            return result.clone()
        return result


class RowMajorStrides(BrokenEngine):
    """Memory: stride() always reports row-major strides (wrong for transposed/expanded views)."""

    breaks, field = "strides reported as if contiguous", "strides"

    def strides(self, t: Any) -> tuple[int, ...]:
        return tuple(torch.empty(tuple(t.shape)).stride())


class GradReplaced(BrokenEngine):
    """Autograd: backward replaces a leaf's .grad instead of accumulating into it."""

    breaks, field = ".grad replaced, not summed, over backward calls", "grad"

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        for leaf in _leaves(t.grad_fn):
            leaf.grad = None
        super().backward(t, gradient, retain_graph)


class RetainGraphAlways(BrokenEngine):
    """Autograd: saved tensors are never freed, so a second backward never raises."""

    breaks, field = "a second backward without retain_graph does not raise", "error"

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        super().backward(t, gradient, retain_graph=True)


def _leaves(grad_fn: Any) -> list[torch.Tensor]:
    """The leaf tensors a graph accumulates into (the AccumulateGrad nodes' variables)."""
    found, stack, seen = [], [grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if hasattr(node, "variable"):
            found.append(node.variable)
        stack.extend(next_fn for next_fn, _ in node.next_functions)
    return found


BROKEN: dict[type[BrokenEngine], tuple[str, ...]] = {
    Float64ForPythonFloats: ("promotion.binary_op",),
    ValueErrorOnBroadcast: ("broadcasting.incompatible",),
    ViewsCopy: ("memory.views",),
    RowMajorStrides: ("broadcasting.expand", "memory.views"),
    GradReplaced: ("autograd.accumulation",),
    RetainGraphAlways: ("autograd.retain_graph",),
}
"""Each broken engine and the scenarios that must catch it (any one suffices, in its field)."""
