"""Type promotion: impl against live torch for every dtype pair and operand kind, plus hand-written cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import impl
from impl import dtypes
from tests.impl.conftest import DTYPE_NAMES, both, make, sample

PAIRS = list(itertools.product(DTYPE_NAMES, DTYPE_NAMES))
# operand kinds: a dimensioned tensor (shape (2, 3)) or a zero-dim tensor
KINDS = {"dim": (2, 3), "zero": ()}
SCALARS = {"bool": True, "int": 3, "float": 2.5, "complex": 1.5 - 2j}


def _operands(engine, a: str, b: str, kind_a: str, kind_b: str):
    return (
        make(engine, sample(a, KINDS[kind_a], seed=1), a),
        make(engine, sample(b, KINDS[kind_b], seed=2), b),
    )


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_promote_types_matches_torch(a: str, b: str) -> None:
    assert dtypes.promote_types(getattr(impl, a), getattr(impl, b)).name == str(
        torch.promote_types(getattr(torch, a), getattr(torch, b))
    ).removeprefix("torch.")


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_can_cast_matches_torch(a: str, b: str) -> None:
    assert impl.can_cast(getattr(impl, a), getattr(impl, b)) == torch.can_cast(
        getattr(torch, a), getattr(torch, b)
    )


BINARY_OPS = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "truediv": lambda x, y: x / y,
    "eq": lambda x, y: x == y,
    "lt": lambda x, y: x < y,
    "maximum": lambda x, y: x.maximum(y),
}


@pytest.mark.parametrize(("a", "b"), PAIRS)
@pytest.mark.parametrize("kinds", list(itertools.product(KINDS, KINDS)))
def test_binary_op_dtype_and_values_match_torch(a: str, b: str, kinds: tuple[str, str]) -> None:
    """Every dtype pair x {dim, zero-dim} x {dim, zero-dim}, through ops with different result rules."""
    for op in BINARY_OPS.values():
        both(lambda engine, op=op: op(*_operands(engine, a, b, *kinds)))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_integer_style_ops_match_torch(a: str, b: str) -> None:
    """floor_divide, remainder and pow: refused kernels, division by zero and negative powers included."""
    ops = (
        lambda e, x, y: x // y,
        lambda e, x, y: x % y,
        lambda e, x, y: x**y,
        lambda e, x, y: e.where(x != 0, x, y),
    )
    for op in ops:
        both(lambda e, op=op: op(e, *_operands(e, a, b, "dim", "dim")))


@pytest.mark.parametrize("a", DTYPE_NAMES)
@pytest.mark.parametrize("scalar", list(SCALARS))
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("default", ["float32", "float64"])
def test_tensor_with_python_scalar_matches_torch(a: str, scalar: str, kind: str, default: str) -> None:
    """Python scalars count only through their category (and the default dtype for floats/complex)."""
    torch.set_default_dtype(getattr(torch, default))
    impl.set_default_dtype(getattr(impl, default))
    value = SCALARS[scalar]
    for op in (*BINARY_OPS.values(), lambda x, y: y - x, lambda x, y: y * x):
        both(lambda engine, op=op: op(make(engine, sample(a, KINDS[kind]), a), value))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_cat_and_stack_promote_like_torch(a: str, b: str) -> None:
    both(lambda e: e.cat([make(e, sample(a), a), make(e, sample(b), b)], dim=1))
    both(lambda e: e.stack([make(e, sample(a), a), make(e, sample(b), b)]))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_inplace_cast_rule_matches_torch(a: str, b: str) -> None:
    """self.add_(other) keeps self's dtype; a result type that cannot be cast to it raises."""

    def program(engine):
        x, y = _operands(engine, a, b, "dim", "dim")
        x.add_(y)
        return x

    both(program)
    both(lambda e: make(e, sample(a), a).mul_(make(e, sample(b, ()), b)))
    both(lambda e: make(e, sample(a), a).div_(make(e, sample(b, ()), b)))


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_result_type_matches_torch(a: str, b: str) -> None:
    for kinds in itertools.product(KINDS, KINDS):
        both(lambda e, kinds=kinds: e.result_type(*_operands(e, a, b, *kinds)))
    for value in SCALARS.values():
        both(lambda e, value=value: e.result_type(make(e, sample(a), a), value))


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_set_default_dtype_accepts_only_floats(name: str) -> None:
    both(lambda e: e.set_default_dtype(getattr(e, name)))
    both(lambda e: e.get_default_dtype())
    both(lambda e: e.tensor([1.5, 2.0]))


# --- hand-written cases: observed torch 2.13 behaviour, and examples documented at
# pytorch.org/docs/stable/tensor_attributes.html ("Type promotion") ---


