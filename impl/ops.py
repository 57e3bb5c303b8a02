"""Operations: elementwise arithmetic, comparisons, cat/stack/where, in-place forms (reductions and
matmul live in reductions.py and linalg.py).

Every elementwise op follows one path (`_elementwise`): broadcast the operands,
find the result dtype with promotion.result_type, compute in torch's "opmath"
type (float16 and bfloat16 compute in float32, then round), store the values
with TensorIterator's layout (broadcasting.output_strides). Kernels refuse
dtypes torch refuses, with torch's NotImplementedError ('"abs_cpu" not
implemented for 'Bool'').

In-place ops (`add_`, `x += y`, ...) compute the out-of-place result through the
same path, then: the result dtype must be castable to self's dtype, the result
shape must be self's shape, self may not have overlapping elements; the values
are written into self's memory, the version counter is bumped, and
autograd.rebase(self, result) gives self the result's history. The in-place
view ops of memory.py (t_, transpose_, squeeze_, unsqueeze_) do the same with
their out-of-place view (torch names those nodes TBackward1 etc.).

Calls to autograd.record (op, inputs as passed, attrs) -- the names are aten's:

| op | attrs | note |
|---|---|---|
| add, sub | alpha | `a + b`, `a - b`; inputs may be Python scalars |
| rsub | alpha | `2 - t`: inputs (t, 2) |
| mul, div | rounding_mode (div only, None) | `a * b`, `a / b` |
| reciprocal | | `2 / t` is mul(reciprocal(t), 2) |
| pow | | inputs (base, exponent): tensor/scalar either side |
| neg, abs, exp, log, sqrt, sin, cos, tanh, sigmoid, relu | | unary |
| floor_divide, remainder | | `//`, `%` (torch: no derivative for floor_divide) |
| maximum, minimum | | binary max/min, `torch.max(a, b)` |
| clamp | min, max | number bounds: inputs (self,), attrs min/max (ClampBackward1) |
| clamp | | a tensor bound: inputs (self, min, max), None where absent (ClampBackward0) |
| sum, mean | dim (None or tuple), keepdim, dtype | reductions.py; dim None = full reduction |
| max, min | dim (None for full), keepdim | reductions.py; with dim: out is (values, indices) |
| dot, mv, mm, bmm | | linalg.py; matmul is these plus view/_unsafe_view/expand/unsqueeze/squeeze |
| cat, stack | dim | inputs: the tuple of tensors |
| where | | inputs (condition, self, other) |
| index_put | indices, accumulate | `t[key] = v` with a tensor key; inputs (self, values) |
| fill | | inputs (self, value); the out-of-place result fill_ rebases self onto |
| zero | | inputs (self,); the result zero_ rebases self onto |
| copy | | `dst.copy_(src)`: inputs (dst, src); the result has dst's dtype |
| view, _unsafe_view | size | memory.py; reshape = view or clone + _unsafe_view |
| expand | size | broadcasting.py |
| t, transpose (dim0, dim1), permute (dims), squeeze (dim or none), unsqueeze (dim), alias | | memory.py |
| select (dim, index), slice (dim, start, end, step), unbind (dim) | | memory.py |
| split, split_with_sizes (split_size, dim) | | memory.py; out is the tuple of pieces |
| index | indices | advanced indexing (a copy) |
| clone, _to_copy (dtype), as_strided (size, stride, storage_offset) | | memory.py |
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from impl import autograd, dtypes
from impl.broadcasting import (
    broadcast_shape_of,
    check_inplace_shape,
    check_no_internal_overlap,
    output_strides,
)
from impl.dtypes import BOOL, COMPLEX, FLOATING, INTEGRAL, dtype
from impl.promotion import check_inplace_cast, float_result_type, is_scalar, result_type
from impl.tensor import Tensor, contiguous_strides, wrap_dim

Operand = Tensor | bool | int | float | complex
ALL_CATEGORIES = frozenset({BOOL, INTEGRAL, FLOATING, COMPLEX})
NO_BOOL = frozenset({INTEGRAL, FLOATING, COMPLEX})
REAL_NO_BOOL = frozenset({INTEGRAL, FLOATING})


def opmath(d: dtype) -> dtype:
    """The dtype torch computes in: float16 and bfloat16 compute in float32."""
    return dtypes.float32 if d in (dtypes.float16, dtypes.bfloat16) else d


def new_tensor(values: Any, shape: tuple[int, ...], out_dtype: dtype, layout: Sequence[Any] = ()) -> Tensor:
    """A fresh result tensor holding `values` cast to out_dtype, laid out like the `layout` operands."""
    strides = output_strides(shape, tuple(layout)) if layout else contiguous_strides(shape)
    if _is_fresh(values, shape, out_dtype) and strides == contiguous_strides(shape):
        return Tensor.fresh(values, out_dtype)  # a new array NumPy just made
    extent = (
        1 + builtins.sum((n - 1) * s for n, s in zip(shape, strides, strict=True))
        if builtins.all(shape)
        else 0
    )
    out = Tensor(np.zeros(extent, dtype=out_dtype.np), out_dtype, shape, strides)
    out._data[...] = dtypes.cast(np.broadcast_to(values, shape), out_dtype)
    return out


def _is_fresh(values: Any, shape: tuple[int, ...], out_dtype: dtype) -> bool:
    """Whether `values` is a new row-major array of out_dtype's storage type and this shape, which a
    result tensor may take over without a copy (complex32 values still need rounding)."""
    if not isinstance(values, np.ndarray) or values.dtype != out_dtype.np or values.shape != shape:
        return False
    flags = values.flags
    return flags.owndata and flags.c_contiguous and out_dtype is not dtypes.complex32


def as_operand(value: Any, like: dtype) -> Tensor:
    """A Python scalar as a 0-d tensor of dtype `like` (for copy_/fill_ sources)."""
    return Tensor.wrap(dtypes.cast(np.asarray(value), like), like)


def _check_operands(op: str, input: Any, other: Any) -> None:
    """torch's argument parser: each operand is a Tensor or a Python number."""
    if (isinstance(input, Tensor) or is_scalar(input)) and (isinstance(other, Tensor) or is_scalar(other)):
        return  # fast path: both pass the checks below
    for position, (arg, value) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(value, Tensor) and not is_scalar(value):
            kind = type(value)
            name = f"numpy.{kind.__name__}" if kind.__module__.startswith("numpy") else kind.__name__
            raise TypeError(f"{op}(): argument '{arg}' (position {position}) must be Tensor, not {name}")


