"""Seeded bugs in autograd: subgradients at kinks and ties, the state over sequences of calls, and
version counters of every in-place form."""

# ruff: noqa: RUF012 - the replacement tables (calls, methods, creates) are class constants, never mutated

from __future__ import annotations

from typing import Any

import torch

from tests.mutation.base import Mutant, grads_of, regrad, silently, when


def _on_node(grads: Any) -> Any:
    """A replacement that runs the op and gives its node the gradients `grads(args, kwargs, result,
    grad_inputs, grad_outputs)` returns."""

    def replacement(run: Any, *args: Any, **kwargs: Any) -> Any:
        result = run(*args, **kwargs)
        output = (
            result.values if hasattr(result, "values") and not isinstance(result, torch.Tensor) else result
        )
        regrad(output, lambda gi, go: grads(args, kwargs, output, gi, go))
        return result

    return replacement


def _full(*args: Any, **kwargs: Any) -> bool:
    """A full reduction: no dim given."""
    return len(args) == 1 and not kwargs


def _first_extreme(t: torch.Tensor, largest: bool) -> torch.Tensor:
    """A one-hot mask of the first maximum (minimum) of t, flattened order."""
    index = t.flatten().argmax() if largest else t.flatten().argmin()
    return torch.zeros(t.numel(), dtype=t.dtype).index_fill_(0, index, 1).reshape(t.shape)


class ReluGradientAtZeroIsOne(Mutant):
    """relu's gradient at 0 (and -0.0) is 1 instead of 0."""

    calls = {"relu": _on_node(lambda a, k, r, gi, go: (go[0] * (a[0] >= 0),))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("relu", x[0]), [-1.0, 0.0, 2.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("relu", x[0]), [-1.0, 0.5, 2.0]))


class AbsGradientAtZeroIsOne(Mutant):
    """abs's gradient at 0 is 1 (the sign of 0 taken as +1) instead of 0."""

    calls = {
        "abs": _on_node(lambda a, k, r, gi, go: (go[0] * torch.where(a[0] >= 0, 1.0, -1.0).to(go[0].dtype),))
    }
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("abs", x[0]), [-1.0, 0.0, 2.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("abs", x[0]), [-1.0, 0.5, 2.0]))


class MaxTiesAllToFirst(Mutant):
    """max() over all elements gives the whole gradient to the first of tied maxima instead of
    splitting it evenly."""

    calls = {"max": when(_full, _on_node(lambda a, k, r, gi, go: (go[0] * _first_extreme(a[0], True),)))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("max", x[0]), [1.0, 3.0, 3.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("max", x[0]), [1.0, 3.0, 2.0]))


class MinTiesAllToFirst(Mutant):
    """min() over all elements gives the whole gradient to the first of tied minima instead of
    splitting it evenly."""

    calls = {"min": when(_full, _on_node(lambda a, k, r, gi, go: (go[0] * _first_extreme(a[0], False),)))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("min", x[0]), [1.0, 1.0, 3.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("min", x[0]), [1.0, 2.0, 3.0]))


def _amax_first(args: Any, kwargs: Any, result: Any, gi: Any, go: Any) -> Any:
    t, dim = args[0], kwargs["dim"]
    g = go[0] if kwargs.get("keepdim") else go[0].unsqueeze(dim)
    one_hot = torch.zeros_like(t).scatter(dim, t.argmax(dim, keepdim=True), 1.0)
    return (one_hot * g,)


class AmaxTiesAllToFirst(Mutant):
    """amax along a dim gives the whole gradient to the first of tied maxima instead of splitting
    it evenly."""

    calls = {"amax": when(lambda t, **k: "dim" in k, _on_node(_amax_first))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("amax", x[0], dim=1), [[1.0, 3.0, 3.0]]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("amax", x[0], dim=1), [[1.0, 3.0, 2.0]]))


def _split_ties(args: Any, kwargs: Any, result: Any, gi: Any, go: Any) -> Any:
    t, dim = args[0], kwargs.get("dim", args[1] if len(args) > 1 else None)
    keep = kwargs.get("keepdim", False)
    values, g = (result, go[0]) if keep else (result.unsqueeze(dim), go[0].unsqueeze(dim))
    ties = (t == values).to(t.dtype)
    return (ties / ties.sum(dim, keepdim=True) * g,)


