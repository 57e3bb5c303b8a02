"""Type promotion: the result dtype (and values) of binary ops over every dtype pair and operand kind.

torch's rule (docs: "Type Promotion" in torch.Tensor's attributes page): operands are ranked by
category bool < integer < floating < complex and by kind dimensioned tensor > zero-dim tensor >
Python scalar. The result is the promotion of the highest-ranked operands; a lower kind only
lifts the category (an int tensor with a Python float gives the default dtype; a float32 tensor
with a float64 zero-dim tensor stays float32). Ops add their own rule on top: true division and
atan2 give a floating type, comparisons give bool, bitwise ops reject floats.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome, observe
from spec.scenario import Case, default_dtype, lacks_default_dtype, scenario
from spec.strategies import NUMPY_DTYPES, build, category, draw_tensor_spec, mutual_shapes

DEFAULT_DTYPES = ("float32", "float64")

OPS: dict[str, str | None] = {
    "add": "__radd__",
    "sub": "__rsub__",
    "mul": "__rmul__",
    "div": "__rtruediv__",
    "floor_divide": "__rfloordiv__",
    "remainder": "__rmod__",
    "pow": "__rpow__",
    "eq": "__eq__",
    "lt": "__gt__",
    "maximum": None,
    "atan2": None,
    "bitwise_and": "__rand__",
}
"""Binary ops, each with its own dtype rule, and the reflected operator computing `scalar <op> tensor`."""

LHS_VALUES: dict[str, list[Any]] = {
    "bool": [True, False, True],
    "uint": [5, 3, 7],
    "int": [-5, 3, 7],
    "float": [-5.5, 3.25, 7.0],
    "complex": [-5.5 + 1j, 3.25, 7 - 2j],
}
RHS_VALUES: dict[str, list[Any]] = {
    "bool": [True, True, True],
    "uint": [2, 3, 1],
    "int": [2, 3, 1],
    "float": [2.0, 0.5, -1.5],
    "complex": [2 + 0.5j, 0.5, -1.5j],
}
"""Operand values per category: exact in every dtype of the category, no integer divides by zero,
no integer result overflows int8, integer powers have non-negative exponents."""

SCALARS: dict[str, Any] = {"bool": True, "int": 2, "float": 2.5, "complex": 1.5 - 0.5j}
"""One Python scalar per Python type, named by the type."""

TENSOR_KINDS = ("tensor", "zero_dim")


def _values(table: dict[str, list[Any]], dtype: str) -> list[Any]:
    return table["uint" if dtype == "uint8" else category(dtype)]


def operand(engine: Engine, kind: str, dtype: str, table: dict[str, list[Any]]) -> Any:
    """A 3-element tensor, a zero-dim tensor, or a Python scalar (dtype = its Python type name)."""
    if kind == "scalar":
        return SCALARS[dtype]
    values = _values(table, dtype)
    return engine.tensor(values if kind == "tensor" else values[0], dtype=dtype)


def _binary_cases() -> list[Case]:
    tensors = list(itertools.product(TENSOR_KINDS, DTYPES))
    scalars = [("scalar", kind) for kind in SCALARS]
    cases = []
    for default, op in itertools.product(DEFAULT_DTYPES, OPS):
        pairs = itertools.product(tensors, tensors + scalars)
        if OPS[op] is not None:
            pairs = itertools.chain(pairs, itertools.product(scalars, tensors))
        for (lhs_kind, lhs_dtype), (rhs_kind, rhs_dtype) in pairs:
            cases.append(
                {
                    "op": op,
                    "lhs_kind": lhs_kind,
                    "lhs_dtype": lhs_dtype,
                    "rhs_kind": rhs_kind,
                    "rhs_dtype": rhs_dtype,
                    "default_dtype": default,
                }
            )
    return cases


@scenario(cases=_binary_cases, finite=True)
def binary_op(engine: Engine, case: Case) -> Outcome:
    """torch.<op>(lhs, rhs) (or `scalar <op> tensor` through the reflected operator): the result's
    dtype follows torch's category/kind promotion plus the op's own rule, and its values are the
    op computed in that dtype; ops torch rejects for a dtype (bool sub, float bitwise_and, complex
    comparisons...) raise its error."""
    if unsupported := lacks_default_dtype(engine, case):
        return unsupported
    out = Outcome()
    with default_dtype(engine, case["default_dtype"]), out.catching():
        lhs = operand(engine, case["lhs_kind"], case["lhs_dtype"], LHS_VALUES)
        rhs = operand(engine, case["rhs_kind"], case["rhs_dtype"], RHS_VALUES)
        if case["lhs_kind"] == "scalar":
            result = engine.method(OPS[case["op"]], rhs, lhs)
        else:
            result = engine.call(case["op"], lhs, rhs)
        out.tensors["result"] = observe(engine, result)
    return out


_OP_DTYPES = st.sampled_from(list(itertools.product(sorted(OPS), DTYPES, DTYPES)))


@st.composite
def _values_cases(draw: st.DrawFn) -> Case:
    """An op, two dtypes, broadcastable shapes, and values from either layer in any layout."""
    op, lhs_dtype, rhs_dtype = draw(_OP_DTYPES)
    lhs_shape, rhs_shape = draw(mutual_shapes(2))
    return {
        "op": op,
        "lhs_dtype": lhs_dtype,
        "rhs_dtype": rhs_dtype,
        "lhs": draw_tensor_spec(draw, lhs_dtype, lhs_shape),
        "rhs": draw_tensor_spec(draw, rhs_dtype, rhs_shape),
    }


@scenario(cases=_values_cases, keys=["op", "lhs_dtype", "rhs_dtype"])
def binary_values(engine: Engine, case: Case) -> Outcome:
    """torch.<op>(lhs, rhs) on drawn values of mixed dtypes, including nan, +-inf, -0.0, subnormals
    and integer extremes, in transposed, strided and expanded layouts: values are computed in the
    promoted dtype (integers wrap, nan propagates through maximum, floor_divide floors toward -inf,
    remainder takes the divisor's sign); integer division by zero raises."""
    out = Outcome()
    with out.catching():
        lhs, rhs = build(engine, case["lhs"]), build(engine, case["rhs"])
        out.tensors["result"] = observe(engine, engine.call(case["op"], lhs, rhs))
    return out


@scenario(cases=lambda: [{"a": a, "b": b} for a, b in itertools.product(DTYPES, DTYPES)], finite=True)
def promote_types(engine: Engine, case: Case) -> Outcome:
    """torch.promote_types(a, b): the lattice of dtypes (e.g. uint8+int8 -> int16, bfloat16+float16
    -> float32, int64+float16 -> float16), symmetric in a and b."""
    out = Outcome()
    with out.catching():
        out.facts["result"] = engine.promote_types(case["a"], case["b"])
    return out


INPLACE_OPS = ("add_", "sub_", "mul_", "div_")


def _inplace_cases() -> list[Case]:
    rhs = [*itertools.product(TENSOR_KINDS, DTYPES), *(("scalar", kind) for kind in SCALARS)]
    return [
        {"op": op, "lhs_dtype": lhs, "rhs_kind": kind, "rhs_dtype": dtype, "default_dtype": default}
        for default, op, lhs, (kind, dtype) in itertools.product(DEFAULT_DTYPES, INPLACE_OPS, DTYPES, rhs)
    ]


@scenario(cases=_inplace_cases, finite=True, requires=[Capability.INPLACE])
def inplace_cast(engine: Engine, case: Case) -> Outcome:
    """a.<op>_(b) computes in the promoted dtype and casts the result to a's dtype; when the
    promoted category is higher than a's (float into an int tensor, complex into float, anything
    but bool into bool) torch raises "result type X can't be cast to the desired output type Y".
    The in-place method returns self."""
    if unsupported := lacks_default_dtype(engine, case):
        return unsupported
    out = Outcome()
    with default_dtype(engine, case["default_dtype"]), out.catching():
        lhs = operand(engine, "tensor", case["lhs_dtype"], LHS_VALUES)
        rhs = operand(engine, case["rhs_kind"], case["rhs_dtype"], RHS_VALUES)
        result = engine.method(case["op"], lhs, rhs)
        out.facts["returns_self"] = result is lhs
        out.tensors["self"] = observe(engine, lhs)
    return out


INT_DTYPES = tuple(d for d in DTYPES if category(d) == "int")


def _zero_division_cases() -> list[Case]:
    return [
        {"op": op, "dtype": dtype, "divisor_kind": kind}
        for op, dtype, kind in itertools.product(
            ("div", "floor_divide", "remainder"), INT_DTYPES, ("tensor", "zero_dim", "scalar")
        )
    ]


@scenario(cases=_zero_division_cases, finite=True)
def integer_division_by_zero(engine: Engine, case: Case) -> Outcome:
    """Integer floor_divide and remainder by zero raise RuntimeError("ZeroDivisionError"); true
    division promotes to the default float dtype and gives inf/nan."""
    out = Outcome()
    with out.catching():
        dividend = engine.tensor([3, 0, -2] if case["dtype"] != "uint8" else [3, 0, 2], dtype=case["dtype"])
        kind = case["divisor_kind"]
        divisor = (
            0
            if kind == "scalar"
            else engine.tensor([0, 0, 0] if kind == "tensor" else 0, dtype=case["dtype"])
        )
        out.tensors["result"] = observe(engine, engine.call(case["op"], dividend, divisor))
    return out


FORMS_OPS: dict[str, tuple[str, str, str]] = {
    "add": ("add_", "__add__", "__iadd__"),
    "sub": ("sub_", "__sub__", "__isub__"),
    "mul": ("mul_", "__mul__", "__imul__"),
    "div": ("div_", "__truediv__", "__itruediv__"),
    "floor_divide": ("floor_divide_", "__floordiv__", "__ifloordiv__"),
    "remainder": ("remainder_", "__mod__", "__imod__"),
    "pow": ("pow_", "__pow__", "__ipow__"),
    "bitwise_and": ("bitwise_and_", "__and__", "__iand__"),
}
"""op -> (in-place method, operator, augmented operator)."""


def _forms_cases() -> list[Case]:
    return [
        {"op": op, "lhs_dtype": a, "rhs_dtype": b}
        for op, a, b in itertools.product(FORMS_OPS, DTYPES, DTYPES)
    ]


@scenario(cases=_forms_cases, finite=True, requires=[Capability.INPLACE])
def forms_agree(engine: Engine, case: Case) -> Outcome:
    """The function torch.op(a, b), the method a.op(b), the operator (a + b) give the same result;
    the in-place a.op_(b) and augmented a += b give it cast to a's dtype (or torch's cast error).
    Each form is recorded separately, with its error type in facts when it raises."""
    out = Outcome()
    inplace, operator, augmented = FORMS_OPS[case["op"]]
    forms: dict[str, tuple[str, str]] = {
        "function": ("call", case["op"]),
        "method": ("method", case["op"]),
        "operator": ("method", operator),
        "inplace": ("method", inplace),
        "augmented": ("method", augmented),
    }
    for form, (how, name) in forms.items():
        try:
            lhs = operand(engine, "tensor", case["lhs_dtype"], LHS_VALUES)
            rhs = operand(engine, "tensor", case["rhs_dtype"], RHS_VALUES)
            result = engine.call(name, lhs, rhs) if how == "call" else engine.method(name, lhs, rhs)
            out.tensors[form] = observe(engine, result)
        except Exception as exc:
            out.facts[f"{form}_error"] = type(exc).__name__
    return out


# --- special values through the ops that have a rule for them -------------------------------------
SPECIALS: tuple[float, ...] = (math.nan, -math.inf, -2.0, -0.0, 0.0, 0.5, math.inf)
"""Special values with ordinary neighbours, exact in every float dtype: a tensor holding every
ordered pair of them (lhs, rhs) checks each rule on all of them at once."""

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")

Special = Callable[[Engine, Any, Any, Any], Any]
SPECIAL_OPS: dict[str, tuple[Special, bool]] = {
    "add": (lambda e, a, b, ab: e.call("add", a, b), True),
    "sub": (lambda e, a, b, ab: e.call("sub", a, b), True),
    "mul": (lambda e, a, b, ab: e.call("mul", a, b), True),
    "div": (lambda e, a, b, ab: e.call("div", a, b), True),
    "neg": (lambda e, a, b, ab: e.call("neg", a), True),
    "abs": (lambda e, a, b, ab: e.call("abs", a), True),
    "sqrt": (lambda e, a, b, ab: e.call("sqrt", a), True),
    "maximum": (lambda e, a, b, ab: e.call("maximum", a, b), False),
    "minimum": (lambda e, a, b, ab: e.call("minimum", a, b), False),
    "pow": (lambda e, a, b, ab: e.call("pow", a, b), False),
    "atan2": (lambda e, a, b, ab: e.call("atan2", a, b), False),
    "remainder": (lambda e, a, b, ab: e.call("remainder", a, b), False),
    "floor_divide": (lambda e, a, b, ab: e.call("floor_divide", a, b), False),
    "eq": (lambda e, a, b, ab: e.call("eq", a, b), False),
    "lt": (lambda e, a, b, ab: e.call("lt", a, b), False),
    "exp": (lambda e, a, b, ab: e.call("exp", a), False),
    "log": (lambda e, a, b, ab: e.call("log", a), False),
    "tanh": (lambda e, a, b, ab: e.call("tanh", a), False),
    "sigmoid": (lambda e, a, b, ab: e.call("sigmoid", a), False),
    "relu": (lambda e, a, b, ab: e.call("relu", a), False),
    "clamp": (lambda e, a, b, ab: e.call("clamp", a, min=-1.0, max=1.0), False),
    "where": (lambda e, a, b, ab: e.call("where", e.call("lt", a, b), a, b), False),
    "sum": (lambda e, a, b, ab: e.call("sum", ab, dim=1), False),
    "prod": (lambda e, a, b, ab: e.call("prod", ab, dim=1), False),
    "mean": (lambda e, a, b, ab: e.call("mean", ab, dim=1), False),
    "amax": (lambda e, a, b, ab: e.call("amax", ab, dim=1), False),
    "amin": (lambda e, a, b, ab: e.call("amin", ab, dim=1), False),
    "max_dim": (lambda e, a, b, ab: e.call("max", ab, dim=1), False),
    "min_dim": (lambda e, a, b, ab: e.call("min", ab, dim=1), False),
    "max": (lambda e, a, b, ab: e.call("max", a), False),
    "min": (lambda e, a, b, ab: e.call("min", a), False),
}
"""op -> (its computation on lhs, rhs and the pairs as rows, whether torch fixes the sign of a
zero result: IEEE arithmetic, negation, abs and sqrt do; maximum/minimum of -0.0 and 0.0, sums
and the rest leave it to the kernel, so only their values are compared)."""


def record_results(engine: Engine, out: Outcome, result: Any, **options: Any) -> None:
    """A result as out.tensors['result'], or ['values'] and ['indices'] of a (values, indices) pair."""
    if isinstance(result, tuple | list):
        for name, t in zip(("values", "indices"), result, strict=True):
            out.tensors[name] = observe(engine, t, **options)
    else:
        out.tensors["result"] = observe(engine, result, **options)


@scenario(
    cases=lambda: [{"op": op, "dtype": d} for op, d in itertools.product(SPECIAL_OPS, FLOAT_DTYPES)],
    finite=True,
)
def special_values(engine: Engine, case: Case) -> Outcome:
    """Every ordered pair of nan, -inf, -2, -0.0, 0.0, 0.5, inf through each op with a rule for
    them, in every float dtype: maximum/minimum, max/min/amax/amin and comparisons propagate or
    order nan as torch does (maximum(nan, x) is nan, max(dim) returns the index of a nan, nan
    compares false, -0.0 == 0.0), IEEE arithmetic gives its infinities and nans, and negation,
    abs, sqrt, add, sub, mul and div give zeros of the sign IEEE fixes (-(0.0) is -0.0,
    abs(-0.0) is 0.0, sqrt(-0.0) is -0.0), compared sign and all."""
    out = Outcome()
    compute, signed = SPECIAL_OPS[case["op"]]
    with out.catching():
        lhs = [x for x in SPECIALS for _ in SPECIALS]
        rhs = [y for _ in SPECIALS for y in SPECIALS]
        a, b = engine.tensor(lhs, dtype=case["dtype"]), engine.tensor(rhs, dtype=case["dtype"])
        pairs = engine.tensor([list(p) for p in zip(lhs, rhs, strict=True)], dtype=case["dtype"])
        record_results(engine, out, compute(engine, a, b, pairs), signed_zeros=signed)
    return out


# --- integer special values: wrap-around, signs of division, negative powers ------------------------
INTEGER_OPS: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "add": ("add", None),
    "sub": ("sub", None),
    "mul": ("mul", None),
    "bitwise_and": ("bitwise_and", None),
    "floor_divide": ("floor_divide", (-3, -2, 2, 3)),
    "remainder": ("remainder", (-3, -2, 2, 3)),
    "pow": ("pow", (-2, -1, 0, 1, 2, 3, 7)),
    "neg": ("neg", ()),
    "abs": ("abs", ()),
}
"""op -> (torch name, its right operands: None for every special value, () for a unary op).
Divisors leave out 0 (an error, checked elsewhere) and -1 (min // -1 overflows: SIGFPE in C)."""


