"""The elementwise path (torch's TensorIterator) and the builders of elementwise op rows.

Every elementwise op follows one path (`elementwise`): broadcast the operands, find the
result dtype with promotion.result_type, compute in torch's "opmath" type (float16 and
bfloat16 compute in float32, then round), store the values with TensorIterator's layout
(layout.output_strides). Kernels refuse dtypes torch refuses, with torch's error (by default
NotImplementedError: '"abs_cpu" not implemented for 'Bool'').

An op whose whole rule is a NumPy kernel plus a `DtypeRule` is one call of `unary(...)` or
`binary(...)`: the call builds the function and registers its row (impl/rows.py).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from impl import autograd, dtypes
from impl.arguments import invalid_combination
from impl.autograd.formulas import Derivative
from impl.broadcasting import broadcast_shape_of
from impl.dtypes import BOOL, COMPLEX, FLOATING, INTEGRAL, dtype
from impl.layout import contiguous_strides, extent, output_strides
from impl.promotion import float_result_type, is_scalar, result_type, scalar_argument
from impl.rows import Row, register
from impl.tensor import Tensor

Operand = Tensor | bool | int | float | complex
ALL = frozenset({BOOL, INTEGRAL, FLOATING, COMPLEX})
NO_BOOL = frozenset({INTEGRAL, FLOATING, COMPLEX})
REAL_NO_BOOL = frozenset({INTEGRAL, FLOATING})
INTEGERS = frozenset({BOOL, INTEGRAL})


def opmath(d: dtype) -> dtype:
    """The dtype torch computes in: float16 and bfloat16 compute in float32."""
    return dtypes.float32 if d in (dtypes.float16, dtypes.bfloat16) else d


def same(d: dtype) -> dtype:
    return d


def to_bool(d: dtype) -> dtype:
    return dtypes.bool


def to_real(d: dtype) -> dtype:
    return d.to_real()


def not_implemented(kernel: str, d: dtype) -> NotImplementedError:
    """torch's error for a dtype a CPU kernel lacks."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{d.scalar_type}'")


# --- the TensorIterator path -------------------------------------------------------------------------


def result_tensor(
    values: Any, shape: tuple[int, ...], out_dtype: dtype, layout: Sequence[Tensor] = ()
) -> Tensor:
    """A fresh result tensor holding `values` cast to out_dtype, laid out like the `layout` operands."""
    strides = (
        output_strides(shape, [(t._data.shape, t._strides) for t in layout])
        if layout
        else contiguous_strides(shape)
    )
    if _is_fresh(values, shape, out_dtype) and strides == contiguous_strides(shape):
        return Tensor.fresh(values, out_dtype)  # a new array NumPy just made
    out = Tensor(np.zeros(extent(shape, strides), dtype=out_dtype.np), out_dtype, shape, strides)
    out._data[...] = dtypes.cast(np.broadcast_to(values, shape), out_dtype)
    return out


def _is_fresh(values: Any, shape: tuple[int, ...], out_dtype: dtype) -> bool:
    """Whether `values` is a new row-major array of out_dtype's storage type and this shape, which a
    result tensor may take over without a copy (complex32 values still need rounding)."""
    if not isinstance(values, np.ndarray) or values.dtype != out_dtype.np or values.shape != shape:
        return False
    flags = values.flags
    return flags.owndata and flags.c_contiguous and out_dtype is not dtypes.complex32


def values_of(operand: Operand, compute: dtype, common: dtype | None = None) -> np.ndarray:
    """Operand values as the kernel sees them: cast to the common dtype (rounding), then to opmath;
    a number as the parser read it (a NumPy scalar as a Python number: scalar_argument).
    Call inside `np.errstate(all="ignore")`, as `elementwise` does."""
    same_dtype = isinstance(operand, Tensor) and operand._dtype is compute and common in (None, compute)
    if same_dtype and compute is not dtypes.complex32:
        return operand._data  # type: ignore[union-attr]  # fast path: the casts would keep it
    if isinstance(operand, Tensor):
        data = operand._data
    else:
        data = np.asarray(scalar_argument(operand) if isinstance(operand, np.generic) else operand)
    if common is not None and common is not compute and data.dtype != common.np:
        data = dtypes.cast_ignoring_errors(data, common)
    return dtypes.cast_ignoring_errors(data, compute)


def _compute(
    fn: Callable[..., Any], operands: tuple[Operand, ...], compute: dtype, common: dtype, exact_scalar: bool
) -> Any:
    """fn applied to the operands' values in the compute dtype; like torch's kernels it neither warns
    nor raises on overflow, 0 / 0, ... (NumPy's errors ignored, as in np.errstate(all="ignore"))."""
    token = _ERROR_STATE.set(_IGNORED)
    try:
        if exact_scalar and compute is not common and _one_value(operands[1]):
            return fn(values_of(operands[0], compute, common), values_of(operands[1], compute))
        return fn(*[values_of(o, compute, common) for o in operands])
    finally:
        _ERROR_STATE.reset(token)


