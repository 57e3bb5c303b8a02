"""Broadcasting: shapes of elementwise results, expand/broadcast_to/broadcast_tensors, and its errors.

torch's rule (docs: "Broadcasting semantics"): shapes are aligned at their trailing dimension; each
pair of sizes must be equal or one of them 1 (a missing dimension counts as 1); the result takes
the larger size. An in-place op may broadcast its other operands but never `self`.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome, aliasing_groups, observe, observe_layout
from spec.scenario import Case, scenario
from spec.strategies import MAX_DIMS, build, draw_tensor_spec, mutual_shapes, shapes

BINARY_OPS = ("add", "sub", "mul", "maximum", "eq")
TERNARY_OPS = ("where", "clamp")
_OPS_DTYPES = st.sampled_from([(op, dtype) for op in BINARY_OPS + TERNARY_OPS for dtype in DTYPES])
_DTYPES = st.sampled_from(DTYPES)


@st.composite
def _elementwise_cases(draw: st.DrawFn) -> Case:
    op, dtype = draw(_OPS_DTYPES)
    operand_shapes = draw(mutual_shapes(3 if op in TERNARY_OPS else 2))
    dtypes = ["bool", dtype, dtype] if op == "where" else [dtype] * len(operand_shapes)
    operands = [draw_tensor_spec(draw, d, s) for d, s in zip(dtypes, operand_shapes, strict=True)]
    return {"op": op, "dtype": dtype, "operands": operands}


@scenario(cases=_elementwise_cases, keys=["op", "dtype"])
def elementwise(engine: Engine, case: Case) -> Outcome:
    """torch.<op>(*operands) broadcasts all operands (whatever their layout: transposed, strided,
    expanded) to their common shape; values are the op applied elementwise."""
    out = Outcome()
    with out.catching():
        operands = [build(engine, spec) for spec in case["operands"]]
        out.tensors["result"] = observe(engine, engine.call(case["op"], *operands))
    return out


@scenario(cases=lambda: mutual_shapes(3).map(lambda s: {"shapes": [list(x) for x in s]}), keys=["shapes"])
def broadcast_shapes(engine: Engine, case: Case) -> Outcome:
    """torch.broadcast_shapes(*shapes) is the broadcast of the shapes, without making tensors."""
    out = Outcome()
    with out.catching():
        out.facts["shape"] = tuple(engine.call("broadcast_shapes", *map(tuple, case["shapes"])))
    return out


@st.composite
def _tensors_cases(draw: st.DrawFn) -> Case:
    operand_shapes = draw(mutual_shapes(draw(st.integers(2, 3))))
    dtype = draw(_DTYPES)
    return {"dtype": dtype, "operands": [draw_tensor_spec(draw, dtype, s) for s in operand_shapes]}


@scenario(cases=_tensors_cases, requires=[Capability.VIEWS], keys=["dtype"])
def broadcast_tensors(engine: Engine, case: Case) -> Outcome:
    """torch.broadcast_tensors(*ts) returns expanded views: the common shape, sharing memory with its
    input, with stride 0 on broadcast dimensions and the input's strides elsewhere (layout compared
    where the engine declares STRIDES)."""
    out = Outcome()
    with out.catching():
        inputs = [build(engine, spec) for spec in case["operands"]]
        outputs = engine.call("broadcast_tensors", *inputs)
        for i, t in enumerate(outputs):
            out.tensors[f"out{i}"] = observe_layout(engine, t)
        named = {f"in{i}": t for i, t in enumerate(inputs)} | {f"out{i}": t for i, t in enumerate(outputs)}
        out.aliasing = aliasing_groups(engine, named)
    return out


@st.composite
def _expand_cases(draw: st.DrawFn) -> Case:
    """A target shape and an input shape taken from its trailing dims, some of them set to 1; kept
    dims are sometimes written -1 in the size argument."""
    target = draw(shapes(max_dims=MAX_DIMS))
    ndim = draw(st.integers(0, len(target)))
    lead = len(target) - ndim
    source, sizes = [], list(target)
    for i, n in enumerate(target[lead:], start=lead):
        kind = draw(st.sampled_from(("keep", "minus_one", "one")))
        source.append(1 if kind == "one" else n)
        sizes[i] = -1 if kind == "minus_one" else n
    op = draw(st.sampled_from(("expand", "broadcast_to")))
    dtype = draw(_DTYPES)
    return {"op": op, "dtype": dtype, "input": draw_tensor_spec(draw, dtype, tuple(source)), "sizes": sizes}


@scenario(cases=_expand_cases, requires=[Capability.VIEWS], keys=["op", "dtype"])
def expand(engine: Engine, case: Case) -> Outcome:
    """t.expand(*sizes) / torch.broadcast_to(t, sizes): a view of the broadcast shape sharing the
    input's memory, with stride 0 on new and size-1 dims (where the engine declares STRIDES); -1
    keeps a dimension's size."""
    out = Outcome()
    with out.catching():
        t = build(engine, case["input"])
        if case["op"] == "expand":
            result = engine.method("expand", t, tuple(case["sizes"]))
        else:
            result = engine.call("broadcast_to", t, tuple(case["sizes"]))
        out.tensors["result"] = observe_layout(engine, result)
        out.aliasing = aliasing_groups(engine, {"input": t, "result": result})
    return out