def integer_specials(dtype: str) -> list[int]:
    """min, min + 1, -2, -1, 0, 1, 2, max - 1, max of an integer dtype (those it holds)."""
    info = np.iinfo(NUMPY_DTYPES[dtype])
    wanted = (int(info.min), int(info.min) + 1, -2, -1, 0, 1, 2, int(info.max) - 1, int(info.max))
    return sorted({v for v in wanted if info.min <= v <= info.max})


@scenario(
    cases=lambda: [{"op": op, "dtype": d} for op, d in itertools.product(INTEGER_OPS, INT_DTYPES)],
    finite=True,
)
def integer_special_values(engine: Engine, case: Case) -> Outcome:
    """Integer ops on every pair of a dtype's special values (min, min + 1, -2, -1, 0, 1, 2,
    max - 1, max): add, sub, mul and pow wrap around (no saturation, no error), neg and abs of
    min are min, floor_divide rounds toward -inf and remainder takes the divisor's sign, and an
    integer to a negative integer power is 0 except for bases 1 and -1 (+-1)."""
    out = Outcome()
    name, rhs_values = INTEGER_OPS[case["op"]]
    with out.catching():
        specials = integer_specials(case["dtype"])
        rhs = (
            specials
            if rhs_values is None
            else [v for v in rhs_values if v in range(specials[0], specials[-1] + 1)]
        )
        if rhs_values == ():
            result = engine.call(name, engine.tensor(specials, dtype=case["dtype"]))
        else:
            lhs = engine.tensor([x for x in specials for _ in rhs], dtype=case["dtype"])
            result = engine.call(
                name, lhs, engine.tensor([y for _ in specials for y in rhs], dtype=case["dtype"])
            )
        out.tensors["result"] = observe(engine, result)
    return out