def _one_value(operand: Operand) -> bool:
    """A Python number, or a tensor of one element: TensorIterator's is_scalar operand."""
    return not isinstance(operand, Tensor) or operand._data.size == 1


class _Errstate:
    """np.errstate(all="ignore") behind the set/reset of NumPy 2's error-state context variable."""

    def set(self, state: Any) -> Any:
        token = np.errstate(all="ignore")
        token.__enter__()
        return token

    def reset(self, token: Any) -> None:
        token.__exit__(None, None, None)


# NumPy 2 keeps its error state in a context variable, and np.errstate builds the same state on every
# entry (a third of a small op's time): _compute switches to a state built once. That variable is
# private to NumPy (numpy._core._ufunc_config); without it, np.errstate is used.
try:
    from numpy._core import _ufunc_config

    _ERROR_STATE: Any = getattr(_ufunc_config, "_extobj_contextvar")  # noqa: B009 - not in the stubs
    _IGNORED: Any = getattr(_ufunc_config, "_make_extobj")(all="ignore")  # noqa: B009
except (ImportError, AttributeError):  # pragma: no cover - another NumPy
    _ERROR_STATE, _IGNORED = _Errstate(), None


def elementwise(
    fn: Callable[..., Any],
    operands: tuple[Operand, ...],
    common: dtype,
    out_dtype: dtype,
    compute: dtype | None = None,
    *,
    exact_scalar: bool = False,
) -> Tensor:
    """Broadcast, cast to the compute dtype, apply fn, store as out_dtype (TensorIterator's path).

    Operands are rounded to the common dtype, then widened to the compute dtype; with exact_scalar a
    second operand of one value skips the rounding (torch's mul and true div kernels for float16 and
    bfloat16 read it with original_scalar_value: `float16_tensor * 2**31` is not inf * x)."""
    tensors = [o for o in operands if isinstance(o, Tensor)]
    shape = broadcast_shape_of(*[t._data.shape for t in tensors])
    values = _compute(fn, operands, compute or opmath(common), common, exact_scalar)
    # fast path: tensor operands all of the result's shape and contiguous lay the result out
    # row-major (output_strides' first rule), and a fresh row-major array is taken over as it is.
    # (NumPy's C-contiguous flag of _data is is_contiguous(): size-1 dims ignored, empty ones count)
    if _is_fresh(values, shape, out_dtype):
        for t in tensors:
            if t._data.shape != shape or not t._data.flags.c_contiguous:
                break
        else:
            return Tensor.fresh(values, out_dtype)
    return result_tensor(values, shape, out_dtype, tensors)


# --- argument checks (torch's argument parser) ------------------------------------------------------


def _type_name(value: Any) -> str:
    kind = type(value)
    return f"numpy.{kind.__name__}" if kind.__module__.startswith("numpy") else kind.__name__


def check_operands(
    op: str, input: Any, other: Any, *, overloaded: bool = False, method: bool = False
) -> None:
    """Each operand is a Tensor or a Python number, which the parser reads as a Scalar before the op
    runs (scalar_argument: an int beyond uint64 raises OverflowError). The TypeError names the
    argument, or, for an op torch declares with Tensor and Scalar overloads, says that no overload
    takes them (Tensor.<op> counts arguments after self)."""
    if isinstance(other, Tensor) and isinstance(input, Tensor):
        return  # the common case
    if (isinstance(input, Tensor) or is_scalar(input)) and (isinstance(other, Tensor) or is_scalar(other)):
        if not isinstance(other, Tensor):
            scalar_argument(other)
        if not isinstance(input, Tensor):
            scalar_argument(input)
        return  # a tensor and a number, or two numbers: both pass the checks below
    if overloaded:
        raise invalid_combination(op, (other,) if method else (input, other))
    for position, (arg, value) in enumerate((("input", input), ("other", other)), start=0 if method else 1):
        if not isinstance(value, Tensor) and not is_scalar(value):
            raise TypeError(
                f"{op}(): argument '{arg}' (position {position}) must be Tensor, not {_type_name(value)}"
            )


def check_tensors(op: str, first: int, **arguments: Any) -> None:
    """Arguments that must be tensors (positions counted from `first`: 1 for torch.op, 0 for Tensor.op)."""
    for position, (arg, value) in enumerate(arguments.items(), start=first):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{op}(): argument '{arg}' (position {position}) must be Tensor, not {_type_name(value)}"
            )


# --- dtype rules and the builders of elementwise rows -----------------------------------------------


