"""Creating tensors: impl against live torch (dtype inference, factories, errors), plus hand-written cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import impl
from tests.impl.conftest import DTYPE_NAMES, both

# each entry: a program building `data` from the engine (so tensors inside are the engine's own)
TENSOR_DATA = {
    "ints": lambda e: [1, 2, 3],
    "floats": lambda e: [1.0, 2.5],
    "mixed_int_float": lambda e: [1, 2.5],
    "bools": lambda e: [True, False],
    "bool_and_int": lambda e: [True, 1],
    "complex": lambda e: [1, 1j],
    "nested": lambda e: [[1, 2], [3, 4]],
    "tuple_and_list": lambda e: [[1, 2], (3, 4)],
    "scalar_int": lambda e: 3,
    "scalar_float": lambda e: 3.5,
    "scalar_bool": lambda e: True,
    "scalar_complex": lambda e: 1 - 2j,
    "empty": lambda e: [],
    "empty_nested": lambda e: [[], []],
    "numpy_float64": lambda e: np.arange(3.0),
    "numpy_int16": lambda e: np.arange(3, dtype=np.int16),
    "numpy_scalar": lambda e: np.float64(2.0),
    "numpy_scalars_in_list": lambda e: [np.float64(1.0), 1],
    "numpy_int32_in_list": lambda e: [np.int32(3), 1],
    "zero_dim_tensors": lambda e: [e.tensor(1, dtype=e.int8), e.tensor(2, dtype=e.int8)],
    "tensor_and_float": lambda e: [e.tensor(1, dtype=e.int8), 2.5],
    "bool_and_uint8_tensor": lambda e: [True, e.tensor(1, dtype=e.uint8)],
    "list_of_1d_tensors_after_list": lambda e: [[1, 2], e.tensor([1, 2])],
    "int64_extremes": lambda e: [2**63 - 1, -(2**63)],
    "ragged": lambda e: [[1, 2], [3]],
    "ragged_longer": lambda e: [[1, 2], [3, 4, 5]],
    "scalar_where_list_expected": lambda e: [[1, 2], 3],
    "list_where_scalar_expected_int": lambda e: [[1, 2], [3, [4]]],
    "list_where_scalar_expected_float": lambda e: [1.0, [2.0]],
    "none_inside": lambda e: [1, None],
    "string": lambda e: "ab",
    "too_big": lambda e: 2**63,
}


@pytest.mark.parametrize("data", list(TENSOR_DATA.values()), ids=list(TENSOR_DATA))
def test_tensor_infers_dtype_and_shape_like_torch(data) -> None:
    both(lambda e: e.tensor(data(e)))


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("data", ["floats", "complex", "mixed_int_float", "scalar_float", "empty"])
def test_tensor_inference_follows_default_dtype(default: str, data: str) -> None:
    torch.set_default_dtype(getattr(torch, default))
    impl.set_default_dtype(getattr(impl, default))
    both(lambda e: e.tensor(TENSOR_DATA[data](e)))


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize(
    "values",
    [
        [-1],
        [-255],
        [-256],
        [256],
        [300],
        [1.7, -1.7],
        [1e10],
        [float("nan")],
        [3.0e9],
        [2],
        [2.5],
        [1 + 2j],
        [True],
    ],
    ids=repr,
)
def test_tensor_with_dtype_converts_like_torch(name: str, values: list) -> None:
    """Python numbers into a given dtype: wrap, truncate, overflow errors, complex refused for reals."""
    both(lambda e: e.tensor(values, dtype=getattr(e, name)))


FACTORIES = {
    "zeros_varargs": lambda e, d: e.zeros(2, 3, dtype=d),
    "zeros_tuple": lambda e, d: e.zeros((2, 3), dtype=d),
    "zeros_list": lambda e, d: e.zeros([2, 0], dtype=d),
    "zeros_scalar_shape": lambda e, d: e.zeros((), dtype=d),
    "ones": lambda e, d: e.ones(3, dtype=d),
    "empty_shape": lambda e, d: e.empty(2, 3, dtype=d).shape,
    "full_int": lambda e, d: e.full((2,), 3, dtype=d),
    "full_float": lambda e, d: e.full((2, 2), 1.5, dtype=d),
    "eye": lambda e, d: e.eye(3, dtype=d),
    "eye_rect": lambda e, d: e.eye(2, 4, dtype=d),
    "arange_int": lambda e, d: e.arange(5, dtype=d),
    "arange_range": lambda e, d: e.arange(1, 7, 2, dtype=d),
    "linspace": lambda e, d: e.linspace(0, 10, 5, dtype=d),
    "zeros_like": lambda e, d: e.zeros_like(e.ones(2, 3), dtype=d),
    "ones_like": lambda e, d: e.ones_like(e.ones(2, 3, dtype=d)),
    "full_like": lambda e, d: e.full_like(e.ones(2, dtype=d), 7),
    "new_zeros": lambda e, d: e.ones(2, dtype=d).new_zeros(3),
    "new_tensor": lambda e, d: e.ones(2, dtype=d).new_tensor([1, 2]),
}


@pytest.mark.parametrize("name", DTYPE_NAMES)
@pytest.mark.parametrize("factory", list(FACTORIES.values()), ids=list(FACTORIES))
def test_factories_match_torch(factory, name: str) -> None:
    both(lambda e: factory(e, getattr(e, name)))


INFERRED = {
    "zeros": lambda e: e.zeros(2),
    "full_int": lambda e: e.full((2,), 3),
    "full_bool": lambda e: e.full((2,), True),
    "full_float": lambda e: e.full((2,), 1.5),
    "full_complex": lambda e: e.full((2,), 1j),
    "arange_int": lambda e: e.arange(5),
    "arange_float": lambda e: e.arange(0, 1, 0.25),
    "arange_float_step_count": lambda e: e.arange(0.0, 1.0, 0.1),
    "arange_negative_step": lambda e: e.arange(5, 0, -2),
    "linspace": lambda e: e.linspace(-math.pi, math.pi, 7),
    "linspace_one": lambda e: e.linspace(3, 3, 1),
    "linspace_zero": lambda e: e.linspace(0, 1, 0),
    "eye": lambda e: e.eye(2),
    "scalar_tensor": lambda e: e.scalar_tensor(3),
}


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("program", list(INFERRED.values()), ids=list(INFERRED))
def test_factory_dtype_inference_matches_torch(program, default: str) -> None:
    torch.set_default_dtype(getattr(torch, default))
    impl.set_default_dtype(getattr(impl, default))
    both(program)


FACTORY_ERRORS = {
    "negative_size": lambda e: e.zeros(2, -1),
    "negative_size_empty": lambda e: e.empty(2, -1),
    "negative_size_ones_tuple": lambda e: e.ones((-3,)),
    "negative_size_full": lambda e: e.full((2, -1), 1.0),
    "negative_size_rand": lambda e: e.rand(2, -1),
    "size_and_extra_positional": lambda e: e.zeros((2, 3), 4),
    "no_size": lambda e: e.ones(),
    "arange_zero_step": lambda e: e.arange(0, 5, 0),
    "arange_wrong_sign": lambda e: e.arange(5, 0),
    "arange_int_dtype_float_step": lambda e: e.arange(1, 4, 0.5, dtype=e.int64),
    "linspace_negative": lambda e: e.linspace(0, 1, -1),
    "eye_negative": lambda e: e.eye(-1),
    "randint_empty_range": lambda e: e.randint(5, 5, (2,)),
    "requires_grad_int": lambda e: e.ones(2, 3, dtype=e.int32, requires_grad=True),
    "requires_grad_float": lambda e: e.ones(2, requires_grad=True).requires_grad,
    "tensor_requires_grad": lambda e: e.tensor([1.0, 2.0], requires_grad=True).requires_grad,
    "device_cpu": lambda e: e.zeros(2, device="cpu"),
    "device_object": lambda e: e.zeros(2, device=e.device("cpu")),
    "device_bad": lambda e: e.zeros(2, device="foo"),
}


@pytest.mark.parametrize("program", list(FACTORY_ERRORS.values()), ids=list(FACTORY_ERRORS))
def test_factory_errors_and_keywords_match_torch(program) -> None:
    both(program)


def test_tensor_copies_its_input_tensor_and_warns() -> None:
    """torch 2.13: torch.tensor(t) copies and warns to use t.detach().clone()."""
    source = impl.ones(2)
    with pytest.warns(UserWarning, match="clone"):
        copy = impl.tensor(source)
    copy.add_(1)
    assert source.tolist() == [1.0, 1.0]


def test_linspace_values_are_symmetric_like_torch() -> None:
    """torch's CPU linspace fills the first half from start and the second half from end."""
    both(lambda e: e.linspace(-1.0, 1.0, 2001))
    both(lambda e: e.linspace(0, 1, 10, dtype=e.float64))


def test_other_devices_raise_clearly() -> None:
    """impl runs on the CPU only: asking for cuda is a RuntimeError naming the device."""
    with pytest.raises(RuntimeError, match="cuda"):
        impl.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        impl.ones(2).to("cuda")


@pytest.mark.parametrize(
    "program",
    [
        lambda e: e.tensor(np.arange(3.0)[::-1]),
        lambda e: e.as_tensor(np.arange(3.0)[::-1]),
        lambda e: e.from_numpy(np.arange(3, dtype=">i4")),
        lambda e: e.from_numpy(np.float64(1.0)),
        lambda e: e.tensor(["a"]),
        lambda e: e.tensor(np.ones((2, 3)).T).stride(),
    ],
)
def test_numpy_inputs_refused_or_laid_out_like_torch(program) -> None:
    both(program)
