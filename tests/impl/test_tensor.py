"""The Tensor object: attributes, conversions, dtype objects and repr, against live torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import impl
from tests.impl.conftest import DTYPE_NAMES, both, make, sample


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_objects_match_torch(name: str) -> None:
    ours, theirs = getattr(impl, name), getattr(torch, name)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert ours.is_floating_point == theirs.is_floating_point
    assert ours.is_complex == theirs.is_complex
    assert ours.is_signed == theirs.is_signed
    assert ours.itemsize == theirs.itemsize
    assert isinstance(ours, impl.dtype)


@pytest.mark.parametrize(
    "alias", ["float", "double", "half", "long", "int", "short", "cfloat", "cdouble", "bool"]
)
def test_dtype_aliases_match_torch(alias: str) -> None:
    assert repr(getattr(impl, alias)) == repr(getattr(torch, alias))


ATTRIBUTES = {
    "shape": lambda t: t.shape,
    "size": lambda t: t.size(),
    "size_dim": lambda t: t.size(-1),
    "size_out_of_range": lambda t: t.size(5),
    "ndim": lambda t: t.ndim,
    "dim": lambda t: t.dim(),
    "numel": lambda t: t.numel(),
    "stride": lambda t: t.stride(),
    "stride_dim": lambda t: t.stride(0),
    "storage_offset": lambda t: t.storage_offset(),
    "is_contiguous": lambda t: t.is_contiguous(),
    "is_floating_point": lambda t: t.is_floating_point(),
    "is_complex": lambda t: t.is_complex(),
    "element_size": lambda t: t.element_size(),
    "device": lambda t: str(t.device),
    "device_repr": lambda t: repr(t.device),
    "dtype": lambda t: t.dtype,
    "tolist": lambda t: t.tolist(),
    "item": lambda t: t.item(),
    "item_of_first": lambda t: t.reshape(-1)[0].item() if t.numel() else None,
    "len": lambda t: len(t),
    "bool": lambda t: bool(t),
    "float": lambda t: float(t),
    "int": lambda t: int(t),
    "iter": lambda t: [x.tolist() for x in t],
    "requires_grad": lambda t: t.requires_grad,
    "is_leaf": lambda t: t.is_leaf,
    "grad": lambda t: t.grad,
    "version": lambda t: t._version,
    "type": lambda t: t.type(),
    "to_dtype": lambda t: t.to(torch.float64 if isinstance(t, torch.Tensor) else impl.float64),
    "to_cpu": lambda t: t.to("cpu"),
    "type_dtype": lambda t: t.type(torch.int32 if isinstance(t, torch.Tensor) else impl.int32),
    "conversions": lambda t: (t.float(), t.double(), t.long(), t.int(), t.bool(), t.half()),
    "all_any": lambda t: (t.all(), t.any()),
    "numpy": lambda t: t.numpy() if t.dtype != getattr(type(t.dtype), "bfloat16", None) else None,
}
SHAPES = [(2, 3), (), (1,), (0, 2), (4,)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("attribute", list(ATTRIBUTES.values()), ids=list(ATTRIBUTES))
def test_attributes_match_torch(attribute, shape: tuple) -> None:
    for name in ("float32", "int64", "bool", "complex64", "bfloat16"):
        both(lambda e, name=name: attribute(make(e, sample(name, shape), name)))


def test_size_is_a_tuple_subclass_printed_like_torch() -> None:
    size = impl.ones(3, 4).shape
    assert isinstance(size, tuple) and size == (3, 4)
    assert repr(size) == repr(torch.ones(3, 4).shape) == "torch.Size([3, 4])"
    assert str(impl.ones(()).size()) == "torch.Size([])"
    assert size.numel() == 12


def test_transposed_and_sliced_are_not_contiguous() -> None:
    both(lambda e: (e.ones(2, 3).t().is_contiguous(), e.ones(2, 3)[:, ::2].is_contiguous()))
    both(lambda e: (e.ones(3, 1).t().is_contiguous(), e.ones(1, 3)[:, :1].is_contiguous()))


REPR_CASES = {
    "float_vector": lambda e: e.tensor([1.0, 2.0]),
    "float_fixed": lambda e: e.tensor([1.5, -2.25, 3.0]),
    "float_sci": lambda e: e.tensor([1e-5, 1e5]),
    "float_big": lambda e: e.tensor([1e9, 1.0]),
    "float_nonfinite": lambda e: e.tensor([1.5, float("nan"), float("inf"), -float("inf")]),
    "float_int_mode_nonfinite": lambda e: e.tensor([1.0, float("nan")]),
    "zero_dim": lambda e: e.tensor(3.5),
    "zero_dim_int": lambda e: e.tensor(3),
    "int_matrix": lambda e: e.tensor([[1, -20], [300, 4]]),
    "int32": lambda e: e.tensor([1, 2], dtype=e.int32),
    "uint8": lambda e: e.tensor([1, 2], dtype=e.uint8),
    "float64": lambda e: e.tensor([1.0, 2.0], dtype=e.float64),
    "float16": lambda e: e.tensor([0.1, 2.0], dtype=e.float16),
    "bfloat16": lambda e: e.tensor([0.1, 2.0], dtype=e.bfloat16),
    "bool": lambda e: e.tensor([True, False]),
    "complex": lambda e: e.tensor([1 + 2j, -3.5j]),
    "complex128": lambda e: e.tensor([1 + 2j], dtype=e.complex128),
    "empty": lambda e: e.tensor([]),
    "empty_2d": lambda e: e.zeros(2, 0),
    "empty_int": lambda e: e.tensor([], dtype=e.int32),
    "empty_float64_2d": lambda e: e.zeros(0, 3, dtype=e.float64),
    "requires_grad": lambda e: e.ones(2, requires_grad=True),
    "three_d": lambda e: e.arange(24.0).view(2, 3, 4),
    "long_vector": lambda e: e.arange(30.0) / 7,
    "summarized": lambda e: e.arange(2000.0),
    "summarized_2d": lambda e: e.arange(2000).view(40, 50),
    "negative_zero": lambda e: e.tensor([-0.0, 1.0]),
    "wide_ints": lambda e: e.tensor([123456789, 1]),
    "mixed_magnitudes": lambda e: e.tensor([0.001, 123.456]),
}


@pytest.mark.parametrize("program", list(REPR_CASES.values()), ids=list(REPR_CASES))
def test_repr_matches_torch(program) -> None:
    assert repr(program(impl)) == repr(program(torch))


def test_repr_with_default_float64() -> None:
    torch.set_default_dtype(torch.float64)
    impl.set_default_dtype(impl.float64)
    for program in (
        lambda e: e.tensor([1.0, 2.0]),
        lambda e: e.tensor([1.0], dtype=e.float32),
        lambda e: e.tensor([1j]),
    ):
        assert repr(program(impl)) == repr(program(torch))


def test_repr_shows_grad_fn_name() -> None:
    """torch prints grad_fn=<MulBackward0> for results of ops on tensors requiring grad."""
    ours = impl.tensor([1.5], requires_grad=True) * 2
    assert repr(ours) == repr(torch.tensor([1.5], requires_grad=True) * 2)


def test_format_of_zero_dim_tensor_uses_item() -> None:
    """torch: f'{tensor(2.5):.3f}' formats the item."""
    assert f"{impl.tensor(2.5):.3f}" == f"{torch.tensor(2.5):.3f}" == "2.500"
    with pytest.raises(TypeError):
        f"{impl.ones(2):.3f}"


CONVERSION_ERRORS = {
    "item_many": lambda e: e.ones(2, 3).item(),
    "bool_many": lambda e: bool(e.ones(2)),
    "bool_empty": lambda e: bool(e.ones(0)),
    "len_0d": lambda e: len(e.tensor(1.0)),
    "iter_0d": lambda e: iter(e.tensor(1.0)),
    "float_many": lambda e: float(e.ones(2)),
    "index_float": lambda e: [1, 2, 3][e.tensor(1.0)],
    "index_int": lambda e: [1, 2, 3][e.tensor(1)],
    "size_out_of_range": lambda e: e.ones(2).size(1),
}


@pytest.mark.parametrize("program", list(CONVERSION_ERRORS.values()), ids=list(CONVERSION_ERRORS))
def test_conversion_errors_match_torch(program) -> None:
    both(program)


def test_item_types_follow_dtype_category() -> None:
    """torch docs (Tensor.item): a standard Python number."""
    assert type(impl.tensor(True).item()) is bool
    assert type(impl.tensor(3, dtype=impl.uint8).item()) is int
    assert type(impl.tensor(1.5, dtype=impl.bfloat16).item()) is float
    assert type(impl.tensor(1j).item()) is complex


def test_requires_grad_contract_fields() -> None:
    """The fields impl.autograd relies on (see impl/tensor.py)."""
    t = impl.ones(2)
    assert t.grad is None and t.grad_fn is None and t.is_leaf and not t.retains_grad
    assert t.requires_grad_() is t and t.requires_grad
    view = t[0]
    assert view._base is t and view._vc is t._vc


def test_is_tensor_and_numel() -> None:
    assert impl.is_tensor(impl.ones(1)) and not impl.is_tensor(np.ones(1))
    assert impl.numel(impl.ones(2, 3)) == 6


def test_numpy_array_protocol() -> None:
    """np.asarray(tensor) gives its values (torch implements __array__ too)."""
    np.testing.assert_array_equal(np.asarray(impl.arange(3)), np.asarray(torch.arange(3)))
    assert math.isclose(float(np.asarray(impl.tensor(2.5, dtype=impl.bfloat16))), 2.5)