def _not_implemented(kernel: str, d: dtype) -> NotImplementedError:
    return NotImplementedError(f"\"{kernel}\" not implemented for '{d.scalar_type}'")


# CPU kernels torch 2.13 lacks for complex32 (ComplexHalf): op -> kernel name in its error
_COMPLEX32_KERNELS = {
    "div": "div_cpu",
    "pow": "pow",
    "reciprocal": "reciprocal_cpu",
    "exp": "exp_vml_cpu",
    "log": "log_vml_cpu",
    "sqrt": "sqrt_vml_cpu",
    "sin": "sin_vml_cpu",
    "cos": "cos_vml_cpu",
    "tanh": "tanh_vml_cpu",
    "sigmoid": "sigmoid_cpu",
    "sum": "sum_cpu",
    "mean": "sum_cpu",
    "mm": "addmm_impl_cpu_",
}


def _check_complex32(op: str, d: dtype) -> None:
    if d is dtypes.complex32 and op in _COMPLEX32_KERNELS:
        raise _not_implemented(_COMPLEX32_KERNELS[op], d)


def _values(operand: Operand, compute: dtype, common: dtype | None = None) -> np.ndarray:
    """Operand values as the kernel sees them: cast to the common dtype (rounding), then to opmath.
    Call inside `np.errstate(all="ignore")`, as _elementwise does."""
    same = isinstance(operand, Tensor) and operand._dtype is compute and common in (None, compute)
    if same and compute is not dtypes.complex32:
        return operand._data  # fast path: already in the common and compute dtype: the casts keep it
    data = operand._data if isinstance(operand, Tensor) else np.asarray(operand)
    if common is not None and common is not compute and data.dtype != common.np:
        data = dtypes.cast_ignoring_errors(data, common)
    return dtypes.cast_ignoring_errors(data, compute)


@np.errstate(all="ignore")  # torch's kernels neither warn nor raise on overflow, 0 / 0, ...
def _compute(
    fn: Callable[..., np.ndarray], operands: tuple[Operand, ...], compute: dtype, common: dtype
) -> Any:
    """fn applied to the operands' values in the compute dtype."""
    return fn(*[_values(o, compute, common) for o in operands])


def _elementwise(
    fn: Callable[..., np.ndarray],
    operands: tuple[Operand, ...],
    common: dtype,
    out_dtype: dtype,
    compute: dtype | None = None,
) -> Tensor:
    """Broadcast, cast to the compute dtype, apply fn, store as out_dtype (TensorIterator's path)."""
    tensors = [o for o in operands if isinstance(o, Tensor)]
    shape = broadcast_shape_of(*[t._data.shape for t in tensors])
    compute = compute or opmath(common)
    values = _compute(fn, operands, compute, common)
    # fast path: tensor operands all of the result's shape and contiguous lay the result out
    # row-major (output_strides' first rule), and new_tensor takes a fresh row-major array as it is.
    # (NumPy's C-contiguous flag of _data is is_contiguous(): size-1 dims ignored, empty ones count)
    if _is_fresh(values, shape, out_dtype) and all(
        t._data.shape == shape and t._data.flags.c_contiguous for t in tensors
    ):
        return Tensor.fresh(values, out_dtype)
    return new_tensor(values, shape, out_dtype, tensors)


# --- binary arithmetic ------------------------------------------------------------------------------


