"""Reductions: sum, mean, prod, amax/amin, max/min (full or along a dim), argmax/argmin, all/any.

torch's rules modelled: sum and prod of bools and integers are int64 (`dtype=` casts first);
mean needs a floating or complex dtype; `dim` is an int or a sequence (empty
means every dim) and may not repeat (prod takes one int); max/min without dim give a 0-d
tensor, with dim a (values, indices) named tuple, and with a tensor second argument the
elementwise maximum/minimum; amax/amin keep the dtype and reduce over dims; empty inputs
need a dim; float16 and bfloat16 sums accumulate in float32, products round at every step.
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from impl import dtypes
from impl.arguments import dtype_arg, int_arg, int_list, invalid_combination, is_int
from impl.autograd.formulas import Formula, Overloads, conj
from impl.dtypes import BOOL, COMPLEX, FLOATING, INTEGRAL, dtype
from impl.elementwise import check_tensors, not_implemented, opmath, result_tensor
from impl.ops import maximum, minimum
from impl.rows import op, record
from impl.tensor import Tensor, wrap_dim


def _reduce_dims(name: str, t: Tensor, dim: Any) -> tuple[int, ...] | None:
    """Normalise `dim` (None, int, or a sequence; empty = all dims) with torch's duplicate check."""
    if dim is None:
        return None
    if not is_int(dim) and not (isinstance(dim, tuple | list) and builtins.all(is_int(d) for d in dim)):
        raise invalid_combination(name, (dim,))
    dims = (int(dim),) if is_int(dim) else tuple(int(d) for d in dim)
    if not dims:
        return None
    wrapped = tuple(wrap_dim(d, t.ndim) for d in dims)
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def _axes(t: Tensor, dims: tuple[int, ...] | None) -> tuple[int, ...]:
    return tuple(range(t.ndim)) if dims is None else (tuple(d for d in dims) if t.ndim else ())


def _unreduce(grad: np.ndarray, s: Any) -> np.ndarray:
    """Broadcast a reduction's gradient back to the input: re-insert reduced dims unless keepdim."""
    shape = s.self_sizes
    if s.dim is not None and not s.keepdim and len(shape):
        grad = np.expand_dims(grad, s.dim)
    return np.broadcast_to(grad, shape)


def _reduced_count(s: Any) -> int:
    shape = s.self_sizes
    dims = range(len(shape)) if s.dim is None else s.dim
    return int(np.prod([shape[d] for d in dims], dtype=np.int64))


def _mean_grad(grad: np.ndarray, s: Any) -> np.ndarray:
    return _unreduce(grad / _reduced_count(s), s)


def _by_dim(nodes: dict[str, str], vjp: Any, saves: str = "") -> Overloads:
    """A reduction's derivative: its two overloads, over everything (dim None) and along dims,
    {overload: node name}, with the same VJP reading the same saved values."""
    return Overloads(
        _dim_overload(*nodes),
        {overload: Formula(node, self=(saves, vjp)) for overload, node in nodes.items()},
    )


def _dim_overload(full: str, along: str) -> Any:
    """The overload a reduction call resolves to: over everything (dim None), or along dims."""
    return lambda inputs, attrs: full if attrs.get("dim") is None else along


def _check_complex32(kernel: str, d: dtype) -> None:
    if d is dtypes.complex32:
        raise not_implemented(kernel, d)


def _summed(
    name: str, input: Tensor, dim: Any, keepdim: bool, dtype: dtype | None, out_dtype: dtype
) -> Tensor:
    """sum / mean over `dim` (None: everything) in opmath(out_dtype), recorded with its attributes.
    torch's CPU mean is the sum divided by the count: the mean of nothing is 0 / 0, NaN, silently."""
    _check_complex32("sum_cpu", out_dtype)
    dims = _reduce_dims(name, input, dim)
    values = dtypes.cast(input._data, opmath(out_dtype))
    axes = _axes(input, dims)
    reduced = values.sum(axis=axes, keepdims=keepdim)
    if name == "mean":
        with np.errstate(all="ignore"):
            reduced = reduced / math.prod(values.shape[a] for a in axes)
    out = result_tensor(reduced, np.shape(reduced), out_dtype)
    record(name, out, (input,), dim=dims, keepdim=keepdim, dtype=dtype)
    return out


