"""addmm, lerp, addcmul and addcdiv (the ops nn.Linear and the optimizers run) against live torch:
every dtype, the Scalar arguments, broadcasting, in-place and method forms, and torch's errors.
Gradients and node names are compared op by op in test_autograd.py (OPS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tests.impl.conftest import DTYPE_NAMES, both, make, sample

pytestmark = pytest.mark.filterwarnings("ignore:ComplexHalf support is experimental")


def operands(T: Any, name: str, *shapes: tuple[int, ...]) -> list[Any]:
    return [make(T, sample(name, shape, seed=i), name) for i, shape in enumerate(shapes)]


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize(
    "scalars", [{}, {"beta": 0.5, "alpha": 2}, {"beta": 0, "alpha": 1}, {"alpha": 0}, {"beta": True}], ids=str
)
def test_addmm_matches_torch_for_every_dtype(name: str, scalars: dict) -> None:
    """One dtype for all three (bool and complex32 have no kernel); beta and alpha become that dtype."""
    both(lambda T: T.addmm(*operands(T, name, (4,), (2, 3), (3, 4)), **scalars))
    both(lambda T: operands(T, name, (2, 1))[0].addmm(*operands(T, name, (2, 5), (5, 1)), **scalars))


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("weight", [0.25, 0.5, 0.75, -1.5, 1, True, "tensor", "0-d", "0-d double"])
def test_lerp_matches_torch_for_every_dtype(name: str, weight: Any) -> None:
    """end (and a tensor weight, unless 0-d) has input's dtype; floating and complex only."""

    def program(T: Any) -> Any:
        start, end, w = operands(T, name, (2, 3), (2, 3), (2, 3))
        if weight == "tensor":
            return T.lerp(start, end, w)
        if weight in ("0-d", "0-d double"):
            return start.lerp(end, T.tensor(0.3, dtype=T.float64 if weight == "0-d double" else start.dtype))
        return T.lerp(start, end, weight)

    both(program)


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1, 0.5, -2, True])
def test_addcmul_and_addcdiv_match_torch_for_every_dtype(name: str, op: str, value: Any) -> None:
    """The three tensors promote; value becomes the compute dtype (integers truncate it)."""
    both(lambda T: getattr(T, op)(*operands(T, name, (2, 3), (3,), (2, 1)), value=value))
    both(lambda T: getattr(T, op)(*operands(T, name, (3,), (2, 3), (3,)), value=value))


MIXED = {
    "addcmul_promotes": lambda T: T.addcmul(T.ones(3), T.ones(3, dtype=T.float64), T.ones(3, dtype=T.int32)),
    "addcmul_int_self_float_tensors": lambda T: T.addcmul(T.ones(3, dtype=T.int64), T.ones(3), T.ones(3)),
    "addcdiv_float_int_tensors": lambda T: T.addcdiv(
        T.ones(3), T.ones(3, dtype=T.int64), T.tensor([2, 3, 4])
    ),
    "addcdiv_zero_division": lambda T: T.addcdiv(T.tensor([1.0, 2.0]), T.tensor([1.0, 0.0]), T.zeros(2)),
    "addcmul_0d_value": lambda T: T.addcmul(T.ones(2), T.ones(2), T.ones(2), value=T.tensor(3.0)),
    "lerp_0d_complex_weight_promotes": lambda T: T.lerp(T.ones(2), T.zeros(2), T.tensor(0.5j)),
    "lerp_0d_int_weight": lambda T: T.lerp(T.ones(2), T.zeros(2), T.tensor(1)),
    "lerp_broadcasts": lambda T: T.lerp(T.ones(3), T.zeros(2, 3), T.full((2, 1), 0.25)),
    "lerp_endpoints_exact": lambda T: T.lerp(T.tensor([1e8, 3.0, -2.5]), T.tensor([1.0, 1e-8, 7.0]), 1.0),
    "lerp_near_half": lambda T: [T.lerp(T.tensor([1e8, 3.0]), T.tensor([1.0, -2.0]), w) for w in (0.49, 0.7)],
    "lerp_inf_nan": lambda T: T.lerp(
        T.tensor([1.0, 2.0]), T.tensor([float("inf"), 3.0]), T.tensor([0.3, float("nan")])
    ),
    "lerp_complex": lambda T: T.lerp(T.tensor([1 + 1j]), T.tensor([2 - 1j]), 0.5 + 0.5j),
    "addmm_bias_broadcasts": lambda T: T.addmm(T.ones(1, 1), T.ones(2, 3), T.ones(3, 4)),
    "addmm_0d_bias": lambda T: T.addmm(T.tensor(2.0), T.ones(2, 3), T.ones(3, 4)),
    "addmm_empty_inner": lambda T: T.addmm(T.ones(4), T.ones(2, 0), T.ones(0, 4), beta=2),
    "addmm_beta_0_drops_nan": lambda T: T.addmm(
        T.full((4,), float("nan")), T.ones(2, 3), T.ones(3, 4), beta=0
    ),
    "addmm_alpha_0_drops_nan": lambda T: T.addmm(
        T.ones(4), T.full((2, 3), float("nan")), T.ones(3, 4), alpha=0
    ),
    "addmm_int_truncates_scalars": lambda T: T.addmm(
        T.tensor([10, 20]), T.ones(1, 3, dtype=T.int64), T.ones(3, 2, dtype=T.int64), beta=0.5, alpha=2.7
    ),
    "addmm_complex_scalars": lambda T: T.addmm(
        T.ones(2, dtype=T.cfloat),
        T.ones(1, 2, dtype=T.cfloat),
        T.ones(2, 2, dtype=T.cfloat),
        beta=1j,
        alpha=2 - 1j,
    ),
}


