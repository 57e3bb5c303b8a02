"""Elementwise ops: arithmetic, lerp, addcmul/addcdiv, comparisons, bitwise, unary functions, clamp,
where; one row each.

Unary and plain binary ops are one `unary(...)` / `binary(...)` call (impl/elementwise.py): the
NumPy kernel, the dtype rule, the derivative and the spellings. Ops with more arguments (add's
alpha, div's rounding_mode, pow, lerp's weight, addcmul's value, clamp, where) are functions
registered with `@op(...)` (impl/rows.py), which record their history with `record`. cat, stack
and nonzero are in impl/joining.py; fill_, zero_ and copy_ in impl/copies.py; uniform_ and normal_
in impl/random.py.

In-place forms (`add_`, `x += y`, ...) compute the out-of-place result, then write it into self
(rows.write_into): the result dtype must cast to self's dtype, the result shape must be self's
shape, self may not have overlapping elements; the version counter is bumped and self takes the
result's history.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from impl import dtypes
from impl.arguments import invalid_combination
from impl.autograd.formulas import (
    Formula,
    Overloads,
    conj,
    identity,
    maybe_multiply,
    not_implemented,
    zeros,
)
from impl.broadcasting import broadcast_shape_of
from impl.dtypes import BOOL, COMPLEX, FLOATING, dtype
from impl.elementwise import (
    INTEGERS,
    NO_BOOL,
    REAL_NO_BOOL,
    DtypeRule,
    Operand,
    binary,
    check_operands,
    check_tensors,
    elementwise,
    integer_divisor_check,
    opmath,
    result_tensor,
    to_bool,
    to_real,
    unary,
    values_of,
)
from impl.elementwise import not_implemented as kernel_missing
from impl.joining import nonzero
from impl.promotion import (
    checked_convert,
    fill_convert,
    float_result_type,
    is_scalar,
    result_type,
    scalar_argument,
)
from impl.rows import check_writable, op, record, write_into
from impl.tensor import Tensor


def _is_scalar_input(inputs: Sequence[Any], i: int) -> bool:
    return is_scalar(inputs[i])


def _operand(x: Any) -> bool:
    return isinstance(x, Tensor) or is_scalar(x)


def _promoted_dtype(input: Operand, *others: Any, **_: Any) -> dtype | None:
    """result_type of the operands, for the in-place pre-check (None: the op refuses them itself)."""
    operands = [o for o in others if o is not None]
    return result_type(input, *operands) if all(_operand(o) for o in operands) else None


# --- add, sub, rsub: alpha ---------------------------------------------------------------------------


def _alpha_argument(op: str, alpha: Any) -> Any:
    """alpha as the parser reads a Scalar (scalar_argument), or torch's TypeError."""
    if alpha == 1 and type(alpha) is int:
        return alpha  # the default
    if not is_scalar(alpha):
        raise TypeError(f"{op}(): argument 'alpha' must be Number, not {type(alpha).__name__}")
    return scalar_argument(alpha)


def _check_alpha(alpha: Any, common: dtype) -> None:
    """torch's alpha_check: alpha must fit the result's category (a bool only for bool results, a
    float or complex not for integers, a complex only for complex results); then the kernel converts
    it to the result dtype (checked)."""
    if alpha == 1 and type(alpha) is int:
        return  # the default
    if isinstance(alpha, bool) and common is not dtypes.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if isinstance(alpha, float | complex) and common.category < FLOATING:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if isinstance(alpha, complex) and common.category != COMPLEX:
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")
    checked_convert(alpha, common)


def _scaled(y: np.ndarray, alpha: Any) -> np.ndarray:
    """alpha * y as torch's add kernel forms it, in y's (compute) dtype."""
    if alpha == 1 and y.dtype.kind != "c":
        return y  # y * 1 is y for real values (complex ones multiply: (inf+0j) * 1 is inf+nanj)
    return y * (alpha if alpha == 1 else np.asarray(alpha).astype(y.dtype))


def _radd(self: Tensor, other: Operand) -> Tensor:
    """`other + self`: torch computes self.add(other) (the number stays the second operand)."""
    return add(self, other)