@st.composite
def _incompatible_cases(draw: st.DrawFn) -> Case:
    """Two shapes that cannot broadcast: copy a shape (sides >= 2), change one dim to another size
    >= 2, then keep a suffix holding that dim and set some of its other dims to 1."""
    a = list(draw(shapes(min_dims=1, min_side=2)))
    i = draw(st.integers(0, len(a) - 1))
    b = list(a)
    b[i] = a[i] + draw(st.integers(1, 2))
    start = draw(st.integers(0, i))
    ones = draw(st.lists(st.booleans(), min_size=len(a), max_size=len(a)))
    b = [1 if one and j != i else n for j, (n, one) in enumerate(zip(b, ones, strict=True))][start:]
    pair = [b, a] if draw(st.booleans()) else [a, b]
    return {
        "op": draw(st.sampled_from(("add", "broadcast_shapes", "broadcast_tensors", "expand"))),
        "shapes": pair,
    }


@scenario(cases=_incompatible_cases, keys=["op"])
def incompatible(engine: Engine, case: Case) -> Outcome:
    """Shapes with a dimension pair of different sizes, neither 1, do not broadcast: torch.add and
    torch.broadcast_tensors raise RuntimeError ("The size of tensor a (3) must match the size of
    tensor b (4) at non-singleton dimension 1"), broadcast_shapes its own RuntimeError, and
    t.expand(*other) "The expanded size of the tensor ... must match the existing size ..."."""
    out = Outcome()
    a, b = (tuple(s) for s in case["shapes"])
    with out.catching():
        if case["op"] == "broadcast_shapes":
            out.facts["shape"] = tuple(engine.call("broadcast_shapes", a, b))
            return out
        ta = engine.create("zeros", a)
        if case["op"] == "expand":
            result = engine.method("expand", ta, *b)
        else:
            tb = engine.create("zeros", b)
            result = engine.call(case["op"], ta, tb)
        out.facts["shape"] = tuple(engine.shape(result)) if engine.is_tensor(result) else None
    return out


@st.composite
def _inplace_cases(draw: st.DrawFn) -> Case:
    self_shape, other_shape = draw(mutual_shapes(2))
    specs = [
        draw_tensor_spec(draw, "float32", s, layouts=("contiguous", "transposed", "strided"))
        for s in (self_shape, other_shape)
    ]
    return {"op": draw(st.sampled_from(("add_", "mul_", "copy_"))), "self": specs[0], "other": specs[1]}


@scenario(cases=_inplace_cases, requires=[Capability.INPLACE], keys=["op"])
def inplace(engine: Engine, case: Case) -> Outcome:
    """self.<op>_(other) broadcasts `other` to self's shape; when the broadcast shape differs from
    self's, torch raises RuntimeError ("output with shape [3] doesn't match the broadcast shape
    [2, 3]") and self is unchanged in shape."""
    out = Outcome()
    with out.catching():
        self_, other = build(engine, case["self"]), build(engine, case["other"])
        engine.method(case["op"], self_, other)
        out.tensors["self"] = observe(engine, self_)
    return out


