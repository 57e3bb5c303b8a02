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
    generate,
    mutual_shapes,
    shapes,
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


@pytest.mark.parametrize("dtype", DTYPES)
def test_generate_is_a_function_of_the_seed(dtype: str) -> None:
    for extremal in (False, True):
        first, again = (
            generate(dtype, (3, 4), 7, extremal=extremal),
            generate(dtype, (3, 4), 7, extremal=extremal),
        )
        assert first.dtype == NUMPY_DTYPES[dtype] and first.shape == (3, 4)
        assert same_values(first, again)
    assert generate(dtype, (), 0).shape == ()


@pytest.mark.parametrize("dtype", DTYPES)
def test_ordinary_layer_is_small_finite_and_normal(dtype: str) -> None:
    values = np.concatenate([generate(dtype, (64,), seed).ravel() for seed in range(20)])
    magnitudes = np.abs(values.astype(np.complex128))
    assert np.all(np.isfinite(magnitudes)) and np.all(magnitudes <= 100 * math.sqrt(2))
    if category(dtype) in ("float", "complex"):
        parts = np.concatenate([values.real, values.imag]).astype(np.float64)
        tiny = float(np.finfo(np.float16 if dtype == "float16" else np.float32).tiny)
        assert not np.any((parts != 0) & (np.abs(parts) < tiny)), "no subnormals among ordinary values"


@pytest.mark.parametrize("dtype", DTYPES)
def test_extremal_layer_reaches_every_special_value(dtype: str) -> None:
    values = np.concatenate([generate(dtype, (64,), seed, extremal=True).ravel() for seed in range(20)])
    for special in np.array(special_values(dtype), dtype=NUMPY_DTYPES[dtype]):
        assert any(same_values(np.array(v), np.array(special)) for v in values), special


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.integers(2, 3).flatmap(lambda n: mutual_shapes(n)))
def test_mutual_shapes_broadcast_within_the_caps(drawn: list) -> None:
    result = np.broadcast_shapes(*drawn)  # raises if they do not broadcast
    assert len(result) <= 3 and all(n <= 4 for s in drawn for n in s)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(shapes(min_dims=1, min_side=2), shapes())
def test_shapes_respect_their_bounds(bounded: tuple, default: tuple) -> None:
    assert 1 <= len(bounded) <= 3 and all(2 <= n <= 4 for n in bounded)
    assert len(default) <= 3 and all(0 <= n <= 4 for n in default)
