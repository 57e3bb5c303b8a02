"""Type promotion for operations with several operands (torch's `at::native::result_type`).

Operands come in three tiers, by priority:

1. *dimensioned* tensors (ndim >= 1),
2. *zero-dim* tensors (ndim == 0),
3. *wrapped numbers*: Python scalars, whose dtype is bool, int64, the default
   float dtype or the default complex dtype (complex64 for float32); an int in
   [2**63, 2**64) is a uint64 Scalar (`scalar_argument` has the parser's rules).

Each tier is reduced with `promote` (torch.promote_types). A lower tier only matters when its
*category* (bool < integral < floating < complex) is higher than the tiers above:
`int32_tensor + 2.5` is float32 (the default), `int32_tensor + float64_zero_dim`
is float64, `float16_tensor + 2.5` stays float16, `int8_tensor + 1000` stays int8.
A complex lower tier keeps the precision of a floating higher one:
`float16_tensor + 1j` is complex32, `float64_tensor + complex64_zero_dim` is complex128.
uint64 promotes with nothing but floating dtypes, so `bool_tensor + 2**63` raises while
`int8_tensor + 2**63` is int8 (the scalar wraps).

A Scalar that an op converts to a dtype (full's fill value, pow's exponent, clamp's bounds,
where's other operand, the Scalar arguments of lerp, addcmul, addmm...) goes through
`checked_convert`: it must fit the dtype, where plain arithmetic wraps or overflows to inf.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np

from impl import dtypes
from impl.dtypes import BOOL, COMPLEX, FLOATING, dtype, promote
from impl.tensor import Tensor

Scalar = bool | int | float | complex


INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1


def is_scalar(value: Any) -> bool:
    """A Python (or NumPy) number, which torch wraps as a 'wrapped number' operand."""
    return isinstance(value, bool | int | float | complex | np.number | np.bool_)


def scalar_dtype(value: Any) -> dtype:
    """The dtype torch gives a Python scalar: bool, int64, default float, default complex.

    NumPy scalars keep their own dtype (torch.tensor(np.float64(1)) is float64).
    """
    if isinstance(value, np.generic):
        return dtypes.from_numpy_dtype(value.dtype)
    if isinstance(value, complex) and dtypes.get_default_dtype() is dtypes.bfloat16:
        raise RuntimeError("invalid default scalar type for complex")
    for python_type, make in _SCALAR_DTYPES:
        if isinstance(value, python_type):
            return make()
    raise RuntimeError(f"Could not infer dtype of {type(value).__name__}")


_SCALAR_DTYPES = (
    (bool, lambda: dtypes.bool),  # bool before int: bool is an int subclass
    (int, lambda: dtypes.int64),
    (float, dtypes.get_default_dtype),
    (complex, dtypes.default_complex_dtype),
)


def int_scalar_dtype(value: int) -> dtype:
    """The Scalar a Python int becomes in torch's parser: int64 when it fits, else uint64 when it
    fits that; beyond, OverflowError ("int too big to convert", below int64's minimum "can't convert
    negative int to unsigned", from PyLong_AsUnsignedLongLong)."""
    if INT64_MIN <= value <= INT64_MAX:
        return dtypes.int64
    if value < 0:
        raise OverflowError("can't convert negative int to unsigned")
    if value > UINT64_MAX:
        raise OverflowError("int too big to convert")
    return dtypes.uint64


def scalar_argument(value: Any) -> Scalar:
    """A number passed where torch takes a Scalar, as its parser reads it (scalar_slow): a Python
    number as it is (an int range-checked by int_scalar_dtype); a NumPy integer as an int (one
    beyond int64 is refused: "an integer is required"); np.complex128, a subclass of complex, as a
    complex; any other NumPy scalar, np.bool_ and np.complex64 included, as a double (PyFloat_AsDouble:
    a complex one's real part)."""
    if type(value) is float:
        return value  # the common case
    if not isinstance(value, np.generic):
        if isinstance(value, int) and not isinstance(value, bool):
            int_scalar_dtype(value)
        return value
    if isinstance(value, np.integer):
        if not INT64_MIN <= int(value) <= INT64_MAX:
            raise TypeError("an integer is required")
        return int(value)
    if isinstance(value, complex):
        return complex(value)
    return float(np.real(value))


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """torch's combine_categories: a lower tier counts only through a higher category."""
    if higher is None or lower is None:
        return higher or lower
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:  # keep the precision of a floating higher tier
        return higher.to_complex() if higher.category == FLOATING else lower
    if higher.category == FLOATING:
        return higher
    if higher.category == BOOL or lower.category == FLOATING:
        return promote(higher, lower)
    return higher


@functools.cache
def _combine_tiers(dimensioned: dtype | None, zero_dim: dtype | None, wrapped: dtype | None) -> dtype | None:
    """The three tiers' dtypes combined (memoised: it depends on nothing else)."""
    return _combine(dimensioned, _combine(zero_dim, wrapped))


def result_type(*operands: Tensor | Scalar) -> dtype:
    """torch.result_type generalised to any number of operands (Tensors or Python scalars)."""
    tiers: list[dtype | None] = [None, None, None]  # dimensioned, zero-dim, wrapped number
    for operand in operands:
        if isinstance(operand, Tensor):
            tier, kind = (0 if operand._data.ndim > 0 else 1), operand._dtype
        elif is_scalar(operand):
            tier, kind = 2, _wrapped_dtype(operand)
        else:  # torch.result_type's parser: Tensors and Numbers only
            got = ", ".join("Tensor" if isinstance(o, Tensor) else type(o).__name__ for o in operands)
            raise TypeError(
                f"result_type() received an invalid combination of arguments - got ({got}), "
                "but expected one of:"
            )
        current = tiers[tier]
        tiers[tier] = kind if current is None else promote(current, kind)
    found = _combine_tiers(*tiers)
    assert found is not None, "result_type needs at least one operand"
    return found


# a wrapped number's dtype by category: the category's default
_WRAPPED_DEFAULTS: dict[int, Callable[[], dtype]] = {
    dtypes.BOOL: lambda: dtypes.bool,
    dtypes.INTEGRAL: lambda: dtypes.int64,
    dtypes.FLOATING: dtypes.get_default_dtype,
    dtypes.COMPLEX: dtypes.default_complex_dtype,
}
# fast path: the category of an exact Python bool or float (scalar_dtype's answer for them)
_PYTHON_CATEGORIES = {bool: dtypes.BOOL, float: dtypes.FLOATING}


def _wrapped_dtype(value: Any) -> dtype:
    """A wrapped number's dtype: its category's default, the number read as torch's parser reads a
    Scalar (scalar_argument: an int may be uint64, a NumPy scalar counts as the number it is read as)."""
    category = _PYTHON_CATEGORIES.get(type(value))
    if category is not None:
        return _WRAPPED_DEFAULTS[category]()
    if not is_scalar(value):
        raise TypeError(f"expected a Tensor or a number, got {type(value).__name__}")
    value = scalar_argument(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int_scalar_dtype(value)
    return _WRAPPED_DEFAULTS[scalar_dtype(value).category]()


def float_result_type(*operands: Tensor | Scalar) -> dtype:
    """For ops that always produce floats (true division, exp, sqrt...): bool/int -> the default dtype."""
    if len(operands) == 1 and isinstance(operands[0], Tensor):
        found = operands[0]._dtype  # fast path: one tensor's result_type is its own dtype
    else:
        found = result_type(*operands)
    return found if found.category >= FLOATING else dtypes.get_default_dtype()


def check_inplace_cast(
    result: dtype, self_dtype: dtype, type_names: Callable[[dtype], str] | None = None
) -> None:
    """The in-place rule: the op's result dtype must be castable to self's dtype (torch's can_cast)."""
    if not dtypes.can_cast(result, self_dtype):
        target = type_names(self_dtype) if type_names else self_dtype.scalar_type
        raise RuntimeError(
            f"result type {result.scalar_type} can't be cast to the desired output type {target}"
        )


# the C++ type names torch's checked conversion of a Scalar names (c10::checked_convert)
_CHECKED_TYPE_NAMES = {
    "uint8": "uint8_t",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int",
    "int64": "int64_t",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "float32": "float",
    "float64": "double",
    "complex32": "c10::complex<c10::Half>",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def checked_convert(value: Any, to: dtype) -> None:
    """c10::checked_convert, torch's rule for a Scalar becoming a value of dtype `to` (full's fill
    value, pow's exponent, clamp's bounds; the Scalar arguments of addmm, lerp, addcmul...), after
    the parser's range check of an int (int_scalar_dtype): into a real dtype a complex number needs
    a zero imaginary part; into an integer dtype an int must fit (unsigned dtypes also take
    -max..-1, which wrap) and a float must lie within its range (no NaN or infinity); into a floating
    dtype a finite value, into a complex one each finite part, must lie within its range. Bool takes
    anything."""
    if not isinstance(value, int | float | complex):
        return
    if isinstance(value, int) and not isinstance(value, bool):
        int_scalar_dtype(value)
    if to.category == BOOL:
        return
    message = f"value cannot be converted to type {_CHECKED_TYPE_NAMES[to.name]} without overflow"
    if isinstance(value, complex) and to.category != COMPLEX:
        if value.imag != 0:
            raise RuntimeError(message)
        value = value.real
    parts: tuple[int | float, ...] = (value.real, value.imag) if isinstance(value, complex) else (value,)
    for part in parts:
        if to.category == dtypes.INTEGRAL:
            info = np.iinfo(to.np)
            lowest = -int(info.max) if isinstance(part, int) and info.min == 0 else int(info.min)
            if not lowest <= part <= int(info.max):
                raise RuntimeError(message)
        elif math.isfinite(part) and abs(part) > _largest(to.to_real()):
            raise RuntimeError(message)


@functools.cache
def _largest(d: dtype) -> float:
    """The largest finite value of a floating dtype."""
    return float(ml_dtypes.finfo(d.np).max)


def fill_convert(value: Any, to: dtype, count: int) -> None:
    """The check of a Scalar filling `count` elements of dtype `to` (full, scalar_tensor, where's
    number operand): checked_convert, except that one float16 or bfloat16 element (torch's
    scalar_fill path) reads the value as a double and rounds it (beyond the range, to inf)."""
    if count == 1 and to in (dtypes.float16, dtypes.bfloat16):
        checked_convert(value, dtypes.float64)
    else:
        checked_convert(value, to)
