"""Operations: impl against live torch for every dtype, plus hand-written cases naming their source."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch

import impl
from tests.impl.conftest import DTYPE_NAMES, both, make, sample

pytestmark = pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")

UNARY = ("exp", "log", "log1p", "sqrt", "sin", "cos", "tanh", "sigmoid", "neg", "abs", "relu", "square")


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("op", UNARY)
def test_unary_function_and_method_match_torch(op: str, name: str) -> None:
    """Unary float ops on ints/bools give the default dtype; refused dtypes raise torch's error."""
    both(lambda e: getattr(e, op)(make(e, sample(name), name)))
    both(lambda e: getattr(make(e, sample(name, ()), name), op)())


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_unary_operators_match_torch(name: str) -> None:
    both(lambda e: -make(e, sample(name), name))
    both(lambda e: abs(make(e, sample(name), name)))
    both(lambda e: ~make(e, sample(name), name))


BINARY_FORMS = {
    "add": (lambda e, x, y: e.add(x, y), lambda e, x, y: x.add(y), lambda e, x, y: x + y),
    "sub": (lambda e, x, y: e.sub(x, y), lambda e, x, y: x.sub(y), lambda e, x, y: x - y),
    "mul": (lambda e, x, y: e.mul(x, y), lambda e, x, y: x.mul(y), lambda e, x, y: x * y),
    "div": (lambda e, x, y: e.div(x, y), lambda e, x, y: x.div(y), lambda e, x, y: x / y),
    "floor_divide": (
        lambda e, x, y: e.floor_divide(x, y),
        lambda e, x, y: x.floor_divide(y),
        lambda e, x, y: x // y,
    ),
    "remainder": (lambda e, x, y: e.remainder(x, y), lambda e, x, y: x.remainder(y), lambda e, x, y: x % y),
    "pow": (lambda e, x, y: e.pow(x, y), lambda e, x, y: x.pow(y), lambda e, x, y: x**y),
    "eq": (lambda e, x, y: e.eq(x, y), lambda e, x, y: x.eq(y), lambda e, x, y: x == y),
    "ne": (lambda e, x, y: e.ne(x, y), lambda e, x, y: x.ne(y), lambda e, x, y: x != y),
    "lt": (lambda e, x, y: e.lt(x, y), lambda e, x, y: x.lt(y), lambda e, x, y: x < y),
    "le": (lambda e, x, y: e.le(x, y), lambda e, x, y: x.le(y), lambda e, x, y: x <= y),
    "gt": (lambda e, x, y: e.gt(x, y), lambda e, x, y: x.gt(y), lambda e, x, y: x > y),
    "ge": (lambda e, x, y: e.ge(x, y), lambda e, x, y: x.ge(y), lambda e, x, y: x >= y),
    "bitwise_and": (
        lambda e, x, y: e.bitwise_and(x, y),
        lambda e, x, y: x.bitwise_and(y),
        lambda e, x, y: x & y,
    ),
    "maximum": (lambda e, x, y: e.maximum(x, y), lambda e, x, y: x.maximum(y), lambda e, x, y: e.max(x, y)),
}


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("op", list(BINARY_FORMS))
def test_function_method_and_operator_forms_agree_with_torch(op: str, name: str) -> None:
    """Each form (torch.add(a, b), a.add(b), a + b) gives torch's result, also with a scalar operand."""
    for form in BINARY_FORMS[op]:
        both(
            lambda e, form=form: form(
                e, make(e, sample(name, seed=1), name), make(e, sample(name, (3,), 2), name)
            )
        )
        both(lambda e, form=form: form(e, make(e, sample(name, seed=1), name), 3))


@pytest.mark.parametrize("scalar", [2, 2.5, True, -3])
@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_reflected_operators_match_torch(name: str, scalar) -> None:
    for op in (
        lambda x: scalar + x,
        lambda x: scalar - x,
        lambda x: scalar * x,
        lambda x: scalar / x,
        lambda x: scalar // x,
        lambda x: scalar % x,
        lambda x: scalar**x,
    ):
        both(lambda e, op=op: op(make(e, sample(name, seed=3), name)))