# --- Python scalars: negative, zero, out of the tensor dtype's range -----------------------------
PYTHON_SCALARS: dict[str, int | float] = {
    "-1": -1,
    "0": 0,
    "-3": -3,
    "300": 300,
    "2**31": 2**31,
    "2**63": 2**63,
    "2**64": 2**64,
    "-2.5": -2.5,
    "1e300": 1e300,
    "-0.0": -0.0,
}
"""Python scalars by name (TOML, hence manifests, cannot write integers beyond int64)."""

SCALAR_OPS: dict[str, tuple[str, str]] = {
    "add": ("call", "add"),
    "sub": ("call", "sub"),
    "mul": ("call", "mul"),
    "floor_divide": ("call", "floor_divide"),
    "remainder": ("call", "remainder"),
    "pow": ("call", "pow"),
    "bitwise_and": ("call", "bitwise_and"),
    "eq": ("call", "eq"),
    "lt": ("call", "lt"),
    "rsub": ("method", "__rsub__"),
    "rpow": ("method", "__rpow__"),
    "where": ("where", "where"),
    "clamp": ("clamp", "clamp"),
}
"""tensor <op> scalar through torch.<op>, scalar <op> tensor through the reflected operator,
torch.where(cond, tensor, scalar) and torch.clamp(tensor, min=scalar)."""