@op(
    derivative=Formula(
        "AddBackward0", self=("", identity), other=("", lambda g, s: maybe_multiply(g, s.alpha))
    ),
    inplace=True,
    result_dtype=_promoted_dtype,
    dunder="add",
    reflected=_radd,
)
def add(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """torch.add: input + alpha * other, promoted; bool + bool is logical or."""
    check_operands("add", input, other)
    alpha = _alpha_argument("add", alpha)
    common = result_type(input, other)
    _check_alpha(alpha, common)
    out = elementwise(lambda x, y: x + _scaled(y, alpha), (input, other), common, common)
    record("add", out, (input, other), alpha=alpha)
    return out


def _is_bool(x: Operand) -> bool:
    """A bool tensor or a Python bool (the parser reads np.bool_ as a double)."""
    return (isinstance(x, Tensor) and x.dtype is dtypes.bool) or isinstance(x, bool)


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


def _reflected_sub(self: Tensor, other: Operand) -> Tensor:
    """`other - self`: torch.rsub(self, other)."""
    return rsub(self, other)


def _sub_dtype(input: Operand, other: Any) -> dtype | None:
    """sub_'s pre-check: bool operands are refused before any dtype is found."""
    _check_sub_operands(input, other)
    return _promoted_dtype(input, other)


@op(
    derivative=Formula(
        "SubBackward0", self=("", identity), other=("", lambda g, s: maybe_multiply(-g, s.alpha))
    ),
    aliases=("subtract",),
    inplace=True,
    result_dtype=lambda input, other, alpha=1: _sub_dtype(input, other),
    dunder="sub",
    reflected=_reflected_sub,
)
def sub(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """torch.sub: input - alpha * other; bool operands are refused."""
    check_operands("sub", input, other)
    alpha = _alpha_argument("sub", alpha)
    _check_sub_operands(input, other)
    common = result_type(input, other)
    _check_alpha(alpha, common)
    out = elementwise(lambda x, y: x - _scaled(y, alpha), (input, other), common, common)
    record("sub", out, (input, other), alpha=alpha)
    return out


@op(
    derivative=Overloads(
        lambda inputs, attrs: "rsub.Scalar" if _is_scalar_input(inputs, 1) else "rsub.Tensor",
        {
            "rsub.Tensor": Formula(
                "RsubBackward0", self=("", lambda g, s: maybe_multiply(-g, s.alpha)), other=("", identity)
            ),
            "rsub.Scalar": Formula(
                "RsubBackward1", self=("", lambda g, s: maybe_multiply(-g, s.alpha)), other=None
            ),
        },
    ),
    method=False,
)
def rsub(input: Operand, other: Operand, *, alpha: Any = 1) -> Tensor:
    """torch.rsub: other - alpha * input (what `2 - t` calls)."""
    check_operands("rsub", input, other, overloaded=True)
    alpha = _alpha_argument("rsub", alpha)
    if _is_bool(input) or _is_bool(other):
        return sub(other, input, alpha=alpha)
    common = result_type(input, other)
    _check_alpha(alpha, common)
    out = elementwise(lambda x, y: y - _scaled(x, alpha), (input, other), common, common)
    record("rsub", out, (input, other), alpha=alpha)
    return out


# --- mul, div -----------------------------------------------------------------------------------------


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


def _rmul(self: Tensor, other: Operand) -> Tensor:
    """`other * self`: torch computes self.mul(other) (the number stays the second operand)."""
    return mul(self, other)


mul = binary(
    "mul",
    _multiply,
    DtypeRule(),
    Formula(
        "MulBackward0",
        self=("other", lambda g, s: g * conj(s.other)),
        other=("self", lambda g, s: g * conj(s.self)),
    ),
    exact_scalar=True,
    aliases=("multiply",),
    inplace=True,
    dunder="mul",
    reflected=_rmul,
)

_ROUNDING: dict[str | None, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    None: lambda x, y: x / y,
    "trunc": lambda x, y: np.trunc(x / y) if x.dtype.kind in "fc" else _int_trunc_div(x, y),
    "floor": np.floor_divide,
}


_TRUE_DIVISION = DtypeRule(promote=float_result_type, complex32="div_cpu")  # integers: the default float
_ROUNDED_DIVISION = DtypeRule(accepts=REAL_NO_BOOL)


def _int_trunc_div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    quotient = np.floor_divide(x, y)
    return quotient + ((quotient < 0) & (quotient * y != x))


def _rdiv(self: Tensor, other: Operand) -> Tensor:
    """`other / self`: torch computes reciprocal(self) * other."""
    if isinstance(other, Tensor):
        return div(other, self)
    return mul(reciprocal(self), other)


def _div_dtype(input: Operand, other: Any, rounding_mode: Any) -> dtype | None:
    """div_'s pre-check: true division gives a floating dtype, rounded division the promoted one."""
    if not _operand(other):
        return None
    return float_result_type(input, other) if rounding_mode is None else result_type(input, other)


@op(
    derivative=Overloads(
        lambda inputs, attrs: "div" if attrs.get("rounding_mode") is None else "div.Tensor_mode",
        {
            "div": Formula(
                "DivBackward0",
                self=("other", lambda g, s: g / conj(s.other)),
                other=("self other", lambda g, s: -g * conj(s.self / (s.other * s.other))),
            ),
            "div.Tensor_mode": Formula("DivBackward2", self=("", zeros), other=("", zeros)),  # rounded: zero
        },
    ),
    aliases=("divide", "true_divide"),
    inplace=True,
    result_dtype=lambda input, other, rounding_mode=None: _div_dtype(input, other, rounding_mode),
    dunder="truediv",
    reflected=_rdiv,
)
def div(input: Operand, other: Operand, *, rounding_mode: str | None = None) -> Tensor:
    """torch.div: true division (integers -> the default float dtype) or trunc/floor rounding."""
    check_operands("div", input, other)
    if not (rounding_mode is None or isinstance(rounding_mode, str)):
        raise invalid_combination("div", (input, other), {"rounding_mode": rounding_mode})
    if rounding_mode not in _ROUNDING:
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
        )
    if rounding_mode is None:
        common = _TRUE_DIVISION.common("div_cpu", input, other)
    else:
        common = _ROUNDED_DIVISION.common(f"div_{rounding_mode}_cpu", input, other)
        integer_divisor_check(input, other, common)
    out = elementwise(
        _ROUNDING[rounding_mode], (input, other), common, common, exact_scalar=rounding_mode is None
    )
    record("div", out, (input, other), rounding_mode=rounding_mode)
    return out


reciprocal = unary(
    "reciprocal",
    lambda x: 1 / x,
    DtypeRule(promote=float_result_type, complex32="reciprocal_cpu"),
    Formula("ReciprocalBackward0", self=("result", lambda g, s: -g * conj(s.result * s.result))),
    inplace=True,
)

floor_divide = binary(
    "floor_divide",
    np.floor_divide,
    DtypeRule(accepts=REAL_NO_BOOL),
    Formula("NotImplemented", self=("", not_implemented("floor_divide")), other=None),  # torch has none
    check=integer_divisor_check,
    overloaded=True,
    kernel_name="div_floor_cpu",
    inplace=True,
    dunder="floordiv",
)

remainder = binary(
    "remainder",
    np.remainder,
    DtypeRule(accepts=REAL_NO_BOOL),
    Overloads(
        lambda inputs, attrs: "remainder.Scalar" if _is_scalar_input(inputs, 1) else "remainder.Tensor",
        {
            "remainder.Tensor": Formula(
                "RemainderBackward1",
                self=("", identity),
                other=("self other", lambda g, s: -g * np.floor_divide(s.self, s.other)),
            ),
            "remainder.Scalar": Formula("RemainderBackward0", self=("", identity), other=None),
        },
    ),
    check=integer_divisor_check,
    overloaded=True,
    inplace=True,
    dunder="mod",
)


# --- pow ------------------------------------------------------------------------------------------------


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


def _reflected_pow(self: Tensor, base: Operand) -> Tensor:
    """`base ** self`."""
    return pow(base, self)


def _pow_overload(inputs: Sequence[Any], attrs: dict[str, Any]) -> str:
    if _is_scalar_input(inputs, 0):
        return "pow.Scalar"
    return "pow.Tensor_Scalar" if _is_scalar_input(inputs, 1) else "pow.Tensor_Tensor"


# torch's pow_tensor_scalar_optimized_kernel: these exponents are computed without pow()
_POW_SCALAR: dict[Any, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda x: x * x,
    3: lambda x: x * x * x,
    0.5: np.sqrt,
    -0.5: lambda x: 1 / np.sqrt(x),
    -1: lambda x: 1 / x,
    -2: lambda x: 1 / (x * x),
}


_POW = DtypeRule(accepts=NO_BOOL, complex32="pow")
# the type pow's kernel reads a number exponent in (checked): float and double kernels a double,
# complex ones a complex double, the others (integers, float16, bfloat16) the common dtype
_POW_EXPONENT = {
    dtypes.float32: dtypes.float64,
    dtypes.float64: dtypes.float64,
    dtypes.complex64: dtypes.complex128,
    dtypes.complex128: dtypes.complex128,
}


def _check_integer_power(base: Operand, exponent: Any) -> None:
    """pow(Tensor, Scalar)'s NumPy-compatibility check, before promotion: with an integer or bool
    base, an integer or bool exponent is read as an int64 (checked) and may not be negative."""
    if isinstance(base, Tensor) and base.dtype.category in INTEGERS and isinstance(exponent, int):
        checked_convert(exponent, dtypes.int64)
        if exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")


def _int_neg_pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x ** y for y < 0 in integers: 1 for x == 1, +-1 for x == -1 by parity, else 0."""
    return np.where(x == 1, 1, np.where(x == -1, np.where(y % 2 == 0, 1, -1), 0)).astype(x.dtype)


@op(
    derivative=Overloads(
        _pow_overload,
        {
            "pow.Tensor_Scalar": Formula("PowBackward0", self=("self", _pow_base_grad), exponent=None),
            "pow.Tensor_Tensor": Formula(
                "PowBackward1",
                self=("self exponent", _pow_base_grad),
                exponent=("self exponent result", _pow_exponent_grad),
            ),
            "pow.Scalar": Formula(
                "PowBackward2", self=None, exponent=("exponent result", _pow_exponent_grad)
            ),
        },
    ),
    inplace=True,
    result_dtype=_promoted_dtype,
    dunder="pow",
    reflected=_reflected_pow,
)
def pow(input: Operand, exponent: Operand) -> Tensor:
    """torch.pow: promoted; an integer tensor to a negative integer *scalar* power raises; a number
    exponent is converted (checked, see _POW_EXPONENT) to the kernel's type."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise invalid_combination("pow", (input, exponent))
    check_operands("pow", input, exponent, overloaded=True)
    if is_scalar(exponent):
        exponent = scalar_argument(exponent)
        _check_integer_power(input, exponent)
    common = result_type(input, exponent)
    trivial_exponent = is_scalar(exponent) and not isinstance(exponent, complex) and exponent in (0, 1)
    unit_base = is_scalar(input) and not isinstance(input, bool | np.bool_) and input == 1
    if trivial_exponent or unit_base:
        # torch: x ** 1 is a copy, x ** 0 and 1 ** x are ones (a number 1: not True), without the
        # kernel (so bool works)
        out = elementwise(
            lambda x, y: x if trivial_exponent and exponent == 1 else np.ones_like(x + y),
            (input, exponent),
            common,
            common,
        )
        record("pow", out, (input, exponent))
        return out
    common = _POW.common("pow", input, exponent)
    if is_scalar(exponent):
        checked_convert(exponent, _POW_EXPONENT.get(common, common))

    def power(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if x.dtype.kind in "fc" and is_scalar(exponent) and exponent in _POW_SCALAR:
            return _POW_SCALAR[exponent](x)
        if x.dtype.kind in "iu":  # NumPy refuses negative integer exponents; torch's powi gives 0, 1 or -1
            negative = y < 0
            return np.where(negative, _int_neg_pow(x, y), x ** np.where(negative, 0, y))
        if x.dtype.kind == "c":  # std::pow: exp(y log x) (NumPy multiplies out integer exponents,
            return np.exp(y * np.log(x))  # overflowing where torch's result underflows to 0)
        return np.power(x, y)

    out = elementwise(power, (input, exponent), common, common)
    record("pow", out, (input, exponent))
    return out


@op(inplace=True)
def square(input: Tensor) -> Tensor:
    """torch.square: pow(input, 2); bool squares to int64."""
    check_tensors("square", 1, input=input)
    return pow(input, 2)


# --- lerp, addcmul, addcdiv: three operands and a Scalar ------------------------------------------


def _lerp_kernel(x: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
    """torch's lerp: x + w (end - x) while |w| < 0.5, else end + (w - 1)(end - x) (exact at both
    ends), each one fused multiply-add (rounded once: for float32, through exact float64 products)."""
    small = np.abs(weight) < 0.5
    coefficient, base, difference = np.where(small, weight, weight - 1), np.where(small, x, end), end - x
    if difference.dtype == np.float32:
        wide = base.astype(np.float64) + coefficient.astype(np.float64) * difference
        return wide.astype(np.float32)
    return base + coefficient * difference


def _lerp_dtype(input: Operand, end: Any, weight: Any) -> dtype | None:
    """lerp_'s pre-check: a tensor weight takes part in promotion (a 0-d one of another dtype may)."""
    return result_type(input, end, weight) if isinstance(end, Tensor) and isinstance(weight, Tensor) else None


@op(
    derivative=Overloads(
        lambda inputs, attrs: "lerp.Tensor" if isinstance(inputs[2], Tensor) else "lerp.Scalar",
        {
            "lerp.Scalar": Formula(
                "LerpBackward0",
                self=("", lambda g, s: g * conj(1 - s.weight)),
                end=("", lambda g, s: g * conj(s.weight)),
                weight=None,
            ),
            "lerp.Tensor": Formula(
                "LerpBackward1",
                self=("weight", lambda g, s: g * conj(1 - s.weight)),
                end=("weight", lambda g, s: g * conj(s.weight)),
                weight=("self end", lambda g, s: g * conj(s.end - s.self)),
            ),
        },
    ),
    inplace=True,
    result_dtype=_lerp_dtype,
)
def lerp(input: Tensor, end: Tensor, weight: Operand) -> Tensor:
    """torch.lerp: input + weight * (end - input). end has input's dtype, and so has a tensor weight
    unless it is 0-d (then it promotes); floating and complex only; a number weight is converted
    (checked) to the compute dtype."""
    tensor_weight = isinstance(weight, Tensor)
    if not (isinstance(input, Tensor) and isinstance(end, Tensor) and (tensor_weight or is_scalar(weight))):
        raise invalid_combination("lerp", (input, end, weight))
    if not tensor_weight:
        weight = scalar_argument(weight)
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other.dtype is not input.dtype and (name == "end" or other.ndim):
            names = (dtypes.C_TYPE_NAMES[d.name] for d in (input.dtype, other.dtype))
            raise RuntimeError(
                "expected dtype {} for `{}` but got dtype {}".format(next(names), name, *names)
            )
    common = result_type(input, end, weight) if tensor_weight else input.dtype
    if common.category < FLOATING or common is dtypes.complex32:
        raise kernel_missing("lerp_kernel_tensor" if tensor_weight else "lerp_kernel_scalar", common)
    if tensor_weight:
        out = elementwise(_lerp_kernel, (input, end, weight), common, common)
    else:
        checked_convert(weight, opmath(common))
        w = np.asarray(weight).astype(opmath(common).np)
        out = elementwise(lambda x, e: _lerp_kernel(x, e, w), (input, end), common, common)
    record("lerp", out, (input, end, weight))
    return out


def _pointwise_with_value(
    name: str, kernel: Callable[..., np.ndarray], input: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any
) -> Tensor:
    """addcmul / addcdiv: kernel(input, tensor1, tensor2, value) on the three promoted tensors, value
    converted (checked) to the compute dtype (an integer one truncates it)."""
    check_tensors(name, 1, input=input, tensor1=tensor1, tensor2=tensor2)
    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.item()
    if not is_scalar(value):
        raise TypeError(f"{name}(): argument 'value' must be Number, not {type(value).__name__}")
    value = scalar_argument(value)
    common = result_type(input, tensor1, tensor2)
    if common is dtypes.bool or (name == "addcdiv" and common is dtypes.complex32):
        raise kernel_missing(f"{name}_cpu_out", common)
    checked_convert(value, opmath(common))
    v = np.asarray(value).astype(opmath(common).np)
    out = elementwise(lambda x, a, b: kernel(x, a, b, v), (input, tensor1, tensor2), common, common)
    record(name, out, (input, tensor1, tensor2), value=value)
    return out


@op(
    derivative=Formula(
        "AddcmulBackward0",
        self=("", identity),
        tensor1=("tensor2", lambda g, s: g * conj(s.tensor2 * s.value)),
        tensor2=("tensor1", lambda g, s: g * conj(s.tensor1 * s.value)),
    ),
    inplace=True,
    result_dtype=_promoted_dtype,
)
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Operand = 1) -> Tensor:
    """torch.addcmul: input + value * tensor1 * tensor2, promoted; no bool."""
    return _pointwise_with_value("addcmul", lambda x, a, b, v: x + v * a * b, input, tensor1, tensor2, value)


_INTEGER_ADDCDIV = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
    "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
    "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
    "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
    "implementation: (input + value * tensor1 / tensor2), for all dtypes."
)


@op(
    derivative=Formula(
        "AddcdivBackward0",
        self=("", identity),
        tensor1=("tensor2", lambda g, s: g * conj(s.value / s.tensor2)),
        tensor2=("tensor1 tensor2", lambda g, s: -g * conj(s.value * s.tensor1 / (s.tensor2 * s.tensor2))),
    ),
    inplace=True,
    result_dtype=_promoted_dtype,
)
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Operand = 1) -> Tensor:
    """torch.addcdiv: input + value * tensor1 / tensor2, promoted; refused when tensor1 and tensor2 are
    both integers (or bools), whose division torch no longer defines here."""
    if all(isinstance(t, Tensor) and t.dtype.category in INTEGERS for t in (tensor1, tensor2)):
        raise RuntimeError(_INTEGER_ADDCDIV)
    return _pointwise_with_value("addcdiv", lambda x, a, b, v: x + v * a / b, input, tensor1, tensor2, value)