@op(derivative=_by_dim({"sum": "SumBackward0", "sum.dim_IntList": "SumBackward1"}, _unreduce))
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.sum: bool and integer inputs sum to int64; `dtype` casts before summing."""
    check_tensors("sum", 1, input=input)
    dtype = dtype_arg(dtype, "sum")
    out_dtype = dtype or (dtypes.int64 if input.dtype.category in (BOOL, INTEGRAL) else input.dtype)
    return _summed("sum", input, dim, keepdim, dtype, out_dtype)


@op(derivative=_by_dim({"mean": "MeanBackward0", "mean.dim": "MeanBackward1"}, _mean_grad))
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.mean: floating and complex only (integers raise unless `dtype` is floating)."""
    check_tensors("mean", 1, input=input)
    dtype = dtype_arg(dtype, "mean")
    out_dtype = dtype or input.dtype
    if out_dtype.category < FLOATING:
        which = "Optional dtype" if dtype is not None else "Input dtype"
        raise RuntimeError(
            f"mean(): could not infer output dtype. {which} must be either a floating point or complex "
            f"dtype. Got: {out_dtype.scalar_type}"
        )
    return _summed("mean", input, dim, keepdim, dtype, out_dtype)


def _exclusive_cumprod(x: np.ndarray, axis: int) -> np.ndarray:
    """Along axis, the product of the elements before each one (1 for the first)."""
    before = np.take(x, np.arange(x.shape[axis] - 1), axis=axis)
    return np.cumprod(
        np.concatenate([np.ones_like(np.take(x, [0], axis=axis)), before], axis=axis), axis=axis
    )


def _prod_grad(grad: np.ndarray, s: Any) -> np.ndarray:
    """torch's prod_backward: grad * result / input when no input is 0; else each element's product of
    the others along the reduced dim (everything, flattened, without dim), from exclusive cumulative
    products from both ends, so a zero's gradient is the product of the rest."""
    x = np.asarray(s.self)
    if x.ndim == 0 or x.size == 0:
        return _unreduce(grad, s)
    grad = _unreduce(grad, s)
    if not np.any(x == 0):
        return grad * conj(_unreduce(np.asarray(s.result), s) / x)
    axis = 0 if s.dim is None else s.dim[0]
    along = x.reshape(-1) if s.dim is None else x
    others = _exclusive_cumprod(along, axis) * np.flip(_exclusive_cumprod(np.flip(along, axis), axis), axis)
    return grad * conj(others.reshape(x.shape))


@op(derivative=_by_dim({"prod": "ProdBackward0", "prod.dim_int": "ProdBackward1"}, _prod_grad, "self result"))
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """torch.prod: over everything, or along one int dim; bool and integer inputs multiply to int64,
    `dtype` casts first; computed in the result dtype (float16 rounds at every step), bools by
    logical and."""
    check_tensors("prod", 1, input=input)
    if dim is not None and not is_int(dim):
        raise invalid_combination("prod", (dim,))
    if dim is None and keepdim:
        raise invalid_combination("prod", (), {"keepdim": keepdim})
    dtype = dtype_arg(dtype, "prod")
    out_dtype = dtype or (dtypes.int64 if input.dtype.category in (BOOL, INTEGRAL) else input.dtype)
    if out_dtype is dtypes.complex32 and input.numel():
        raise not_implemented("prod_out_cpu", out_dtype)
    dims = _reduce_dims("prod", input, dim)
    values, axes = dtypes.cast(input._data, out_dtype), _axes(input, dims)
    if out_dtype is dtypes.bool:
        reduced = np.all(values, axis=axes, keepdims=keepdim)
    elif out_dtype in (dtypes.float16, dtypes.bfloat16):
        reduced = _rounded_product(values, axes, keepdim)
    else:
        reduced = np.prod(values, axis=axes, keepdims=keepdim, dtype=values.dtype)
    out = result_tensor(reduced, np.shape(reduced), out_dtype)
    record("prod", out, (input,), dim=dims, keepdim=keepdim, dtype=dtype)
    return out