SCALAR_DTYPES = ("bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64")
SCALAR_TENSORS: dict[str, list[Any]] = {
    "bool": [True, False, True],
    "uint": [5, 0, 2],
    "int": [5, 0, -2],
    "float": [5.0, 0.0, -2.5],
}
SIGNED_ZERO_OPS = frozenset({"add", "sub", "mul", "rsub"})


def _scalar_cases() -> list[Case]:
    return [
        {"op": op, "dtype": d, "scalar": s}
        for op, d, s in itertools.product(SCALAR_OPS, SCALAR_DTYPES, PYTHON_SCALARS)
    ]


@scenario(cases=_scalar_cases, finite=True)
def python_scalars(engine: Engine, case: Case) -> Outcome:
    """tensor <op> scalar with Python scalars negative, zero and out of the tensor dtype's range:
    arithmetic and comparisons convert an integer scalar to the tensor's integer dtype by
    wrapping (uint8 + 300 is uint8 45, int8 < 1000 compares with 1000 wrapped, uint8 // -3
    divides by 253), while pow's exponent, where's other operand and clamp's bound are checked
    (RuntimeError "value cannot be converted to type int8_t without overflow"); 2**63 is a uint64
    scalar (refused with bool tensors), beyond uint64 any op raises OverflowError; integer pow with
    a negative scalar exponent raises, integer division or remainder by 0 raises; float results
    overflow to inf, and x * -0.0 keeps IEEE's sign of zero."""
    out = Outcome()
    how, name = SCALAR_OPS[case["op"]]
    with out.catching():
        dtype = case["dtype"]
        t = engine.tensor(SCALAR_TENSORS["uint" if dtype == "uint8" else category(dtype)], dtype=dtype)
        scalar = PYTHON_SCALARS[case["scalar"]]
        if how == "where":
            result = engine.call("where", engine.tensor([True, False, True]), t, scalar)
        elif how == "clamp":
            result = engine.call("clamp", t, min=scalar)
        else:
            result = engine.call(name, t, scalar) if how == "call" else engine.method(name, t, scalar)
        signed = case["op"] in SIGNED_ZERO_OPS
        out.tensors["result"] = observe(engine, result, signed_zeros=signed)
    return out


