"""Helpers for impl's differential tests: build the same tensor in torch and impl, compare results.

`both(program)` runs `program(torch)` and `program(impl)`; either both raise (same exception
type and the same message) or both return, and the results are compared as tensors
(dtype name, shape, values with torch.testing's default tolerances per dtype, optionally
strides and storage_offset) or as plain Python values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np
import pytest
import torch

import impl
from conformance.compare import DEFAULT_TOLERANCES
from spec.engine import DTYPES

DTYPE_NAMES = DTYPES
# torch.testing.assert_close's default (rtol, atol) per dtype, one table for the whole project;
# complex32 (impl's emulation of torch's ComplexHalf) takes float16's
TOLERANCES = {**DEFAULT_TOLERANCES, "complex32": DEFAULT_TOLERANCES["float16"]}


def dtype_name(d: Any) -> str:
    return str(d).removeprefix("torch.")


def sample(name: str, shape: tuple[int, ...] = (2, 3), seed: int = 0) -> np.ndarray:
    """Deterministic values representable in dtype `name` (small, with negatives where the dtype has them)."""
    rng = np.random.default_rng(seed)
    if name == "bool":
        return rng.random(shape) > 0.5
    if name == "uint8":
        return rng.integers(0, 20, shape).astype(np.uint8)
    if name.startswith("int"):
        return rng.integers(-9, 10, shape).astype(name)
    if name.startswith("complex"):
        return (rng.normal(size=shape) + 1j * rng.normal(size=shape)).astype(name)
    values = rng.normal(size=shape).astype(np.float32) * 3
    return values.astype(ml_dtypes.bfloat16) if name == "bfloat16" else values.astype(name)


def make(engine: Any, values: np.ndarray | Any, name: str) -> Any:
    """tensor(values, dtype=name) in either engine (bfloat16 passes through float32)."""
    dtype = getattr(engine, name)
    if isinstance(values, np.ndarray | np.generic) and values.dtype == ml_dtypes.bfloat16:
        values = values.astype(np.float32)  # torch reads no ml_dtypes arrays
    return engine.tensor(values, dtype=dtype)


def as_numpy(t: Any) -> np.ndarray:
    """A tensor's values (either engine) as float64 / complex128 / int / bool NumPy."""
    name = dtype_name(t.dtype)
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if name == "bfloat16":
            t = t.float()
        if name == "complex32":  # NumPy has no complex32; widening to complex64 is exact
            t = t.to(torch.complex64)
        return t.numpy().copy()
    data = t._data
    return data.astype(np.float32) if name == "bfloat16" else data.copy()


def assert_same_tensor(ours: Any, theirs: torch.Tensor, *, layout: bool = False, exact: bool = False) -> None:
    """Same dtype name, shape and values (torch tolerances); with layout, same strides and offset."""
    assert isinstance(ours, impl.Tensor), f"expected an impl.Tensor, got {type(ours).__name__}"
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (ours.dtype, theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape), (tuple(ours.shape), tuple(theirs.shape))
    name = dtype_name(theirs.dtype)
    rtol, atol = (0, 0) if exact else TOLERANCES.get(name, (0, 0))
    np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), rtol=rtol, atol=atol, equal_nan=True)
    if layout:
        assert ours.stride() == theirs.stride(), (ours.stride(), theirs.stride())
        assert ours.storage_offset() == theirs.storage_offset()


def assert_same(ours: Any, theirs: Any, *, layout: bool = False) -> None:
    """Compare results of any shape: tensors, tuples/lists of results, dtypes, sizes, scalars."""
    if isinstance(theirs, torch.Tensor):
        assert_same_tensor(ours, theirs, layout=layout)
    elif isinstance(theirs, tuple | list):
        assert type(ours).__name__ == type(theirs).__name__ or isinstance(ours, tuple | list)
        assert len(ours) == len(theirs)
        for mine, other in zip(ours, theirs, strict=True):
            assert_same(mine, other, layout=layout)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype and ours.shape == theirs.shape
        np.testing.assert_array_equal(ours, theirs)
    elif isinstance(theirs, torch.dtype):
        assert dtype_name(ours) == dtype_name(theirs)
    elif isinstance(theirs, float) and np.isnan(theirs):
        assert np.isnan(ours)
    else:
        assert ours == theirs and type(ours) is type(theirs), (ours, theirs)


def outcome(program: Callable[[Any], Any], engine: Any) -> tuple[Any, BaseException | None]:
    try:
        return program(engine), None
    except Exception as exc:
        return None, exc


def both(program: Callable[[Any], Any], *, layout: bool = False, message: bool = True) -> Any:
    """Run program on torch and on impl; assert the same error or the same result. Returns torch's."""
    theirs, their_error = outcome(program, torch)
    ours, our_error = outcome(program, impl)
    if their_error is not None or our_error is not None:
        assert our_error is not None, f"torch raised {their_error!r}, impl returned {ours!r}"
        assert their_error is not None, f"impl raised {our_error!r}, torch returned {theirs!r}"
        assert type(our_error).__name__ == type(their_error).__name__, (our_error, their_error)
        if message:
            assert _first_line(our_error) == _first_line(their_error)
        return their_error
    assert_same(ours, theirs, layout=layout)
    return theirs


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


@pytest.fixture(autouse=True)
def _default_dtypes():
    """Every test starts and ends with float32 as both engines' default dtype."""
    torch.set_default_dtype(torch.float32)
    impl.set_default_dtype(impl.float32)
    yield
    torch.set_default_dtype(torch.float32)
    impl.set_default_dtype(impl.float32)