class MaxDimSplitsTies(Mutant):
    """max(t, dim) splits the gradient evenly between tied maxima instead of giving it all to the
    index it returns."""

    calls = {"max": when(lambda *a, **k: not _full(*a, **k), _on_node(_split_ties))}
    witness = staticmethod(
        lambda e: grads_of(e, lambda e, x: e.call("max", x[0], dim=1)[0], [[1.0, 3.0, 3.0]])
    )
    control = staticmethod(
        lambda e: grads_of(e, lambda e, x: e.call("max", x[0], dim=1)[0], [[1.0, 3.0, 2.0]])
    )


class MaximumTiesAllToFirst(Mutant):
    """maximum(a, b) gives the whole gradient to a at ties instead of half to each."""

    calls = {"maximum": _on_node(lambda a, k, r, gi, go: (go[0] * (a[0] >= a[1]), go[0] * (a[0] < a[1])))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("maximum", *x), [1.0, 2.0], [1.0, 3.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("maximum", *x), [1.5, 2.0], [1.0, 3.0]))


class MinimumTiesAllToSecond(Mutant):
    """minimum(a, b) gives the whole gradient to b at ties instead of half to each."""

    calls = {"minimum": _on_node(lambda a, k, r, gi, go: (go[0] * (a[0] < a[1]), go[0] * (a[0] >= a[1])))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("minimum", *x), [1.0, 2.0], [1.0, 3.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("minimum", *x), [1.5, 2.0], [1.0, 3.0]))


def _scalar_bounds(t: Any, min: Any = None, max: Any = None) -> bool:
    return not isinstance(min, torch.Tensor) and not isinstance(max, torch.Tensor)


def _inside(x: Any, low: Any, high: Any) -> Any:
    keep = torch.ones_like(x, dtype=torch.bool)
    if low is not None:
        keep &= x > low
    if high is not None:
        keep &= x < high
    return keep


class ClampBoundsExclusive(Mutant):
    """clamp(x, min, max) with both bounds passes no gradient where x equals a bound (exclusive
    bounds) instead of passing it."""

    calls = {
        "clamp": when(
            lambda t, min=None, max=None: _scalar_bounds(t, min, max) and min is not None and max is not None,
            _on_node(lambda a, k, r, gi, go: (go[0] * _inside(a[0], k["min"], k["max"]),)),
        )
    }
    witness = staticmethod(
        lambda e: grads_of(e, lambda e, x: e.call("clamp", x[0], min=-1.0, max=1.0), [-1.0, 0.0, 1.0])
    )
    control = staticmethod(
        lambda e: grads_of(e, lambda e, x: e.call("clamp", x[0], min=-1.0, max=1.0), [-2.0, 0.0, 2.0])
    )


class ClampMinExclusive(Mutant):
    """clamp(x, min=m) passes no gradient where x equals m instead of passing it."""

    calls = {
        "clamp": when(
            lambda t, min=None, max=None: _scalar_bounds(t, min, max) and min is not None and max is None,
            _on_node(lambda a, k, r, gi, go: (go[0] * _inside(a[0], k["min"], None),)),
        )
    }
    witness = staticmethod(
        lambda e: grads_of(e, lambda e, x: e.call("clamp", x[0], min=0.0), [-1.0, 0.0, 1.0])
    )
    control = staticmethod(
        lambda e: grads_of(e, lambda e, x: e.call("clamp", x[0], min=0.0), [-1.0, 0.5, 1.0])
    )


def _bound_takes_tie(args: Any, kwargs: Any, result: Any, gi: Any, go: Any) -> Any:
    x, low = args[0], kwargs["min"]
    tie = (x == low).to(go[0].dtype)
    return (gi[0] * (1 - tie), gi[1] + go[0] * tie, *gi[2:])


class ClampTensorMinTakesTies(Mutant):
    """clamp(x, min=tensor) gives the gradient at x == min to the bound instead of to x."""

    calls = {
        "clamp": when(
            lambda t, min=None, max=None: (
                isinstance(min, torch.Tensor) and min.shape == t.shape and min.requires_grad
            ),
            _on_node(_bound_takes_tie),
        )
    }
    witness = staticmethod(
        lambda e: grads_of(
            e, lambda e, x: e.call("clamp", x[0], min=x[1], max=x[2]), [0.0, 2.0], [0.0, 0.0], [1.0, 1.0]
        )
    )
    control = staticmethod(
        lambda e: grads_of(
            e, lambda e, x: e.call("clamp", x[0], min=x[1], max=x[2]), [0.5, 2.0], [0.0, 0.0], [1.0, 1.0]
        )
    )