@dataclass(frozen=True)
class DtypeRule:
    """Which dtypes an elementwise op accepts, what it computes in and what it returns.

    promote: the common dtype of the operands (result_type; float_result_type sends integers and
    bools to the default float dtype). accepts: the categories of that dtype the kernel takes;
    refusals: torch's error for a refused category, (type, message), by default NotImplementedError
    naming the kernel. computes: the dtype the kernel runs in (opmath). returns: the result's dtype.
    complex32: the kernel name torch reports for complex32, which it has no CPU kernel for.
    """

    promote: Callable[..., dtype] = result_type
    accepts: frozenset[int] = ALL
    refusals: dict[int, tuple[type[Exception], str]] = field(default_factory=dict)
    computes: Callable[[dtype], dtype] = opmath
    returns: Callable[[dtype], dtype] = same
    complex32: str | None = None
    _resolved: dict[dtype, tuple[dtype, dtype, dtype]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def common(self, kernel: str, *operands: Operand) -> dtype:
        """The operands' common dtype, after torch's checks that the kernel exists for it."""
        return self.resolve(kernel, *operands)[0]

    def resolve(self, kernel: str, *operands: Operand) -> tuple[dtype, dtype, dtype]:
        """(common, result, compute) dtypes of the operands, after torch's checks that the kernel
        exists for the common dtype (memoised per common dtype: they depend on nothing else)."""
        common = self.promote(*operands)
        found = self._resolved.get(common)
        if found is None:
            if common.category not in self.accepts:
                error, message = self.refusals.get(common.category, (None, ""))
                raise not_implemented(kernel, common) if error is None else error(message)
            if common is dtypes.complex32 and self.complex32 is not None:
                raise not_implemented(self.complex32, common)
            found = self._resolved[common] = (common, self.returns(common), self.computes(common))
        return found


def unary(
    name: str,
    kernel: Callable[[np.ndarray], Any],
    rule: DtypeRule,
    derivative: Derivative | None,
    **spellings: Any,
) -> Callable[[Tensor], Tensor]:
    """torch.<name>(input) and its row: kernel on the values, dtypes by `rule`."""
    kernel_name = spellings.pop("kernel_name", f"{name}_cpu")

    def op(input: Tensor) -> Tensor:
        check_tensors(name, 1, input=input)
        common, returns, computes = rule.resolve(kernel_name, input)
        out = elementwise(kernel, (input,), common, returns, computes)
        if derivative is not None:
            autograd.record(derivative, out, (input,))
        return out

    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"torch.{name}: elementwise; " + (
        "integers and bools give the default float dtype."
        if rule.promote is float_result_type
        else "the input's dtype."
    )
    register(Row(name, op, derivative, result_dtype=lambda input: rule.promote(input), **spellings))
    return op


def binary(
    name: str,
    kernel: Callable[[np.ndarray, np.ndarray], Any],
    rule: DtypeRule,
    derivative: Derivative | None,
    *,
    check: Callable[[Operand, Operand, dtype], None] | None = None,
    tensors_only: bool = False,
    overloaded: bool = False,
    exact_scalar: bool = False,
    **spellings: Any,
) -> Callable[[Operand, Operand], Tensor]:
    """torch.<name>(input, other) and its row: promoted operands (tensors or Python numbers unless
    tensors_only), dtypes by `rule`; `check` sees the operands and their common dtype first.
    overloaded: torch declares Tensor and Scalar overloads (its TypeError for other operands differs).
    exact_scalar: see `elementwise`."""
    kernel_name = spellings.pop("kernel_name", f"{name}_cpu")

    def compute(input: Operand, other: Operand) -> Tensor:
        common, returns, computes = rule.resolve(kernel_name, input, other)
        if check is not None:
            check(input, other, common)
        out = elementwise(kernel, (input, other), common, returns, computes, exact_scalar=exact_scalar)
        if derivative is not None:
            autograd.record(derivative, out, (input, other))
        return out

    def op(input: Operand, other: Operand) -> Tensor:
        if tensors_only:
            check_tensors(name, 1, input=input, other=other)
        else:
            check_operands(name, input, other, overloaded=overloaded)
        return compute(input, other)

    def method(self: Tensor, other: Operand) -> Tensor:  # Tensor.<name>: 'other' is at position 1
        if tensors_only:
            check_tensors(name, 1, other=other)
        else:
            check_operands(name, self, other, overloaded=overloaded, method=True)
        return compute(self, other)

    op.__name__ = op.__qualname__ = method.__name__ = method.__qualname__ = name
    op.__doc__ = method.__doc__ = f"torch.{name}: elementwise on promoted operands."

    def result_dtype(input: Operand, other: Operand) -> dtype | None:
        return rule.promote(input, other) if isinstance(other, Tensor) or is_scalar(other) else None

    register(
        Row(
            name,
            op,
            derivative,
            method=method,
            result_dtype=result_dtype,
            **spellings,
        )
    )
    return op


def integer_divisor_check(input: Operand, divisor: Operand, common: dtype) -> None:
    """Integer // and % by zero: torch raises RuntimeError('ZeroDivisionError')."""
    if common.category not in INTEGERS:
        return
    with np.errstate(all="ignore"):
        divisor_values = values_of(divisor, common)
    if builtins.bool(np.any(divisor_values == 0)):
        raise RuntimeError("ZeroDivisionError")