# --- reductions: the dtype of sum/mean/prod/amax/max..., with and without dtype= -----------------
REDUCTIONS = ("sum", "mean", "prod", "amax", "amin", "max", "min")
DTYPE_ARGUMENTS = ("default", "bool", "int8", "int64", "float16", "float64", "complex64")
REDUCED: dict[str, list[list[Any]]] = {
    "bool": [[True, True, False], [True, True, True]],
    "uint": [[200, 100, 3], [1, 2, 250]],
    "int": [[100, 100, 3], [7, 120, -2]],
    "float": [[2048.0, 1.0, 1.0], [1.0, -1.5, 1.0]],
    "complex": [[1 + 1j, 2, -1j], [0.5, 3 - 2j, 1]],
}
"""2x3 values per category: sums overflow int8 and uint8, float16 loses the sum when it
accumulates in float16 instead of float32 (2048 + 1 + 1 ...), ties occur in every row."""


def _reduction_cases() -> list[Case]:
    typed = [
        {"op": op, "dtype": d, "dtype_argument": arg, "dim": "all", "keepdim": False}
        for op, d, arg in itertools.product(("sum", "mean", "prod"), DTYPES, DTYPE_ARGUMENTS)
    ]
    dims = [
        {"op": op, "dtype": d, "dtype_argument": "default", "dim": dim, "keepdim": keepdim}
        for op, d, (dim, keepdim) in itertools.product(REDUCTIONS, DTYPES, ((0, False), (-1, True)))
    ]
    return typed + dims


