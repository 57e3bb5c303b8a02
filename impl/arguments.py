"""torch's argument parser rules (torch/csrc/utils/python_arg_parser.cpp) for the arguments impl reads.

An `int` argument takes a Python int, a NumPy integer or a 0-d integer tensor, never a bool
or a float; an `int[]` (sizes, dims) takes varargs `(2, 3)` or one sequence `((2, 3),)` of such
ints. A wrong type is a TypeError in one of torch's two wordings: for a function with one
signature "f(): argument 'size' (position 1) must be tuple of ints, not float"; for one with
several overloads "f() received an invalid combination of arguments - got (float, int), but
expected one of: ..." (`invalid_combination`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from impl import dtypes
from impl.tensor import Tensor


def type_name(value: Any) -> str:
    """A value's type as torch's parser names it."""
    if isinstance(value, Tensor):
        return "Tensor"
    kind = type(value)
    return f"numpy.{kind.__name__}" if kind.__module__.startswith("numpy") else kind.__name__


def is_int(value: Any) -> bool:
    """An int argument: a Python int (not bool), a NumPy integer, or a 0-d integer tensor."""
    if isinstance(value, Tensor):
        return value.ndim == 0 and value.dtype.category == dtypes.INTEGRAL
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def int_arg(value: Any, fn: str, arg: str, position: int) -> int:
    """An int argument, or torch's TypeError."""
    if not is_int(value):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be int, not {type_name(value)}")
    return int(value)


def optional_int_arg(value: Any, fn: str, arg: str, position: int) -> int | None:
    return None if value is None else int_arg(value, fn, arg, position)


def float_arg(value: Any, fn: str, arg: str, position: int) -> float:
    """A float argument: a real Python or NumPy number (a bool too) or a 0-d real tensor's item."""
    if isinstance(value, Tensor) and value.ndim == 0 and not value.dtype.is_complex:
        return float(value)
    if not isinstance(value, int | float | np.integer | np.floating | np.bool_):
        raise TypeError(
            f"{fn}(): argument '{arg}' (position {position}) must be float, not {type_name(value)}"
        )
    return float(value)


def is_sequence(value: Any) -> bool:
    return (isinstance(value, Sequence) and not isinstance(value, str | bytes)) or (
        isinstance(value, np.ndarray | Tensor) and value.ndim == 1
    )


def int_list(args: tuple[Any, ...], fn: str, arg: str = "size", position: int = 1) -> tuple[int, ...]:
    """Sizes given as varargs `(2, 3)` or as one sequence `((2, 3),)`, each an int argument."""
    if len(args) == 1 and not is_int(args[0]):
        if not is_sequence(args[0]):
            raise TypeError(
                f"{fn}(): argument '{arg}' (position {position}) must be tuple of ints, "
                f"not {type_name(args[0])}"
            )
        args = tuple(args[0])
    for i, value in enumerate(args):
        if not is_int(value):
            raise TypeError(
                f"{fn}(): argument '{arg}' (position {position}) must be tuple of ints, "
                "but found element of type "
                f"{type_name(value)} at pos {i}"
            )
    return tuple(int(n) for n in args)


def sizes_arg(value: Any, fn: str, arg: str, position: int) -> tuple[int, ...]:
    """One int[] argument that must be a sequence (as_strided's size and stride, full's size)."""
    if not is_sequence(value):
        raise TypeError(
            f"{fn}(): argument '{arg}' (position {position}) must be tuple of ints, not {type_name(value)}"
        )
    return int_list((tuple(value),), fn, arg, position)


def invalid_combination(fn: str, args: Sequence[Any], kwargs: dict[str, Any] | None = None) -> TypeError:
    """The TypeError of a function with several overloads when no overload takes the arguments."""
    got = [type_name(a) for a in args] + [f"{k}={type_name(v)}" for k, v in (kwargs or {}).items()]
    return TypeError(
        f"{fn}() received an invalid combination of arguments - got ({', '.join(got)}), but expected one of:"
    )


def dtype_arg(value: Any, fn: str, arg: str = "dtype") -> dtypes.dtype | None:
    """A dtype argument: a torch dtype, None, or one of the Python types torch maps to dtypes
    (bool, int -> int64, float -> float64, complex -> complex128)."""
    if value is None or isinstance(value, dtypes.dtype):
        return value
    if isinstance(value, type) and value in dtypes.PYTHON_TYPES:
        return dtypes.PYTHON_TYPES[value]
    raise TypeError(f"{fn}(): argument '{arg}' must be torch.dtype, not {type_name(value)}")


def bool_arg(value: Any, fn: str, arg: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{fn}(): argument '{arg}' must be bool, not {type_name(value)}")
    return bool(value)