# --- two-tensor ops ----------------------------------------------------------------------------------


def _tie_split(grad: np.ndarray, mine: Any, theirs: Any, loses: Callable[..., Any]) -> np.ndarray:
    """maximum/minimum: the winner takes the gradient, a tie splits it in half (torch's formula)."""
    return np.where(mine == theirs, grad / 2, np.where(loses(mine, theirs), 0, grad))


atan2 = binary(
    "atan2",
    np.arctan2,
    DtypeRule(promote=float_result_type, accepts=REAL_NO_BOOL | {BOOL}),
    Formula(
        "Atan2Backward0",
        self=("self other", lambda g, s: g * s.other / (s.self * s.self + s.other * s.other)),
        other=("self other", lambda g, s: g * -s.self / (s.self * s.self + s.other * s.other)),
    ),
    tensors_only=True,
    inplace=True,
)


def _extremum(name: str, kernel: Callable[..., Any], loses: Callable[..., Any]) -> Callable[..., Tensor]:
    """torch.maximum / minimum: two tensors, elementwise; NaN propagates; no complex."""
    refused = (RuntimeError, f"{name} not implemented for complex tensors.")
    return binary(
        name,
        kernel,
        DtypeRule(accepts=REAL_NO_BOOL | {BOOL}, refusals={COMPLEX: refused}),
        Formula(
            f"{name.capitalize()}Backward0",
            self=("self other", lambda g, s: _tie_split(g, s.self, s.other, loses)),
            other=("self other", lambda g, s: _tie_split(g, s.other, s.self, loses)),
        ),
        tensors_only=True,
    )