@scenario(cases=_reduction_cases, finite=True)
def reductions(engine: Engine, case: Case) -> Outcome:
    """Reductions over every dtype: sum and prod of bool and integer tensors give int64 (no
    overflow of small ints), of floats their dtype (float16 accumulating in float32); mean
    raises for bool and integers; dtype= converts the input first, so sum(dtype=int8) wraps and
    mean(dtype=int64) raises; amax/amin/max/min keep the input dtype (bool included), refuse
    complex, and with dim max/min return (values, int64 indices of the first extreme)."""
    out = Outcome()
    with out.catching():
        dtype = case["dtype"]
        t = engine.tensor(REDUCED["uint" if dtype == "uint8" else category(dtype)], dtype=dtype)
        kwargs: dict[str, Any] = {}
        if case["dim"] != "all":
            kwargs |= {"dim": case["dim"], "keepdim": case["keepdim"]}
        if case["dtype_argument"] != "default":
            kwargs["dtype"] = case["dtype_argument"]
        record_results(engine, out, engine.call(case["op"], t, **kwargs))
    return out


# --- where and clamp: promotion over their operands and bounds -------------------------------------
OPERANDS = [*((kind, d) for kind in TENSOR_KINDS for d in DTYPES), *(("scalar", k) for k in SCALARS)]
"""(kind, dtype) of an operand: a tensor or a zero-dim tensor of each dtype, or a Python scalar."""


