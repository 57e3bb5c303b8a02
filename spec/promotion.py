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
from typing import Any

from hypothesis import strategies as st

from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome, observe
from spec.scenario import Case, default_dtype, lacks_default_dtype, scenario
from spec.strategies import build, category, draw_tensor_spec, mutual_shapes

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


@scenario(cases=_values_cases)
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