maximum = _extremum("maximum", np.maximum, np.less)
minimum = _extremum("minimum", np.minimum, np.greater)


# --- bitwise and logical -------------------------------------------------------------------------------

_BITWISE = DtypeRule(accepts=INTEGERS)
bitwise_and = binary(
    "bitwise_and", np.bitwise_and, _BITWISE, None, overloaded=True, inplace=True, dunder="and"
)
bitwise_or = binary("bitwise_or", np.bitwise_or, _BITWISE, None, overloaded=True, inplace=True, dunder="or")
bitwise_xor = binary(
    "bitwise_xor", np.bitwise_xor, _BITWISE, None, overloaded=True, inplace=True, dunder="xor"
)


def _invert(self: Tensor) -> Tensor:
    """`~t`: Python's operator refuses floats with a TypeError (the function: NotImplementedError)."""
    if self.dtype.category not in INTEGERS:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return bitwise_not(self)


bitwise_not = unary("bitwise_not", np.invert, _BITWISE, None, inplace=True, extra={"__invert__": _invert})
logical_not = unary("logical_not", np.logical_not, DtypeRule(returns=to_bool), None, inplace=True)


# --- comparisons ---------------------------------------------------------------------------------------

_EQUALITY = DtypeRule(computes=lambda d: d, returns=to_bool)  # compared in the promoted dtype
_ORDER = DtypeRule(accepts=REAL_NO_BOOL | {BOOL}, computes=lambda d: d, returns=to_bool)
eq = binary("eq", np.equal, _EQUALITY, None, overloaded=True, inplace=True, dunder="eq")
ne = binary(
    "ne", np.not_equal, _EQUALITY, None, overloaded=True, aliases=("not_equal",), inplace=True, dunder="ne"
)
lt = binary(
    "lt", np.less, _ORDER, None, overloaded=True, aliases=("less",), inplace=True, dunder="lt", arrays=False
)
le = binary(
    "le", np.less_equal, _ORDER, None, aliases=("less_equal",), inplace=True, dunder="le", arrays=False
)
gt = binary(
    "gt",
    np.greater,
    _ORDER,
    None,
    overloaded=True,
    aliases=("greater",),
    inplace=True,
    dunder="gt",
    arrays=False,
)
ge = binary(
    "ge", np.greater_equal, _ORDER, None, aliases=("greater_equal",), inplace=True, dunder="ge", arrays=False
)


