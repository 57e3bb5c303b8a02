"""The derivative table (impl's derivatives.yaml): op -> grad_fn name, what it saves, its VJPs.

Each entry names torch's node class for the op (checked against torch 2.13 with
`type(y.grad_fn).__name__` in tests/impl/test_autograd.py) and, per input in
torch's argument order, the saved values its vector-Jacobian product reads and
the product itself as a function `vjp(grad, s) -> ndarray` on NumPy arrays.
`s` gives the saved values by name (`s.self`, `s.other`, `s.result`), the op's
attributes (`s.dim`, `s.alpha`, ...) and the input sizes (`s.self_sizes`).

A value listed as saved is what torch saves as a tensor (a Python-scalar operand
counts: torch wraps it): it is released after a backward without retain_graph,
and a second backward through the node then raises. Sizes and attributes are
not tensors and survive. Gradients are summed back over broadcast dimensions
and cast to the input's dtype by the engine (graph.py), not here.

Ops whose node name depends on the overload (sum vs sum(dim), pow's three
forms, squeeze's three) are split by `overload(op, inputs, attrs)` into aten's
overload names first, e.g. "sum.dim_IntList" -> SumBackward1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

VJP = Callable[[np.ndarray, Any], Any]


class InputRule(NamedTuple):
    """The saved values one input's VJP reads (names) and the VJP itself."""

    saves: tuple[str, ...]
    vjp: VJP


class Rule(NamedTuple):
    name: str  # torch's grad_fn class name
    inputs: tuple[str, ...]  # input names in torch's argument order
    grads: dict[str, InputRule]  # differentiable inputs only


def rule(name: str, **inputs: tuple[str, VJP] | None) -> Rule:
    """`rule("MulBackward0", self=("other", vjp), other=("self", vjp))`; None = not differentiable."""
    grads = {k: InputRule(tuple(v[0].split()), v[1]) for k, v in inputs.items() if v is not None}
    return Rule(name, tuple(inputs), grads)


# --- helpers on NumPy arrays -------------------------------------------------------------------


def conj(x: Any) -> Any:
    """x.conj() for complex values; real values unchanged (torch's formulas conjugate saved values)."""
    dtype = getattr(x, "dtype", None)
    is_complex = dtype.kind == "c" if dtype is not None else isinstance(x, complex)
    return np.conj(x) if is_complex else x


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """torch's sum_to: reduce a broadcast gradient back to `shape` (leading dims, then size-1 dims)."""
    grad = np.asarray(grad)
    if grad.shape == tuple(shape):
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1
    )
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


def _dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """A dim argument (int, sequence, or None = all) as sorted non-negative axes."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted(d % max(ndim, 1) for d in dims))


def _unreduce(grad: np.ndarray, s: Any) -> np.ndarray:
    """Broadcast a reduction's gradient back to the input: re-insert reduced dims unless keepdim."""
    shape = s.self_sizes
    if getattr(s, "dim", None) is not None and not getattr(s, "keepdim", False) and len(shape):
        grad = np.expand_dims(grad, _dims(s.dim, len(shape)))
    return np.broadcast_to(grad, shape)


def _reduced_count(s: Any) -> int:
    shape = s.self_sizes
    return int(np.prod([shape[d] for d in _dims(getattr(s, "dim", None), len(shape))], dtype=np.int64))


def _scatter(s: Any, index: Any, grad: np.ndarray) -> np.ndarray:
    """Zeros of the input's shape with `grad` written (added, for repeated indices) at `index`."""
    out = np.zeros(s.self_sizes, dtype=grad.dtype)
    np.add.at(out, index, grad)
    return out


def _index_put_self(grad: np.ndarray, s: Any) -> np.ndarray:
    """index_put: written positions do not reach self (unless accumulating)."""
    out = np.array(grad)
    if not s.accumulate:
        out[s.indices] = 0
    return out


def _within(x: np.ndarray, low: Any, high: Any) -> np.ndarray:
    return (True if low is None else x >= low) & (True if high is None else x <= high)


def _clamp_self(grad: np.ndarray, s: Any) -> np.ndarray:
    return np.where(_within(s.self, s.min, s.max), grad, 0)


def _tie_split(grad: np.ndarray, mine: Any, theirs: Any, loses: Callable) -> np.ndarray:
    """maximum/minimum: the winner takes the gradient, a tie splits it in half (torch's formula)."""
    return np.where(mine == theirs, grad / 2, np.where(loses(mine, theirs), 0, grad))


def _not_implemented(op: str) -> VJP:
    def vjp(grad: np.ndarray, s: Any) -> np.ndarray:
        raise RuntimeError(f"derivative for aten::{op} is not implemented")

    return vjp