@pytest.mark.parametrize("alpha", [2, 0.5, True])
@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_add_and_sub_alpha_match_torch(name: str, alpha) -> None:
    both(lambda e: e.add(make(e, sample(name), name), make(e, sample(name, seed=5), name), alpha=alpha))
    both(lambda e: e.sub(make(e, sample(name), name), make(e, sample(name, seed=5), name), alpha=alpha))


@pytest.mark.parametrize("rounding_mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_div_rounding_modes_match_torch(name: str, rounding_mode) -> None:
    both(
        lambda e: e.div(
            make(e, sample(name), name), make(e, sample(name, seed=7), name), rounding_mode=rounding_mode
        )
    )


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize(
    "bounds",
    [(0.5, None), (None, 0.5), (-1, 1), (2, 1), ("tensor", None), ("tensor", "tensor"), (None, None)],
)
def test_clamp_matches_torch(name: str, bounds) -> None:
    def program(e):
        x = make(e, sample(name), name)
        low, high = (make(e, sample(name, (3,), 9), name) if b == "tensor" else b for b in bounds)
        return e.clamp(x, low, high), x.clamp(min=low, max=high)

    both(program)


REDUCTIONS = [
    {},
    {"dim": 0},
    {"dim": -1, "keepdim": True},
    {"dim": (0, 1)},
    {"dim": (0, 0)},
    {"dim": 2},
    {"dim": []},
]


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("kwargs", REDUCTIONS, ids=str)
def test_sum_and_mean_match_torch(name: str, kwargs: dict) -> None:
    """sum of ints/bools is int64; mean of ints raises; dim int/tuple/empty, keepdim, duplicates."""
    both(lambda e: e.sum(make(e, sample(name), name), **kwargs))
    both(lambda e: make(e, sample(name), name).mean(**kwargs))


EMPTY_MEANS = {
    "all": lambda e: e.tensor([]).mean(),
    "dim_of_size_0": lambda e: e.zeros(0, 3).mean(0),
    "other_dim": lambda e: e.zeros(3, 0).mean(0),
    "keepdim": lambda e: e.zeros(2, 0, dtype=e.float64).mean((0, 1), keepdim=True),
    "float16": lambda e: e.zeros(0, 2, dtype=e.float16).mean(0),
    "complex": lambda e: e.zeros(0, dtype=e.complex64).mean(),
    "backward": lambda e: e.autograd.grad(
        e.zeros(0, requires_grad=True).mean(), e.zeros(0, requires_grad=True)
    ),
}


@pytest.mark.parametrize("program", list(EMPTY_MEANS.values()), ids=list(EMPTY_MEANS))
def test_mean_of_nothing_is_nan_without_a_warning(program) -> None:
    """torch's CPU mean is sum / count: over no elements NaN, and no warning (NumPy's mean warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        both(program)


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("out", ["float32", "float64", "int64", "complex64"])
def test_reduction_dtype_argument_matches_torch(name: str, out: str) -> None:
    both(lambda e: make(e, sample(name), name).sum(dtype=getattr(e, out)))
    both(lambda e: make(e, sample(name), name).mean(dim=1, dtype=getattr(e, out)))


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("shape", [(2, 3), (), (0,), (2, 0)])
def test_max_min_argmax_match_torch(name: str, shape: tuple) -> None:
    """Full reductions, (values, indices) along a dim, and the empty-tensor errors."""
    for op in ("max", "min", "argmax", "argmin"):
        both(lambda e, op=op: getattr(make(e, sample(name, shape), name), op)())
        for dim in (0, -1):
            both(lambda e, op=op, dim=dim: getattr(e, op)(make(e, sample(name, shape), name), dim=dim))
            both(lambda e, op=op, dim=dim: getattr(make(e, sample(name, shape), name), op)(dim, keepdim=True))


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_all_any_match_torch(name: str) -> None:
    for op in ("all", "any"):
        both(lambda e, op=op: getattr(make(e, sample(name), name), op)())
        both(lambda e, op=op: getattr(e, op)(make(e, sample(name), name), dim=1))


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)),
    ((2, 3), (4, 3)),
    ((3,), (4,)),
    ((), (3,)),
    ((5, 2, 3), (4, 3, 2)),
    ((2, 3), (5,)),
]


@pytest.mark.parametrize(("left", "right"), MATMUL_SHAPES)
def test_matmul_shapes_match_torch(left: tuple, right: tuple) -> None:
    both(
        lambda e: (
            make(e, sample("float32", left), "float32") @ make(e, sample("float32", right, 1), "float32")
        )
    )
    both(
        lambda e: e.matmul(
            make(e, sample("int64", left), "int64"), make(e, sample("int64", right, 1), "int64")
        )
    )


@pytest.mark.parametrize("a", DTYPE_NAMES)
@pytest.mark.parametrize("b", ["float32", "float64", "int64", "bfloat16"])
def test_mm_dtype_rules_match_torch(a: str, b: str) -> None:
    """mm/matmul never promote: mismatched dtypes raise torch's RuntimeError."""
    both(lambda e: e.mm(make(e, sample(a, (2, 3)), a), make(e, sample(b, (3, 2)), b)))
    both(lambda e: make(e, sample(a, (3,)), a) @ make(e, sample(b, (3,)), b))
    both(lambda e: make(e, sample(a, (2, 3)), a) @ make(e, sample(b, (3,)), b))


def test_mm_shape_errors_match_torch() -> None:
    both(lambda e: e.mm(e.ones(2, 3), e.ones(4, 5)))
    both(lambda e: e.mm(e.ones(3), e.ones(3, 5)))
    both(lambda e: e.mm(e.ones(2, 3), e.ones(3)))


CAT_CASES = [
    ([(2, 3), (2, 3)], 0),
    ([(2, 3), (2, 4)], 1),
    ([(2, 3), (2, 4)], 0),
    ([(2, 3), (0,)], 0),
    ([(2, 3), (3,)], 0),
    ([(2, 3)], -1),
    ([(2, 3), (2, 3)], 2),
    ([(), ()], 0),
    ([], 0),
]


@pytest.mark.parametrize(("shapes", "dim"), CAT_CASES)
def test_cat_matches_torch(shapes: list, dim: int) -> None:
    both(lambda e: e.cat([e.ones(*s) for s in shapes], dim=dim))


@pytest.mark.parametrize(
    ("shapes", "dim"),
    [([(2, 3), (2, 3)], 0), ([(2, 3), (2, 3)], 2), ([(2, 3), (3, 2)], 0), ([], 0), ([(2,)], -1)],
)
def test_stack_matches_torch(shapes: list, dim: int) -> None:
    both(lambda e: e.stack([e.ones(*s) for s in shapes], dim=dim))


@pytest.mark.parametrize("a", DTYPE_NAMES)
@pytest.mark.parametrize("b", ["bool", "int64", "float32", 2.5, 1])
def test_where_matches_torch(a: str, b) -> None:
    def program(e):
        x = make(e, sample(a), a)
        other = make(e, sample(b, (3,), 4), b) if isinstance(b, str) else b
        return e.where(make(e, sample("bool", (2, 3), 6), "bool"), x, other)

    both(program)
    both(lambda e: e.where(make(e, sample(a), a), make(e, sample(a), a), make(e, sample(a), a)))


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize(
    "method",
    [
        "add_",
        "sub_",
        "mul_",
        "div_",
        "pow_",
        "floor_divide_",
        "remainder_",
        "clamp_",
        "neg_",
        "exp_",
        "log1p_",
        "abs_",
        "sqrt_",
    ],
)
def test_inplace_methods_match_torch(name: str, method: str) -> None:
    """In-place results keep self's dtype and storage, bump the version; refused casts raise."""

    def program(e):
        x = make(e, sample(name), name)
        args = {"clamp_": (0, 1)}.get(method, ()) if method in ("clamp_",) else ()
        if method in ("add_", "sub_", "mul_", "div_", "pow_", "floor_divide_", "remainder_"):
            args = (make(e, sample(name, (3,), 8), name),)
        before = x._version
        result = getattr(x, method)(*args)
        assert result is x
        return x, x._version - before

    both(program)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_augmented_assignment_matches_torch(name: str) -> None:
    for op in (
        lambda x: x.__iadd__(2),
        lambda x: x.__isub__(2),
        lambda x: x.__imul__(2),
        lambda x: x.__itruediv__(2),
        lambda x: x.__ifloordiv__(2),
        lambda x: x.__imod__(2),
        lambda x: x.__ipow__(2),
        lambda x: x.__iadd__(2.5),
    ):

        def program(e, op=op):
            x = make(e, sample(name), name)
            alias = x
            x = op(x)
            return x, x is alias

        both(program)


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_fill_zero_copy_match_torch(name: str) -> None:
    both(lambda e: make(e, sample(name), name).fill_(3))
    both(lambda e: make(e, sample(name), name).fill_(make(e, sample("float64", ()), "float64")))
    both(lambda e: make(e, sample(name), name).fill_(e.ones(2)))
    both(lambda e: make(e, sample(name), name).zero_())
    both(lambda e: make(e, sample(name), name).copy_(make(e, sample("float64", (3,)), "float64")))
    both(lambda e: make(e, sample(name), name).copy_(make(e, sample("float64", (4,)), "float64")))


COMPLEX_BASES = [0, -0.0, 1, -1, 2.5, -34.36 - 3j, 1j, 3 + 4j, 1e-20, 1e20 + 1e20j, 0.5 - 0.5j]
COMPLEX_BASES += [float("inf"), complex(float("inf"), 1), complex(1, float("inf")), float("nan")]
COMPLEX_EXPONENTS = [
    0,
    1,
    2,
    3,
    -1,
    -2,
    0.5,
    -0.5,
    -40,
    40,
    2.5,
    1j,
    -1 + 2j,
    float("inf"),
    float("nan"),
    100,
    -7,
]


@pytest.mark.parametrize("name", ["complex64", "complex128"])
@pytest.mark.parametrize("form", ["tensor", "int16_tensor", "scalar", "scalar_base"])
def test_complex_pow_is_torchs_exp_of_y_log_x(name: str, form: str) -> None:
    """torch's complex pow is std::pow, exp(y log x) (x**2, x**3, x**-2, sqrt, rsqrt and reciprocal
    aside): (-34.36-3j) ** -40 underflows to -0+0j, where multiplying out the power overflows to NaN;
    1 ** y is 1 for every y."""

    def program(T: Any) -> Any:
        bases = T.tensor(COMPLEX_BASES, dtype=getattr(T, name))
        if form == "scalar":
            return [bases**e for e in COMPLEX_EXPONENTS]
        if form == "scalar_base":
            exponents = T.tensor(COMPLEX_EXPONENTS, dtype=getattr(T, name))
            return [b**exponents for b in COMPLEX_BASES if not isinstance(b, float) or b == b]
        if form == "int16_tensor":
            exponents = T.tensor([e for e in COMPLEX_EXPONENTS if isinstance(e, int)], dtype=T.int16)
        else:
            exponents = T.tensor(COMPLEX_EXPONENTS, dtype=getattr(T, name))
        return bases[:, None] ** exponents

    both(program)


def test_integer_negative_scalar_power_raises_like_torch() -> None:
    both(lambda e: e.tensor([2, 3]) ** -1)
    both(lambda e: e.tensor([2, 3, 1, -1]) ** e.tensor([-1, -2, -3, -3]))


# --- hand-written cases (observed torch 2.13 behaviour) ---------------------------------------------


def test_floor_divide_and_remainder_follow_python_signs() -> None:
    """torch 2.13: tensor([-3, 3]) // tensor([2, -2]) == [-2, -2]; float % takes the divisor's sign."""
    assert (impl.tensor([-3, 3]) // impl.tensor([2, -2])).tolist() == [-2, -2]
    assert (impl.tensor([-3.0, 3.0]) % impl.tensor([2.0, -2.0])).tolist() == [1.0, -1.0]


def test_mean_of_integers_raises() -> None:
    """torch 2.13: torch.tensor([1, 2]).mean() -> RuntimeError 'mean(): could not infer output dtype...'."""
    with pytest.raises(
        RuntimeError, match=r"Input dtype must be either a floating point or complex dtype\. Got: Long"
    ):
        impl.tensor([1, 2]).mean()


def test_max_with_dim_returns_named_tuple() -> None:
    """torch docs (torch.max): returns a namedtuple (values, indices)."""
    result = impl.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    assert result.values.tolist() == [5.0, 7.0]
    assert result.indices.tolist() == [1, 0]
    _, indices = result
    assert indices.dtype is impl.int64
    assert repr(result).startswith("torch.return_types.max(\nvalues=tensor([5., 7.]),")


def test_clamp_min_greater_than_max_gives_max() -> None:
    """torch docs (torch.clamp): if min is greater than max, all elements are set to max."""
    assert impl.tensor([0.0, 5.0]).clamp(2, 1).tolist() == [1.0, 1.0]


def test_bool_arithmetic_rules() -> None:
    """torch 2.13: bool + bool is logical or; bool - bool and -bool raise RuntimeError."""
    t = impl.tensor([True, False])
    assert (t + t).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with two bool tensors"):
        t - t
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        _ = -t


def test_float16_computes_in_float32_then_rounds() -> None:
    """torch's CPU kernels compute float16 in float32 (opmath): the result is the rounded float32 value."""
    a, b = np.float16(0.1), np.float16(0.2)
    ours = (impl.tensor([a], dtype=impl.float16) * impl.tensor([b], dtype=impl.float16)).item()
    assert ours == float(np.float16(np.float32(a) * np.float32(b)))
    assert ours == (torch.tensor([a], dtype=torch.float16) * torch.tensor([b], dtype=torch.float16)).item()


def test_result_layout_follows_operand_memory_order() -> None:
    """TensorIterator: x.t() + 1 is laid out like x.t() (torch 2.13: strides (1, 3) for a (3, 2) result)."""
    both(lambda e: e.ones(2, 3).t() + 1, layout=True)
    both(lambda e: e.ones(2, 3, 4).permute(2, 0, 1) * e.ones(4, 2, 3), layout=True)
    both(lambda e: e.ones(2, 3, 4).transpose(0, 1) + e.ones(3, 2, 4), layout=True)
    both(lambda e: e.ones(2, 3).t().exp(), layout=True)
    both(lambda e: e.where(e.ones(3, 2).t() > 0, 1.0, 0.0), layout=True)


OPERAND_TYPES = {
    "ndarray_operand": lambda e: e.ones(2) + np.ones(2),
    "ndarray_function_argument": lambda e: e.add(e.ones(2), np.ones(2)),
    "string_input": lambda e: e.add("a", e.ones(2)),
    "none_other": lambda e: e.mul(e.ones(2), None),
    "string_operator": lambda e: e.ones(2) + "a",
    "ndarray_ordering": lambda e: e.ones(2) < np.ones(2),
    "ndarray_equality": lambda e: e.ones(2) == np.ones(2),
    "list_operator": lambda e: e.ones(2) * [1, 2],
    "sum_of_list": lambda e: sum([e.ones(2), e.ones(2)]),
    "numpy_scalar_left": lambda e: np.float64(2.0) * e.ones(2, dtype=e.float16),
}


@pytest.mark.parametrize("program", list(OPERAND_TYPES.values()), ids=list(OPERAND_TYPES))
def test_operand_types_match_torch(program) -> None:
    """Tensors and Python/NumPy numbers are operands; ndarrays only through arithmetic operators."""
    both(program)