def _int_divisor_check(divisor: Operand, compute: dtype) -> None:
    """Integer // and % by zero: torch raises RuntimeError('ZeroDivisionError')."""
    if compute.category not in (BOOL, INTEGRAL):
        return
    with np.errstate(all="ignore"):
        divisor_values = _values(divisor, compute)
    if np.any(divisor_values == 0):
        raise RuntimeError("ZeroDivisionError")


def _binary(
    op: str, fn: Callable[..., np.ndarray], a: Operand, b: Operand, supports: frozenset[int], kernel: str
) -> Tensor:
    """A promoting binary op whose kernel accepts the categories in `supports`."""
    _check_operands(op, a, b)
    common = result_type(a, b)
    if common.category not in supports:
        raise _not_implemented(kernel, common)
    return _elementwise(fn, (a, b), common, common)


def add(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """torch.add: input + alpha * other, promoted; bool + bool is logical or."""
    a, b = input, other
    _check_operands("add", a, b)
    common = result_type(a, b)
    _check_alpha(alpha, common)
    out = _elementwise(lambda x, y: x + _scaled(y, alpha), (a, b), common, common)
    autograd.record("add", out, (a, b), alpha=alpha)
    return out


def _check_alpha(alpha: Any, common: dtype) -> None:
    """torch's alpha_check: alpha must fit the result's category."""
    if isinstance(alpha, bool) and common is not dtypes.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float) and common.category < FLOATING:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, complex) and common.category != COMPLEX:
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")


def _scaled(y: np.ndarray, alpha: Any) -> np.ndarray:
    """alpha * y as torch's add kernel forms it, in y's (compute) dtype."""
    if alpha == 1 and y.dtype.kind != "c":
        return y  # fast path: y * 1 is y for real values (complex ones multiply: (inf+0j) * 1 is inf+nanj)
    return y * (alpha if alpha == 1 else np.asarray(alpha).astype(y.dtype))