def _where_cases() -> list[Case]:
    return [
        {"lhs_kind": lk, "lhs_dtype": ld, "rhs_kind": rk, "rhs_dtype": rd}
        for (lk, ld), (rk, rd) in itertools.product(OPERANDS, OPERANDS)
    ]


@scenario(cases=_where_cases, finite=True)
def where_operands(engine: Engine, case: Case) -> Outcome:
    """torch.where(cond, a, b) promotes a and b as a binary op does, over kinds and categories (an
    int tensor with a Python float gives the default dtype, a float16 tensor with a float64
    zero-dim tensor stays float16, two Python scalars give int64 or the default dtype)."""
    out = Outcome()
    with out.catching():
        cond = engine.tensor([True, False, True])
        a = operand(engine, case["lhs_kind"], case["lhs_dtype"], LHS_VALUES)
        b = operand(engine, case["rhs_kind"], case["rhs_dtype"], RHS_VALUES)
        out.tensors["result"] = observe(engine, engine.call("where", cond, a, b))
    return out


BOUNDS: dict[str, tuple[list[Any], list[Any]]] = {
    "bool": ([False, True, False], [True, True, False]),
    "uint": ([0, 4, 1], [4, 6, 6]),
    "int": ([-1, 4, 1], [4, 6, 6]),
    "float": ([-0.5, 4.5, 1.5], [4.5, 6.5, 6.5]),
    "complex": ([-0.5, 4.5, 1.5], [4.5, 6.5, 6.5]),
}
SCALAR_BOUNDS: dict[str, tuple[Any, Any]] = {
    "bool": (False, True),
    "int": (1, 6),
    "float": (1.5, 6.5),
    "complex": (1j, 2 + 1j),
}
"""clamp's (min, max) per category: tensors (their zero-dim forms take the middle element) and
Python scalars."""