def _rounded_product(values: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
    """The product over axes, rounded to values' dtype after every multiplication (torch's kernel
    multiplies float16 and bfloat16 in their own type; NumPy's reduction would keep a float32 product)."""
    kept = [n for a, n in enumerate(values.shape) if a not in axes]
    rows = np.moveaxis(values, axes, tuple(range(len(axes)))).reshape(-1, *kept)
    product = np.ones(kept, values.dtype)
    with np.errstate(all="ignore"):  # overflow gives inf, silently, as in torch
        for row in rows:
            product = product * row
    shape = [1 if a in axes else n for a, n in enumerate(values.shape)] if keepdim else kept
    return product.reshape(shape)


def _zero_numel_check(name: str, input: Tensor, dims: tuple[int, ...] | None) -> None:
    """torch's zero_numel_check_dims: an empty input needs a reduction dim, and no reduced dim may be
    empty."""
    if dims is None and input.numel() == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    for d in dims or ():
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


def _extreme_values(name: str, reduce_fn: Callable[..., Any], kernel: str) -> Callable[..., Tensor]:
    """torch.amax / amin: the largest / smallest value over dims (int or sequence; empty or None:
    everything), in the input's dtype (bool too); NaN propagates; complex refused; ties share the
    gradient evenly."""

    def extreme_values(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
        check_tensors(name, 1, input=input)
        dims = _reduce_dims(name, input, () if dim is None else int_list((dim,), name, "dim", 2))
        _zero_numel_check(name, input, dims)
        if input.dtype.category == COMPLEX:
            raise not_implemented(kernel, input.dtype)
        values = reduce_fn(input._data, axis=_axes(input, dims), keepdims=keepdim)
        out = result_tensor(values, np.shape(values), input.dtype)
        record(name, out, (input,), dim=dims, keepdim=keepdim)
        return out

    node = Formula(f"{name.capitalize()}Backward0", self=("self result", _evenly))
    return op(name=name, doc=_extreme_values.__doc__, derivative=node)(extreme_values)


def _check_reducible(name: str, input: Tensor, dim: int | None) -> None:
    """max/min/argmax/argmin: no complex; argmax/argmin no bool; a dim is needed for empty tensors."""
    is_arg = name.startswith("arg")
    if is_arg and input.dtype.category in (COMPLEX, BOOL):  # argmax/argmin check dtypes first
        raise RuntimeError(
            f"{name}(): does not support {'complex' if input.dtype.is_complex else 'bool'} input"
        )
    if is_arg and dim is None and input.numel() == 0:
        raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
    _zero_numel_check(name, input, None if dim is None else (dim,))
    if input.dtype.category == COMPLEX:  # max/min check sizes first
        if dim is None:
            raise not_implemented(f"{name}_all", input.dtype)
        raise RuntimeError(f"{name}(): does not support complex input")


def _return_type(name: str) -> type:
    """torch.return_types.<name>: a (values, indices) named tuple printed as torch prints it."""
    base = namedtuple(name, ["values", "indices"])  # type: ignore[misc]  # torch names it after the op

    def __repr__(self: Any) -> str:
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (base,), {"__repr__": __repr__, "__slots__": (), "__module__": "torch.return_types"})


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
    """max()/min() over all elements, amax/amin over dims: the gradient is shared evenly among the
    tied extremes (torch's scale_grad_by_count)."""
    mask = s.self == _unreduce(np.asarray(s.result), s)
    axes = None if s.dim is None or not len(s.self_sizes) else s.dim
    return np.where(mask, _unreduce(grad, s) / mask.sum(axis=axes, keepdims=True), 0).astype(grad.dtype)


def _extreme_derivative(name: str) -> Overloads:
    upper = name.capitalize()
    return Overloads(
        _dim_overload(name, f"{name}.dim"),
        {
            name: Formula(f"{upper}Backward1", self=("self result", _evenly)),
            f"{name}.dim": Formula(
                f"{upper}Backward0", outputs=("values", "indices"), self=("indices", _take_back)
            ),
        },
    )


def _extreme(
    name: str, reduce_fn: Callable[..., Any], arg_fn: Callable[..., Any], binary: Callable[..., Tensor]
) -> Callable[..., Any]:
    """torch.max / torch.min: over everything (a 0-d tensor), along a dim ((values, indices)), or
    with a tensor second argument the elementwise maximum / minimum."""
    values_and_indices = _return_type(name)

    def extreme(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
        check_tensors(name, 1, input=input)
        if isinstance(dim, Tensor):
            return binary(input, dim)
        if dim is None:
            _check_reducible(name, input, None)
            out = result_tensor(reduce_fn(input._data), (), input.dtype)
            record(name, out, (input,), dim=None, keepdim=False)
            return out
        dim, data, shape = _along(name, input, dim, keepdim)
        values = reduce_fn(data, axis=dim, keepdims=keepdim) if data.size else np.zeros(shape)
        indices = _arg(arg_fn, data, dim, keepdim)
        out = values_and_indices(
            result_tensor(values.reshape(shape), shape, input.dtype),
            result_tensor(indices.reshape(shape), shape, dtypes.int64),
        )
        record(name, out, (input,), dim=dim, keepdim=keepdim)
        return out

    return op(name=name, doc=_extreme.__doc__, derivative=_extreme_derivative(name))(extreme)


def _along(name: str, input: Tensor, dim: Any, keepdim: bool) -> tuple[int, np.ndarray, tuple[int, ...]]:
    """A reduction along one dim: the wrapped dim, the values (a 0-d input as 1-d), the result's shape."""
    if not is_int(dim):
        raise invalid_combination(name, (dim,))
    dim = wrap_dim(int(dim), input.ndim)
    _check_reducible(name, input, dim)
    data = input._data if input.ndim else input._data.reshape(1)
    return dim, data, _kept(input, dim, keepdim)


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


max = _extreme("max", np.max, np.argmax, maximum)
min = _extreme("min", np.min, np.argmin, minimum)


def _arg_extreme(name: str, arg_fn: Callable[..., np.ndarray]) -> Callable[..., Tensor]:
    """torch.argmax / argmin: the int64 index of the first extreme (into the flattened tensor without dim)."""

    def arg_extreme(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        check_tensors(name, 1, input=input)
        if dim is None:
            _check_reducible(name, input, None)
            index = arg_fn(input._data)
            shape = (1,) * input.ndim if keepdim else ()
            return result_tensor(np.asarray(index).reshape(shape), shape, dtypes.int64)
        dim, data, shape = _along(name, input, int_arg(dim, name, "dim", 1), keepdim)
        return result_tensor(_arg(arg_fn, data, dim, keepdim).reshape(shape), shape, dtypes.int64)

    return op(name=name, doc=_arg_extreme.__doc__)(arg_extreme)


amax = _extreme_values("amax", np.max, "max_values_cpu")
amin = _extreme_values("amin", np.min, "min_values_cpu")
argmax = _arg_extreme("argmax", np.argmax)
argmin = _arg_extreme("argmin", np.argmin)


def _logical_reduction(name: str, fn: Callable[..., np.ndarray]) -> Callable[..., Tensor]:
    """torch.all / any: result bool (uint8 for uint8 input, as torch keeps for compatibility)."""

    def reduction(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
        check_tensors(name, 1, input=input)
        dims = _reduce_dims(name, input, dim)
        values = fn(input._data != 0, axis=_axes(input, dims), keepdims=keepdim)
        out_dtype = dtypes.uint8 if input.dtype is dtypes.uint8 else dtypes.bool
        return result_tensor(values, np.shape(values), out_dtype)

    return op(name=name, doc=_logical_reduction.__doc__)(reduction)


all = _logical_reduction("all", np.all)
any = _logical_reduction("any", np.any)