class PowExponentGradientAtZeroBaseNan(Mutant):
    """The gradient of x ** y with respect to y at x == 0 is nan (result * log(0)) instead of 0."""

    calls = {
        "pow": when(
            lambda x, y: isinstance(y, torch.Tensor) and y.requires_grad,
            _on_node(lambda a, k, r, gi, go: (gi[0], go[0] * r * torch.log(a[0]))),
        )
    }
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("pow", *x), [0.0, 2.0], [2.0, 2.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("pow", *x), [1.0, 2.0], [2.0, 2.0]))


class SqrtGradientAtZeroIsZero(Mutant):
    """sqrt's gradient at 0 is 0 instead of inf."""

    calls = {"sqrt": _on_node(lambda a, k, r, gi, go: (torch.where(a[0] == 0, 0.0, gi[0]).to(gi[0].dtype),))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("sqrt", x[0]), [0.0, 4.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("sqrt", x[0]), [1.0, 4.0]))


class ProdGradientByDivision(Mutant):
    """prod's gradient is computed as prod / x: nan where x is 0 instead of the product of the
    other elements."""

    calls = {"prod": when(_full, _on_node(lambda a, k, r, gi, go: (go[0] * r / a[0],)))}
    witness = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("prod", x[0]), [2.0, 0.0, 3.0]))
    control = staticmethod(lambda e: grads_of(e, lambda e, x: e.call("prod", x[0]), [2.0, 1.0, 3.0]))


class WhereGradientToBothSides(Mutant):
    """where(c, x, y) sends the gradient to both x and y instead of to the chosen side only."""

    calls = {"where": _on_node(lambda a, k, r, gi, go: tuple(go[0] if g is not None else None for g in gi))}
    witness = staticmethod(
        lambda e: grads_of(
            e, lambda e, x: e.call("where", e.call("lt", x[0], x[1]), x[0], x[1]), [1.0, 3.0], [2.0, 2.0]
        )
    )
    control = staticmethod(
        lambda e: grads_of(e, lambda e, x: e.call("add", x[0], x[1]), [1.0, 3.0], [2.0, 2.0])
    )


# --- the state machine over sequences of calls ----------------------------------------------------
def _twice(e: Any, first: Any, second: Any, third: Any = None) -> Any:
    """x.grad after a sequence of backward calls (retain_graph flags) through one graph, or the
    error that stops it."""
    x = e.tensor([1.0, 2.0], requires_grad=True)
    loss = e.call("sum", e.call("mul", x, x))
    seen = []
    for flag in (first, second, third):
        if flag == "skip":
            break
        try:
            e.backward(loss, retain_graph=flag)
        except RuntimeError:
            seen.append("raises")
            break
        seen.append(e.to_numpy(e.grad(x)).tolist())
    return seen


class RetainGraphSticks(Mutant):
    """retain_graph=True on one backward call keeps the graph for every later call, so the call
    after a plain one does not raise."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self._retained: set[int] = set()

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        if retain_graph:
            self._retained.add(id(t))
        super().backward(t, gradient, retain_graph=True if id(t) in self._retained else retain_graph)

    witness = staticmethod(lambda e: _twice(e, True, None, None))
    control = staticmethod(lambda e: _twice(e, None, None, "skip"))


class RetainGraphOnlyOnce(Mutant):
    """retain_graph=True is honoured on the first backward through a graph only: a second
    retain_graph=True call frees the graph."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self._retained: set[int] = set()

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        if retain_graph and id(t) in self._retained:
            retain_graph = False
        elif retain_graph:
            self._retained.add(id(t))
        super().backward(t, gradient, retain_graph=retain_graph)

    witness = staticmethod(lambda e: _twice(e, True, True, None))
    control = staticmethod(lambda e: _twice(e, True, None, "skip"))


def _retained(e: Any, calls: int, retain_twice: bool = False) -> Any:
    """y.grad of a non-leaf y = x * 2 with retain_grad(), after `calls` backward calls."""
    x = e.tensor([1.0, 2.0], requires_grad=True)
    y = e.call("mul", x, 2)
    e.method("retain_grad", y)
    if retain_twice:
        e.method("retain_grad", y)
    loss = e.call("sum", e.call("mul", y, y))
    for _ in range(calls):
        e.backward(loss, retain_graph=True)
    return e.grad(y)


