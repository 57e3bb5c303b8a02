"""Creating tensors: torch.tensor / as_tensor / from_numpy and the factories.

Rules modelled (torch 2.13):
- `tensor(data)` always copies (a tensor's or array's dense layout is kept). Its dtype,
  when not given, is the promotion of every scalar in `data`: bool -> bool, int -> int64,
  float -> the default dtype, complex -> the default complex dtype; tensors, NumPy arrays
  and NumPy scalars inside `data` keep their own dtypes. The shape follows the first
  element down; a sequence of another length raises ValueError ("expected sequence of
  length 2 at dim 1 (got 3)"). Each number is stored by reading it in the target's C type:
  into an integer dtype a Python int must fit int64 (ValueError), then the dtype (uint8
  also takes -255..-1, wrapping), else RuntimeError, and NumPy scalars other than integers
  and np.float64 are refused (TypeError); into a floating or bool dtype any int converts.
- `from_numpy` / `as_tensor(ndarray)` share memory with the array.
- Factories take sizes as varargs or one sequence; floats default to the default
  dtype, `full` infers its dtype from the fill value, `arange` gives int64 unless
  an argument is a float. Their number arguments are Scalars (promotion.scalar_argument:
  a NumPy scalar counts as the Python number it is read as); a fill value is checked
  against the dtype (promotion.fill_convert).
- `*_like` factories use torch.preserve_format, as clone() does (copies.preserved_strides).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from impl import bridge, dtypes
from impl.arguments import (
    dtype_arg,
    int_arg,
    int_list,
    invalid_combination,
    is_int,
    optional_int_arg,
    sizes_arg,
    type_name,
)
from impl.copies import copy_with_strides, preserved_strides, to_copy
from impl.dtypes import dtype
from impl.elementwise import check_tensors
from impl.layout import contiguous_strides
from impl.promotion import INT64_MAX, INT64_MIN, fill_convert, is_scalar, scalar_argument, scalar_dtype
from impl.rows import op
from impl.tensor import Tensor, device

# --- torch.tensor -----------------------------------------------------------------------------


def _is_sequence(data: Any) -> bool:
    return isinstance(data, Sequence) and not isinstance(data, str | bytes)


def _infer_shape(data: Any) -> tuple[int, ...]:
    """torch's compute_sizes: follow the first element of each nested sequence."""
    shape: list[int] = []
    while _is_sequence(data):
        shape.append(len(data))
        if not data:
            return tuple(shape)
        data = data[0]
        if isinstance(data, str):  # torch treats a string as a sequence without end
            raise ValueError("too many dimensions 'str'")
    if isinstance(data, Tensor | np.ndarray):
        shape.extend(data.shape)
    return tuple(shape)


def _infer_dtype(data: Any) -> dtype:
    """torch's infer_scalar_type: promote the dtypes of every scalar, tensor and array inside."""
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, np.ndarray):
        return dtypes.from_numpy_dtype(data.dtype)
    if _is_sequence(data):
        found = None
        for item in data:
            kind = _infer_dtype(item)
            found = kind if found is None else dtypes.promote(found, kind)
        return found or dtypes.get_default_dtype()
    return scalar_dtype(data)


def _leaf_type_error(item: Any, dtype_: dtype) -> TypeError:
    """The TypeError torch raises when a sequence sits where a number belongs."""
    name = type(item).__name__
    if dtype_.category == dtypes.INTEGRAL:
        return TypeError(f"'{name}' object cannot be interpreted as an integer")
    return TypeError(f"must be real number, not {name}")


# the NumPy scalars torch.tensor reads into an integer dtype (through PyLong: a float truncated) and
# into bool (also np.bool_, and np.complex128, a complex); any other NumPy scalar is a TypeError there
_NUMPY_LEAVES = {
    dtypes.INTEGRAL: (np.integer, np.float64),
    dtypes.BOOL: (np.integer, np.float64, np.bool_, complex),
}