@pytest.mark.parametrize("program", list(MIXED.values()), ids=list(MIXED))
def test_mixed_operands_and_edge_values_match_torch(program: Callable[[Any], Any]) -> None:
    both(program)


INPLACE = {
    "addmm_": lambda T, x: x.addmm_(T.ones(2, 5), T.ones(5, 3), beta=0.5, alpha=-1),
    "lerp_": lambda T, x: x.lerp_(T.zeros(3), 0.25),
    "lerp_tensor_weight": lambda T, x: x.lerp_(T.zeros(2, 3), T.full((3,), 0.75)),
    "addcmul_": lambda T, x: x.addcmul_(T.full((3,), 2.0), T.full((2, 1), 3.0), value=0.5),
    "addcdiv_": lambda T, x: x.addcdiv_(T.full((3,), 2.0), T.full((2, 1), 4.0), value=-1),
}


@pytest.mark.parametrize("program", list(INPLACE.values()), ids=list(INPLACE))
def test_inplace_forms_write_into_self_and_bump_the_version(program: Callable[[Any, Any], Any]) -> None:
    def run(T: Any) -> Any:
        x = T.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
        before = x._version
        return [program(T, x) is x, x, x._version - before]

    both(run)


ERRORS = {
    "addmm_self_dtype": lambda T: T.addmm(T.ones(4, dtype=T.float64), T.ones(2, 3), T.ones(3, 4)),
    "addmm_mat1_dtype": lambda T: T.addmm(T.ones(4), T.ones(2, 3, dtype=T.float64), T.ones(3, 4)),
    "addmm_mat2_dtype": lambda T: T.addmm(T.ones(4), T.ones(2, 3), T.ones(3, 4, dtype=T.float64)),
    "addmm_dtype_before_shapes": lambda T: T.addmm(T.ones(4, dtype=T.int64), T.ones(2, 3), T.ones(2, 4)),
    "addmm_mat1_1d": lambda T: T.addmm(T.ones(4), T.ones(3), T.ones(3, 4)),
    "addmm_mat2_3d": lambda T: T.addmm(T.ones(4), T.ones(2, 3), T.ones(1, 3, 4)),
    "addmm_inner_sizes": lambda T: T.addmm(T.ones(4), T.ones(2, 3), T.ones(2, 4)),
    "addmm_bias_shape": lambda T: T.addmm(T.ones(3), T.ones(2, 3), T.ones(3, 4)),
    "addmm_bias_3d": lambda T: T.addmm(T.ones(1, 2, 4), T.ones(2, 3), T.ones(3, 4)),
    "addmm_bool": lambda T: T.addmm(*(T.ones(s, dtype=T.bool) for s in ((2, 2), (2, 2), (2, 2)))),
    "addmm_number_input": lambda T: T.addmm(1.0, T.ones(2, 3), T.ones(3, 4)),
    "addmm_str_mat2": lambda T: T.addmm(T.ones(4), T.ones(2, 3), "x"),
    "addmm_str_beta": lambda T: T.addmm(T.ones(4), T.ones(2, 3), T.ones(3, 4), beta="x"),
    "addmm_complex_beta_real": lambda T: T.addmm(T.ones(4), T.ones(2, 3), T.ones(3, 4), beta=1j),
    "addmm_complex_alpha_int": lambda T: T.addmm(
        *(T.ones(s, dtype=T.int64) for s in ((4,), (2, 3), (3, 4))), alpha=1j
    ),
    "addmm_inplace_broadcast_self": lambda T: T.ones(4).addmm_(T.ones(2, 3), T.ones(3, 4)),
    "addmm_inplace_int_self": lambda T: T.ones(2, 4, dtype=T.int64).addmm_(T.ones(2, 3), T.ones(3, 4)),
    "addmm_inplace_leaf": lambda T: T.ones(2, 4, requires_grad=True).addmm_(T.ones(2, 3), T.ones(3, 4)),
    "lerp_end_dtype": lambda T: T.lerp(T.ones(2), T.ones(2, dtype=T.float64), 0.5),
    "lerp_end_int": lambda T: T.lerp(T.ones(2), T.ones(2, dtype=T.int64), 0.5),
    "lerp_0d_end_dtype": lambda T: T.lerp(T.ones(2), T.tensor(1.0, dtype=T.float64), 0.5),
    "lerp_weight_dtype": lambda T: T.lerp(T.ones(2), T.ones(2), T.ones(2, dtype=T.float64)),
    "lerp_ints": lambda T: T.lerp(T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64), 1),
    "lerp_int_tensor_weight": lambda T: T.lerp(*(T.ones(2, dtype=T.int32) for _ in range(3))),
    "lerp_bools": lambda T: T.lerp(T.ones(2, dtype=T.bool), T.ones(2, dtype=T.bool), 1),
    "lerp_complex_weight_real": lambda T: T.lerp(T.ones(2), T.ones(2), 0.5j),
    "lerp_number_end": lambda T: T.lerp(T.ones(2), 1.0, 0.5),
    "lerp_none_weight": lambda T: T.lerp(T.ones(2), T.ones(2), None),
    "lerp_inplace_broadcast": lambda T: T.ones(3).lerp_(T.ones(2, 3), 0.5),
    "lerp_inplace_0d_complex_weight": lambda T: T.ones(3).lerp_(T.ones(3), T.tensor(0.5j)),
    "addcmul_bools": lambda T: T.addcmul(*(T.ones(2, dtype=T.bool) for _ in range(3))),
    "addcmul_complex_value_real": lambda T: T.addcmul(T.ones(2), T.ones(2), T.ones(2), value=1j),
    "addcmul_number_tensor2": lambda T: T.addcmul(T.ones(2), T.ones(2), 2.0),
    "addcmul_str_value": lambda T: T.addcmul(T.ones(2), T.ones(2), T.ones(2), value="x"),
    "addcmul_inplace_int_self": lambda T: T.ones(2, dtype=T.int64).addcmul_(T.ones(2), T.ones(2)),
    "addcmul_inplace_broadcast": lambda T: T.ones(3).addcmul_(T.ones(2, 3), T.ones(3)),
    "addcdiv_ints": lambda T: T.addcdiv(*(T.ones(2, dtype=T.int64) for _ in range(3))),
    "addcdiv_float_self_int_tensors": lambda T: T.addcdiv(
        T.ones(2), T.ones(2, dtype=T.int32), T.ones(2, dtype=T.int8)
    ),
    "addcdiv_bools": lambda T: T.addcdiv(*(T.ones(2, dtype=T.bool) for _ in range(3))),
    "addcdiv_inplace_int_self": lambda T: T.ones(2, dtype=T.int64).addcdiv_(T.ones(2), T.ones(2)),
    "addcdiv_inplace_ints": lambda T: T.ones(2, dtype=T.int64).addcdiv_(
        T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64)
    ),
}


@pytest.mark.parametrize("program", list(ERRORS.values()), ids=list(ERRORS))
def test_bad_input_raises_as_torch(program: Callable[[Any], Any]) -> None:
    assert isinstance(both(program), RuntimeError | TypeError | NotImplementedError)
