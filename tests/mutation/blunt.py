"""The first, blunt seeded bugs (once tests/conformance/broken_engines.py): each breaks a whole rule
everywhere rather than in one situation. tests/conformance/test_broken_adapters.py checks each is
caught in the field named by `field`, by the scenarios named in BROKEN."""

from __future__ import annotations

from typing import Any

import torch

from tests.mutation.base import Mutant, grads_of

VIEW_METHODS = frozenset({"view", "t", "transpose", "permute", "expand", "__getitem__", "reshape", "narrow"})


class BluntMutant(Mutant):
    """A blunt bug: `breaks` names the rule, `field` the difference field it must show in, AREA
    the area it belongs to."""

    AREA = ""
    breaks = ""
    field = ""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self.name = f"broken-{type(self).__name__}"

    @classmethod
    def area(cls) -> str:
        return cls.AREA

    @classmethod
    def rule(cls) -> str:
        return cls.breaks


class Float64ForPythonFloats(BluntMutant):
    """Promotion: a float32/float16/bfloat16 tensor combined with a Python float gives float64."""

    AREA = "promotion"
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

    witness = staticmethod(lambda e: e.call("add", e.tensor([1.0]), 2.5))
    control = staticmethod(lambda e: e.call("add", e.tensor([1.0]), 2))


class ValueErrorOnBroadcast(BluntMutant):
    """Broadcasting: incompatible shapes raise ValueError instead of RuntimeError."""

    AREA = "broadcasting"
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

    witness = staticmethod(lambda e: e.call("add", e.create("ones", (2,)), e.create("ones", (3,))))
    control = staticmethod(lambda e: e.call("add", e.create("ones", (2,)), e.create("ones", (1,))))


class ViewsCopy(BluntMutant):
    """Memory: view operations return copies (no aliasing with their base)."""

    AREA = "memory"
    breaks, field = "views are copies", "aliasing"

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        result = super().method(op, self_, *args, **kwargs)
        if op in VIEW_METHODS and isinstance(result, torch.Tensor):
            return result.clone()
        return result

    witness = staticmethod(
        lambda e: (lambda t: e.shares_memory(t, e.method("view", t, -1)))(e.create("ones", (2, 2)))
    )
    control = staticmethod(
        lambda e: (lambda t: e.shares_memory(t, e.method("detach", t)))(e.create("ones", (2, 2)))
    )


class RowMajorStrides(BluntMutant):
    """Memory: stride() always reports row-major strides (wrong for transposed/expanded views)."""

    AREA = "memory"
    breaks, field = "strides reported as if contiguous", "strides"

    def strides(self, t: Any) -> tuple[int, ...]:
        return tuple(torch.empty(tuple(t.shape)).stride())

    witness = staticmethod(lambda e: e.strides(e.method("t", e.create("ones", (2, 3)))))
    control = staticmethod(lambda e: e.strides(e.create("ones", (2, 3))))


class GradReplaced(BluntMutant):
    """Autograd: backward replaces a leaf's .grad instead of accumulating into it."""

    AREA = "autograd"
    breaks, field = ".grad replaced, not summed, over backward calls", "grad"

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        for leaf in _leaves(t.grad_fn):
            leaf.grad = None
        super().backward(t, gradient, retain_graph)

    @staticmethod
    def witness(e: Any) -> Any:
        x = e.tensor([1.0, 2.0], requires_grad=True)
        for _ in range(2):
            e.backward(e.call("sum", e.call("mul", x, 3)))
        return e.grad(x)

    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("mul", x[0], 3), [1.0, 2.0]))


class RetainGraphAlways(BluntMutant):
    """Autograd: saved tensors are never freed, so a second backward never raises."""

    AREA = "autograd"
    breaks, field = "a second backward without retain_graph does not raise", "error"

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        super().backward(t, gradient, retain_graph=True)

    @staticmethod
    def witness(e: Any) -> Any:
        x = e.tensor([1.0, 2.0], requires_grad=True)
        loss = e.call("sum", e.call("mul", x, x))
        e.backward(loss)
        e.backward(loss)
        return e.grad(x)

    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("mul", x[0], x[0]), [1.0, 2.0]))


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


BROKEN: dict[type[BluntMutant], tuple[str, ...]] = {
    Float64ForPythonFloats: ("promotion.binary_op",),
    ValueErrorOnBroadcast: ("broadcasting.incompatible",),
    ViewsCopy: ("memory.views",),
    RowMajorStrides: ("broadcasting.expand", "memory.views"),
    GradReplaced: ("autograd.accumulation",),
    RetainGraphAlways: ("autograd.retain_graph",),
}
"""Each blunt bug and the scenarios that must catch it (any one suffices, in its field)."""