def _check_layout(data: Any, shape: tuple[int, ...], dim: int, dtype_: dtype) -> None:
    """torch's recursive_store checks: every sequence at `dim` has length shape[dim], every leaf is
    a number the target dtype reads (_check_leaf)."""
    if isinstance(data, Tensor | np.ndarray):
        if tuple(data.shape) != shape[dim:]:
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})")
        return
    if dim == len(shape):
        _check_leaf(data, dtype_)
        return
    if not _is_sequence(data):
        raise TypeError("not a sequence")
    if len(data) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})")
    for item in data:
        _check_layout(item, shape, dim + 1, dtype_)


def _check_leaf(item: Any, dtype_: dtype) -> None:
    """torch's store_scalar reads each number in the target's C type: no sequence; a Python complex
    only into a complex or bool dtype; into an integer dtype an int unpacked as a long long (beyond
    int64, ValueError); NumPy scalars into an integer or bool dtype only as _NUMPY_LEAVES has them."""
    category = dtype_.category
    if _is_sequence(item) or (type(item) is complex and category in (dtypes.INTEGRAL, dtypes.FLOATING)):
        raise _leaf_type_error(item, dtype_)
    if category == dtypes.INTEGRAL and type(item) is int and not INT64_MIN <= item <= INT64_MAX:
        raise ValueError("Overflow when unpacking long long")
    readable = _NUMPY_LEAVES.get(category)
    if readable and isinstance(item, np.generic) and not isinstance(item, readable):
        raise TypeError(f"'numpy.{type(item).__name__}' object cannot be interpreted as an integer")


def _check_fits(values: np.ndarray, dtype_: dtype) -> None:
    """c10::checked_convert of Python numbers into an integer dtype: they must fit.

    Integers may also be negative down to -max for unsigned types (they wrap: -1 -> 255);
    floats must lie within [min, max] (no NaN or infinity).
    """
    if dtype_.category != dtypes.INTEGRAL or values.size == 0 or values.dtype.kind == "b":
        return
    info = np.iinfo(dtype_.np)
    lowest = -int(info.max) if values.dtype.kind in "iu" and info.min == 0 else int(info.min)
    with np.errstate(invalid="ignore"):
        fits = (values >= lowest) & (values <= int(info.max))
    if not fits.all():
        raise RuntimeError(f"value cannot be converted to type {dtype_.name} without overflow")


