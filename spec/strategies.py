"""Inputs for drawn scenarios, in three layers, and how a case's tensor is built on an engine.

1. ordinary values: small finite numbers of the dtype;
2. extremal values: nan, +-inf, -0.0, integer min/max, subnormals, the dtype's max (per dtype);
3. layouts: 0-dim and zero-size shapes, and tensors that are transposed, strided (sliced with a
   step) or expanded, built *through the engine* so that its own view machinery is exercised.

A tensor in a case is a *tensor spec*, plain data whose repr is valid Python:
    {"dtype": "float32", "shape": [2, 3], "values": [[...], [...]], "layout": "transposed"}
Non-finite floats are written as strings ("nan", "-inf", "(nan+1j)"), since repr(nan) is not
Python; an "expanded" spec also carries "source_shape", the shape of its values before expand.
Strategies are constructive (no filters); arrays are capped at 4 per dim and 3 dims (64 elements).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import ml_dtypes
import numpy as np
from hypothesis import strategies as st

from spec.engine import DTYPES, Engine

NUMPY_DTYPES: dict[str, np.dtype] = {
    name: np.dtype(ml_dtypes.bfloat16 if name == "bfloat16" else name) for name in DTYPES
}
"""torch dtype name -> the NumPy dtype holding its values (bfloat16 through ml_dtypes)."""

LAYOUTS: tuple[str, ...] = ("contiguous", "transposed", "strided", "expanded")
MAX_SIDE = 4
MAX_DIMS = 3
ORDINARY_BOUND = 100


def category(dtype: str) -> str:
    """'bool', 'int', 'float' or 'complex': the promotion category of a torch dtype name."""
    if dtype == "bool":
        return "bool"
    return {"u": "int", "i": "int", "c": "complex"}.get(NUMPY_DTYPES[dtype].kind, "float")


# --- layer 1 and 2: element values ------------------------------------------------------------
def _finfo(dtype: str) -> Any:
    return ml_dtypes.finfo(NUMPY_DTYPES[dtype]) if dtype == "bfloat16" else np.finfo(NUMPY_DTYPES[dtype])


def special_values(dtype: str) -> list[Any]:
    """The extremal values of a dtype, as Python scalars."""
    kind = category(dtype)
    if kind == "bool":
        return [False, True]
    if kind == "int":
        info = np.iinfo(NUMPY_DTYPES[dtype])
        return sorted({int(info.min), int(info.max), 0, 1, -1 if info.min < 0 else 2})
    real = "float32" if dtype == "complex64" else "float64" if dtype == "complex128" else dtype
    info = _finfo(real)
    floats = [math.nan, math.inf, -math.inf, -0.0, float(info.max), float(-info.max), float(info.tiny)]
    floats.append(float(info.smallest_subnormal))
    if kind == "float":
        return floats
    return [complex(floats[i], floats[j]) for i, j in ((0, 3), (1, 0), (3, 2), (4, 5), (7, 6), (3, 3))]


LAYERS: tuple[str, ...] = ("ordinary", "extremal")
"""The value layers of a drawn tensor (layouts are the third layer)."""


def generate(dtype: str, shape: tuple[int, ...], seed: int, *, extremal: bool = False) -> np.ndarray:
    """The values of a drawn tensor, from `numpy.random.default_rng(seed)`: hypothesis draws only
    the seed, so a case costs a few draws however many elements it has, and shrinks to seed 0.

    ordinary: small finite numbers (|x| <= 100, no subnormals): small integers, whole numbers and
    arbitrary reals mixed, so that ties and exact results occur; extremal: a third each of the
    dtype's special values (nan, +-inf, -0.0, min/max, tiny, subnormal), random bit patterns
    (the whole range) and ordinary values."""
    rng = np.random.default_rng(seed)
    kind, np_dtype = category(dtype), NUMPY_DTYPES[dtype]
    if kind == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if kind == "int":
        info = np.iinfo(np_dtype)
        lo, hi = (
            (int(info.min), int(info.max))
            if extremal
            else (max(int(info.min), -ORDINARY_BOUND), min(int(info.max), ORDINARY_BOUND))
        )
        values = rng.integers(lo, hi, shape, dtype=np_dtype, endpoint=True)
    elif kind == "float":
        values = _reals(rng, dtype, shape, extremal)
    else:
        real = "float32" if dtype == "complex64" else "float64"
        values = _reals(rng, real, shape, extremal) + 1j * _reals(rng, real, shape, extremal)
        values = values.astype(np_dtype)
    if extremal:
        specials = np.array(special_values(dtype), dtype=np_dtype)
        chosen = rng.random(shape) < 1 / 3
        values = np.where(chosen, specials[rng.integers(0, len(specials), shape)], values)
    return np.asarray(values, dtype=np_dtype)


def _reals(rng: np.random.Generator, dtype: str, shape: tuple[int, ...], extremal: bool) -> np.ndarray:
    """Ordinary reals of a float dtype; with `extremal`, half of them replaced by random bit patterns."""
    np_dtype = NUMPY_DTYPES[dtype]
    wide = rng.uniform(-ORDINARY_BOUND, ORDINARY_BOUND, shape)
    pick = rng.integers(0, 3, shape)
    values = np.choose(pick, [rng.integers(-3, 4, shape), np.round(wide), wide]).astype(np_dtype)
    values = np.where(np.abs(values) < _finfo(dtype).tiny, np_dtype.type(0), values)  # no subnormals
    if extremal:
        bits = np.dtype(f"u{np_dtype.itemsize}")
        patterns = rng.integers(0, np.iinfo(bits).max, shape, dtype=bits, endpoint=True).view(np_dtype)
        values = np.where(rng.random(shape) < 0.5, patterns, values)
    return values


@cache  # strategies are immutable: build (and validate) each once
def elements(dtype: str, *, extremal: bool = False) -> st.SearchStrategy[Any]:
    """Scalars of `dtype` from either layer, as Python scalars (drawn as a seed, see `generate`)."""
    return _SEEDS.map(lambda seed: generate(dtype, (), seed, extremal=extremal).item())


@cache
def arrays(dtype: str, shape: tuple[int, ...], *, extremal: bool = False) -> st.SearchStrategy[np.ndarray]:
    """NumPy arrays of torch dtype `dtype` (bfloat16 via ml_dtypes) and the given shape."""
    return _SEEDS.map(lambda seed: generate(dtype, shape, seed, extremal=extremal))


_SEEDS = st.integers(0, 2**32 - 1)


@cache
def integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    """st.integers(lo, hi), built once per range."""
    return st.integers(lo, hi)


def _sides(code: int, ndim: int, min_side: int, max_side: int) -> tuple[int, ...]:
    """`ndim` sides in [min_side, max_side] read as the digits of `code` (code 0: all min_side)."""
    span = max_side - min_side + 1
    return tuple(min_side + code // span**i % span for i in range(ndim))


@cache
def shapes(
    *, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes within the size caps (0-dim and zero-size included by default), in two draws:
    the number of dims, then all sides as one integer (which shrinks towards the smallest)."""
    span = max_side - min_side + 1
    ndims = integers(min_dims, max_dims)
    codes = [integers(0, span**ndim - 1) for ndim in range(max_dims + 1)]

    @st.composite
    def drawn(draw: st.DrawFn) -> tuple[int, ...]:
        ndim = draw(ndims)
        return _sides(draw(codes[ndim]), ndim, min_side, max_side)

    return drawn()