def _take_back(grad: np.ndarray, s: Any) -> np.ndarray:
    """max/min along dim: the gradient goes to the selected index (torch's value_selecting_reduction)."""
    indices, grad = np.asarray(s.indices), np.asarray(grad)
    if not s.keepdim and len(s.self_sizes):
        indices, grad = np.expand_dims(indices, s.dim), np.expand_dims(grad, s.dim)
    out = np.zeros(s.self_sizes, dtype=grad.dtype)
    if len(s.self_sizes):
        np.put_along_axis(out, indices, grad, axis=s.dim)
    else:
        out[...] = grad
    return out


def _evenly(grad: np.ndarray, s: Any) -> np.ndarray:
    """max()/min() over all elements: the gradient is shared evenly among the tied extremes."""
    mask = s.self == s.result
    return np.where(mask, grad / mask.sum(), 0).astype(grad.dtype)


def _pow_base_grad(grad: np.ndarray, s: Any) -> np.ndarray:
    """d/dself self**exponent = exponent * self**(exponent - 1); 0 where exponent == 0 (torch)."""
    exponent = s.exponent
    return np.where(exponent == 0, 0, grad * conj(exponent * s.self ** (exponent - 1)))


def _pow_exponent_grad(grad: np.ndarray, s: Any) -> np.ndarray:
    """d/dexponent self**exponent = result * log(self); 0 where self == 0 and exponent >= 0 (torch)."""
    base = np.asarray(s.self)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = grad * conj(s.result * np.log(base.astype(np.result_type(base, s.result))))
    return np.where((base == 0) & (np.real(s.exponent) >= 0), 0, value)


def _mm_self(grad: np.ndarray, s: Any) -> np.ndarray:
    return grad @ conj(np.swapaxes(s.mat2, -1, -2))


def _mm_mat2(grad: np.ndarray, s: Any) -> np.ndarray:
    return conj(np.swapaxes(s.self, -1, -2)) @ grad


def _slice_grad(s: Any, grad: np.ndarray) -> np.ndarray:
    index = [slice(None)] * len(s.self_sizes)
    index[s.dim] = slice(s.start, s.end, s.step)
    out = np.zeros(s.self_sizes, dtype=grad.dtype)
    out[tuple(index)] = grad
    return out


def _select_grad(s: Any, grad: np.ndarray) -> np.ndarray:
    out = np.zeros(s.self_sizes, dtype=grad.dtype)
    out[(slice(None),) * (s.dim % len(s.self_sizes)) + (s.index,)] = grad
    return out


def _split_grads(grad: np.ndarray, s: Any) -> list[np.ndarray]:
    """cat/stack: each input's part of the output gradient (tensor list inputs)."""
    if s.op == "stack":
        return [np.take(grad, i, axis=s.dim) for i in range(len(s.tensors_sizes))]
    dim = s.dim % grad.ndim
    bounds = np.cumsum([shape[dim] if len(shape) else 0 for shape in s.tensors_sizes])[:-1]
    return np.split(grad, bounds, axis=dim)


_PERMUTE_BACK = lambda g, s: np.transpose(g, np.argsort(s.dims))  # noqa: E731
_IDENTITY = lambda g, s: g  # noqa: E731
_RESHAPE_BACK = lambda g, s: np.reshape(g, s.self_sizes)  # noqa: E731
_ZEROS = lambda g, s: np.zeros_like(g)  # noqa: E731


def maybe_multiply(g: np.ndarray, alpha: Any) -> np.ndarray:
    """torch's maybe_multiply: g * alpha, skipped when alpha is a real (non-complex) 1."""
    return g if not isinstance(alpha, complex) and alpha == 1 else g * alpha


# --- the table ---------------------------------------------------------------------------------
# Keys are aten op (overload) names; names, saves and formulas follow torch's derivatives.yaml.