def sub(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """torch.sub: input - alpha * other; two bool operands are refused."""
    a, b = input, other
    _check_sub_operands(a, b)
    common = result_type(a, b)
    _check_alpha(alpha, common)
    out = _elementwise(lambda x, y: x - _scaled(y, alpha), (a, b), common, common)
    autograd.record("sub", out, (a, b), alpha=alpha)
    return out


def _check_sub_operands(a: Operand, b: Operand) -> None:
    """torch refuses `-` with a bool operand (before any dtype check)."""
    if _is_bool(a) and _is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if _is_bool(a) or _is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _is_bool(x: Operand) -> bool:
    return (isinstance(x, Tensor) and x.dtype is dtypes.bool) or isinstance(x, bool | np.bool_)


def rsub(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """torch.rsub: other - alpha * input (what `2 - t` calls)."""
    if _is_bool(input) or _is_bool(other):
        return sub(other, input, alpha=alpha)
    common = result_type(input, other)
    _check_alpha(alpha, common)
    out = _elementwise(lambda x, y: y - _scaled(x, alpha), (input, other), common, common)
    autograd.record("rsub", out, (input, other), alpha=alpha)
    return out


def _multiply(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Products as torch's kernels form them: complex ones from the real and imaginary parts
    in the component precision (so overflow gives inf where NumPy's complex multiply may not)."""
    if x.dtype.kind != "c" or y.dtype.kind != "c":
        return x * y
    real = x.real * y.real - x.imag * y.imag
    imag = x.real * y.imag + x.imag * y.real
    out = np.empty(real.shape, dtype=np.result_type(real, np.complex64))
    out.real, out.imag = real, imag
    return out


def mul(input: Operand, other: Operand) -> Tensor:
    """torch.mul: promoted product; bool * bool is logical and; integers wrap around."""
    out = _binary("mul", _multiply, input, other, ALL_CATEGORIES, "mul_cpu")
    autograd.record("mul", out, (input, other))
    return out


_ROUNDING = {
    None: lambda x, y: x / y,
    "trunc": lambda x, y: np.trunc(x / y) if x.dtype.kind in "fc" else _int_trunc_div(x, y),
    "floor": np.floor_divide,
}


def _int_trunc_div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    quotient = np.floor_divide(x, y)
    return quotient + ((quotient < 0) & (quotient * y != x))


def div(input: Operand, other: Operand, *, rounding_mode: str | None = None) -> Tensor:
    """torch.div: true division (integers -> the default float dtype) or trunc/floor rounding."""
    _check_operands("div", input, other)
    if rounding_mode not in _ROUNDING:
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '"
            + str(rounding_mode)
            + "'"
        )
    if rounding_mode is None:
        common = float_result_type(input, other)
        _check_complex32("div", common)
    else:
        common = result_type(input, other)
        if common.category not in REAL_NO_BOOL:
            raise _not_implemented(f"div_{rounding_mode}_cpu", common)
        _int_divisor_check(other, common)
    out = _elementwise(_ROUNDING[rounding_mode], (input, other), common, common)
    autograd.record("div", out, (input, other), rounding_mode=rounding_mode)
    return out


true_divide = div


def reciprocal(input: Tensor) -> Tensor:
    """torch.reciprocal: 1 / x in a floating dtype."""
    common = float_result_type(input)
    _check_complex32("reciprocal", common)
    out = _elementwise(lambda x: 1 / x, (input,), common, common)
    autograd.record("reciprocal", out, (input,))
    return out


def _rdiv(self: Tensor, other: Operand) -> Tensor:
    """`other / self`: torch computes reciprocal(self) * other."""
    if isinstance(other, Tensor):
        return div(other, self)
    return mul(reciprocal(self), other)


def floor_divide(input: Operand, other: Operand) -> Tensor:
    """torch.floor_divide (`//`): rounds toward -inf; integer division by zero raises."""
    common = result_type(input, other)
    if common.category not in REAL_NO_BOOL:
        raise _not_implemented("div_floor_cpu", common)
    _int_divisor_check(other, common)
    out = _elementwise(np.floor_divide, (input, other), common, common)
    autograd.record("floor_divide", out, (input, other))
    return out


def remainder(input: Operand, other: Operand) -> Tensor:
    """torch.remainder (`%`): the sign of the divisor (Python's %); integer modulo by zero raises."""
    common = result_type(input, other)
    if common.category not in REAL_NO_BOOL:
        raise _not_implemented("remainder_cpu", common)
    _int_divisor_check(other, common)
    out = _elementwise(np.remainder, (input, other), common, common)
    autograd.record("remainder", out, (input, other))
    return out


def pow(input: Operand, exponent: Operand) -> Tensor:
    """torch.pow: promoted; an integer tensor to a negative integer *scalar* power raises."""
    common = result_type(input, exponent)
    if is_scalar(exponent) and not isinstance(exponent, complex) and exponent in (0, 1):
        # torch: x ** 1 is a copy and x ** 0 is ones, without the kernel (so bool works)
        out = _elementwise(
            lambda x, y: x if exponent == 1 else np.ones_like(x), (input, exponent), common, common
        )
        autograd.record("pow", out, (input, exponent))
        return out
    if common is dtypes.bool:
        raise _not_implemented("pow", common)
    _check_complex32("pow", common)
    if common.category == INTEGRAL and is_scalar(exponent) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")

    def power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if x.dtype.kind in "fc" and is_scalar(exponent) and exponent in _POW_SCALAR:
            return _POW_SCALAR[exponent](x)
        if x.dtype.kind in "iu":  # NumPy refuses negative integer exponents; torch's powi gives 0, 1 or -1
            negative = y < 0
            return np.where(negative, _int_neg_pow(x, y), x ** np.where(negative, 0, y))
        return np.power(x, y)

    out = _elementwise(power, (input, exponent), common, common)
    autograd.record("pow", out, (input, exponent))
    return out


# torch's pow_tensor_scalar_optimized_kernel: these exponents are computed without pow()
_POW_SCALAR: dict[Any, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda x: x * x,
    3: lambda x: x * x * x,
    0.5: np.sqrt,
    -0.5: lambda x: 1 / np.sqrt(x),
    -1: lambda x: 1 / x,
    -2: lambda x: 1 / (x * x),
}


def _int_neg_pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x ** y for y < 0 in integers: 1 for x == 1, +-1 for x == -1 by parity, else 0."""
    return np.where(x == 1, 1, np.where(x == -1, np.where(y % 2 == 0, 1, -1), 0)).astype(x.dtype)


def _reflected_pow(self: Tensor, base: Operand) -> Tensor:
    return pow(base, self)


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """torch.atan2: angle of (other, input); integers and bools give the default float dtype."""
    _elementwise_extreme_args("atan2", input, other, 1)
    common = float_result_type(input, other)
    if common.category == COMPLEX:
        raise _not_implemented("atan2_cpu", common)
    out = _elementwise(np.arctan2, (input, other), common, common)
    autograd.record("atan2", out, (input, other))
    return out


def _atan2_method_error(other: Any) -> Tensor:
    raise TypeError(f"atan2(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")


def square(input: Tensor) -> Tensor:
    """torch.square: pow(input, 2); bool squares to int64."""
    return pow(input, 2)


def _elementwise_extreme_args(name: str, input: Any, other: Any, first: int) -> None:
    """Ops taking two tensors (no Python numbers): torch's argument-parser TypeError."""
    for position, (arg, value) in enumerate((("input", input), ("other", other)), start=first):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {type(value).__name__}"
            )


def _elementwise_extreme(
    name: str, fn: Callable[..., np.ndarray], input: Tensor, other: Tensor, first: int
) -> Tensor:
    """maximum / minimum: both arguments must be tensors (argument positions count from `first`)."""
    _elementwise_extreme_args(name, input, other, first)
    common = result_type(input, other)
    if common.category == COMPLEX:
        raise RuntimeError(f"{name} not implemented for complex tensors.")
    out = _elementwise(fn, (input, other), common, common)
    autograd.record(name, out, (input, other))
    return out


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """torch.maximum: elementwise max, NaN propagates."""
    return _elementwise_extreme("maximum", np.maximum, input, other, 1)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """torch.minimum: elementwise min, NaN propagates."""
    return _elementwise_extreme("minimum", np.minimum, input, other, 1)


# --- bitwise ----------------------------------------------------------------------------------------


def _bitwise(name: str, fn: Callable[..., np.ndarray]) -> Callable[[Operand, Operand], Tensor]:
    def op(input: Operand, other: Operand) -> Tensor:
        common = result_type(input, other)
        if common.category not in (BOOL, INTEGRAL):
            raise _not_implemented(f"{name}_cpu", common)
        return _elementwise(fn, (input, other), common, common)

    op.__name__ = name
    op.__doc__ = f"torch.{name}: integers and bools only."
    return op


bitwise_and = _bitwise("bitwise_and", np.bitwise_and)
bitwise_or = _bitwise("bitwise_or", np.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor)


def bitwise_not(input: Tensor) -> Tensor:
    """torch.bitwise_not (`~`): integers and bools (logical not for bools)."""
    if input.dtype.category not in (BOOL, INTEGRAL):
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return _elementwise(np.invert, (input,), input.dtype, input.dtype)


def logical_not(input: Tensor) -> Tensor:
    return _elementwise(np.logical_not, (input,), input.dtype, dtypes.bool)


# --- comparisons ------------------------------------------------------------------------------------


def _comparison(
    name: str, fn: Callable[..., np.ndarray], ordered: bool
) -> Callable[[Operand, Operand], Tensor]:
    def op(input: Operand, other: Operand) -> Tensor:
        _check_operands(name, input, other)
        common = result_type(input, other)
        if ordered and common.category == COMPLEX:
            raise _not_implemented(f"{name}_cpu", common)
        return _elementwise(fn, (input, other), common, dtypes.bool, compute=common)

    op.__name__ = name
    op.__doc__ = f"torch.{name}: compared in the promoted dtype, result bool (complex: eq/ne only)."
    return op


eq = _comparison("eq", np.equal, False)
ne = _comparison("ne", np.not_equal, False)
lt = _comparison("lt", np.less, True)
le = _comparison("le", np.less_equal, True)
gt = _comparison("gt", np.greater, True)
ge = _comparison("ge", np.greater_equal, True)
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne


def equal(input: Tensor, other: Tensor) -> bool:
    """torch.equal: same shape and the same values."""
    return tuple(input.shape) == tuple(other.shape) and builtins.bool(eq(input, other).all())


# --- unary ------------------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


# name -> (NumPy function, result rule, categories the kernel accepts)
# "float": integers and bools compute in the default dtype; "same": the input's dtype.
_UNARY: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str, frozenset[int]]] = {
    "exp": (np.exp, "float", ALL_CATEGORIES),
    "log": (np.log, "float", ALL_CATEGORIES),
    "sqrt": (np.sqrt, "float", ALL_CATEGORIES),
    "sin": (np.sin, "float", ALL_CATEGORIES),
    "cos": (np.cos, "float", ALL_CATEGORIES),
    "tanh": (np.tanh, "float", ALL_CATEGORIES),
    "sigmoid": (_sigmoid, "float", ALL_CATEGORIES),
    "neg": (np.negative, "same", NO_BOOL),
    "abs": (np.abs, "same", NO_BOOL),
    "relu": (lambda x: np.maximum(x, 0).astype(x.dtype), "same", REAL_NO_BOOL),
}
_COMPLEX_ERRORS = {"relu": NotImplementedError("clamp is not supported for complex types")}
_UNARY_ERRORS = {
    "neg": RuntimeError(
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
        "mask, use the `~` or `logical_not()` operator instead."
    ),
    "abs": NotImplementedError("\"abs_cpu\" not implemented for 'Bool'"),
    "relu": RuntimeError("Boolean inputs not supported for relu"),
}


