"""The input layers: specials survive encoding, specs stay within the caps, and `build` makes on
torch the logical values of a spec with the layout it names."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec.engine import DTYPES
from spec.strategies import (
    NUMPY_DTYPES,
    build,
    category,
    decode,
    elements,
    encode,
    special_values,
    tensor_specs,
    to_array,
)
from tests.spec.support import TORCH, roundtrips, same_values


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values_survive_repr(dtype: str) -> None:
    array = np.array(special_values(dtype), dtype=NUMPY_DTYPES[dtype])
    encoded = encode(array)
    assert eval(repr(encoded)) == encoded
    assert same_values(np.array(decode(encoded, dtype), dtype=NUMPY_DTYPES[dtype]), array)
    if category(dtype) in ("float", "complex"):
        assert any(isinstance(v, str) for v in encoded), "non-finite values are encoded as strings"


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(DTYPES).flatmap(lambda d: st.tuples(st.just(d), elements(d))))
def test_ordinary_elements_are_small_and_finite(drawn: tuple) -> None:
    dtype, value = drawn
    assert abs(complex(value)) <= 100 * math.sqrt(2) and np.isfinite(complex(value))
    if dtype != "bfloat16":  # bfloat16 values are drawn in float32 and rounded when arrays are made
        assert np.array(value, dtype=NUMPY_DTYPES[dtype]).item() == value


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(tensor_specs(st.sampled_from(DTYPES)))
def test_build_makes_the_logical_values_with_the_layout(spec: dict) -> None:
    assert roundtrips(spec)
    assert math.prod(spec["shape"]) <= 64
    t = build(TORCH, spec)
    assert TORCH.dtype(t) == spec["dtype"] and TORCH.shape(t) == tuple(spec["shape"])
    assert same_values(TORCH.to_numpy(t), to_array(spec))
    strides, shape = TORCH.strides(t), spec["shape"]
    if spec["layout"] == "strided" and shape[-1] > 1:
        assert strides[-1] == 2
    if spec["layout"] == "transposed" and shape[0] > 1 and shape[-1] > 1 and 0 not in shape:
        assert not t.is_contiguous()
    if spec["layout"] == "expanded":
        for n, m, stride in zip(spec["source_shape"], shape, strides, strict=True):
            assert stride == 0 or not (n == 1 and m > 1)


def test_build_requires_grad_gives_leaves() -> None:
    for shape in ([2, 3], [0, 3], []):
        values = np.ones(shape, np.float32)
        spec = {"dtype": "float32", "shape": shape, "values": encode(values), "layout": "contiguous"}
        t = build(TORCH, spec, requires_grad=True)
        assert TORCH.is_leaf(t) and TORCH.requires_grad(t) and TORCH.shape(t) == tuple(shape)
