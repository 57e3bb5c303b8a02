"""Creation: the dtype and shape torch gives new tensors, from Python data, NumPy and factories.

torch's rules (docs: torch.tensor, torch.as_tensor, "Creation Ops"): torch.tensor infers the
dtype from the Python data, taking the highest category present: bool, then int64, then the
default dtype for floats, then the complex type matching the default dtype; NumPy arrays keep
their dtype; factories default to the default dtype, except arange with only integer arguments
(int64) and full, whose fill value's type picks the dtype; *_like keep the source's dtype and
shape unless overridden. Ragged data and values a dtype cannot hold are errors.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome, aliasing_groups, observe
from spec.scenario import Case, default_dtype, lacks_default_dtype, scenario
from spec.strategies import NUMPY_DTYPES, generate, integers, shapes

DEFAULT_DTYPES = ("float32", "float64")
_SPECIAL_FLOATS = {"nan", "inf", "-inf"}


def data(value: Any) -> Any:
    """Decode a case's Python data: "nan"/"inf"/"-inf" -> float, {"np": dtype, "value": v} -> a
    NumPy scalar; other strings stay strings (torch's bad-data errors)."""
    if isinstance(value, list):
        return [data(v) for v in value]
    if isinstance(value, dict):
        return NUMPY_DTYPES[value["np"]].type(value["value"])
    return float(value) if isinstance(value, str) and value in _SPECIAL_FLOATS else value


INFERRED: list[Any] = [
    True,
    [True, False],
    3,
    [1, 2],
    2.5,
    [1, 2.5],
    [True, 2],
    [True, 2.5],
    1j,
    [1, 2j],
    [True, 1.5, 2j],
    [[1, 2], [3, 4]],
    [[True], [2.5]],
    [],
    [[]],
    [[], []],
    "nan",
    ["inf", "-inf", 1],
    2**62,
    -(2**63),
    2**63,
    1e300,
    [{"np": "float32", "value": 1.5}],
    [{"np": "float16", "value": 1.5}, 2],
    {"np": "int16", "value": 3},
    {"np": "float64", "value": 2.5},
    [[1, 2], [3]],
    [[1], [2, 3]],
    [1, [2]],
    [[1, 2], 3],
    ["a"],
    [None],
]
"""Python data for torch.tensor without dtype: every category, mixes, nesting, empties, extremes,
NumPy scalars, ragged and non-numeric data."""

CONVERTED: list[Any] = [[1.7, -1.7], [True, False], [300], [-1], [1 + 2j], ["nan"], [2**40], [1e10], [0.1]]
"""Python data converted to every explicit dtype (truncation, wrap-around or overflow errors)."""


def _inferred_cases() -> list[Case]:
    inferred = [{"data": d, "dtype": None} for d in INFERRED]
    converted = [{"data": d, "dtype": t} for d, t in itertools.product(CONVERTED, DTYPES)]
    return [{**c, "default_dtype": dd} for dd, c in itertools.product(DEFAULT_DTYPES, inferred + converted)]


@scenario(cases=_inferred_cases, finite=True)
def tensor_from_data(engine: Engine, case: Case) -> Outcome:
    """torch.tensor(data, dtype=...) infers bool < int64 < default float < matching complex from
    Python data (NumPy scalars keep their dtype), converts to an explicit dtype (float -> int
    truncates; out-of-range values raise RuntimeError "value cannot be converted ... without
    overflow"), and rejects ragged or non-numeric data (ValueError/TypeError)."""
    if unsupported := lacks_default_dtype(engine, case):
        return unsupported
    out = Outcome()
    with default_dtype(engine, case["default_dtype"]), out.catching():
        out.tensors["result"] = observe(engine, engine.tensor(data(case["data"]), dtype=case["dtype"]))
    return out


DATA_KINDS = ("bool", "int64", "float64", "complex128")
_DATA_SHAPES = shapes(max_side=3)
_KIND_SETS = integers(1, 2 ** len(DATA_KINDS) - 1)
_DEFAULTS = st.sampled_from(DEFAULT_DTYPES)


@st.composite
def _drawn_data_cases(draw: st.DrawFn) -> Case:
    """Nested lists of a drawn shape whose elements mix a drawn subset of bool/int/float/complex
    (a bit mask), ordinary values of each generated from one drawn seed."""
    shape, mask, seed = draw(_DATA_SHAPES), draw(_KIND_SETS), draw(integers(0, 2**32 - 1))
    kinds = [kind for i, kind in enumerate(DATA_KINDS) if mask >> i & 1]
    size = math.prod(shape)
    columns = [generate(kind, (size,), seed + i).tolist() for i, kind in enumerate(kinds)]
    picks = np.random.Generator(np.random.Philox(key=seed)).integers(0, len(kinds), size)
    flat = [columns[k][i] for i, k in enumerate(picks)]
    nested: Any = np.array(flat, dtype=object).reshape(shape).tolist() if shape else flat[0]
    return {"data": nested, "dtype": None, "default_dtype": draw(_DEFAULTS)}


@scenario(cases=_drawn_data_cases, keys=["default_dtype"])
def tensor_from_drawn_data(engine: Engine, case: Case) -> Outcome:
    """torch.tensor(nested lists) of any shape mixing Python bools, ints, floats and complex numbers:
    the dtype is that of the highest category present, the shape the nesting's."""
    return tensor_from_data(engine, case)


NUMPY_INPUTS = ("tensor", "as_tensor", "from_numpy")
NUMPY_SHAPES: dict[str, tuple[int, ...] | None] = {"scalar": None, "0-d": (), "1-d": (3,), "2-d": (2, 2)}


def _numpy_cases() -> list[Case]:
    return [
        {"via": v, "dtype": d, "shape": s}
        for v, d, s in itertools.product(NUMPY_INPUTS, DTYPES, NUMPY_SHAPES)
    ]


@scenario(cases=_numpy_cases, finite=True)
def tensor_from_numpy(engine: Engine, case: Case) -> Outcome:
    """torch.tensor / as_tensor / from_numpy keep a NumPy array's dtype and shape; tensor and
    as_tensor also take NumPy scalars (0-d result, their dtype) while from_numpy raises TypeError
    for anything but an ndarray; ml_dtypes' bfloat16 arrays are refused (TypeError)."""
    out = Outcome()
    with out.catching():
        np_dtype = NUMPY_DTYPES[case["dtype"]]
        shape = NUMPY_SHAPES[case["shape"]]
        size = 1 if shape is None else math.prod(shape)
        array = (np.arange(size) % 2 == 1) if case["dtype"] == "bool" else np.arange(1, size + 1)
        value = np_dtype.type(array[0]) if shape is None else array.astype(np_dtype).reshape(shape)
        out.tensors["result"] = observe(engine, getattr(engine, case["via"])(value))
    return out


FACTORY_CALLS: list[tuple[str, list[Any]]] = [
    ("zeros", [[2, 3]]),
    ("zeros", [2, 3]),
    ("zeros", [[]]),
    ("zeros", [[0, 2]]),
    ("ones", [[3]]),
    ("empty", [[2, 3]]),
    ("full", [[2], True]),
    ("full", [[2], 3]),
    ("full", [[2], 2.5]),
    ("full", [[2], 1 + 2j]),
    ("eye", [3]),
    ("eye", [2, 3]),
    ("eye", [-1]),
    ("arange", [5]),
    ("arange", [1, 5]),
    ("arange", [5, 0, -2]),
    ("arange", [0, 1, 0.25]),
    ("arange", [1.0, 4]),
    ("arange", [0, 5, -1]),
    ("arange", [0, 1, 0]),
    ("linspace", [0, 1, 5]),
    ("linspace", [0, 10, 5]),
    ("linspace", [0, 1, 1]),
    ("linspace", [0, 1, 0]),
    ("linspace", [0, 1, -1]),
]
"""torch.<factory>(*args): shapes as lists or varargs, fill values of each type, integer and
float arange arguments, wrong step signs, zero and negative counts."""


def _factory_cases() -> list[Case]:
    return [
        {"factory": f, "args": a, "dtype": d, "default_dtype": dd}
        for dd, (f, a), d in itertools.product(DEFAULT_DTYPES, FACTORY_CALLS, (None, *DTYPES))
    ]


@scenario(cases=_factory_cases, finite=True)
def factories(engine: Engine, case: Case) -> Outcome:
    """Factories give the default dtype (zeros, ones, empty, eye, linspace, arange with a float
    argument), int64 (arange with integer arguments), or the fill value's type (full: bool -> bool,
    int -> int64, float -> default, complex -> complex default); an explicit dtype wins unless the
    factory has no kernel for it (arange/linspace on bool...). empty's values are not observed."""
    if unsupported := lacks_default_dtype(engine, case):
        return unsupported
    out = Outcome()
    with default_dtype(engine, case["default_dtype"]), out.catching():
        kwargs = {} if case["dtype"] is None else {"dtype": case["dtype"]}
        result = engine.create(case["factory"], *case["args"], **kwargs)
        if case["factory"] == "empty":
            out.facts |= {"dtype": engine.dtype(result), "shape": tuple(engine.shape(result))}
        else:
            out.tensors["result"] = observe(engine, result)
    return out


RANDOM_CALLS: list[tuple[str, list[Any]]] = [
    ("rand", [[2, 3]]),
    ("rand", [2, 3]),
    ("randn", [[4]]),
    ("randn", [[]]),
    ("randint", [10, [5]]),
    ("randint", [-3, 3, [2, 2]]),
    ("randint", [5, 6, [3]]),
    ("randint", [3, [0]]),
    ("randint", [3, 3, [2]]),
]
LIKE_CALLS: list[tuple[str, list[Any]]] = [
    ("zeros_like", []),
    ("ones_like", []),
    ("empty_like", []),
    ("full_like", [2.5]),
    ("full_like", [7]),
    ("rand_like", []),
    ("randn_like", []),
    ("randint_like", [10]),
    ("randint_like", [2, 5]),
]
"""Random factories (values never compared: their dtype, shape and whether values lie in the
documented range are) and *_like factories applied to a 2x2 source tensor."""


def _in_range(factory: str, args: list[Any], values: np.ndarray) -> bool:
    """Whether values lie where torch documents: rand* in [0, 1), randint* in [low, high), randn* finite."""
    parts = [values.real, values.imag] if np.iscomplexobj(values) else [values.astype(np.float64)]
    if factory.startswith("randint"):
        low, high = ([0, *args] if len(args) < 2 or isinstance(args[1], list) else args)[:2]
        return all(bool(((p >= low) & (p < high)).all()) for p in parts)
    if factory.startswith("randn"):
        return all(bool(np.isfinite(p).all()) for p in parts)
    return all(bool(((p >= 0) & (p < 1)).all()) for p in parts)


def _random_cases() -> list[Case]:
    calls = [{"factory": f, "args": a} for f, a in RANDOM_CALLS]
    likes = [
        {"factory": f, "args": a, "source_dtype": s} for (f, a), s in itertools.product(LIKE_CALLS, DTYPES)
    ]
    return [{**c, "dtype": d} for c, d in itertools.product(calls + likes, (None, *DTYPES))]


@scenario(cases=_random_cases, finite=True)
def random_and_like(engine: Engine, case: Case) -> Outcome:
    """rand/randn default to the default dtype and randint to int64; *_like factories keep the source's
    dtype and shape unless dtype= overrides; values lie in the documented range; dtypes a kernel
    lacks (rand on integers, randn on bool...) raise torch's error. Non-random *_like values are
    compared, random ones only by range."""
    out = Outcome()
    with out.catching():
        factory, args = case["factory"], case["args"]
        kwargs = {} if case["dtype"] is None else {"dtype": case["dtype"]}
        if "source_dtype" in case:
            source = engine.create("ones", (2, 2), dtype=case["source_dtype"])
            result = engine.create(factory, source, *args, **kwargs)
        else:
            result = engine.create(factory, *args, **kwargs)
        out.facts |= {"dtype": engine.dtype(result), "shape": tuple(engine.shape(result))}
        if factory.startswith("rand"):
            out.facts["in_range"] = _in_range(factory, args, engine.to_numpy(result))
        elif factory != "empty_like":
            out.tensors["result"] = observe(engine, result)
    return out


@scenario(
    cases=lambda: [{"dtype": d} for d in ("float32", "float64", "bfloat16", "int64", "complex64", "bool")],
    finite=True,
    requires=[Capability.DEFAULT_DTYPE],
)
def set_default_dtype(engine: Engine, case: Case) -> Outcome:
    """torch.set_default_dtype accepts floating types only (float32, float64, and the 16-bit ones),
    raising TypeError otherwise; afterwards Python floats become that dtype and Python complex
    numbers the matching complex dtype."""
    out = Outcome()
    previous = engine.get_default_dtype()
    try:
        with out.catching():
            engine.set_default_dtype(case["dtype"])
            out.facts["default"] = engine.get_default_dtype()
            out.tensors["float"] = observe(engine, engine.tensor(1.5))
            out.tensors["complex"] = observe(engine, engine.tensor(1.5j))
    finally:
        engine.set_default_dtype(previous)
    return out


def dtype_argument(dtype: str) -> dict[str, str]:
    """`dtype=` as keyword arguments: none for "default" (the case key says no dtype was given, in
    a form a manifest can match: TOML has no None)."""
    return {} if dtype == "default" else {"dtype": dtype}


# --- Python numbers out of a dtype's range --------------------------------------------------------
OUT_OF_RANGE: dict[str, int | float] = {
    "2**63": 2**63,
    "2**63-1": 2**63 - 1,
    "-2**63-1": -(2**63) - 1,
    "2**64": 2**64,
    "2**70": 2**70,
    "256": 256,
    "-1": -1,
    "128": 128,
    "-129": -129,
    "70000": 70000,
    "1e39": 1e39,
    "1e300": 1e300,
    "-1e300": -1e300,
}
"""Python numbers at and beyond the ranges of int64, uint8, int8, float16 and float32, by name
(TOML, hence manifests, cannot write integers beyond int64)."""

RANGE_DTYPES = ("default", "bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64")


def _range_cases() -> list[Case]:
    return [
        {"factory": f, "value": v, "dtype": d}
        for f, v, d in itertools.product(("tensor", "full"), OUT_OF_RANGE, RANGE_DTYPES)
    ]


@scenario(cases=_range_cases, finite=True)
def out_of_range(engine: Engine, case: Case) -> Outcome:
    """torch.tensor([v], dtype=...) and torch.full((2,), v, dtype=...) with Python numbers out of
    a dtype's range: tensor() refuses an int beyond int64 (ValueError "Overflow when unpacking long
    long") unless the dtype is floating or bool (2**63 becomes 9.2e18, True), while full() refuses
    one beyond uint64 or below int64's minimum with OverflowError; into a smaller integer dtype
    both raise RuntimeError "value cannot be converted to type int8 without overflow", except that
    negative ints wrap into uint8 (-1 is 255, -129 is 127); a float beyond a float dtype's range becomes
    inf in tensor() and raises RuntimeError in full(); into bool anything nonzero is True."""
    out = Outcome()
    with out.catching():
        value, kwargs = OUT_OF_RANGE[case["value"]], dtype_argument(case["dtype"])
        if case["factory"] == "tensor":
            result = engine.tensor([value], **kwargs)
        else:
            result = engine.create("full", (2,), value, **kwargs)
        out.tensors["result"] = observe(engine, result)
    return out


# --- NumPy scalars in data and factory arguments --------------------------------------------------
def _np(dtype: str, value: Any) -> dict[str, Any]:
    return {"np": dtype, "value": value}


NUMPY_SCALAR_CALLS: list[tuple[str, list[Any]]] = [
    ("tensor", [[_np("float64", 2.5)]]),
    ("tensor", [[_np("float64", 2.5), 1]]),
    ("tensor", [[_np("int32", 3)]]),
    ("tensor", [[_np("int32", 3), 2]]),
    ("tensor", [[_np("int16", 3), 2.5]]),
    ("tensor", [[_np("bool", True)]]),
    ("tensor", [[_np("bool", True), 2]]),
    ("tensor", [[_np("float32", 1.5), _np("float64", 2.5)]]),
    ("tensor", [[_np("int8", 1), _np("uint8", 2)]]),
    ("tensor", [[_np("complex64", 1j)]]),
    ("tensor", [[_np("uint8", 200), -1]]),
    ("tensor", [[[_np("float32", 1.0)], [2.5]]]),
    ("as_tensor", [[_np("float64", 2.5), 1]]),
    ("as_tensor", [[_np("int32", 3)]]),
    ("as_tensor", [[_np("int8", 1), _np("uint8", 2)]]),
    ("as_tensor", [[_np("float32", 1.5), 2]]),
    ("full", [[2], _np("float32", 1.5)]),
    ("full", [[2], _np("float64", 1.5)]),
    ("full", [[2], _np("int32", 1)]),
    ("full", [[2], _np("bool", True)]),
    ("full", [[2], _np("complex64", 1j)]),
    ("zeros", [_np("int64", 2), _np("int32", 3)]),
    ("zeros", [[_np("int64", 2)]]),
    ("ones", [[_np("int16", 2), 2]]),
    ("arange", [_np("int32", 3)]),
    ("arange", [_np("float32", 2.0)]),
    ("arange", [0, _np("float64", 1.0), 0.25]),
    ("arange", [_np("int64", 1), 5, _np("int64", 2)]),
    ("linspace", [_np("float64", 0.0), 1, 3]),
    ("linspace", [0, 1, _np("int64", 3)]),
    ("eye", [_np("int64", 2)]),
]
"""NumPy scalars where torch takes Python data: in lists (they keep their dtype and take part in
inference), as fill values (they count as Python numbers of their kind), and as sizes and bounds."""


def _numpy_scalar_cases() -> list[Case]:
    return [
        {"factory": f, "args": a, "default_dtype": dd}
        for dd, (f, a) in itertools.product(DEFAULT_DTYPES, NUMPY_SCALAR_CALLS)
    ]


@scenario(cases=_numpy_scalar_cases, finite=True)
def numpy_scalar_arguments(engine: Engine, case: Case) -> Outcome:
    """NumPy scalars in torch.tensor / as_tensor data keep their dtype and join the inference
    (a lone np.int32 gives int32, np.int32 with a Python int int64, np.int8 with np.uint8 int16,
    np.float64 with a Python int float64; np.bool_ beside an int is a TypeError); as full()'s fill
    value a NumPy scalar counts as a Python number of its kind (np.float64 gives the default dtype,
    np.int32 int64, np.bool_ the default float); as sizes and arange/linspace/eye arguments they
    act as the Python numbers they hold."""
    if unsupported := lacks_default_dtype(engine, case):
        return unsupported
    out = Outcome()
    with default_dtype(engine, case["default_dtype"]), out.catching():
        factory, args = case["factory"], data(case["args"])
        if factory in ("tensor", "as_tensor"):
            result = getattr(engine, factory)(*args)
        else:
            result = engine.create(factory, *args)
        out.tensors["result"] = observe(engine, result)
    return out


# --- arange with float steps: its length and values -----------------------------------------------
ARANGE_STEPS: list[list[Any]] = [
    [0, 1, 0.1],
    [0, 0.3, 0.1],
    [0.1, 0.7, 0.2],
    [1, 2.5, 0.5],
    [0, 1, 1 / 3],
    [-1, 1, 0.3],
    [-1, 1.1, 0.3],
    [0, 10, 1.5],
    [1, 0, -0.3],
    [0, 2.5, 0.5],
    [0, 5, 0.7],
    [0.5, 3],
    [250, 260, 3],
    [0, 300, 100],
    [-5, 5, 3],
]
"""arange(start, end, step) argument lists: float steps whose (end - start) / step lands just
under or over a whole number (in double: computed in float32, arange(-1, 1.1, 0.3) would have 7
elements, not 8), negative steps, and integer ranges that leave a small dtype."""

ARANGE_DTYPES = ("default", "uint8", "int8", "int64", "float16", "bfloat16", "float32", "float64")


@scenario(
    cases=lambda: [{"args": a, "dtype": d} for a, d in itertools.product(ARANGE_STEPS, ARANGE_DTYPES)],
    finite=True,
)
def arange_steps(engine: Engine, case: Case) -> Outcome:
    """torch.arange(start, end, step) has ceil((end - start) / step) elements, computed in double
    (arange(0, 0.3, 0.1) has 3, arange(0.1, 0.7, 0.2) has 3), element i is start + i * step
    computed then rounded to the dtype; with an integer dtype the arguments are converted first
    (a float step of 0.5 becomes 0: "step must be nonzero"), and integer results wrap in a small
    dtype (arange(250, 260, 3, dtype=uint8) ends 0, 3)."""
    out = Outcome()
    with out.catching():
        kwargs = dtype_argument(case["dtype"])
        out.tensors["result"] = observe(engine, engine.create("arange", *case["args"], **kwargs))
    return out


# --- as_tensor of lists and of tensors ---------------------------------------------------------------
AS_TENSOR_INPUTS: dict[str, Callable[[Engine], Any]] = {
    "ints": lambda e: [1, 2],
    "floats": lambda e: [1, 2.5],
    "bools": lambda e: [True, False],
    "nested": lambda e: [[1, 2], [3, 4]],
    "complex": lambda e: [1, 2j],
    "tuple": lambda e: (1.5, 2),
    "int64_tensor": lambda e: e.tensor([1, 2], dtype="int64"),
    "float32_tensor": lambda e: e.tensor([1.5, 2.5], dtype="float32"),
    "float64_tensor": lambda e: e.tensor([1.5, 2.5], dtype="float64"),
    "zero_dim_tensor": lambda e: e.tensor(2.5, dtype="float32"),
}
AS_TENSOR_DTYPES = ("default", "float32", "float64", "int32")


@scenario(
    cases=lambda: [
        {"input": i, "dtype": d} for i, d in itertools.product(AS_TENSOR_INPUTS, AS_TENSOR_DTYPES)
    ],
    finite=True,
)
def as_tensor_inputs(engine: Engine, case: Case) -> Outcome:
    """torch.as_tensor(data, dtype=...) infers a list's dtype as torch.tensor does (int64, the
    default float, bool, complex64) and converts to dtype=; given a tensor it returns that very
    tensor when no conversion is needed (same dtype or none asked), and a converted copy
    otherwise."""
    out = Outcome()
    with out.catching():
        given = AS_TENSOR_INPUTS[case["input"]](engine)
        kwargs = dtype_argument(case["dtype"])
        result = engine.as_tensor(given, **kwargs)
        out.tensors["result"] = observe(engine, result)
        if engine.is_tensor(given):
            out.facts["returns_input"] = result is given
            out.aliasing = aliasing_groups(engine, {"input": given, "result": result})
    return out
