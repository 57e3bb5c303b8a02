"""Type promotion for operations with several operands (torch's `at::native::result_type`).

Operands come in three tiers, by priority:

1. *dimensioned* tensors (ndim >= 1),
2. *zero-dim* tensors (ndim == 0),
3. *wrapped numbers*: Python scalars, whose dtype is bool, int64, the default
   float dtype or the default complex dtype (complex64 for float32).

Each tier is reduced with `promote` (torch.promote_types). A lower tier only matters when its
*category* (bool < integral < floating < complex) is higher than the tiers above:
`int32_tensor + 2.5` is float32 (the default), `int32_tensor + float64_zero_dim`
is float64, `float16_tensor + 2.5` stays float16, `int8_tensor + 1000` stays int8.
A complex lower tier keeps the precision of a floating higher one:
`float16_tensor + 1j` is complex32, `float64_tensor + complex64_zero_dim` is complex128.
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
# fast path: the category of an exact Python bool, int or float (scalar_dtype's answer for them)
_PYTHON_CATEGORIES = {bool: dtypes.BOOL, int: dtypes.INTEGRAL, float: dtypes.FLOATING}


def _wrapped_dtype(value: Any) -> dtype:
    """A wrapped number's dtype: its category's default (NumPy scalars count as Python scalars)."""
    category = _PYTHON_CATEGORIES.get(type(value))
    if category is None:
        if not is_scalar(value):
            raise TypeError(f"expected a Tensor or a number, got {type(value).__name__}")
        category = scalar_dtype(value).category
    return _WRAPPED_DEFAULTS[category]()


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
}


def checked_convert(value: Any, to: dtype) -> None:
    """c10::checked_convert, torch's rule for a Python number becoming a value of dtype `to` (full's
    fill value; the Scalar arguments of addmm, lerp, addcmul...): into a real dtype a complex number
    needs a zero imaginary part; into an integer dtype an int must fit (unsigned dtypes also take
    -max..-1, which wrap) and a float must lie within its range (no NaN or infinity); into a floating
    dtype a finite value must lie within its range. Bool and complex dtypes take anything."""
    if to.category in (BOOL, COMPLEX) or not isinstance(value, int | float | complex):
        return
    message = f"value cannot be converted to type {_CHECKED_TYPE_NAMES[to.name]} without overflow"
    if isinstance(value, complex):
        if value.imag != 0:
            raise RuntimeError(message)
        value = value.real
    if to.category == dtypes.INTEGRAL:
        info = np.iinfo(to.np)
        lowest = -int(info.max) if isinstance(value, int) and info.min == 0 else int(info.min)
        if not lowest <= value <= int(info.max):
            raise RuntimeError(message)
    elif math.isfinite(value) and abs(value) > float(ml_dtypes.finfo(to.np).max):
        raise RuntimeError(message)
