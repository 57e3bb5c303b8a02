"""Reductions: sum, mean, max/min (full or along a dim), argmax/argmin, all/any.

torch's rules modelled: sum of bools and integers is int64 (`dtype=` casts first);
mean needs a floating or complex dtype; `dim` is an int or a sequence (empty
means every dim) and may not repeat; max/min without dim give a 0-d tensor,
with dim a (values, indices) named tuple, and with a tensor second argument the
elementwise maximum/minimum; empty inputs need a dim; float16 and bfloat16
accumulate in float32.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from impl import autograd, dtypes
from impl.dtypes import BOOL, COMPLEX, FLOATING, INTEGRAL, dtype
from impl.ops import _check_complex32, _not_implemented, maximum, minimum, new_tensor, opmath
from impl.tensor import Tensor, wrap_dim


def _reduce_dims(t: Tensor, dim: Any) -> tuple[int, ...] | None:
    """Normalise `dim` (None, int, or a sequence; empty = all dims) with torch's duplicate check."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return None
    wrapped = tuple(wrap_dim(d, t.ndim) for d in dims)
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def _axes(t: Tensor, dims: tuple[int, ...] | None) -> tuple[int, ...]:
    return tuple(range(t.ndim)) if dims is None else (tuple(d for d in dims) if t.ndim else ())


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
    """torch.sum: bool and integer inputs sum to int64; `dtype` casts before summing."""
    out_dtype = dtype or (dtypes.int64 if input.dtype.category in (BOOL, INTEGRAL) else input.dtype)
    _check_complex32("sum", out_dtype)
    dims = _reduce_dims(input, dim)
    values = dtypes.cast(input._data, opmath(out_dtype)).sum(axis=_axes(input, dims), keepdims=keepdim)
    out = new_tensor(values, np.shape(values), out_dtype)
    autograd.record("sum", out, (input,), dim=dims, keepdim=keepdim, dtype=dtype)
    return out


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: dtype | None = None) -> Tensor:
    """torch.mean: floating and complex only (integers raise unless `dtype` is floating)."""
    out_dtype = dtype or input.dtype
    if out_dtype.category < FLOATING:
        which = "Optional dtype" if dtype is not None else "Input dtype"
        raise RuntimeError(
            f"mean(): could not infer output dtype. {which} must be either a floating point or complex "
            f"dtype. Got: {out_dtype.scalar_type}"
        )
    _check_complex32("mean", out_dtype)
    dims = _reduce_dims(input, dim)
    with np.errstate(all="ignore"):
        values = dtypes.cast(input._data, opmath(out_dtype)).mean(axis=_axes(input, dims), keepdims=keepdim)
    out = new_tensor(values, np.shape(values), out_dtype)
    autograd.record("mean", out, (input,), dim=dims, keepdim=keepdim, dtype=dtype)
    return out


def _check_reducible(name: str, input: Tensor, dim: int | None) -> None:
    """max/min/argmax/argmin: no complex; argmax/argmin no bool; a dim is needed for empty tensors."""
    is_arg = name.startswith("arg")
    if is_arg and input.dtype.category in (COMPLEX, BOOL):  # argmax/argmin check dtypes first
        raise RuntimeError(
            f"{name}(): does not support {'complex' if input.dtype.is_complex else 'bool'} input"
        )
    if dim is None and input.numel() == 0:
        error = IndexError if name.startswith("arg") else RuntimeError
        suffix = "" if name.startswith("arg") else " Specify the reduction dim with the 'dim' argument."
        raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.{suffix}")
    if dim is not None and input.ndim and input.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    if input.dtype.category == COMPLEX:  # max/min check sizes first
        if dim is None:
            raise _not_implemented(f"{name}_all", input.dtype)
        raise RuntimeError(f"{name}(): does not support complex input")


