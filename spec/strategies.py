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

Drawing is cheap by construction (hypothesis costs ~25us per primitive draw): strategies are built
once (module level or cached by parameters), shapes are one integer draw each, and a tensor is one
more draw (its style and a seed) whose values `generate` makes with NumPy. The case keeps the values,
so its repr reproduces exactly; shrinking still minimises shapes, styles and seeds.
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
    """The values of a drawn tensor, from a NumPy generator keyed by `seed` (Philox: cheap to key):
    hypothesis draws only the seed, so a case costs a few draws however many elements it has.

    ordinary: small finite numbers (|x| <= 100, no subnormals): small integers, whole numbers and
    arbitrary reals mixed, so that ties and exact results occur; extremal: a third of the elements
    the dtype's special values (nan, +-inf, -0.0, min/max, tiny, subnormal), half of the others
    random bit patterns (the whole range), the rest ordinary."""
    rng = np.random.Generator(np.random.Philox(key=seed))
    uniform = rng.random((10, *shape))  # one row of uniforms per random choice below
    kind, np_dtype = category(dtype), NUMPY_DTYPES[dtype]
    if kind == "bool":
        return uniform[0] < 0.5
    if kind == "int":
        info = np.iinfo(np_dtype)
        bound = max(-int(info.min), int(info.max)) if extremal else ORDINARY_BOUND
        lo, hi = max(int(info.min), -bound), min(int(info.max), bound)
        values = rng.integers(lo, hi, shape, dtype=np_dtype, endpoint=True)
    elif kind == "float":
        values = _reals(rng, uniform[:4], dtype, extremal)
    else:
        real = "float32" if dtype == "complex64" else "float64"
        values = np.empty(shape, np_dtype)  # not re + 1j * im: 1j * inf is (nan+infj)
        values.real = _reals(rng, uniform[:4], real, extremal)
        values.imag = _reals(rng, uniform[4:8], real, extremal)
    if extremal:
        specials = _specials(dtype)
        picked = specials[(uniform[9] * len(specials)).astype(int)]
        values = np.where(uniform[8] < 1 / 3, picked, values)
    return np.asarray(values, dtype=np_dtype)


@cache
def _specials(dtype: str) -> np.ndarray:
    return np.array(special_values(dtype), dtype=NUMPY_DTYPES[dtype])


@cache
def _tiny(dtype: str) -> float:
    return float(_finfo(dtype).tiny)


def _reals(rng: np.random.Generator, uniform: np.ndarray, dtype: str, extremal: bool) -> np.ndarray:
    """Ordinary reals of a float dtype from 4 rows of uniforms; with `extremal`, half of them
    replaced by random bit patterns."""
    np_dtype = NUMPY_DTYPES[dtype]
    wide = (uniform[0] * 2 - 1) * ORDINARY_BOUND
    small = np.floor(uniform[1] * 7) - 3
    values = np.where(uniform[2] < 1 / 3, small, np.where(uniform[2] < 2 / 3, np.round(wide), wide))
    values = values.astype(np_dtype)
    values = np.where(np.abs(values) < _tiny(dtype), np_dtype.type(0), values)  # no subnormals
    if extremal:
        bits = np.dtype(f"u{np_dtype.itemsize}")
        patterns = rng.integers(0, np.iinfo(bits).max, values.shape, dtype=bits, endpoint=True)
        values = np.where(uniform[3] < 0.5, patterns.view(np_dtype), values)
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


def _digits(code: int, radices: list[int]) -> list[int]:
    """`code` in mixed radix, least significant digit first (code 0: all digits 0)."""
    digits = []
    for radix in radices:
        code, digit = divmod(code, radix)
        digits.append(digit)
    return digits


@cache
def shapes(
    *, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 0, max_side: int = MAX_SIDE
) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes within the size caps (0-dim and zero-size included by default), in one draw:
    an integer whose digits are the sides and (most significant) the number of dims, so that it
    shrinks towards fewer dims and smaller sides."""
    radices = [max_side - min_side + 1] * max_dims + [max_dims - min_dims + 1]

    def decode(code: int) -> tuple[int, ...]:
        *sides, extra = _digits(code, radices)
        return tuple(min_side + side for side in sides[: min_dims + extra])

    return integers(0, math.prod(radices) - 1).map(decode)


@cache
def mutual_shapes(count: int) -> st.SearchStrategy[list[tuple[int, ...]]]:
    """`count` mutually broadcastable shapes within the caps; zero-size sides in about 1 draw of 4.

    One draw: a broadcast shape (sides, dims), whether sides may be 0, and for each operand how many
    leading dims it drops and which of its dims are 1 (a bit mask); all 0 is every operand alike."""
    radices = [MAX_SIDE] * MAX_DIMS + [MAX_DIMS + 1, 4] + [MAX_DIMS + 1, 2**MAX_DIMS] * count

    def decode(code: int) -> list[tuple[int, ...]]:
        digits = _digits(code, radices)
        ndim, zeros = digits[MAX_DIMS], digits[MAX_DIMS + 1] == 3
        result = [side + 1 - (zeros and side == MAX_SIDE - 1) * MAX_SIDE for side in digits[:ndim]]
        operands = []
        for dropped, ones in zip(digits[MAX_DIMS + 2 :: 2], digits[MAX_DIMS + 3 :: 2], strict=True):
            tail = result[dropped if dropped <= ndim else 0 :]  # a high digit drops none
            operands.append(tuple(1 if ones >> i & 1 else n for i, n in enumerate(tail)))
        return operands

    return integers(0, math.prod(radices) - 1).map(decode)


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
    """A tensor spec of `dtype` and `shape` in one draw: an integer whose high digit is the style
    (value layer and layout, shrinking to ordinary and contiguous) and low 32 bits the seed the
    values (and an expanded layout's collapsed dims) are generated from."""
    shape = tuple(shape)
    layers = (False, True) if extremal is None else (extremal,)
    styles = _styles(layers, layouts, len(shape))
    style, seed = divmod(draw(integers(0, (len(styles) << 32) - 1)), 1 << 32)
    extremal, layout = styles[style]
    if layout != "expanded":
        return spec_of(generate(dtype, shape, seed, extremal=extremal), dtype, layout)
    collapsed = np.random.Generator(np.random.Philox(key=~seed & 0xFFFFFFFF)).random(len(shape)) < 0.5
    source = tuple(1 if c else n for c, n in zip(collapsed, shape, strict=True))
    spec = spec_of(generate(dtype, source, seed, extremal=extremal), dtype, layout)
    return {**spec, "shape": list(shape), "source_shape": list(source)}


@cache
def _styles(layers: tuple[bool, ...], layouts: tuple[str, ...], ndim: int) -> list[tuple[bool, str]]:
    """The (extremal, layout) pairs a tensor of `ndim` dims may take, simplest first."""
    fitting = [name for name in layouts if _fits(name, ndim)] or ["contiguous"]
    return [(layer, name) for layer in layers for name in fitting]


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