_MIN_SIDE = st.sampled_from((1, 1, 1, 0))


@cache
def mutual_shapes(count: int) -> st.SearchStrategy[list[tuple[int, ...]]]:
    """`count` mutually broadcastable shapes within the caps; zero-size sides in about 1 draw of 4.

    A broadcast shape is drawn, then each operand takes a trailing part of it (drawn length) with
    some of those dims (a drawn bit mask) set to 1: 3 + 2 * count draws in all."""

    @st.composite
    def drawn(draw: st.DrawFn) -> list[tuple[int, ...]]:
        result = draw(shapes(min_side=draw(_MIN_SIDE)))
        operands = []
        for _ in range(count):
            ndim = draw(integers(0, len(result)))
            ones = draw(integers(0, 2**ndim - 1))
            tail = result[len(result) - ndim :]
            operands.append(tuple(1 if ones >> i & 1 else n for i, n in enumerate(tail)))
        return operands

    return drawn()


# --- encoding arrays as plain data ----------------------------------------------------------
def _encode_scalar(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    if isinstance(x, complex) and not (math.isfinite(x.real) and math.isfinite(x.imag)):
        return str(x)
    return x


def _walk(data: Any, leaf: Any) -> Any:
    return [_walk(x, leaf) for x in data] if isinstance(data, list) else leaf(data)


def encode(array: np.ndarray) -> Any:
    """Nested lists of Python scalars, non-finite floats as strings: valid Python under repr."""
    if array.dtype == NUMPY_DTYPES["bfloat16"]:
        array = array.astype(np.float32)
    return _walk(array.tolist(), _encode_scalar)


def decode(values: Any, dtype: str) -> Any:
    """Inverse of `encode`: nested lists of Python scalars (strings back to float/complex)."""
    cast = complex if category(dtype) == "complex" else float
    return _walk(values, lambda x: cast(x) if isinstance(x, str) else x)


def decode_index(items: list[Any]) -> tuple[Any, ...]:
    """A plain-data index as Python's: {"slice": [start, stop, step]} -> slice; ints, None, Ellipsis kept."""
    return tuple(slice(*item["slice"]) if isinstance(item, dict) else item for item in items)


def to_array(spec: dict[str, Any]) -> np.ndarray:
    """The logical values of a tensor spec as a NumPy array (for tests and oracles-free checks)."""
    source = spec.get("source_shape", spec["shape"])
    values = np.array(decode(spec["values"], spec["dtype"]), dtype=NUMPY_DTYPES[spec["dtype"]])
    return np.broadcast_to(values.reshape(source), tuple(spec["shape"]))


def spec_of(array: np.ndarray, dtype: str, layout: str = "contiguous") -> dict[str, Any]:
    """A tensor spec for a NumPy array (contiguous, transposed or strided layout)."""
    return {"dtype": dtype, "shape": list(array.shape), "values": encode(array), "layout": layout}


# --- layer 3: layouts, built through the engine -----------------------------------------------
def _contiguous(engine: Engine, values: Any, dtype: str, shape: list[int], requires_grad: bool) -> Any:
    if math.prod(shape) == 0:  # nested lists cannot say (0, 3)
        return engine.create("zeros", tuple(shape), dtype=dtype, requires_grad=requires_grad)
    return engine.tensor(values, dtype=dtype, requires_grad=requires_grad)


def build(engine: Engine, spec: dict[str, Any], *, requires_grad: bool = False) -> Any:
    """Make the engine tensor a spec describes, with its layout (views of a fresh tensor)."""
    dtype, shape, layout = spec["dtype"], list(spec["shape"]), spec.get("layout", "contiguous")
    values = decode(spec["values"], dtype)
    ndim = len(shape)
    if layout == "transposed" and ndim >= 2:
        stored = np.array(values, dtype=object).reshape(shape).transpose()
        base = _contiguous(engine, stored.tolist(), dtype, list(stored.shape), requires_grad)
        return engine.method("permute", base, tuple(reversed(range(ndim))))
    if layout == "strided" and ndim >= 1:
        padded = np.zeros((*shape[:-1], 2 * shape[-1]), dtype=object)
        padded[..., ::2] = np.array(values, dtype=object).reshape(shape)
        base = _contiguous(engine, padded.tolist(), dtype, list(padded.shape), requires_grad)
        return engine.method("__getitem__", base, (Ellipsis, slice(None, None, 2)))
    if layout == "expanded":
        base = _contiguous(engine, values, dtype, list(spec["source_shape"]), requires_grad)
        return engine.method("expand", base, *shape)
    return _contiguous(engine, values, dtype, shape, requires_grad)


def draw_tensor_spec(
    draw: st.DrawFn,
    dtype: str,
    shape: tuple[int, ...],
    *,
    layouts: tuple[str, ...] = LAYOUTS,
    extremal: bool | None = None,
) -> dict[str, Any]:
    """A tensor spec of `dtype` and `shape`, drawing only its layer, layout and seed (the values are
    generated from the seed; an expanded layout's collapsed dims too): 2 draws."""
    shape = tuple(shape)
    layers = (False, True) if extremal is None else (extremal,)
    extremal, layout = draw(_styles(layers, layouts, len(shape)))
    seed = draw(_SEEDS)
    if layout != "expanded":
        return spec_of(generate(dtype, shape, seed, extremal=extremal), dtype, layout)
    collapsed = np.random.default_rng(~seed & 0xFFFFFFFF).random(len(shape)) < 0.5
    source = tuple(1 if c else n for c, n in zip(collapsed, shape, strict=True))
    spec = spec_of(generate(dtype, source, seed, extremal=extremal), dtype, layout)
    return {**spec, "shape": list(shape), "source_shape": list(source)}


@cache
def _styles(layers: tuple[bool, ...], layouts: tuple[str, ...], ndim: int) -> st.SearchStrategy[Any]:
    """(extremal, layout) pairs in one draw; shrinks to ordinary values, the first layout."""
    fitting = [name for name in layouts if _fits(name, ndim)] or ["contiguous"]
    return st.sampled_from([(layer, name) for layer in layers for name in fitting])


@st.composite
def tensor_specs(
    draw: st.DrawFn,
    dtype: str | st.SearchStrategy[str],
    shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
    *,
    layouts: tuple[str, ...] = LAYOUTS,
    extremal: bool | None = None,
) -> dict[str, Any]:
    """A tensor spec: dtype, shape (drawn within the caps unless given), values of either layer, a layout."""
    dtype = draw(dtype) if isinstance(dtype, st.SearchStrategy) else dtype
    shape = shapes() if shape is None else shape
    shape = tuple(draw(shape) if isinstance(shape, st.SearchStrategy) else shape)
    return draw_tensor_spec(draw, dtype, shape, layouts=layouts, extremal=extremal)


def _fits(layout: str, ndim: int) -> bool:
    """Layouts that differ from contiguous for a shape of `ndim` dims."""
    return {"transposed": ndim >= 2, "strided": ndim >= 1, "expanded": ndim >= 1}.get(layout, True)