@op()
def equal(input: Tensor, other: Tensor) -> bool:
    """torch.equal: same shape and the same values."""
    check_tensors("equal", 1, input=input, other=other)
    return input.shape == other.shape and builtins.bool(np.all(eq(input, other)._data))


# --- unary functions -------------------------------------------------------------------------------


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _float(complex32_kernel: str) -> DtypeRule:
    """Integers and bools compute in the default float dtype; torch has no complex32 CPU kernel."""
    return DtypeRule(promote=float_result_type, complex32=complex32_kernel)


exp = unary(
    "exp",
    np.exp,
    _float("exp_vml_cpu"),
    Formula("ExpBackward0", self=("result", lambda g, s: g * conj(s.result))),
    inplace=True,
)
log = unary(
    "log",
    np.log,
    _float("log_vml_cpu"),
    Formula("LogBackward0", self=("self", lambda g, s: g / conj(s.self))),
    inplace=True,
)
sqrt = unary(
    "sqrt",
    np.sqrt,
    _float("sqrt_vml_cpu"),
    Formula("SqrtBackward0", self=("result", lambda g, s: g / (2 * conj(s.result)))),
    inplace=True,
)
sin = unary(
    "sin",
    np.sin,
    _float("sin_vml_cpu"),
    Formula("SinBackward0", self=("self", lambda g, s: g * conj(np.cos(s.self)))),
    inplace=True,
)
cos = unary(
    "cos",
    np.cos,
    _float("cos_vml_cpu"),
    Formula("CosBackward0", self=("self", lambda g, s: g * -conj(np.sin(s.self)))),
    inplace=True,
)
tanh = unary(
    "tanh",
    np.tanh,
    _float("tanh_vml_cpu"),
    Formula("TanhBackward0", self=("result", lambda g, s: g * conj(1 - s.result * s.result))),
    inplace=True,
)
sigmoid = unary(
    "sigmoid",
    _sigmoid,
    _float("sigmoid_cpu"),
    Formula("SigmoidBackward0", self=("result", lambda g, s: g * conj((1 - s.result) * s.result))),
    inplace=True,
)