def _return_type(name: str) -> type:
    """torch.return_types.<name>: a (values, indices) named tuple printed as torch prints it."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self: Any) -> str:
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__repr__": __repr__, "__slots__": (), "__module__": "torch.return_types"})


_MINMAX = {"max": (np.max, np.argmax), "min": (np.min, np.argmin)}


def _extreme(name: str) -> Callable[..., Any]:
    reduce_fn, arg_fn = _MINMAX[name]
    result_type_ = _return_type(name)
    binary = maximum if name == "max" else minimum

    def op(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
        if isinstance(dim, Tensor):
            return binary(input, dim)
        if dim is None:
            _check_reducible(name, input, None)
            out = new_tensor(reduce_fn(input._data), (), input.dtype)
            autograd.record(name, out, (input,), dim=None, keepdim=False)
            return out
        dim = wrap_dim(dim, input.ndim)
        _check_reducible(name, input, dim)
        data = input._data if input.ndim else input._data.reshape(1)
        values = (
            reduce_fn(data, axis=dim, keepdims=keepdim) if data.size else np.zeros(_kept(input, dim, keepdim))
        )
        indices = _arg(arg_fn, data, dim, keepdim)
        shape = _kept(input, dim, keepdim)
        out = result_type_(
            new_tensor(values.reshape(shape), shape, input.dtype),
            new_tensor(indices.reshape(shape), shape, dtypes.int64),
        )
        autograd.record(name, out, (input,), dim=dim, keepdim=keepdim)
        return out

    op.__name__ = name
    op.__doc__ = (
        f"torch.{name}: full reduction (0-d), or (values, indices) along dim; "
        f"with a tensor second argument the elementwise {binary.__name__}."
    )
    return op


def _kept(t: Tensor, dim: int, keepdim: bool) -> tuple[int, ...]:
    shape = list(t.shape)
    if not shape:
        return ()
    if keepdim:
        shape[dim] = 1
    else:
        del shape[dim]
    return tuple(shape)


def _arg(arg_fn: Callable[..., np.ndarray], data: np.ndarray, dim: int, keepdim: bool) -> np.ndarray:
    if data.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray(arg_fn(data, axis=dim, keepdims=keepdim))


max = _extreme("max")
min = _extreme("min")


def _arg_extreme(name: str, arg_fn: Callable[..., np.ndarray]) -> Callable[..., Tensor]:
    def op(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            _check_reducible(name, input, None)
            index = arg_fn(input._data)
            shape = (1,) * input.ndim if keepdim else ()
            return new_tensor(np.asarray(index).reshape(shape), shape, dtypes.int64)
        dim = wrap_dim(dim, input.ndim)
        _check_reducible(name, input, dim)
        data = input._data if input.ndim else input._data.reshape(1)
        shape = _kept(input, dim, keepdim)
        return new_tensor(_arg(arg_fn, data, dim, keepdim).reshape(shape), shape, dtypes.int64)

    op.__name__ = name
    op.__doc__ = f"torch.{name}: int64 index of the first extreme (into the flattened tensor without dim)."
    return op


argmax = _arg_extreme("argmax", np.argmax)
argmin = _arg_extreme("argmin", np.argmin)


def _logical_reduction(name: str, fn: Callable[..., np.ndarray]) -> Callable[..., Tensor]:
    def op(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        dims = _reduce_dims(input, dim)
        values = fn(input._data != 0, axis=_axes(input, dims), keepdims=keepdim)
        out_dtype = dtypes.uint8 if input.dtype is dtypes.uint8 else dtypes.bool
        return new_tensor(values, np.shape(values), out_dtype)

    op.__name__ = name
    op.__doc__ = f"torch.{name}: result bool (uint8 for uint8 input, as torch keeps for compatibility)."
    return op


all = _logical_reduction("all", np.all)
any = _logical_reduction("any", np.any)


for _name, _fn in {
    "sum": sum,
    "mean": mean,
    "max": max,
    "min": min,
    "argmax": argmax,
    "argmin": argmin,
    "all": all,
    "any": any,
}.items():
    setattr(Tensor, _name, _fn)