def _unary(name: str) -> Callable[[Tensor], Tensor]:
    fn, rule, supports = _UNARY[name]

    def op(input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(
                f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
            )
        if input.dtype.category not in supports:
            if input.dtype is dtypes.bool and name in _UNARY_ERRORS:
                raise type(_UNARY_ERRORS[name])(*_UNARY_ERRORS[name].args)
            error = _COMPLEX_ERRORS.get(name, RuntimeError(f"{name} is not supported for complex tensors"))
            raise type(error)(*error.args)
        common = float_result_type(input) if rule == "float" else input.dtype
        _check_complex32(name, common)
        out_dtype = common.to_real() if name == "abs" else common  # |complex| is real
        out = _elementwise(fn, (input,), common, out_dtype)
        autograd.record(name, out, (input,))
        return out

    op.__name__ = name
    op.__doc__ = f"torch.{name}" + (
        ": integers and bools give the default float dtype." if rule == "float" else "."
    )
    return op


exp, log, sqrt, sin, cos, tanh, sigmoid = (
    _unary(n) for n in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid")
)
neg, abs, relu = (_unary(n) for n in ("neg", "abs", "relu"))


_CLAMP_KERNELS = {
    (True, True): "clamp_scalar_cpu",
    (True, False): "clamp_min_scalar_cpu",
    (False, True): "clamp_max_scalar_cpu",
}


def clamp(input: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """torch.clamp: min applied first, then max (so min > max gives max); promotes with min and max."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = tuple(b for b in (min, max) if b is not None)
    common = result_type(input, *bounds)
    if common.category == COMPLEX:
        raise NotImplementedError("clamp is not supported for complex types")
    tensor_bounds = builtins.sum(isinstance(b, Tensor) for b in bounds)
    if common is dtypes.bool and tensor_bounds != 1:
        kernel = "clamp_cpu" if tensor_bounds else _CLAMP_KERNELS[(min is not None, max is not None)]
        raise _not_implemented(kernel, common)

    def clip(x: np.ndarray, *limits: np.ndarray) -> np.ndarray:
        low = limits[0] if min is not None else None
        high = limits[-1] if max is not None else None
        if low is not None:
            x = np.where(np.isnan(low) if low.dtype.kind == "f" else False, low, np.maximum(x, low))
        if high is not None:
            x = np.where(np.isnan(high) if high.dtype.kind == "f" else False, high, np.minimum(x, high))
        return x

    out = _elementwise(clip, (input, *bounds), common, common)
    if builtins.any(isinstance(b, Tensor) for b in bounds):
        autograd.record("clamp", out, (input, min, max))
    else:
        autograd.record("clamp", out, (input,), min=min, max=max)
    return out


clip = clamp


def clamp_min(input: Tensor, min: Operand) -> Tensor:
    return clamp(input, min=min)


def clamp_max(input: Tensor, max: Operand) -> Tensor:
    return clamp(input, max=max)


# --- joining and selecting --------------------------------------------------------------------------


def _tensor_list(tensors: Any, name: str) -> tuple[Tensor, ...]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}"
        )
    return tuple(tensors)


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """torch.cat: join along dim; dtypes promote; other dims must match (legacy empty 1-d skipped)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    common = tensors[0].dtype
    for t in tensors[1:]:
        common = dtypes.promote_types(common, t.dtype)
    joined = [t for t in tensors if not (t.ndim == 1 and t.numel() == 0)] or [tensors[0]]
    first = joined[0]
    dim = wrap_dim(dim, first.ndim)
    for i, t in enumerate(tensors):
        if t.ndim == 1 and t.numel() == 0:
            continue
        if t.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {first.ndim} and {t.ndim}")
        for d in range(first.ndim):
            if d != dim and t.shape[d] != first.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. "
                    f"Expected size {first.shape[d]} but "
                    f"got size {t.shape[d]} for tensor number {i} in the list."
                )
    compute = opmath(common)
    values = np.concatenate([dtypes.cast(t._data, compute) for t in joined], axis=dim)
    out = new_tensor(values, values.shape, common)
    autograd.record("cat", out, tensors, dim=dim)
    return out


concat = concatenate = cat


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """torch.stack: join equal-shaped tensors along a new dim; dtypes promote."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(tensors[0].shape):
            raise RuntimeError(
                "stack expects each tensor to be equal size, "
                f"but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    dim = wrap_dim(dim, tensors[0].ndim + 1)
    common = tensors[0].dtype
    for t in tensors[1:]:
        common = dtypes.promote_types(common, t.dtype)
    values = np.stack([dtypes.cast(t._data, opmath(common)) for t in tensors], axis=dim)
    out = new_tensor(values, values.shape, common)
    autograd.record("stack", out, tensors, dim=dim)
    return out


def where(condition: Tensor, input: Operand | None = None, other: Operand | None = None) -> Any:
    """torch.where: condition must be bool; input and other promote like a binary op."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if condition.dtype not in (dtypes.bool, dtypes.uint8):  # uint8 masks are still accepted
        raise RuntimeError(
            f"where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype.scalar_type}"
        )
    common = result_type(input, other)
    shape = broadcast_shape_of(*(t.shape for t in (condition, input, other) if isinstance(t, Tensor)))
    compute = opmath(common)
    with np.errstate(all="ignore"):
        values = np.where(condition._data.astype(bool), _values(input, compute), _values(other, compute))
    out = new_tensor(values, shape, common, [t for t in (condition, input, other) if isinstance(t, Tensor)])
    autograd.record("where", out, (condition, input, other))
    return out


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """torch.nonzero: int64 indices of nonzero elements, (n, ndim) or a tuple of 1-d tensors."""
    found = np.nonzero(input._data if input.ndim else input._data.reshape(1))
    if as_tuple:
        return tuple(Tensor.wrap(i.astype(np.int64), dtypes.int64) for i in found)
    stacked = np.stack(found, axis=1) if input.ndim else np.zeros((int(input._data != 0), 0), np.int64)
    return Tensor.wrap(stacked.astype(np.int64), dtypes.int64)


def index_put(self: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """torch.index_put (out of place): a copy of self with values written at an advanced-indexing key."""
    from impl.memory import _expand_key, _numpy_key

    if values.dtype is not self.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{self.dtype.scalar_type} for the destination and {values.dtype.scalar_type} for the source."
        )
    key = _numpy_key(_expand_key(indices))
    data = self._data.copy()
    target_shape = np.shape(data[key])
    try:
        source = np.broadcast_to(dtypes.cast(values._data, self.dtype), target_shape)
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to indexing "
            f"result of shape {list(target_shape)}"
        ) from None
    if accumulate:
        np.add.at(data, key, source)
    else:
        data[key] = source
    out = new_tensor(data, tuple(self.shape), self.dtype)
    autograd.record("index_put", out, (self, values), indices=indices, accumulate=accumulate)
    return out