@st.composite
def _into_expanded_cases(draw: st.DrawFn) -> Case:
    """A base with some dims of size 1 and a target expanding them (to 1 or more: no overlap then)."""
    target = draw(shapes(min_dims=1, min_side=1))
    collapsed = draw(st.lists(st.booleans(), min_size=len(target), max_size=len(target)))
    source = [1 if c else n for c, n in zip(collapsed, target, strict=True)]
    op = draw(st.sampled_from(("add_", "mul_", "fill_", "zero_", "copy_")))
    return {"op": op, "source_shape": source, "shape": list(target)}


_OTHER: dict[str, Any] = {"add_": 1, "mul_": 2, "fill_": 3}


@scenario(cases=_into_expanded_cases, requires=[Capability.INPLACE, Capability.VIEWS], keys=["op"])
def inplace_into_expanded(engine: Engine, case: Case) -> Outcome:
    """Writing in place into an expanded tensor whose elements overlap in memory raises RuntimeError
    ("unsupported operation: more than one element of the written-to tensor refers to a single
    memory location..."); without overlap the write lands in the base."""
    out = Outcome()
    with out.catching():
        base = engine.create("ones", tuple(case["source_shape"]))
        view = engine.method("expand", base, *case["shape"])
        op = case["op"]
        if op == "copy_":
            engine.method(op, view, engine.create("full", tuple(case["shape"]), 4.0))
        else:
            engine.method(op, view, *([_OTHER[op]] if op in _OTHER else []))
        out.tensors["base"] = observe(engine, base)
    return out


# --- matmul: broadcasting of batch dimensions ---------------------------------------------------------
MATMUL_SHAPES: list[tuple[list[int], list[int]]] = [
    ([3], [3]),
    ([2, 3], [3]),
    ([3], [3, 4]),
    ([2, 3], [3, 4]),
    ([5, 2, 3], [3, 4]),
    ([2, 3], [5, 3, 4]),
    ([5, 2, 3], [5, 3, 4]),
    ([1, 2, 3], [5, 3, 4]),
    ([5, 1, 2, 3], [4, 3, 2]),
    ([2, 1, 2, 3], [1, 5, 3, 2]),
    ([3], [5, 3, 4]),
    ([5, 2, 3], [3]),
    ([0, 2, 3], [3, 4]),
    ([2, 0], [0, 3]),
    ([2, 2, 3], [3, 3, 4]),
    ([2, 3], [4, 5]),
    ([3], [4]),
    ([], [3]),
]
"""matmul operand shapes: 1-D on either side, batch dims broadcast (missing, size 1, equal), zero
sizes, and mismatched inner or batch dims."""


def _values_of(engine: Engine, shape: list[int], offset: float) -> Any:
    """A float32 tensor of `shape` with distinct small values (zeros for a zero-size shape)."""
    size = math.prod(shape)
    if size == 0:
        return engine.create("zeros", tuple(shape), dtype="float32")
    values = (np.arange(size, dtype=np.float32) % 7 - 3 + offset).reshape(shape)
    return engine.tensor(values.tolist(), dtype="float32")


@scenario(
    cases=lambda: [{"lhs_shape": a, "rhs_shape": b} for a, b in MATMUL_SHAPES],
    finite=True,
)
def matmul_shapes(engine: Engine, case: Case) -> Outcome:
    """torch.matmul's shapes: 1-D operands are a vector (prepended or appended 1, removed from the
    result: vector @ vector is 0-dim), the batch dimensions (all but the last two) broadcast like
    elementwise shapes ((5, 1, 2, 3) @ (4, 3, 2) is (5, 4, 2, 2)), and mismatched inner or batch
    sizes raise RuntimeError; 0-dim operands are refused."""
    out = Outcome()
    with out.catching():
        lhs, rhs = _values_of(engine, case["lhs_shape"], 0.5), _values_of(engine, case["rhs_shape"], 0.25)
        out.tensors["result"] = observe(engine, engine.call("matmul", lhs, rhs))
    return out