def _to_numpy_values(data: Any) -> np.ndarray:
    """Nested data as a NumPy array in a wide type (bool, int64, uint64, float64 or complex128); Python
    ints beyond uint64 as doubles (_check_leaf refused them for an integer dtype)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray | np.generic):
        return np.asarray(data)
    if _is_sequence(data) and any(isinstance(item, Tensor | np.ndarray) for item in data):
        return np.array([_to_numpy_values(item) for item in data])
    values = np.array(data)
    return values.astype(np.float64) if values.dtype.kind == "O" else values


def tensor(
    data: Any,
    *,
    dtype: dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """torch.tensor: a new tensor (always a copy) holding `data`."""
    check_device(device)
    dtype = dtype_arg(dtype, "tensor")
    if isinstance(data, str | bytes):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, np.generic):
        bridge.refuse_bfloat16(data.dtype)
    if isinstance(data, np.ndarray) and data.dtype != object:
        source = bridge.share(bridge.check_array(data))  # copied with its dense layout kept, as torch does
        dtype = dtype or source.dtype
        return factory_result(copy_with_strides(source, dtype, preserved_strides(source)), requires_grad)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
            "or sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )  # torch copies it as clone() does, keeping a dense layout
        dtype = dtype or data.dtype
        return factory_result(copy_with_strides(data, dtype, preserved_strides(data)), requires_grad)
    shape = _infer_shape(data)
    dtype = dtype or _infer_dtype(data)
    _check_layout(data, shape, 0, dtype)
    values = np.array(_to_numpy_values(data), copy=True).reshape(shape)  # tensor() always copies
    _check_fits(values, dtype)
    return factory_result(Tensor.wrap(dtypes.cast(values, dtype), dtype), requires_grad)


def scalar_tensor(value: Any, *, dtype: dtype | None = None, device: Any = None) -> Tensor:
    """torch.scalar_tensor: a 0-d tensor filled with `value`, default float dtype unless `dtype`."""
    check_device(device)
    value = _number(value, "scalar_tensor", "s", 1)
    dtype_ = dtype_arg(dtype, "scalar_tensor") or dtypes.get_default_dtype()
    fill_convert(value, dtype_, 1)
    return _filled((), value, dtype_, False)


def factory_result(t: Tensor, requires_grad: bool) -> Tensor:
    """A factory's requires_grad=True (torch's factory message for integer dtypes)."""
    if requires_grad is not False:
        t.require_grad(requires_grad, source="factory")
    return t


def check_device(spec: Any) -> None:
    if spec is not None:
        device(spec)


# --- sharing memory with NumPy --------------------------------------------------------------


def from_numpy(array: np.ndarray) -> Tensor:
    """torch.from_numpy: a tensor sharing `array`'s memory (same shape, strides and dtype)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {bridge.qualified_name(type(array))})")
    bridge.check_array(array)
    if not array.flags.writeable:
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. "
            "This means writing to this tensor will result in undefined behavior. You may want to copy "
            "the array to protect its data or make it writable before converting it to a tensor. This "
            "type of warning will be suppressed for the rest of this program.",
            UserWarning,
            stacklevel=2,
        )
    return bridge.share(array)


def as_tensor(data: Any, dtype: dtype | None = None, device: Any = None) -> Tensor:
    """torch.as_tensor: reuse `data`'s memory when it is a tensor or ndarray of the same dtype."""
    check_device(device)
    dtype = dtype_arg(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype in (None, data.dtype) else to_copy(data, dtype)
    if isinstance(data, np.generic):
        bridge.refuse_bfloat16(data.dtype)
    if isinstance(data, np.ndarray) and data.dtype != object:
        shared = bridge.share(bridge.check_array(data))
        return shared if dtype in (None, shared.dtype) else to_copy(shared, dtype)
    return tensor(data, dtype=dtype)


# --- factories ------------------------------------------------------------------------------


def size_varargs(args: tuple[Any, ...], name: str) -> tuple[int, ...]:
    """Sizes as varargs `(2, 3)` or one sequence `((2, 3),)` (torch's int[] argument); negative
    sizes are a RuntimeError."""
    if not args:
        raise TypeError(f'{name}() missing 1 required positional arguments: "size"')
    if len(args) > 1 and any(_is_sequence(a) for a in args):
        raise TypeError(f"{name}() takes 1 positional argument but {len(args)} were given")
    return _non_negative(int_list(args, name), name)


def size_arg(size: Any, name: str) -> tuple[int, ...]:
    """A size argument that must be a sequence (full, new_full, randint)."""
    return _non_negative(sizes_arg(size, name, "size", 1), name)


def _non_negative(shape: tuple[int, ...], name: str) -> tuple[int, ...]:
    """Factories refuse negative sizes (zeros in its own words)."""
    for n in shape:
        if n < 0 and name == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(shape)}")
    return shape


def _number(value: Any, fn: str, arg: str, position: int) -> Any:
    """A Number argument (a Python or NumPy number as the parser reads it, or a 0-d tensor's item),
    or torch's TypeError."""
    if isinstance(value, Tensor) and value.ndim == 0:
        return value.item()
    if not is_scalar(value):
        raise TypeError(
            f"{fn}(): argument '{arg}' (position {position}) must be Number, not {type_name(value)}"
        )
    return scalar_argument(value)


