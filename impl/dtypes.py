"""torch's dtypes, their NumPy storage types, the promotion lattice and the default dtype.

A `dtype` prints as torch's does (`torch.float32`) and carries the facts torch
exposes (`is_floating_point`, `is_complex`, `is_signed`, `itemsize`) plus the
NumPy type its elements are stored in (bfloat16 through ml_dtypes) and torch's
C++ ScalarType name, which torch uses in error messages ("Float", "Long").
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import ml_dtypes
import numpy as np


class dtype:
    """One of torch's dtypes (`torch.dtype`)."""

    __slots__ = ("_itemsize", "category", "name", "np", "scalar_type")

    def __init__(self, name: str, np_type: type, scalar_type: str, category: int, itemsize: int = 0) -> None:
        self.name = name  # "float32"
        self.np: np.dtype[Any] = np.dtype(np_type)  # storage type of the elements
        self.scalar_type = scalar_type  # torch's C++ ScalarType name, used in messages
        self.category = category  # BOOL < INTEGRAL < FLOATING < COMPLEX
        self._itemsize = itemsize or self.np.itemsize  # torch's size (complex32: 4, stored in 8)

    @property
    def is_floating_point(self) -> builtins.bool:
        return self.category == FLOATING

    @property
    def is_complex(self) -> builtins.bool:
        return self.category == COMPLEX

    @property
    def is_signed(self) -> builtins.bool:
        return self.name not in ("bool", "uint8")

    @property
    def itemsize(self) -> int:
        return self._itemsize

    def to_real(self) -> dtype:
        return {"complex32": float16, "complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> dtype:
        """torch.dtype.to_complex: float16 -> complex32, float32 and bfloat16 -> complex64, float64 -> c128"""
        return {"float16": complex32, "float32": complex64, "bfloat16": complex64, "float64": complex128}.get(
            self.name, self
        )

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name  # pickles as the module-level singleton


BOOL, INTEGRAL, FLOATING, COMPLEX = 0, 1, 2, 3

# name, NumPy storage type (ml_dtypes for bfloat16), torch's ScalarType name, category
_DTYPE_TABLE = """
bool        bool_       Bool            BOOL
uint8       uint8       Byte            INTEGRAL
int8        int8        Char            INTEGRAL
int16       int16       Short           INTEGRAL
int32       int32       Int             INTEGRAL
int64       int64       Long            INTEGRAL
float16     float16     Half            FLOATING
bfloat16    bfloat16    BFloat16        FLOATING
float32     float32     Float           FLOATING
float64     float64     Double          FLOATING
complex64   complex64   ComplexFloat    COMPLEX
complex128  complex128  ComplexDouble   COMPLEX
"""
_CATEGORIES = {"BOOL": BOOL, "INTEGRAL": INTEGRAL, "FLOATING": FLOATING, "COMPLEX": COMPLEX}
bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64, complex64, complex128 = (
    dtype(name, getattr(ml_dtypes if name == "bfloat16" else np, np_name), scalar_type, _CATEGORIES[category])
    for name, np_name, scalar_type, category in (line.split() for line in _DTYPE_TABLE.strip().splitlines())
)
# complex32 (ComplexHalf) is outside the suite's 12 dtypes but arises from float16 with complex.
# impl stores it as complex64 with both parts rounded to float16 (cast() below).
complex32 = dtype("complex32", np.complex64, "ComplexHalf", COMPLEX, itemsize=4)
# uint64 is the dtype torch gives a Python int in [2**63, 2**64) (a uint64 Scalar); impl has no uint64
# tensors, the dtype takes part in promotion only (promote() below).
uint64 = dtype("uint64", np.uint64, "UInt64", INTEGRAL)

ALL: tuple[dtype, ...] = (
    bool,
    uint8,
    int8,
    int16,
    int32,
    int64,
    float16,
    bfloat16,
    float32,
    float64,
    complex64,
    complex128,
)
BY_NAME: dict[str, dtype] = {d.name: d for d in (*ALL, complex32)}
_BY_NP: dict[np.dtype, dtype] = {d.np: d for d in ALL}

# torch's aliases (torch.float is torch.float32, ...)
ALIASES: dict[str, dtype] = {
    "float": float32,
    "double": float64,
    "half": float16,
    "long": int64,
    "int": int32,
    "short": int16,
    "cfloat": complex64,
    "cdouble": complex128,
}

# the Python types torch's argument parser accepts where a dtype is expected
PYTHON_TYPES: dict[type, dtype] = {
    builtins.bool: bool,
    builtins.int: int64,
    builtins.float: float64,
    builtins.complex: complex128,
}

# torch.promote_types, copied from c10/core/ScalarType.cpp (`_promoteTypesLookup`) restricted to
# these 12 dtypes and checked pair by pair against torch in tests/impl/test_promotion.py.
# Rows and columns are in ALL's order.
_ABBR = ("b1", "u1", "i1", "i2", "i4", "i8", "f2", "bf", "f4", "f8", "c4", "c8")
_PROMOTE_TABLE = """
      b1  u1  i1  i2  i4  i8  f2  bf  f4  f8  c4  c8
b1:   b1  u1  i1  i2  i4  i8  f2  bf  f4  f8  c4  c8
u1:   u1  u1  i2  i2  i4  i8  f2  bf  f4  f8  c4  c8
i1:   i1  i2  i1  i2  i4  i8  f2  bf  f4  f8  c4  c8
i2:   i2  i2  i2  i2  i4  i8  f2  bf  f4  f8  c4  c8
i4:   i4  i4  i4  i4  i4  i8  f2  bf  f4  f8  c4  c8
i8:   i8  i8  i8  i8  i8  i8  f2  bf  f4  f8  c4  c8
f2:   f2  f2  f2  f2  f2  f2  f2  f4  f4  f8  c4  c8
bf:   bf  bf  bf  bf  bf  bf  f4  bf  f4  f8  c4  c8
f4:   f4  f4  f4  f4  f4  f4  f4  f4  f4  f8  c4  c8
f8:   f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  c8  c8
c4:   c4  c4  c4  c4  c4  c4  c4  c4  c4  c8  c4  c8
c8:   c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8  c8
"""
_BY_ABBR = dict(zip(_ABBR, ALL, strict=True))
PROMOTE: dict[tuple[dtype, dtype], dtype] = {
    (row_dtype, col_dtype): _BY_ABBR[cell]
    for line in _PROMOTE_TABLE.strip().splitlines()[1:]
    for row_dtype in [_BY_ABBR[line.split(":")[0]]]
    for col_dtype, cell in zip(ALL, line.split(":")[1].split(), strict=True)
}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """torch.promote_types (its arguments checked): see `promote`."""
    _check_dtypes("promote_types", type1=type1, type2=type2)
    return promote(type1, type2)


def promote(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both can be cast to, from the lattice table.

    complex32 is complex float16: with another dtype it is the complex of float16 promoted with
    that dtype's real part (complex32 + float32 -> complex64, + int64 -> complex32).
    """
    found = PROMOTE.get((type1, type2))
    if found is not None:
        return found
    if uint64 in (type1, type2):
        return _promote_uint64(type1, type2)
    other = type2 if type1 is complex32 else type1
    return promote(float16, other.to_real()).to_complex()


def _promote_uint64(type1: dtype, type2: dtype) -> dtype:
    """torch promotes uint64 (like uint16 and uint32) only with itself and with floating dtypes."""
    if type1 is type2:
        return type1
    for d in (type1, type2):
        if d.category == FLOATING:
            return d
    raise RuntimeError(
        "Promotion for uint16, uint32, uint64 types is not supported, attempted to promote "
        f"{type1.scalar_type} and {type2.scalar_type}"
    )


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    """The torch dtype storing elements of this NumPy type; torch's TypeError for the rest."""
    found = _BY_NP.get(np.dtype(np_dtype))
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. The only "
            "supported types are: float64, float32, float16, complex64, complex128, int64, int32, "
            "int16, int8, uint64, uint32, uint16, uint8, and bool."
        )
    return found


# C++ element type names, as some of torch's messages print them ("expected m1 and m2 to have the
# same dtype, but got: float != double", "from is out of bounds for signed char")
C_TYPE_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
    "complex32": "c10::complex<c10::Half>",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


# --- the default dtype ------------------------------------------------------------------------

_default: dtype = float32


def get_default_dtype() -> dtype:
    """torch.get_default_dtype: the dtype of Python floats (float32 unless changed)."""
    return _default


def set_default_dtype(d: dtype) -> None:
    """torch.set_default_dtype: floating dtypes only (torch 2.13 accepts float16 and bfloat16 too)."""
    global _default
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default = d


def default_complex_dtype() -> dtype:
    """The complex dtype of the default: complex128 for float64, complex32 for float16, else complex64."""
    return {float64: complex128, float16: complex32}.get(_default, complex64)


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """torch.can_cast: casting may not lower the category (complex -> float, float -> int, int -> bool)."""
    _check_dtypes("can_cast", from_=from_, to=to)
    return from_.category <= to.category


def _check_dtypes(fn: str, **arguments: object) -> None:
    """torch's argument parser: each argument is a torch.dtype."""
    for position, (name, value) in enumerate(arguments.items(), start=1):
        if not isinstance(value, dtype):
            raise TypeError(
                f"{fn}(): argument '{name}' (position {position}) must be torch.dtype, "
                f"not {type(value).__name__}"
            )


def cast(array: np.ndarray, to: dtype) -> np.ndarray:
    """Convert elements as torch's casts do: floats truncate toward zero into ints, integers wrap,
    complex drops its imaginary part, nonzero -> True (NumPy's warnings for these are silenced)."""
    array = np.asarray(array)
    if array.dtype == to.np and to is not complex32:
        return array
    with np.errstate(all="ignore"):
        return cast_ignoring_errors(array, to)


def cast_ignoring_errors(array: np.ndarray, to: dtype) -> np.ndarray:
    """cast() for callers already inside `np.errstate(all="ignore")` (the elementwise ops)."""
    array = np.asarray(array)
    if to is complex32:  # both parts rounded to float16
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wide = array.astype(np.complex64)
            rounded = np.empty(wide.shape, np.complex64)
            rounded.real, rounded.imag = wide.real.astype(np.float16), wide.imag.astype(np.float16)
            return rounded
    if array.dtype == to.np:
        return array
    if array.dtype.kind == "c" and to.category != COMPLEX:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return array.astype(to.np)
    return array.astype(to.np)