class RetainGradReplaces(Mutant):
    """A retained non-leaf's .grad is replaced by each backward call instead of accumulated."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self._latest: dict[int, torch.Tensor] = {}

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        if op == "retain_grad" and not self_.is_leaf:
            self_.register_hook(lambda g: self._latest.__setitem__(id(self_), g.clone()))
            return None
        return super().method(op, self_, *args, **kwargs)

    def grad(self, t: Any) -> Any:
        return self._latest.get(id(t), t.grad)

    def set_grad(self, t: Any, value: Any) -> None:
        self._latest.pop(id(t), None)
        super().set_grad(t, value)

    witness = staticmethod(lambda e: _retained(e, 2))
    control = staticmethod(lambda e: _retained(e, 1))


class RetainGradTwiceCountsTwice(Mutant):
    """retain_grad() called twice on a non-leaf accumulates its gradient twice per backward."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self._calls: dict[int, int] = {}

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        if op == "retain_grad" and not self_.is_leaf:
            self._calls[id(self_)] = self._calls.get(id(self_), 0) + 1
            if self._calls[id(self_)] > 1:
                return None
        return super().method(op, self_, *args, **kwargs)

    def grad(self, t: Any) -> Any:
        g = t.grad
        return g * self._calls[id(t)] if g is not None and self._calls.get(id(t), 1) > 1 else g

    witness = staticmethod(lambda e: _retained(e, 1, retain_twice=True))
    control = staticmethod(lambda e: _retained(e, 1))


def _requires_grad_(e: Any, leaf: bool) -> Any:
    x = e.tensor([1.0, 2.0], requires_grad=True)
    t = x if leaf else e.call("mul", x, 2)
    e.method("requires_grad_", t, False)
    return e.requires_grad(t)


class RequiresGradFalseOnNonLeafAllowed(Mutant):
    """requires_grad_(False) on a non-leaf is silently ignored instead of raising."""

    methods = {
        "requires_grad_": when(
            lambda t, *a, **k: not t.is_leaf and not (a[0] if a else k.get("requires_grad", True)),
            lambda run, t, *a, **k: t,
        )
    }
    witness = staticmethod(lambda e: _requires_grad_(e, leaf=False))
    control = staticmethod(lambda e: _requires_grad_(e, leaf=True))


class RequiresGradFalseOnLeafIgnored(Mutant):
    """requires_grad_(False) on a leaf that requires grad is ignored: it still requires grad."""

    methods = {
        "requires_grad_": when(
            lambda t, *a, **k: t.is_leaf and not (a[0] if a else k.get("requires_grad", True)),
            lambda run, t, *a, **k: t,
        )
    }
    witness = staticmethod(lambda e: _requires_grad_(e, leaf=True))
    control = staticmethod(lambda e: e.requires_grad(e.method("requires_grad_", e.tensor([1.0]))))