def _filled(shape: tuple[int, ...], value: Any, dtype_: dtype, requires_grad: bool) -> Tensor:
    flat = np.full(math.prod(shape), dtypes.cast(np.asarray(value), dtype_), dtype=dtype_.np)
    return factory_result(Tensor(flat, dtype_, shape, contiguous_strides(shape)), requires_grad)


def zeros(*size: Any, dtype: dtype | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """torch.zeros(*size): default float dtype."""
    check_device(device)
    return _filled(
        size_varargs(size, "zeros"), 0, dtype_arg(dtype, "zeros") or dtypes.get_default_dtype(), requires_grad
    )


def ones(*size: Any, dtype: dtype | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """torch.ones(*size): default float dtype."""
    check_device(device)
    return _filled(
        size_varargs(size, "ones"), 1, dtype_arg(dtype, "ones") or dtypes.get_default_dtype(), requires_grad
    )


def empty(*size: Any, dtype: dtype | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """torch.empty(*size): values unspecified (impl fills zeros)."""
    check_device(device)
    return _filled(
        size_varargs(size, "empty"), 0, dtype_arg(dtype, "empty") or dtypes.get_default_dtype(), requires_grad
    )


def full(
    size: Any, fill_value: Any, *, dtype: dtype | None = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """torch.full: dtype inferred from fill_value (bool, int64, default float, default complex)."""
    check_device(device)
    shape = size_arg(size, "full")
    value = _number(fill_value, "full", "fill_value", 2)
    dtype_ = dtype_arg(dtype, "full") or scalar_dtype(value)
    fill_convert(value, dtype_, math.prod(shape))
    return _filled(shape, value, dtype_, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """torch.eye(n, m): ones on the diagonal."""
    check_device(device)
    n = int_arg(n, "eye", "n", 1)
    m = optional_int_arg(m, "eye", "m", 2)
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    dtype_ = dtype_arg(dtype, "eye") or dtypes.get_default_dtype()
    return factory_result(
        Tensor.wrap(np.eye(n, n if m is None else m, dtype=dtype_.np), dtype_), requires_grad
    )


_BOUNDS = ("start", "end", "step")


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """torch.arange: ceil((end - start) / step) values start + i * step.

    The count comes from the bounds as given; floating values are computed in float64, integer
    values in int64 from the truncated start and step (arange(1, 4, 0.5, dtype=int32) is six 1s).
    """
    check_device(device)
    if end is None:
        start, end = 0, _number(start, "arange", "end", 1)
    bounds = [
        _number(x, "arange", arg, i)
        for i, (arg, x) in enumerate(zip(_BOUNDS, (start, end, step), strict=True), start=1)
    ]
    any_float = any(isinstance(x, float) for x in bounds)
    dtype_ = dtype_arg(dtype, "arange") or (dtypes.get_default_dtype() if any_float else dtypes.int64)
    start, end, step = bounds
    if not all(math.isfinite(x) for x in bounds):
        raise RuntimeError(f"unsupported range: {start:g} -> {end:g}")
    if dtype_.category in (dtypes.BOOL, dtypes.COMPLEX):
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{dtype_.scalar_type}'")
    if dtype_ is dtypes.int64 and any_float:  # torch parses every bound as an int64 first
        start, end, step = int(start), int(end), int(step)
        if step == 0:
            raise ValueError("step must be nonzero")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    count = math.ceil((end - start) / step)  # the size comes from the bounds as given (doubles)
    if dtype_.category == dtypes.INTEGRAL:  # values: start + i * step in int64, both truncated
        values = int(start) + np.arange(count, dtype=np.int64) * int(step)
    else:
        values = start + np.arange(count, dtype=np.float64) * step
    return factory_result(Tensor.wrap(dtypes.cast(values, dtype_), dtype_), requires_grad)


def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    dtype: dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """torch.linspace: `steps` evenly spaced values; the first half from start, the second from end."""
    check_device(device)
    if not (
        is_int(steps) and all(is_scalar(x) or (isinstance(x, Tensor) and x.ndim == 0) for x in (start, end))
    ):
        raise invalid_combination("linspace", (start, end, steps))
    start, end, steps = _number(start, "linspace", "start", 1), _number(end, "linspace", "end", 2), int(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype_ = dtype_arg(dtype, "linspace") or dtypes.get_default_dtype()
    if dtype_ is dtypes.bool and steps > 1:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    if steps == 1:
        return factory_result(
            Tensor.wrap(dtypes.cast(np.array([start], dtype=np.float64), dtype_), dtype_), requires_grad
        )
    index = np.arange(steps, dtype=np.float64)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    values = np.where(index < steps // 2, start + step * index, end - step * (steps - 1 - index))
    return factory_result(Tensor.wrap(dtypes.cast(values, dtype_), dtype_), requires_grad)


# --- *_like ---------------------------------------------------------------------------------


def like(factory: Any, t: Tensor, *args: Any, dtype: dtype | None = None, **kwargs: Any) -> Tensor:
    """factory(...) with t's dtype unless given (zeros_like and the rest), laid out as
    torch.preserve_format lays out a copy of t: its storage holds the factory's values in order
    (random draws fill memory in storage order)."""
    name = f"{factory.__name__}_like"
    check_tensors(name, 1, input=t)
    made = factory(*args, dtype=dtype_arg(dtype, name) or t.dtype, **kwargs)
    strides = preserved_strides(t)
    if strides == made._strides:
        return made
    out = Tensor(made._storage, made.dtype, made._data.shape, strides)
    return factory_result(out, made.requires_grad)


def shape_of(t: Any) -> Any:
    return t.shape if isinstance(t, Tensor) else None


def zeros_like(t: Tensor, *, dtype: dtype | None = None, **kw: Any) -> Tensor:
    return like(zeros, t, shape_of(t), dtype=dtype, **kw)


def ones_like(t: Tensor, *, dtype: dtype | None = None, **kw: Any) -> Tensor:
    return like(ones, t, shape_of(t), dtype=dtype, **kw)


def empty_like(t: Tensor, *, dtype: dtype | None = None, **kw: Any) -> Tensor:
    return like(empty, t, shape_of(t), dtype=dtype, **kw)


def full_like(t: Tensor, fill_value: Any, *, dtype: dtype | None = None, **kw: Any) -> Tensor:
    return like(full, t, shape_of(t), fill_value, dtype=dtype, **kw)


@op(function=False)
def new_tensor(self: Tensor, data: Any, *, dtype: dtype | None = None, requires_grad: bool = False) -> Tensor:
    """Tensor.new_tensor: torch.tensor(data) with self's dtype unless given."""
    return tensor(data, dtype=dtype_arg(dtype, "new_tensor") or self.dtype, requires_grad=requires_grad)


def _new_factory(factory: Any) -> None:
    """The row of Tensor.new_<factory>: the factory with self's dtype unless given."""

    def method(self: Tensor, *size: Any, dtype: dtype | None = None, requires_grad: bool = False) -> Tensor:
        return factory(*size, dtype=dtype_arg(dtype, name) or self.dtype, requires_grad=requires_grad)

    name = f"new_{factory.__name__}"
    op(
        name=name,
        doc=f"Tensor.{name}: torch.{factory.__name__} with self's dtype unless given.",
        function=False,
    )(method)


for _factory in (zeros, ones, empty):
    _new_factory(_factory)


@op(function=False)
def new_full(
    self: Tensor, size: Any, fill_value: Any, *, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """Tensor.new_full: torch.full with self's dtype unless given."""
    size_arg(size, "new_full")
    return full(
        size, fill_value, dtype=dtype_arg(dtype, "new_full") or self.dtype, requires_grad=requires_grad
    )