# --- in-place -----------------------------------------------------------------------------------------


def _write(self: Tensor, result: Tensor, type_names: Callable[[dtype], str] | None = None) -> Tensor:
    """Store an out-of-place result into self (the in-place rule), bump the version, rebase history."""
    check_inplace_cast(result.dtype, self.dtype, type_names)
    if tuple(result.shape) != tuple(self.shape):
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    self._data[...] = dtypes.cast(result._data, self.dtype)
    self._vc.bump()
    autograd.rebase(self, result)
    return self


_INPLACE_REFUSED = {
    "abs_": (lambda t: t.dtype.is_complex, "In-place abs is not supported for complex tensors.")
}


def _inplace_dtype(compute: Callable[..., Tensor], self: Tensor, args: tuple, kwargs: dict) -> dtype:
    """The dtype the op would produce, known before computing (torch checks the cast first)."""
    if compute in (exp, log, sqrt, sin, cos, tanh, sigmoid, reciprocal):
        return float_result_type(self)
    if compute in (neg, abs, relu):
        return self.dtype
    if compute is sub:
        _check_sub_operands(self, args[0])
    operands = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor) or is_scalar(a)]
    if compute is div and kwargs.get("rounding_mode") is None:
        return float_result_type(self, *operands)
    return result_type(self, *operands)