RULES: dict[str, Rule] = {
    # arithmetic
    "add": rule("AddBackward0", self=("", _IDENTITY), other=("", lambda g, s: maybe_multiply(g, s.alpha))),
    "sub": rule("SubBackward0", self=("", _IDENTITY), other=("", lambda g, s: maybe_multiply(-g, s.alpha))),
    "rsub.Tensor": rule(
        "RsubBackward0", self=("", lambda g, s: maybe_multiply(-g, s.alpha)), other=("", _IDENTITY)
    ),
    "rsub.Scalar": rule("RsubBackward1", self=("", lambda g, s: maybe_multiply(-g, s.alpha)), other=None),
    "mul": rule(
        "MulBackward0",
        self=("other", lambda g, s: g * conj(s.other)),
        other=("self", lambda g, s: g * conj(s.self)),
    ),
    "div": rule(
        "DivBackward0",
        self=("other", lambda g, s: g / conj(s.other)),
        other=("self other", lambda g, s: -g * conj(s.self / (s.other * s.other))),
    ),
    "div.Tensor_mode": rule("DivBackward2", self=("", _ZEROS), other=("", _ZEROS)),  # rounded: zero grads
    "neg": rule("NegBackward0", self=("", lambda g, s: -g)),
    "pow.Tensor_Scalar": rule("PowBackward0", self=("self", _pow_base_grad), exponent=None),
    "pow.Tensor_Tensor": rule(
        "PowBackward1",
        self=("self exponent", _pow_base_grad),
        exponent=("self exponent result", _pow_exponent_grad),
    ),
    "pow.Scalar": rule("PowBackward2", self=None, exponent=("exponent result", _pow_exponent_grad)),
    # unary functions
    "exp": rule("ExpBackward0", self=("result", lambda g, s: g * conj(s.result))),
    "log": rule("LogBackward0", self=("self", lambda g, s: g / conj(s.self))),
    "sin": rule("SinBackward0", self=("self", lambda g, s: g * conj(np.cos(s.self)))),
    "cos": rule("CosBackward0", self=("self", lambda g, s: g * -conj(np.sin(s.self)))),
    "sqrt": rule("SqrtBackward0", self=("result", lambda g, s: g / (2 * conj(s.result)))),
    "reciprocal": rule("ReciprocalBackward0", self=("result", lambda g, s: -g * conj(s.result * s.result))),
    "abs": rule("AbsBackward0", self=("self", lambda g, s: g * np.sign(s.self))),
    "relu": rule("ReluBackward0", self=("result", lambda g, s: np.where(s.result > 0, g, 0))),
    "sigmoid": rule("SigmoidBackward0", self=("result", lambda g, s: g * conj((1 - s.result) * s.result))),
    "tanh": rule("TanhBackward0", self=("result", lambda g, s: g * conj(1 - s.result * s.result))),
    "clamp.Tensor": rule(
        "ClampBackward0",
        self=("self min max", _clamp_self),
        min=("self min", lambda g, s: np.where(s.self < s.min, g, 0)),
        max=("self max", lambda g, s: np.where(s.self > s.max, g, 0)),
    ),
    "maximum": rule(
        "MaximumBackward0",
        self=("self other", lambda g, s: _tie_split(g, s.self, s.other, np.less)),
        other=("self other", lambda g, s: _tie_split(g, s.other, s.self, np.less)),
    ),
    "minimum": rule(
        "MinimumBackward0",
        self=("self other", lambda g, s: _tie_split(g, s.self, s.other, np.greater)),
        other=("self other", lambda g, s: _tie_split(g, s.other, s.self, np.greater)),
    ),
    "remainder.Tensor": rule(
        "RemainderBackward1",
        self=("", _IDENTITY),
        other=("self other", lambda g, s: -g * np.floor_divide(s.self, s.other)),
    ),
    "remainder.Scalar": rule("RemainderBackward0", self=("", _IDENTITY), other=None),
    "floor_divide": rule("NotImplemented", self=("", _not_implemented("floor_divide")), other=None),
    "clamp": rule(
        "ClampBackward1", self=("self", lambda g, s: np.where(_within(s.self, s.min, s.max), g, 0))
    ),
    "where": rule(
        "WhereBackward0",
        condition=None,
        self=("condition", lambda g, s: np.where(s.condition, g, 0)),
        other=("condition", lambda g, s: np.where(s.condition, 0, g)),
    ),
    # reductions
    "sum": rule("SumBackward0", self=("", _unreduce)),
    "sum.dim_IntList": rule("SumBackward1", self=("", _unreduce)),
    "mean": rule("MeanBackward0", self=("", lambda g, s: _unreduce(g / _reduced_count(s), s))),
    "mean.dim": rule("MeanBackward1", self=("", lambda g, s: _unreduce(g / _reduced_count(s), s))),
    "max": rule("MaxBackward1", self=("self result", _evenly)),
    "min": rule("MinBackward1", self=("self result", _evenly)),
    "max.dim": rule("MaxBackward0", self=("indices", _take_back)),
    "min.dim": rule("MinBackward0", self=("indices", _take_back)),
    # views and shape
    "view": rule("ViewBackward0", self=("", _RESHAPE_BACK)),
    "_unsafe_view": rule("UnsafeViewBackward0", self=("", _RESHAPE_BACK)),
    "expand": rule("ExpandBackward0", self=("", lambda g, s: sum_to(g, s.self_sizes))),
    "t": rule("TBackward0", self=("", lambda g, s: np.transpose(g))),
    "transpose": rule("TransposeBackward0", self=("", lambda g, s: np.swapaxes(g, s.dim0, s.dim1))),
    "permute": rule("PermuteBackward0", self=("", _PERMUTE_BACK)),
    "unsqueeze": rule("UnsqueezeBackward0", self=("", _RESHAPE_BACK)),
    "squeeze": rule("SqueezeBackward0", self=("", _RESHAPE_BACK)),
    "squeeze.dim": rule("SqueezeBackward1", self=("", _RESHAPE_BACK)),
    "squeeze.dims": rule("SqueezeBackward2", self=("", _RESHAPE_BACK)),
    "select": rule("SelectBackward0", self=("", lambda g, s: _select_grad(s, g))),
    "slice": rule("SliceBackward0", self=("", lambda g, s: _slice_grad(s, g))),
    "index": rule("IndexBackward0", self=("indices", lambda g, s: _scatter(s, s.indices, g))),
    "index_put": rule(
        "IndexPutBackward0",
        self=("indices", lambda g, s: _index_put_self(g, s)),
        values=("indices", lambda g, s: sum_to(np.asarray(g)[s.indices], s.values_sizes)),
    ),
    "alias": rule("AliasBackward0", self=("", _IDENTITY)),
    # copies
    "clone": rule("CloneBackward0", self=("", _IDENTITY)),
    "_to_copy": rule("ToCopyBackward0", self=("", _IDENTITY)),
    # in-place-only forms (the result's history after zero_, fill_, copy_)
    "zero": rule("ZeroBackward0", self=("", _ZEROS)),
    "fill.Scalar": rule("FillBackward2", self=("", _ZEROS), value=None),
    "fill.Tensor": rule("FillBackward3", self=("", _ZEROS), value=("", lambda g, s: np.sum(g))),
    "copy": rule("CopyBackwards", self=("", _ZEROS), src=("", _IDENTITY)),
    # linear algebra
    "mm": rule("MmBackward0", self=("mat2", _mm_self), mat2=("self", _mm_mat2)),
    "bmm": rule("BmmBackward0", self=("mat2", _mm_self), mat2=("self", _mm_mat2)),
    "mv": rule(
        "MvBackward0",
        self=("vec", lambda g, s: np.outer(g, conj(s.vec))),
        vec=("self", lambda g, s: conj(np.transpose(s.self)) @ g),
    ),
    "dot": rule(
        "DotBackward0",
        self=("tensor", lambda g, s: g * conj(s.tensor)),
        tensor=("self", lambda g, s: g * conj(s.self)),
    ),
}