def test_documented_promotion_examples() -> None:
    """Examples from the 'Type Promotion' section of torch's tensor_attributes docs."""
    float_tensor = impl.ones(1, dtype=impl.float)
    double_tensor = impl.ones(1, dtype=impl.double)
    complex_float_tensor = impl.ones(1, dtype=impl.complex64)
    int_tensor = impl.ones(1, dtype=impl.int)
    long_tensor = impl.ones(1, dtype=impl.long)
    uint_tensor = impl.ones(1, dtype=impl.uint8)
    long_zerodim = impl.tensor(1, dtype=impl.long)
    int_zerodim = impl.tensor(1, dtype=impl.int)
    assert (float_tensor + double_tensor).dtype is impl.float64
    assert (complex_float_tensor + double_tensor).dtype is impl.complex128  # doc: torch.complex128
    assert (int_tensor + 5).dtype is impl.int32
    assert (int_tensor + long_zerodim).dtype is impl.int32
    assert (long_tensor + int_tensor).dtype is impl.int64
    assert (int_tensor + 5.5).dtype is impl.float32
    assert (uint_tensor + int_zerodim).dtype is impl.uint8  # doc: same category, dimensioned wins
    assert (impl.tensor(5.5, dtype=impl.double) + int_tensor).dtype is impl.float64  # doc: higher category


def test_inplace_cast_error_message() -> None:
    """torch 2.13: `torch.tensor([1]).add_(1.5)` -> RuntimeError with ScalarType names."""
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        impl.tensor([1]).add_(1.5)


def test_uint8_int8_and_half_bfloat16_lattice_corners() -> None:
    """c10's promote table: uint8 with int8 -> int16, float16 with bfloat16 -> float32."""
    assert impl.promote_types(impl.uint8, impl.int8) is impl.int16
    assert impl.promote_types(impl.float16, impl.bfloat16) is impl.float32
    assert impl.promote_types(impl.bool, impl.bool) is impl.bool


def test_integer_wraparound() -> None:
    """torch 2.13: int8 5 * 100 -> -12 (two's complement), uint8 1 - 2 -> 255."""
    assert (impl.tensor([5], dtype=impl.int8) * 100).tolist() == [-12]
    assert (impl.tensor([1], dtype=impl.uint8) - 2).tolist() == [255]


def test_true_division_of_integers_gives_default_dtype() -> None:
    """torch 2.13: torch.tensor([1, 2]) / 2 -> float32, float64 after set_default_dtype(float64)."""
    assert (impl.tensor([1, 2]) / 2).dtype is impl.float32
    impl.set_default_dtype(impl.float64)
    assert (impl.tensor([1, 2]) / 2).dtype is impl.float64


def test_integer_division_by_zero_raises() -> None:
    """torch 2.13: integer // 0 and % 0 raise RuntimeError('ZeroDivisionError'); float / 0 is inf."""
    for op in (lambda x: x // 0, lambda x: x % 0):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            op(impl.tensor([1, 2]))
    assert np.isinf((impl.tensor([1.0]) / 0).item())


def test_float16_with_complex_gives_complex32() -> None:
    """torch 2.13: float16 tensor + 1j is complex32 (ComplexHalf): float16 parts, 4 bytes per element."""
    result = impl.tensor([1.0, 0.1], dtype=impl.float16) + 1j
    assert result.dtype is impl.complex32 and result.element_size() == 4
    assert result.tolist() == [complex(1, 1), complex(float(np.float16(0.1)), 1)]


COMPLEX32_OPS = {
    "add": lambda e, c, h: c + c,
    "mul": lambda e, c, h: c * h,
    "div": lambda e, c, h: c / c,
    "pow": lambda e, c, h: c**2,
    "eq": lambda e, c, h: c == h,
    "neg": lambda e, c, h: -c,
    "abs": lambda e, c, h: c.abs(),
    "exp": lambda e, c, h: c.exp(),
    "sum": lambda e, c, h: c.sum(),
    "where": lambda e, c, h: e.where(h > 1, c, h),
    "cat": lambda e, c, h: e.cat([c, h.to(e.complex32)]),
    "with_float32": lambda e, c, h: c + e.ones(2),
    "with_bfloat16": lambda e, c, h: c + e.ones(2, dtype=e.bfloat16),
    "to_complex64": lambda e, c, h: c.to(e.complex64),
    "numpy": lambda e, c, h: c.numpy(),
    "repr": lambda e, c, h: repr(c),
    "element_size": lambda e, c, h: c.element_size(),
    "inplace_into_float16": lambda e, c, h: h.add_(1j),
    "mm": lambda e, c, h: c.view(1, 2) @ c.view(2, 1),
    "max": lambda e, c, h: c.max(),
}


@pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")
@pytest.mark.parametrize("program", list(COMPLEX32_OPS.values()), ids=list(COMPLEX32_OPS))
def test_complex32_results_and_refusals_match_torch(program) -> None:
    """complex32 (float16 with complex): what torch computes and which CPU kernels it lacks."""

    def run(e):
        half = e.tensor([1.5, 0.1], dtype=e.float16)
        return program(e, half + 2j, half)

    both(run)