def _inplace(name: str, compute: Callable[..., Tensor]) -> Callable[..., Tensor]:
    refused, message = _INPLACE_REFUSED.get(name, (lambda t: False, ""))

    def op(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if refused(self):
            raise RuntimeError(message)
        autograd.check_inplace(self)
        check_no_internal_overlap(self)
        check_inplace_cast(_inplace_dtype(compute, self, args, kwargs), self.dtype)
        return _write(self, compute(self, *args, **kwargs))

    op.__name__ = name
    op.__doc__ = (
        f"Tensor.{name}: in-place {compute.__name__}; the result must cast to self's dtype and shape."
    )
    return op


def fill_(self: Tensor, value: Operand) -> Tensor:
    """Tensor.fill_: every element := value (allowed on expanded tensors); value a number or 0-d tensor."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
        )
    autograd.check_inplace(self)
    source = value._data if isinstance(value, Tensor) else np.asarray(value)
    self._data[...] = dtypes.cast(source, self.dtype)
    self._vc.bump()
    result = new_tensor(self._data, tuple(self.shape), self.dtype)
    autograd.record("fill", result, (self, value))
    autograd.rebase(self, result)
    return self


def zero_(self: Tensor) -> Tensor:
    """Tensor.zero_: every element := 0."""
    autograd.check_inplace(self)
    self._data[...] = 0
    self._vc.bump()
    result = new_tensor(self._data, tuple(self.shape), self.dtype)
    autograd.record("zero", result, (self,))
    autograd.rebase(self, result)
    return self


def copy_(self: Tensor, src: Operand, non_blocking: bool = False) -> Tensor:
    """Tensor.copy_: src broadcast to self's shape, cast to self's dtype (any dtype is allowed)."""
    autograd.check_inplace(self)
    check_no_internal_overlap(self)
    source = src if isinstance(src, Tensor) else as_operand(src, self.dtype)
    check_inplace_shape(tuple(self.shape), tuple(source.shape))
    self._data[...] = dtypes.cast(np.broadcast_to(source._data, self._data.shape), self.dtype)
    self._vc.bump()
    result = new_tensor(self._data, tuple(self.shape), self.dtype)
    autograd.record("copy", result, (self, src))
    autograd.rebase(self, result)
    return self


def _c_type_name(d: dtype) -> str:
    return dtypes.C_TYPE_NAMES[d.name]


def clamp_(self: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """Tensor.clamp_: torch names self's dtype by its C++ type ('long int') when both bounds are numbers."""
    autograd.check_inplace(self)
    check_no_internal_overlap(self)
    scalar_bounds = not builtins.any(isinstance(b, Tensor) for b in (min, max))
    return _write(self, clamp(self, min, max), _c_type_name if scalar_bounds else None)


# --- methods and operators ------------------------------------------------------------------------


def _flip(fn: Callable[[Operand, Operand], Tensor]) -> Callable[[Tensor, Operand], Tensor]:
    def reflected(self: Tensor, other: Operand) -> Tensor:
        return fn(other, self)

    return reflected


def _method_or_not_implemented(fn: Callable[..., Tensor], arrays: bool = True) -> Callable[..., Any]:
    """Python operators: an ndarray operand becomes a tensor; anything else that is neither a tensor
    nor a number gives NotImplemented (so Python raises its TypeError)."""

    def operator(self: Tensor, other: Any) -> Any:
        if arrays and isinstance(other, np.ndarray):  # arithmetic reads an ndarray operand as a tensor
            from impl.creation import tensor

            other = tensor(other)
        if not isinstance(other, Tensor) and not is_scalar(other):
            return NotImplemented
        return fn(self, other)

    return operator


_FUNCTIONS = {
    "add": add,
    "sub": sub,
    "subtract": sub,
    "rsub": rsub,
    "mul": mul,
    "multiply": mul,
    "div": div,
    "divide": div,
    "true_divide": div,
    "floor_divide": floor_divide,
    "remainder": remainder,
    "pow": pow,
    "square": square,
    "atan2": lambda self, other: (
        atan2(self, other) if isinstance(other, Tensor) else _atan2_method_error(other)
    ),
    "reciprocal": reciprocal,
    "maximum": lambda self, other: _elementwise_extreme("maximum", np.maximum, self, other, 0),
    "minimum": lambda self, other: _elementwise_extreme("minimum", np.minimum, self, other, 0),
    "eq": eq,
    "ne": ne,
    "lt": lt,
    "le": le,
    "gt": gt,
    "ge": ge,
    "equal": equal,
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "sin": sin,
    "cos": cos,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "neg": neg,
    "negative": neg,
    "abs": abs,
    "relu": relu,
    "clamp": clamp,
    "clip": clamp,
    "clamp_min": clamp_min,
    "clamp_max": clamp_max,
    "nonzero": nonzero,
    "bitwise_and": bitwise_and,
    "bitwise_or": bitwise_or,
    "bitwise_xor": bitwise_xor,
    "bitwise_not": bitwise_not,
    "logical_not": logical_not,
    "where": lambda self, condition, other: where(condition, self, other),
    "fill_": fill_,
    "clamp_": clamp_,
    "clip_": clamp_,
    "zero_": zero_,
    "copy_": copy_,
    "index_put": index_put,
}
_INPLACE = {
    "bitwise_and_": bitwise_and,
    "bitwise_or_": bitwise_or,
    "bitwise_xor_": bitwise_xor,
    "add_": add,
    "sub_": sub,
    "mul_": mul,
    "div_": div,
    "floor_divide_": floor_divide,
    "remainder_": remainder,
    "pow_": pow,
    "neg_": neg,
    "abs_": abs,
    "exp_": exp,
    "log_": log,
    "sqrt_": sqrt,
    "sin_": sin,
    "cos_": cos,
    "tanh_": tanh,
    "sigmoid_": sigmoid,
    "relu_": relu,
    "square_": square,
}
_OPERATORS = {
    "__add__": add,
    "__radd__": _flip(add),
    "__sub__": sub,
    "__rsub__": rsub,
    "__mul__": mul,
    "__rmul__": _flip(mul),
    "__truediv__": div,
    "__rtruediv__": _rdiv,
    "__floordiv__": floor_divide,
    "__rfloordiv__": _flip(floor_divide),
    "__mod__": remainder,
    "__rmod__": _flip(remainder),
    "__pow__": pow,
    "__rpow__": _reflected_pow,
    "__and__": bitwise_and,
    "__rand__": _flip(bitwise_and),
    "__or__": bitwise_or,
    "__ror__": _flip(bitwise_or),
    "__xor__": bitwise_xor,
    "__rxor__": _flip(bitwise_xor),
    "__eq__": eq,
    "__ne__": ne,
    "__lt__": lt,
    "__le__": le,
    "__gt__": gt,
    "__ge__": ge,
}
for _name, _fn in _FUNCTIONS.items():
    setattr(Tensor, _name, _fn)
for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, _inplace(_name, _fn))
for _name, _fn in _OPERATORS.items():
    setattr(Tensor, _name, _method_or_not_implemented(_fn, arrays=_fn not in (lt, le, gt, ge)))
for _dunder, _method in {
    "__iadd__": "add_",
    "__isub__": "sub_",
    "__imul__": "mul_",
    "__itruediv__": "div_",
    "__ifloordiv__": "floor_divide_",
    "__imod__": "remainder_",
    "__ipow__": "pow_",
    "__iand__": "bitwise_and_",
    "__ior__": "bitwise_or_",
    "__ixor__": "bitwise_xor_",
}.items():
    setattr(Tensor, _dunder, getattr(Tensor, _method))
Tensor.__neg__ = neg
Tensor.__abs__ = abs
Tensor.__invert__ = bitwise_not
Tensor.__pos__ = lambda self: self
Tensor.__hash__ = object.__hash__  # defining __eq__ would otherwise drop hashing