def _bound(engine: Engine, kind: str, dtype: str, side: int) -> Any:
    """clamp's min (side 0) or max (side 1): a tensor, a zero-dim tensor or a Python scalar."""
    if kind == "scalar":
        return SCALAR_BOUNDS[dtype][side]
    values = BOUNDS["uint" if dtype == "uint8" else category(dtype)][side]
    return engine.tensor(values if kind == "tensor" else values[1], dtype=dtype)


def _clamp_cases() -> list[Case]:
    return [
        {"dtype": d, "bounds": bounds, "bound_kind": k, "bound_dtype": bd}
        for d, bounds, (k, bd) in itertools.product(DTYPES, ("min", "both"), OPERANDS)
    ]


@scenario(cases=_clamp_cases, finite=True)
def clamp_bounds(engine: Engine, case: Case) -> Outcome:
    """torch.clamp(t, min[, max]) with tensor, zero-dim or Python scalar bounds promotes t with its
    bounds as a binary op does (an int tensor clamped by 1.5 is float32, uint8 by an int8 tensor
    int16, bool by an int scalar int64); complex tensors or bounds raise, and so do bool tensors
    with bool scalar bounds (no kernel)."""
    out = Outcome()
    with out.catching():
        t = operand(engine, "tensor", case["dtype"], LHS_VALUES)
        kind, dtype = case["bound_kind"], case["bound_dtype"]
        bounds = {"min": _bound(engine, kind, dtype, 0)}
        if case["bounds"] == "both":
            bounds["max"] = _bound(engine, kind, dtype, 1)
        out.tensors["result"] = observe(engine, engine.call("clamp", t, **bounds))
    return out


# --- matmul: no promotion ------------------------------------------------------------------------
MATMUL_FORMS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "mm": ((2, 2), (2, 2)),
    "dot": ((2,), (2,)),
    "mv": ((2, 2), (2,)),
}


def _matmul_cases() -> list[Case]:
    pairs = [(d, d) for d in DTYPES] + [
        pair for d in DTYPES if d != "float32" for pair in ((d, "float32"), ("float32", d))
    ]
    return [
        {"form": form, "lhs_dtype": a, "rhs_dtype": b}
        for form, (a, b) in itertools.product(MATMUL_FORMS, pairs)
    ]


@scenario(cases=_matmul_cases, finite=True)
def matmul_dtypes(engine: Engine, case: Case) -> Outcome:
    """torch.matmul does not promote: both operands must have the same dtype (RuntimeError
    "expected m1 and m2 to have the same dtype" otherwise, even float32 with float64), and the
    result keeps it for every dtype with a kernel (integers included); bool has none
    (NotImplementedError)."""
    out = Outcome()
    with out.catching():
        shapes = MATMUL_FORMS[case["form"]]
        operands = []
        dtypes = (case["lhs_dtype"], case["rhs_dtype"])
        for dtype, shape, table in zip(dtypes, shapes, (LHS_VALUES, RHS_VALUES), strict=True):
            values = _values(table, dtype)[:2]
            data = values if len(shape) == 1 else [values, values[::-1]]
            operands.append(engine.tensor(data, dtype=dtype))
        out.tensors["result"] = observe(engine, engine.call("matmul", *operands))
    return out