# --- where and clamp: every operand broadcasts ----------------------------------------------------------
TERNARY_SHAPES: list[list[list[int]]] = [
    [[3], [3], [3]],
    [[2, 1], [1, 3], [3]],
    [[], [2, 3], [3]],
    [[2, 3], [], []],
    [[1], [2, 1], [1, 3]],
    [[3], [2, 3], [1]],
    [[2, 1, 3], [4, 1], [1]],
    [[0, 3], [1], [3]],
    [[2, 3], [2, 1], [4]],
    [[4], [3], [4]],
]
"""Shape triples: (cond, input, other) for where; (input, min, max) for clamp. In some the first
operand is the smallest, so the result is larger than the input; the last two do not broadcast."""

TERNARY_FORMS = ("where", "where_scalar", "clamp", "clamp_min")


@scenario(
    cases=lambda: [{"op": op, "shapes": s} for op, s in itertools.product(TERNARY_FORMS, TERNARY_SHAPES)],
    finite=True,
)
def ternary_shapes(engine: Engine, case: Case) -> Outcome:
    """torch.where(cond, input, other) and torch.clamp(input, min, max) with tensor bounds broadcast
    all their operands together, the condition and the bounds included: the result takes the
    broadcast shape even when it is larger than `input`'s; where(cond, input, 2.0) broadcasts
    cond with input; shapes that do not broadcast raise RuntimeError."""
    out = Outcome()
    with out.catching():
        first, second, third = case["shapes"]
        if case["op"].startswith("where"):
            cond = engine.call("lt", _values_of(engine, first, 0.0), 0.0)
            other = 2.0 if case["op"] == "where_scalar" else _values_of(engine, third, 0.5)
            result = engine.call("where", cond, _values_of(engine, second, 0.25), other)
        else:
            bounds = {"min": _values_of(engine, second, -1.0)}
            if case["op"] == "clamp":
                bounds["max"] = _values_of(engine, third, 1.5)
            result = engine.call("clamp", _values_of(engine, first, 0.0), **bounds)
        out.tensors["result"] = observe(engine, result)
    return out


# --- expand's sizes: -1, new leading dimensions, zero sizes ----------------------------------------------
EXPAND_SIZES: list[tuple[list[int], list[int]]] = [
    ([3], [2, 3]),
    ([3], [2, -1]),
    ([3], [-1, 3]),
    ([3], [0, 3]),
    ([1, 3], [-1, 3]),
    ([1, 3], [4, -1]),
    ([1, 3], [2, 4, 3]),
    ([1, 3], [2, -1, 3]),
    ([1, 3], [0, 3]),
    ([1], [0]),
    ([1], [-1]),
    ([2, 1], [3, 2, 5]),
    ([2, 3], [0, 3]),
    ([2, 3], [2, 4]),
    ([2, 1], [2, 1, 3]),
    ([2], [-1, -1]),
    ([3], [3]),
    ([], [2, 2]),
]
"""(input shape, sizes): -1 on existing dims (kept, even a size 1) and on new leading dims (an
error), new leading dims of any size (0 included), size-1 dims expanded to 0, and errors."""


@scenario(
    cases=lambda: [
        {"op": op, "input_shape": s, "sizes": z}
        for op, (s, z) in itertools.product(("expand", "broadcast_to"), EXPAND_SIZES)
    ],
    finite=True,
    requires=[Capability.VIEWS],
)
def expand_sizes(engine: Engine, case: Case) -> Outcome:
    """t.expand(*sizes) and torch.broadcast_to(t, sizes) align sizes with t's dims from the right:
    -1 keeps an existing dim (a size-1 dim stays 1), -1 in a new leading dim raises RuntimeError
    ("isn't allowed in a leading, non-existing dimension"), new leading dims take any size (0
    included), a size-1 dim expands to any size (0 included), any other size change raises. The
    result is a view of t (stride 0 on expanded dims, compared where the engine declares STRIDES)."""
    out = Outcome()
    with out.catching():
        t = _values_of(engine, case["input_shape"], 0.5)
        sizes = tuple(case["sizes"])
        if case["op"] == "expand":
            result = engine.method("expand", t, *sizes)
        else:
            result = engine.call("broadcast_to", t, sizes)
        out.tensors["result"] = observe_layout(engine, result)
        out.aliasing = aliasing_groups(engine, {"input": t, "result": result})
    return out