log1p = unary(
    "log1p",
    np.log1p,
    _float("log1p_vml_cpu"),
    Formula("Log1PBackward0", self=("self", lambda g, s: g / conj(1 + s.self))),
    inplace=True,
)


def _positive(self: Tensor) -> Tensor:
    """`+t` is t itself."""
    return self


_NEGATION_OF_BOOL = (
    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, "
    "use the `~` or `logical_not()` operator instead."
)
neg = unary(
    "neg",
    np.negative,
    DtypeRule(accepts=NO_BOOL, refusals={BOOL: (RuntimeError, _NEGATION_OF_BOOL)}),
    Formula("NegBackward0", self=("", lambda g, s: -g)),
    aliases=("negative",),
    inplace=True,
    also=("__neg__",),
    extra={"__pos__": _positive},
)


def _abs_(self: Tensor) -> Tensor:
    """Tensor.abs_: refused for complex tensors (|z| is real)."""
    if self.dtype.is_complex:
        raise RuntimeError("In-place abs is not supported for complex tensors.")
    check_writable(self)
    return write_into(self, abs(self))


abs = unary(
    "abs",
    np.abs,
    DtypeRule(accepts=NO_BOOL, returns=to_real),  # |complex| is real
    Formula("AbsBackward0", self=("self", lambda g, s: g * np.sign(s.self))),
    aliases=("absolute",),
    inplace=_abs_,
    also=("__abs__",),
)
relu = unary(
    "relu",
    lambda x: np.maximum(x, 0).astype(x.dtype),
    DtypeRule(
        accepts=REAL_NO_BOOL,
        refusals={
            BOOL: (RuntimeError, "Boolean inputs not supported for relu"),
            COMPLEX: (NotImplementedError, "clamp is not supported for complex types"),
        },
    ),
    Formula("ReluBackward0", self=("result", lambda g, s: np.where(s.result > 0, g, 0))),
    inplace=True,
)