class AutogradGradFillsDotGrad(Mutant):
    """torch.autograd.grad also accumulates into the inputs' .grad instead of leaving it alone."""

    def autograd_grad(self, outputs: Any, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        grads = super().autograd_grad(outputs, inputs, *args, **kwargs)
        for x, g in zip(inputs if isinstance(inputs, tuple | list) else (inputs,), grads, strict=False):
            if g is not None and x.is_leaf:
                x.grad = g.clone() if x.grad is None else x.grad + g
        return grads

    @staticmethod
    def witness(e: Any) -> Any:
        x = e.tensor([1.0, 2.0], requires_grad=True)
        e.autograd_grad(e.call("sum", e.call("mul", x, x)), (x,))
        return e.grad(x)

    @staticmethod
    def control(e: Any) -> Any:
        x = e.tensor([1.0, 2.0], requires_grad=True)
        return e.autograd_grad(e.call("sum", e.call("mul", x, x)), (x,))


# --- version counters -------------------------------------------------------------------------------
def _saved_then_written(e: Any, write: Any, saved: str = "input") -> Any:
    """The error (or x.grad) of backward after writing in place into a tensor saved for backward."""
    x = e.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = e.call("exp", x) if saved == "output" else e.call("mul", x, 1)
    loss = e.call("sum", a if saved == "output" else e.call("mul", a, a))
    write(e, a)
    e.backward(loss)
    return e.grad(x)


def _not_saved_then_written(e: Any, write: Any) -> Any:
    x = e.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = e.call("mul", x, 1)
    loss = e.call("sum", e.call("add", a, a))
    write(e, a)
    e.backward(loss)
    return e.grad(x)


class SetitemSkipsVersionCounter(Mutant):
    """An indexing assignment into a non-leaf does not bump its version counter: backward through
    an op that saved it does not raise."""

    methods = {"__setitem__": lambda run, t, *a: (silently(t, lambda d: d.__setitem__(*a)), None)[1]}
    witness = staticmethod(lambda e: _saved_then_written(e, lambda e, a: e.method("__setitem__", a, 0, 5.0)))
    control = staticmethod(
        lambda e: _not_saved_then_written(e, lambda e, a: e.method("__setitem__", a, 0, 5.0))
    )


class AugmentedAddSkipsVersionCounter(Mutant):
    """a += b on a non-leaf does not bump its version counter."""

    methods = {"__iadd__": lambda run, t, other: silently(t, lambda d: d.add_(other))}
    witness = staticmethod(lambda e: _saved_then_written(e, lambda e, a: e.method("__iadd__", a, 1.0)))
    control = staticmethod(lambda e: _not_saved_then_written(e, lambda e, a: e.method("__iadd__", a, 1.0)))


class FillSkipsVersionCounter(Mutant):
    """fill_ on a non-leaf does not bump its version counter."""

    methods = {"fill_": lambda run, t, value: silently(t, lambda d: d.fill_(value))}
    witness = staticmethod(lambda e: _saved_then_written(e, lambda e, a: e.method("fill_", a, 2.0)))
    control = staticmethod(lambda e: _not_saved_then_written(e, lambda e, a: e.method("fill_", a, 2.0)))


class ZeroSkipsVersionCounter(Mutant):
    """zero_ on a non-leaf does not bump its version counter."""

    methods = {"zero_": lambda run, t: silently(t, lambda d: d.zero_())}
    witness = staticmethod(lambda e: _saved_then_written(e, lambda e, a: e.method("zero_", a)))
    control = staticmethod(lambda e: _not_saved_then_written(e, lambda e, a: e.method("zero_", a)))


class CopySkipsVersionCounter(Mutant):
    """copy_ into a non-leaf does not bump its version counter."""

    methods = {"copy_": lambda run, t, src, **k: silently(t, lambda d: d.copy_(src))}
    witness = staticmethod(
        lambda e: _saved_then_written(e, lambda e, a: e.method("copy_", a, e.create("ones", (3,))))
    )
    control = staticmethod(
        lambda e: _not_saved_then_written(e, lambda e, a: e.method("copy_", a, e.create("ones", (3,))))
    )


class WriteThroughViewSkipsVersionCounter(Mutant):
    """An in-place add_ through a view does not bump the version counter its base shares."""

    methods = {
        "add_": when(
            lambda t, *a, **k: t._base is not None and t.requires_grad,
            lambda run, t, other, **k: (t.data.add_(other), t)[1],
        )
    }
    witness = staticmethod(
        lambda e: _saved_then_written(e, lambda e, a: e.method("add_", e.method("view", a, -1), 1.0))
    )
    control = staticmethod(lambda e: _saved_then_written(e, lambda e, a: None))


class DetachHasItsOwnVersionCounter(Mutant):
    """detach() shares memory but not the version counter: an in-place write through it goes
    unnoticed by backward."""

    @staticmethod
    def _detach(run: Any, t: Any) -> Any:
        alias = torch.empty(0, dtype=t.dtype)
        return alias.set_(t.untyped_storage(), t.storage_offset(), t.size(), t.stride())

    methods = {"detach": _detach}
    witness = staticmethod(
        lambda e: _saved_then_written(
            e, lambda e, a: e.method("add_", e.method("detach", a), 1.0), saved="output"
        )
    )
    control = staticmethod(
        lambda e: e.shares_memory(*(lambda t: (t, e.method("detach", t)))(e.tensor([1.0, 2.0])))
    )


class SavedOutputWriteUnchecked(Mutant):
    """An in-place add_ into a tensor saved as an op's output (exp's result) goes unnoticed:
    backward uses the modified value instead of raising."""

    methods = {
        "add_": when(
            lambda t, *a, **k: type(t.grad_fn).__name__ == "ExpBackward0",
            lambda run, t, other, **k: (t.data.add_(other), t)[1],
        )
    }
    witness = staticmethod(
        lambda e: _saved_then_written(e, lambda e, a: e.method("add_", a, 1.0), saved="output")
    )
    control = staticmethod(lambda e: _saved_then_written(e, lambda e, a: e.method("add_", a, 1.0)))