# Variadic ops: a list of tensors in, one gradient per tensor out.
TENSOR_LIST_RULES: dict[str, str] = {"cat": "CatBackward0", "stack": "StackBackward0"}
# Multi-output views: one output per slice along `dim`; the input's gradient stacks/concatenates them.
MULTI_OUTPUT_RULES: dict[str, str] = {
    "unbind": "UnbindBackward0",
    "split": "SplitBackward0",
    "split_with_sizes": "SplitWithSizesBackward0",
}


def _is_scalar(x: Any) -> bool:
    return isinstance(x, (bool, int, float, complex))


# op -> function(inputs, attrs) -> aten overload key in RULES
OVERLOADS: dict[str, Callable[[tuple[Any, ...], dict[str, Any]], str]] = {
    "sum": lambda inputs, attrs: "sum" if attrs.get("dim") is None else "sum.dim_IntList",
    "mean": lambda inputs, attrs: "mean" if attrs.get("dim") is None else "mean.dim",
    "squeeze": lambda inputs, attrs: (
        "squeeze"
        if attrs.get("dim") is None
        else "squeeze.dims"
        if isinstance(attrs["dim"], (tuple, list))
        else "squeeze.dim"
    ),
    "pow": lambda inputs, attrs: (
        "pow.Scalar"
        if _is_scalar(inputs[0])
        else "pow.Tensor_Scalar"
        if _is_scalar(inputs[1])
        else "pow.Tensor_Tensor"
    ),
    "div": lambda inputs, attrs: "div" if attrs.get("rounding_mode") is None else "div.Tensor_mode",
    "rsub": lambda inputs, attrs: "rsub.Scalar" if _is_scalar(inputs[1]) else "rsub.Tensor",
    "remainder": lambda inputs, attrs: "remainder.Scalar" if _is_scalar(inputs[1]) else "remainder.Tensor",
    "fill": lambda inputs, attrs: "fill.Scalar" if _is_scalar(inputs[1]) else "fill.Tensor",
    "clamp": lambda inputs, attrs: "clamp.Tensor" if len(inputs) == 3 else "clamp",
    "max": lambda inputs, attrs: "max" if attrs.get("dim") is None else "max.dim",
    "min": lambda inputs, attrs: "min" if attrs.get("dim") is None else "min.dim",
}


def lookup(op: str, inputs: tuple[Any, ...], attrs: dict[str, Any]) -> str:
    """The RULES key for a recorded op (aten name): the op itself, or its overload."""
    return OVERLOADS[op](inputs, attrs) if op in OVERLOADS else op