# --- clamp ---------------------------------------------------------------------------------------------

# the kernel clamp runs, by (number bounds?, min given?, max given?), and the categories it refuses
_CLAMP_KERNELS = {
    (True, True, True): "clamp_scalar_cpu",
    (True, True, False): "clamp_min_scalar_cpu",
    (True, False, True): "clamp_max_scalar_cpu",
    (False, True, True): "clamp_cpu",
    (False, True, False): "maximum_cpu",
    (False, False, True): "minimum_cpu",
}
_CLAMP_REFUSES = {"maximum_cpu": {COMPLEX}, "minimum_cpu": {COMPLEX}}  # the others refuse bool and complex


def _within(x: np.ndarray, low: Any, high: Any) -> Any:
    """Where low <= x <= high (a missing bound is no limit)."""
    return (True if low is None else x >= low) & (True if high is None else x <= high)


def _clamp_(self: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """Tensor.clamp_: torch names self's dtype by its C++ type ('long int') when both bounds are numbers."""
    check_writable(self)
    scalar_bounds = not builtins.any(isinstance(b, Tensor) for b in (min, max))
    return write_into(
        self, clamp(self, min, max), (lambda d: dtypes.C_TYPE_NAMES[d.name]) if scalar_bounds else None
    )


@op(
    derivative=Overloads(
        lambda inputs, attrs: "clamp.Tensor" if len(inputs) == 3 else "clamp",
        {
            "clamp": Formula(
                "ClampBackward1", self=("self", lambda g, s: np.where(_within(s.self, s.min, s.max), g, 0))
            ),
            "clamp.Tensor": Formula(
                "ClampBackward0",
                self=("self min max", lambda g, s: np.where(_within(s.self, s.min, s.max), g, 0)),
                min=("self min", lambda g, s: np.where(s.self < s.min, g, 0)),
                max=("self max", lambda g, s: np.where(s.self > s.max, g, 0)),
            ),
        },
    ),
    aliases=("clip",),
    inplace=_clamp_,
)
def clamp(input: Tensor, min: Operand | None = None, max: Operand | None = None) -> Tensor:
    """torch.clamp: min applied first, then max (so min > max gives max). Tensor bounds promote with
    input; number bounds promote a non-floating input only, and the kernel converts them to the
    result dtype (checked; a complex one is first read as a double)."""
    bounds = tuple(b for b in (min, max) if b is not None)
    if not isinstance(input, Tensor) or not all(isinstance(b, Tensor) or is_scalar(b) for b in bounds):
        raise invalid_combination("clamp", (input, *bounds))
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    min, max = (b if b is None or isinstance(b, Tensor) else scalar_argument(b) for b in (min, max))
    bounds = tuple(b for b in (min, max) if b is not None)
    if input.dtype.category == COMPLEX:
        raise NotImplementedError("clamp is not supported for complex types")
    numbers = not builtins.any(isinstance(b, Tensor) for b in bounds)
    common = input.dtype if numbers and input.dtype.category == FLOATING else result_type(input, *bounds)
    if numbers and common.category == COMPLEX:
        raise NotImplementedError("clamp is not supported for complex types")
    kernel = _CLAMP_KERNELS[(numbers, min is not None, max is not None)]
    if common.category in _CLAMP_REFUSES.get(kernel, {BOOL, COMPLEX}):
        raise kernel_missing(kernel, common)
    if numbers:
        for value in bounds:
            if isinstance(value, complex):
                checked_convert(value, dtypes.float64)
            checked_convert(value, common)

    def clip(x: np.ndarray, *limits: np.ndarray) -> np.ndarray:
        low = limits[0] if min is not None else None
        high = limits[-1] if max is not None else None
        if low is not None:
            x = np.where(np.isnan(low) if low.dtype.kind == "f" else False, low, np.maximum(x, low))
        if high is not None:
            x = np.where(np.isnan(high) if high.dtype.kind == "f" else False, high, np.minimum(x, high))
        return x

    out = elementwise(clip, (input, *bounds), common, common)
    if not numbers:
        record("clamp", out, (input, min, max))
    else:
        record("clamp", out, (input,), min=min, max=max)
    return out


def _clamp_min_(self: Tensor, min: Operand) -> Tensor:
    return _clamp_(self, min=min)


def _clamp_max_(self: Tensor, max: Operand) -> Tensor:
    return _clamp_(self, max=max)


@op(inplace=_clamp_min_)
def clamp_min(input: Tensor, min: Operand) -> Tensor:
    return clamp(input, min=min)


@op(inplace=_clamp_max_)
def clamp_max(input: Tensor, max: Operand) -> Tensor:
    return clamp(input, max=max)


# --- where ------------------------------------------------------------------------------------------


def _where_method(self: Tensor, condition: Tensor, other: Operand) -> Tensor:
    """Tensor.where(condition, other): torch.where(condition, self, other)."""
    return where(condition, self, other)


@op(
    derivative=Formula(
        "WhereBackward0",
        condition=None,
        self=("condition", lambda g, s: np.where(s.condition, g, 0)),
        other=("condition", lambda g, s: np.where(s.condition, 0, g)),
    ),
    method=_where_method,
)
def where(condition: Tensor, input: Operand | None = None, other: Operand | None = None) -> Any:
    """torch.where: condition must be bool; input and other promote like a binary op, and a number
    among them is converted to the result dtype as a one-element fill (fill_convert)."""
    if input is None and other is None and isinstance(condition, Tensor):
        return nonzero(condition, as_tuple=True)
    if not (isinstance(condition, Tensor) and _operand(input) and _operand(other)):
        raise invalid_combination("where", [x for x in (condition, input, other) if x is not None])
    assert input is not None and other is not None
    if condition.dtype not in (dtypes.bool, dtypes.uint8):  # uint8 masks are still accepted
        raise RuntimeError(
            "where expected condition to be a boolean tensor, "
            f"but got a tensor with dtype {condition.dtype.scalar_type}"
        )
    common = result_type(input, other)
    for value in (input, other):
        if not isinstance(value, Tensor):  # a number becomes scalar_tensor(value, dtype=common)
            fill_convert(scalar_argument(value), common, 1)
    operands = [t for t in (condition, input, other) if isinstance(t, Tensor)]
    shape = broadcast_shape_of(*(t._data.shape for t in operands))
    compute = opmath(common)
    with np.errstate(all="ignore"):
        values = np.where(condition._data.astype(bool), values_of(input, compute), values_of(other, compute))
    out = result_tensor(values, shape, common, operands)
    record("where", out, (condition, input, other))
    return out
