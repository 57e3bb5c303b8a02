"""Autograd: vector-Jacobian products, gradient accumulation, graph lifetime, grad modes and errors.

torch's rules (docs: "Autograd mechanics", torch.autograd): backward(gradient) adds the VJP of every
leaf that requires grad into its .grad (accumulating over calls; gradients of broadcast operands are
summed back to their shape); saved tensors are freed after backward unless retain_graph=True, so a
second backward through an op that saved tensors raises; under no_grad nothing is recorded;
in-place changes to a leaf that requires grad, or to a tensor saved for backward, are errors.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome, TensorRecord, observe
from spec.scenario import Case, scenario
from spec.strategies import (
    NUMPY_DTYPES,
    build,
    category,
    decode_index,
    integers,
    mutual_shapes,
    shapes,
    spec_of,
)

GRAD_DTYPES = ("float32", "float64")

# --- drawn inputs ---------------------------------------------------------------------------
Domain = tuple[float, float]
UNARY: dict[str, Domain] = {
    "exp": (-3, 3),
    "log": (0.125, 5),
    "sqrt": (0.125, 5),
    "sin": (-3, 3),
    "cos": (-3, 3),
    "tanh": (-3, 3),
    "sigmoid": (-4, 4),
    "relu": (-4, 4),
    "neg": (-4, 4),
}
BINARY: dict[str, tuple[Domain, Domain | None]] = {
    "add": ((-4, 4), (-4, 4)),
    "sub": ((-4, 4), (-4, 4)),
    "mul": ((-4, 4), (-4, 4)),
    "div": ((-4, 4), None),  # None: nonzero, |x| in [0.5, 4]
    "pow": ((0.5, 3), (-2, 2)),
    "maximum": ((-4, 4), (-4, 4)),
}
"""Ops and the input domain each is differentiated on (inside the domain of the function)."""


def _values(dtype: str, shape: tuple[int, ...], domain: Domain | None) -> st.SearchStrategy[np.ndarray]:
    """Values uniform in `domain` (None: |x| in [0.5, 4], either sign), a quarter of them whole numbers
    (zeros and ties occur: relu at 0, tied maxima), generated from one drawn seed."""
    return integers(0, 2**32 - 1).map(lambda seed: _uniform(dtype, shape, domain, seed))


def _uniform(dtype: str, shape: tuple[int, ...], domain: Domain | None, seed: int) -> np.ndarray:
    rng = np.random.Generator(np.random.Philox(key=seed))
    lo, hi = (0.5, 4) if domain is None else domain
    values = rng.uniform(lo, hi, shape)
    values = np.where(rng.random(shape) < 0.25, np.clip(np.round(values), lo, hi), values)
    if domain is None:
        values = values * rng.choice((-1.0, 1.0), shape)
    return values.astype(NUMPY_DTYPES[dtype])


@st.composite
def _view_op(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[str, list[Any]]:
    """A view op applicable to `shape` (ndim >= 1), with arguments built from the shape."""
    ndim = len(shape)
    dim = draw(st.integers(0, ndim - 1))
    size = shape[dim]
    start = draw(st.integers(0, max(size - 1, 0)))
    options: list[tuple[str, list[Any]]] = [
        ("reshape", [-1]),
        ("view", [-1]),
        ("transpose", [0, ndim - 1]),
        ("permute", list(draw(st.permutations(range(ndim))))),
        ("unsqueeze", [dim]),
        ("squeeze", []),
        ("narrow", [dim, start, draw(st.integers(0, size - start))]),
        ("__getitem__", [Ellipsis, {"slice": [None, None, draw(st.integers(1, 3))]}]),
        ("expand", [2, *shape]),
    ]
    if size > 0:
        options.append(("select", [dim, draw(st.integers(-size, size - 1))]))
    return draw(st.sampled_from(options))


Drawn = tuple[str, str, list[np.ndarray], list[Any], dict[str, Any]]
"""(op, form, input arrays, extra args, kwargs) of one drawn vjp case."""


def _unary(draw: st.DrawFn, dtype: str) -> Drawn:
    op = draw(st.sampled_from(sorted(UNARY)))
    return op, "call", [draw(_values(dtype, draw(shapes()), UNARY[op]))], [], {}


def _binary(draw: st.DrawFn, dtype: str) -> Drawn:
    """Broadcastable shapes: the gradients are summed back to each input's shape."""
    op = draw(st.sampled_from(sorted(BINARY)))
    pair = draw(mutual_shapes(2))
    return op, "call", [draw(_values(dtype, s, d)) for s, d in zip(pair, BINARY[op], strict=True)], [], {}


def _clamp(draw: st.DrawFn, dtype: str) -> Drawn:
    return "clamp", "call", [draw(_values(dtype, draw(shapes()), (-3, 3)))], [], {"min": -1.0, "max": 1.0}


def _reduce(draw: st.DrawFn, dtype: str) -> Drawn:
    """sum/mean over all or one dim (keepdim or not); max over all, values rounded to make ties."""
    op = draw(st.sampled_from(("sum", "mean", "max")))
    shape = draw(shapes(min_side=1))
    kwargs = {}
    if op != "max" and shape and draw(st.booleans()):
        kwargs = {"dim": draw(st.integers(-len(shape), len(shape) - 1)), "keepdim": draw(st.booleans())}
    return op, "call", [draw(_values(dtype, shape, (-2, 2)).map(lambda a: a.round(1)))], [], kwargs


def _matmul(draw: st.DrawFn, dtype: str) -> Drawn:
    """Vector-vector, matrix-vector, vector-matrix, matrix-matrix and batched-matrix-matrix."""
    n, k, m, b = (draw(st.integers(1, 4)) for _ in range(4))
    lhs, rhs = draw(st.sampled_from((((k,), (k,)), ((n, k), (k,)), ((k,), (k, m)), ((n, k), (k, m)))))
    lhs = (b, *lhs) if len(lhs) == 2 and draw(st.booleans()) else lhs
    return "matmul", "call", [draw(_values(dtype, s, (-2, 2))) for s in (lhs, rhs)], [], {}


def _join(draw: st.DrawFn, dtype: str) -> Drawn:
    """cat (sizes along dim may differ, 0 included) or stack of 2-3 tensors."""
    op = draw(st.sampled_from(("cat", "stack")))
    shape = list(draw(shapes(min_dims=1, max_dims=2, min_side=1)))
    dim = draw(st.integers(0, len(shape) - 1))
    inputs = []
    for _ in range(draw(st.integers(2, 3))):
        if op == "cat":
            shape[dim] = draw(st.integers(0, 3))
        inputs.append(draw(_values(dtype, tuple(shape), (-2, 2))))
    return op, "list", inputs, [dim], {}


def _view(draw: st.DrawFn, dtype: str) -> Drawn:
    shape = draw(shapes(min_dims=1, min_side=1))
    op, args = draw(_view_op(shape))
    return op, "method", [draw(_values(dtype, shape, (-2, 2)))], args, {}


FAMILIES = {f.__name__.strip("_"): f for f in (_unary, _binary, _clamp, _reduce, _matmul, _join, _view)}
"""Op families of the vjp scenario, each drawing its op, inputs and arguments."""


@st.composite
def _vjp_cases(draw: st.DrawFn) -> Case:
    dtype = draw(st.sampled_from(GRAD_DTYPES))
    op, form, inputs, args, kwargs = FAMILIES[draw(st.sampled_from(sorted(FAMILIES)))](draw, dtype)
    return {
        "op": op,
        "form": form,
        "dtype": dtype,
        "inputs": [spec_of(a, dtype) for a in inputs],
        "args": args,
        "kwargs": kwargs,
        "via": draw(st.sampled_from(("backward", "autograd_grad"))),
        "cotangent_seed": draw(st.integers(0, 2**16)),
    }


def apply(engine: Engine, case: Case, inputs: list[Any]) -> Any:
    """Run the case's op on engine tensors: torch.op(*inputs, *args), inputs[0].op(*args), or
    torch.op(inputs, *args) for list ops (cat, stack)."""
    args, kwargs = case["args"], case["kwargs"]
    if case["form"] == "method":
        if case["op"] == "__getitem__":
            args = [decode_index(args)]
        return engine.method(case["op"], inputs[0], *args, **kwargs)
    if case["form"] == "list":
        return engine.call(case["op"], inputs, *args, **kwargs)
    return engine.call(case["op"], *inputs, *args, **kwargs)


def cotangent(engine: Engine, like: Any, seed: int) -> Any:
    """A standard-normal cotangent with `like`'s shape and dtype, from a seed in the case."""
    dtype = engine.dtype(like)
    values = np.random.default_rng(seed).standard_normal(engine.shape(like)).astype(NUMPY_DTYPES[dtype])
    return build(engine, spec_of(values, dtype))


@scenario(cases=_vjp_cases, requires=[Capability.AUTOGRAD], keys=["op", "form", "dtype", "via"])
def vjp(engine: Engine, case: Case) -> Outcome:
    """out = op(*inputs); out.backward(v) (or torch.autograd.grad(out, inputs, v)) with a random
    cotangent v puts v^T J into each input's grad: broadcast inputs get gradients summed back to
    their shape, max() splits the gradient evenly between tied maxima, views route it to the
    elements they select, relu's gradient at 0 is 0."""
    out = Outcome()
    with out.catching():
        inputs = [build(engine, spec, requires_grad=True) for spec in case["inputs"]]
        result = apply(engine, case, inputs)
        out.tensors["output"] = observe(engine, result)
        v = cotangent(engine, result, case["cotangent_seed"])
        if case["via"] == "backward":
            engine.backward(result, v)
            grads = [engine.grad(x) for x in inputs]
        else:
            grads = list(engine.autograd_grad(result, tuple(inputs), v))
        for i, g in enumerate(grads):
            out.grads[f"x{i}"] = _observe_grad(engine, g)
    return out


@st.composite
def _accumulation_cases(draw: st.DrawFn) -> Case:
    op = draw(st.sampled_from(("mul", "div", "pow", "add")))
    pair = draw(mutual_shapes(2))
    dtype = draw(st.sampled_from(GRAD_DTYPES))
    inputs = [spec_of(draw(_values(dtype, s, d)), dtype) for s, d in zip(pair, BINARY[op], strict=True)]
    return {
        "op": op,
        "form": "call",
        "dtype": dtype,
        "inputs": inputs,
        "args": [],
        "kwargs": {},
        "calls": draw(st.integers(1, 3)),
        "cotangent_seed": draw(st.integers(0, 2**16)),
    }


@scenario(
    cases=_accumulation_cases,
    requires=[Capability.AUTOGRAD, Capability.GRAD_ACCUMULATION],
    keys=["op", "dtype", "calls"],
)
def accumulation(engine: Engine, case: Case) -> Outcome:
    """k backward calls, each through a freshly built graph with its own cotangent, leave in .grad the
    sum of the k VJPs; after `x.grad = None` the next backward starts again from zero."""
    out = Outcome()
    with out.catching():
        inputs = [build(engine, spec, requires_grad=True) for spec in case["inputs"]]
        for call in range(case["calls"] + 1):
            if call == case["calls"]:
                for i, x in enumerate(inputs):
                    out.grads[f"x{i}"] = _observe_grad(engine, engine.grad(x))
                    engine.set_grad(x, None)
            result = apply(engine, case, inputs)
            engine.backward(result, cotangent(engine, result, case["cotangent_seed"] + call))
        for i, x in enumerate(inputs):
            out.grads[f"x{i}_after_reset"] = _observe_grad(engine, engine.grad(x))
    return out


def _observe_grad(engine: Engine, grad: Any) -> TensorRecord | None:
    """A gradient as recorded: None stays None (no gradient is an observation, not an error)."""
    return None if grad is None else observe(engine, grad)


# --- finite cases on fixed values -------------------------------------------------------------
X_VALUES = [0.5, -1.5, 2.0]
Y_VALUES = [1.5, 0.25, -2.0]

Graph = Callable[[Engine, Any, Any], Any]
GRAPHS: dict[str, Graph] = {
    "x + y": lambda e, x, y: e.call("add", x, y),
    "x.sum()": lambda e, x, y: x,
    "x.mean()": lambda e, x, y: e.call("mean", x),
    "x.view(-1)": lambda e, x, y: e.method("view", x, -1),
    "x * y": lambda e, x, y: e.call("mul", x, y),
    "x * 2": lambda e, x, y: e.call("mul", x, 2),
    "x.exp()": lambda e, x, y: e.call("exp", x),
    "x ** 2": lambda e, x, y: e.call("pow", x, 2),
    "x.relu()": lambda e, x, y: e.call("relu", x),
    "x.sigmoid()": lambda e, x, y: e.call("sigmoid", x),
    "x @ y": lambda e, x, y: e.call("matmul", x, y),
}
"""Graphs, reduced by .sum() before backward: the first four save no tensors for backward in torch."""


def _leaves(engine: Engine, dtype: str = "float32") -> tuple[Any, Any]:
    return (
        engine.tensor(X_VALUES, dtype=dtype, requires_grad=True),
        engine.tensor(Y_VALUES, dtype=dtype, requires_grad=True),
    )


def _record_grads(engine: Engine, out: Outcome, named: dict[str, Any]) -> None:
    for name, t in named.items():
        g = engine.grad(t)
        out.grads[name] = None if g is None else observe(engine, g)


@scenario(
    cases=lambda: [{"graph": g, "retain_graph": r} for g, r in itertools.product(GRAPHS, (None, True))],
    finite=True,
    requires=[Capability.AUTOGRAD, Capability.RETAIN_GRAPH],
)
def retain_graph(engine: Engine, case: Case) -> Outcome:
    """A second backward through the same graph works when the first used retain_graph=True, or when
    no op in the graph saved tensors (add, sum, mean, view); otherwise it raises RuntimeError
    ("Trying to backward through the graph a second time ..."). Grads accumulate over both calls."""
    out = Outcome()
    x, y = _leaves(engine)
    try:
        with out.catching():
            loss = engine.call("sum", GRAPHS[case["graph"]](engine, x, y))
            engine.backward(loss, retain_graph=case["retain_graph"])
            engine.backward(loss)
    finally:
        _record_grads(engine, out, {"x": x, "y": y})
    return out


GRAD_MODES = ("no_grad", "set_grad_enabled_false", "set_grad_enabled_true", "no_grad_then_enabled", "detach")


@scenario(cases=lambda: [{"mode": m} for m in GRAD_MODES], finite=True, requires=[Capability.AUTOGRAD])
def grad_mode(engine: Engine, case: Case) -> Outcome:
    """Under no_grad / set_grad_enabled(False), results of ops on tensors requiring grad do not
    require grad and have no grad_fn; set_grad_enabled(True) re-enables recording even inside
    no_grad; detach() gives a leaf that does not require grad."""
    out = Outcome()
    with out.catching():
        x, _ = _leaves(engine)
        mode = case["mode"]
        if mode == "detach":
            result = engine.call("mul", engine.method("detach", x), 2)
        elif mode == "no_grad_then_enabled":
            with engine.no_grad(), engine.set_grad_enabled(True):
                result = engine.call("mul", x, 2)
        else:
            context = (
                engine.no_grad() if mode == "no_grad" else engine.set_grad_enabled(mode.endswith("true"))
            )
            with context:
                result = engine.call("mul", x, 2)
        out.tensors["result"] = observe(engine, result)
        out.facts |= {
            "requires_grad": engine.requires_grad(result),
            "is_leaf": engine.is_leaf(result),
            "grad_fn": engine.grad_fn(result),
        }
    return out


Expression = Callable[[Engine, Any, Any], Any]
EXPRESSIONS: dict[str, Expression] = {
    "x": lambda e, x, c: x,
    "c": lambda e, x, c: c,
    "x * 2": lambda e, x, c: e.call("mul", x, 2),
    "x + c": lambda e, x, c: e.call("add", x, c),
    "c * c": lambda e, x, c: e.call("mul", c, c),
    "x.sum()": lambda e, x, c: e.call("sum", x),
    "x.view(-1)": lambda e, x, c: e.method("view", x, -1),
    "x[0]": lambda e, x, c: e.method("__getitem__", x, 0),
    "x.clone()": lambda e, x, c: e.method("clone", x),
    "x.detach()": lambda e, x, c: e.method("detach", x),
    "x.exp()": lambda e, x, c: e.call("exp", x),
    "x.to(float64)": lambda e, x, c: e.method("to", x, dtype="float64"),
    "torch.cat([x, c])": lambda e, x, c: e.call("cat", [x, c]),
    "x.expand(2, 3)": lambda e, x, c: e.method("expand", x, 2, 3),
}
"""Expressions over a leaf x requiring grad and a constant c (same values, no grad)."""


@scenario(cases=lambda: [{"expr": e} for e in EXPRESSIONS], finite=True, requires=[Capability.AUTOGRAD])
def graph_facts(engine: Engine, case: Case) -> Outcome:
    """requires_grad propagates from any input requiring grad; results of recorded ops are non-leaves
    with a grad_fn named after the op (MulBackward0, SumBackward0, ViewBackward0, ...); after
    backward a leaf's .grad holds the gradient and a non-leaf's .grad stays None."""
    out = Outcome()
    with out.catching():
        x, c = _leaves(engine)[0], engine.tensor(X_VALUES, dtype="float32")
        result = EXPRESSIONS[case["expr"]](engine, x, c)
        out.facts |= {
            "requires_grad": engine.requires_grad(result),
            "is_leaf": engine.is_leaf(result),
            "grad_fn": engine.grad_fn(result),
        }
        if engine.requires_grad(result):
            engine.backward(engine.call("sum", result))
            with warnings.catch_warnings():  # torch warns when reading a non-leaf's .grad
                warnings.simplefilter("ignore")
                out.facts["result_grad_is_none"] = engine.grad(result) is None
            _record_grads(engine, out, {"x": x})
    return out


def _inplace_on_leaf(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    engine.method("add_", x, 1)


def _inplace_on_leaf_no_grad(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    with engine.no_grad():
        engine.method("mul_", x, 2)
    out.tensors["x"] = observe(engine, x)
    out.facts["requires_grad"] = engine.requires_grad(x)


def _setitem_on_leaf(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    engine.method("__setitem__", x, 0, 5.0)


def _saved_output_modified(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    result = engine.call("exp", x)
    engine.method("add_", result, 1)
    engine.backward(engine.call("sum", result))


def _saved_input_modified(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    a = engine.call("mul", x, 1)
    b = engine.call("mul", a, a)
    engine.method("add_", a, 1)
    engine.backward(engine.call("sum", b))


def _unsaved_input_modified(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    a = engine.call("mul", x, 1)
    b = engine.call("add", a, a)
    engine.method("add_", a, 1)
    engine.backward(engine.call("sum", b))


def _backward_non_scalar(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    engine.backward(engine.call("mul", x, 2))


def _gradient_shape_mismatch(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    engine.backward(engine.call("mul", x, 2), engine.create("ones", (2,)))


def _backward_without_grad_fn(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    engine.backward(engine.call("sum", engine.method("detach", x)))


def _grad_unused(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    engine.autograd_grad(engine.call("sum", x), (x, y))


def _grad_allow_unused(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    gx, gy = engine.autograd_grad(engine.call("sum", engine.call("exp", x)), (x, y), allow_unused=True)
    out.grads |= {"x": observe(engine, gx), "y": None if gy is None else observe(engine, gy)}
    out.facts["x.grad is None"] = engine.grad(x) is None  # autograd.grad does not touch .grad


def _grad_of_intermediate(engine: Engine, out: Outcome, x: Any, y: Any) -> None:
    a = engine.call("mul", x, y)
    (ga,) = engine.autograd_grad(engine.call("sum", engine.call("exp", a)), (a,))
    out.grads["a"] = observe(engine, ga)


ERRORS: dict[str, Callable[[Engine, Outcome, Any, Any], None]] = {
    "inplace_on_leaf": _inplace_on_leaf,
    "inplace_on_leaf_no_grad": _inplace_on_leaf_no_grad,
    "setitem_on_leaf": _setitem_on_leaf,
    "saved_output_modified": _saved_output_modified,
    "saved_input_modified": _saved_input_modified,
    "unsaved_input_modified": _unsaved_input_modified,
    "backward_non_scalar": _backward_non_scalar,
    "gradient_shape_mismatch": _gradient_shape_mismatch,
    "backward_without_grad_fn": _backward_without_grad_fn,
    "grad_unused": _grad_unused,
    "grad_allow_unused": _grad_allow_unused,
    "grad_of_intermediate": _grad_of_intermediate,
}
"""Situations autograd rejects (and their legal neighbours), on leaves x and y requiring grad."""

_ERROR_NEEDS: dict[str, frozenset[Capability]] = {
    "inplace_on_leaf": frozenset({Capability.INPLACE}),
    "inplace_on_leaf_no_grad": frozenset({Capability.INPLACE}),
    "setitem_on_leaf": frozenset({Capability.INPLACE}),
    "saved_output_modified": frozenset({Capability.INPLACE, Capability.VERSION_COUNTER}),
    "saved_input_modified": frozenset({Capability.INPLACE, Capability.VERSION_COUNTER}),
    "unsaved_input_modified": frozenset({Capability.INPLACE}),
}
"""Capabilities a situation needs beyond AUTOGRAD."""


@scenario(
    cases=lambda: [{"situation": s} for s in ERRORS],
    finite=True,
    requires=[Capability.AUTOGRAD],
)
def errors(engine: Engine, case: Case) -> Outcome:
    """torch raises RuntimeError for: in-place ops on a leaf requiring grad (allowed under no_grad);
    backward after an in-place change of a tensor saved for backward (version counter; tensors
    not saved may change); backward() on a non-scalar without gradient; a gradient of the wrong
    shape; backward of a tensor without grad_fn; autograd.grad w.r.t. an unused input unless
    allow_unused=True (which returns None for it)."""
    missing = _ERROR_NEEDS.get(case["situation"], frozenset()) - engine.capabilities
    if missing:
        return Outcome(unsupported=", ".join(sorted(missing)))
    out = Outcome()
    x, y = _leaves(engine)
    with out.catching():
        ERRORS[case["situation"]](engine, out, x, y)
    _record_grads(engine, out, {"x.grad": x, "y.grad": y})
    return out


@scenario(
    cases=lambda: [
        {"dtype": d, "via": v} for d, v in itertools.product(DTYPES, ("tensor", "requires_grad_"))
    ],
    finite=True,
    requires=[Capability.AUTOGRAD],
)
def requires_grad_dtype(engine: Engine, case: Case) -> Outcome:
    """Only floating point and complex tensors can require grad: tensor(..., requires_grad=True) and
    t.requires_grad_() on bool/integer dtypes raise RuntimeError."""
    out = Outcome()
    with out.catching():
        values = [1, 0, 1] if category(case["dtype"]) != "bool" else [True, False, True]
        if case["via"] == "tensor":
            t = engine.tensor(values, dtype=case["dtype"], requires_grad=True)
        else:
            t = engine.method("requires_grad_", engine.tensor(values, dtype=case["dtype"]))
        out.facts["requires_grad"] = engine.requires_grad(t)
    return out


def _custom(engine: Engine, kind: str, out: Outcome) -> Callable[..., Any]:
    """A custom autograd.Function of the given kind, built from engine ops."""

    def forward(ctx: Any, x: Any, y: Any) -> Any:
        ctx.save_for_backward(x, y)
        return engine.call("mul", x, y)

    def backward(ctx: Any, g: Any) -> tuple[Any, Any]:
        x, y = ctx.saved_tensors
        out.facts["needs_input_grad"] = tuple(bool(n) for n in ctx.needs_input_grad)
        gx, gy = engine.call("mul", g, y), engine.call("mul", g, x)
        if kind == "scaled_backward":  # deliberately not the derivative: the engine must use it
            return engine.call("mul", gx, 3.0), gy
        if kind == "none_for_y":
            return gx, None
        return gx, gy

    def forward_scalar(ctx: Any, x: Any, k: float) -> Any:
        ctx.k = k
        return engine.call("mul", x, k)

    def backward_scalar(ctx: Any, g: Any) -> tuple[Any, None]:
        return engine.call("mul", g, ctx.k), None

    if kind == "scalar_argument":
        return engine.custom_function(forward_scalar, backward_scalar)
    return engine.custom_function(forward, backward)


CUSTOM_KINDS = ("product", "scaled_backward", "none_for_y", "y_constant", "scalar_argument")


@scenario(
    cases=lambda: [{"kind": k} for k in CUSTOM_KINDS],
    finite=True,
    requires=[Capability.AUTOGRAD, Capability.CUSTOM_FUNCTION],
)
def custom_function(engine: Engine, case: Case) -> Outcome:
    """A torch.autograd.Function's .apply records one node whose backward is the user's: the grads
    are what backward returns (even when it is not the true derivative), None means no gradient,
    ctx.needs_input_grad says which inputs require grad, saved tensors come back unchanged, and
    non-tensor arguments get a None gradient."""
    out = Outcome()
    with out.catching():
        kind = case["kind"]
        x, y = _leaves(engine)
        if kind == "y_constant":
            y = engine.tensor(Y_VALUES, dtype="float32")
        result = (
            _custom(engine, kind, out)(x, 2.5)
            if kind == "scalar_argument"
            else _custom(engine, kind, out)(x, y)
        )
        out.tensors["output"] = observe(engine, result)
        out.facts["grad_fn_is_none"] = engine.grad_fn(result) is None
        engine.backward(engine.call("sum", result))
        _record_grads(engine, out, {"x": x, "y": y})
    return out


# --- gradients at the points where torch picks a subgradient ----------------------------------------
Point = tuple[Callable[..., Any], list[Any]]
POINTS: dict[str, Point] = {
    "relu": (lambda e, x: e.call("relu", x), [[-1.0, -0.0, 0.0, 1.0]]),
    "abs": (lambda e, x: e.call("abs", x), [[-1.0, -0.0, 0.0, 1.0]]),
    "sqrt": (lambda e, x: e.call("sqrt", x), [[0.0, 1.0, 4.0]]),
    "max": (lambda e, x: e.call("max", x), [[1.0, 3.0, 3.0, 2.0]]),
    "max_three_ties": (lambda e, x: e.call("max", x), [[3.0, 3.0, 3.0, 2.0]]),
    "min": (lambda e, x: e.call("min", x), [[1.0, 1.0, 3.0, 2.0]]),
    "amax": (lambda e, x: e.call("amax", x, dim=1), [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]),
    "amin": (lambda e, x: e.call("amin", x, dim=1), [[[1.0, 1.0, 3.0], [2.0, 2.0, 2.0]]]),
    "max_dim": (lambda e, x: e.call("max", x, dim=1)[0], [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]]),
    "min_dim": (lambda e, x: e.call("min", x, dim=1)[0], [[[1.0, 1.0, 3.0], [2.0, 2.0, 2.0]]]),
    "maximum": (lambda e, x, y: e.call("maximum", x, y), [[1.0, 2.0, 3.0], [1.0, 3.0, 2.0]]),
    "minimum": (lambda e, x, y: e.call("minimum", x, y), [[1.0, 2.0, 3.0], [1.0, 3.0, 2.0]]),
    "clamp": (lambda e, x: e.call("clamp", x, min=-1.0, max=1.0), [[-2.0, -1.0, 0.0, 1.0, 2.0]]),
    "clamp_min": (lambda e, x: e.call("clamp", x, min=0.0), [[-1.0, 0.0, 1.0]]),
    "clamp_max": (lambda e, x: e.call("clamp", x, max=0.0), [[-1.0, 0.0, 1.0]]),
    "clamp_crossed": (lambda e, x: e.call("clamp", x, min=1.0, max=0.0), [[0.0, 0.5, 1.0, 2.0]]),
    "clamp_tensor_bounds": (
        lambda e, x, lo, hi: e.call("clamp", x, min=lo, max=hi),
        [[-1.0, 0.0, 1.0, 2.0], [0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]],
    ),
    "pow_zero_exponent": (lambda e, x: e.call("pow", x, 0), [[0.0, 1.0]]),
    "pow_square": (lambda e, x: e.call("pow", x, 2), [[0.0, -1.0]]),
    "pow_zero_base": (lambda e, x, y: e.call("pow", x, y), [[0.0, 0.0, 2.0], [2.0, 0.0, 0.0]]),
    "prod_one_zero": (lambda e, x: e.call("prod", x), [[2.0, 0.0, 3.0]]),
    "prod_two_zeros": (lambda e, x: e.call("prod", x), [[0.0, 0.0, 3.0]]),
    "where": (lambda e, x, y: e.call("where", e.call("lt", x, y), x, y), [[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]]),
}
"""Ops at their kinks and ties, with the inputs (leaves requiring grad) that sit on them."""


@scenario(
    cases=lambda: [{"point": p, "dtype": d} for p, d in itertools.product(POINTS, GRAD_DTYPES)],
    finite=True,
    requires=[Capability.AUTOGRAD],
)
def special_points(engine: Engine, case: Case) -> Outcome:
    """The gradient torch picks where the derivative is not defined: relu and abs have gradient 0
    at 0 and -0.0; max()/min()/amax/amin split the gradient evenly between tied extremes while
    max(dim)/min(dim) give it all to the index they return; maximum/minimum give half to each side
    of a tie; clamp passes the gradient at its bounds (min <= x <= max, inclusive) and, with
    crossed bounds, nowhere; tensor bounds get the gradient where they are the result; x ** y
    has gradient 0 with respect to x where y = 0 and with respect to y where x = 0 (y >= 0), x ** 2
    at 0 is 0; prod with one zero gives the product of the others there; where routes it to the
    chosen side. sqrt at 0 is inf."""
    out = Outcome()
    compute, values = POINTS[case["point"]]
    with out.catching():
        leaves = [engine.tensor(v, dtype=case["dtype"], requires_grad=True) for v in values]
        result = compute(engine, *leaves)
        out.tensors["output"] = observe(engine, result)
        engine.backward(engine.call("sum", result))
        _record_grads(engine, out, {f"x{i}": x for i, x in enumerate(leaves)})
    return out


# --- the state machine over sequences of calls ------------------------------------------------------
Step = Callable[[Engine, dict[str, Any]], Any]


def _graph(e: Engine, env: dict[str, Any]) -> None:
    """x (a leaf requiring grad), y = x * 2 (a non-leaf), loss = (y * y).sum() (saves y)."""
    env["y"] = e.call("mul", env["x"], 2)
    env["loss"] = e.call("sum", e.call("mul", env["y"], env["y"]))


SEQUENCES: dict[str, list[Step]] = {
    "retain_then_free_then_again": [
        lambda e, v: e.backward(v["loss"], retain_graph=True),
        lambda e, v: e.backward(v["loss"]),
        lambda e, v: e.backward(v["loss"]),
    ],
    "retain_twice_then_free_then_again": [
        lambda e, v: e.backward(v["loss"], retain_graph=True),
        lambda e, v: e.backward(v["loss"], retain_graph=True),
        lambda e, v: e.backward(v["loss"]),
        lambda e, v: e.backward(v["loss"]),
    ],
    "free_then_retain": [
        lambda e, v: e.backward(v["loss"]),
        lambda e, v: e.backward(v["loss"], retain_graph=True),
    ],
    "grad_retained_then_backward_twice": [
        lambda e, v: e.autograd_grad(v["loss"], (v["x"],), retain_graph=True),
        lambda e, v: e.backward(v["loss"]),
        lambda e, v: e.backward(v["loss"]),
    ],
    "retain_grad_accumulates": [
        lambda e, v: e.method("retain_grad", v["y"]),
        lambda e, v: e.backward(v["loss"], retain_graph=True),
        lambda e, v: e.backward(v["loss"]),
    ],
    "retain_grad_reset_between": [
        lambda e, v: e.method("retain_grad", v["y"]),
        lambda e, v: e.backward(v["loss"], retain_graph=True),
        lambda e, v: e.set_grad(v["y"], None),
        lambda e, v: e.backward(v["loss"]),
    ],
    "retain_grad_called_twice": [
        lambda e, v: e.method("retain_grad", v["y"]),
        lambda e, v: e.method("retain_grad", v["y"]),
        lambda e, v: e.backward(v["loss"]),
    ],
    "retain_grad_after_backward": [
        lambda e, v: e.backward(v["loss"], retain_graph=True),
        lambda e, v: e.method("retain_grad", v["y"]),
        lambda e, v: e.backward(v["loss"]),
    ],
    "retain_grad_on_leaf": [
        lambda e, v: e.method("retain_grad", v["x"]),
        lambda e, v: e.backward(v["loss"]),
    ],
    "no_retain_grad": [lambda e, v: e.backward(v["loss"])],
    "requires_grad_on_constant": [
        lambda e, v: e.method("requires_grad_", v["c"]),
        lambda e, v: e.backward(e.call("sum", e.call("mul", v["c"], v["c"]))),
    ],
    "requires_grad_false_on_leaf": [
        lambda e, v: e.method("requires_grad_", v["x"], False),
        lambda e, v: e.backward(e.call("sum", e.call("mul", v["x"], 3))),
    ],
    "requires_grad_false_on_non_leaf": [lambda e, v: e.method("requires_grad_", v["y"], False)],
    "requires_grad_true_on_non_leaf": [
        lambda e, v: e.method("requires_grad_", v["y"], True),
        lambda e, v: e.backward(v["loss"]),
    ],
    "requires_grad_after_use": [
        lambda e, v: v.__setitem__("early", e.call("mul", v["c"], 2)),
        lambda e, v: e.method("requires_grad_", v["c"]),
        lambda e, v: v.__setitem__("late", e.call("mul", v["c"], 3)),
        lambda e, v: e.backward(e.call("sum", v["late"])),
    ],
    "two_graphs_accumulate": [
        lambda e, v: e.backward(v["loss"]),
        lambda e, v: e.backward(e.call("sum", e.call("mul", v["x"], 3))),
    ],
    "grad_reset_then_new_graph": [
        lambda e, v: e.backward(v["loss"]),
        lambda e, v: e.set_grad(v["x"], None),
        lambda e, v: e.backward(e.call("sum", e.call("mul", v["x"], 3))),
    ],
}
"""Sequences of autograd calls on x, y = x * 2, loss = (y * y).sum() and a constant c."""

_SEQUENCE_NEEDS: dict[str, frozenset[Capability]] = {
    "retain_then_free_then_again": frozenset({Capability.RETAIN_GRAPH, Capability.GRAD_ACCUMULATION}),
    "retain_twice_then_free_then_again": frozenset({Capability.RETAIN_GRAPH, Capability.GRAD_ACCUMULATION}),
    "free_then_retain": frozenset({Capability.RETAIN_GRAPH}),
    "grad_retained_then_backward_twice": frozenset({Capability.RETAIN_GRAPH}),
    "retain_grad_accumulates": frozenset({Capability.GRAD_ACCUMULATION}),
    "retain_grad_reset_between": frozenset({Capability.GRAD_ACCUMULATION}),
    "retain_grad_after_backward": frozenset({Capability.GRAD_ACCUMULATION}),
    "two_graphs_accumulate": frozenset({Capability.GRAD_ACCUMULATION}),
}
"""Capabilities a sequence needs beyond AUTOGRAD."""


@scenario(
    cases=lambda: [{"sequence": s} for s in SEQUENCES],
    finite=True,
    requires=[Capability.AUTOGRAD],
)
def call_sequences(engine: Engine, case: Case) -> Outcome:
    """Autograd's state over a sequence of calls, observed after each step: retain_graph=True
    keeps the graph for the next call only (a later call without it frees it, and the one after
    raises); torch.autograd.grad(retain_graph=True) leaves .grad alone and the graph usable;
    retain_grad() makes a non-leaf's .grad accumulate over backward calls from then on (called
    twice it still counts once, on a leaf it does nothing); requires_grad_() makes a constant a
    leaf that requires grad (results computed before it stay constant), requires_grad_(False)
    works on leaves and raises on non-leaves; .grad accumulates across graphs until reset."""
    missing = _SEQUENCE_NEEDS.get(case["sequence"], frozenset()) - engine.capabilities
    if missing:
        return Outcome(unsupported=", ".join(sorted(missing)))
    out = Outcome()
    env: dict[str, Any] = {"x": _leaves(engine)[0], "c": engine.tensor(Y_VALUES, dtype="float32")}
    with out.catching(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns when reading a non-leaf's .grad
        _graph(engine, env)
        for i, step in enumerate(SEQUENCES[case["sequence"]]):
            step(engine, env)
            for name in ("x", "y", "c"):
                out.grads[f"{name}.grad@{i}"] = _observe_grad(engine, engine.grad(env[name]))
            for name in ("early", "late"):
                if name in env:
                    out.facts[f"{name}.requires_grad"] = engine.requires_grad(env[name])
            out.facts[f"x.requires_grad@{i}"] = engine.requires_grad(env["x"])
    return out


# --- version counters: every in-place form, saved inputs and outputs ----------------------------------
InPlace = Callable[[Engine, Any], Any]
INPLACE_FORMS: dict[str, InPlace] = {
    "add_": lambda e, t: e.method("add_", t, 1.0),
    "mul_": lambda e, t: e.method("mul_", t, 2.0),
    "iadd": lambda e, t: e.method("__iadd__", t, 1.0),
    "imul": lambda e, t: e.method("__imul__", t, 2.0),
    "setitem": lambda e, t: e.method("__setitem__", t, 0, 5.0),
    "setitem_slice": lambda e, t: e.method("__setitem__", t, slice(1, None), 5.0),
    "fill_": lambda e, t: e.method("fill_", t, 2.0),
    "zero_": lambda e, t: e.method("zero_", t),
    "copy_": lambda e, t: e.method("copy_", t, e.create("ones", (3,))),
    "through_view": lambda e, t: e.method("add_", e.method("view", t, -1), 1.0),
    "through_detach": lambda e, t: e.method("add_", e.method("detach", t), 1.0),
}
"""In-place writes to a tensor t: methods, augmented operators, indexing assignment, and writes
through a view or a detached alias of t (which share t's version counter)."""

Saved = Callable[[Engine, Any, InPlace], tuple[Any, Any]]
SAVED: dict[str, Saved] = {
    "saved_input": lambda e, x, write: _modify_then(e, e.call("mul", x, 1), write, saved="input"),
    "saved_output": lambda e, x, write: _modify_then(e, e.call("exp", x), write, saved="output"),
    "not_saved": lambda e, x, write: _modify_then(e, e.call("mul", x, 1), write, saved="none"),
    "written_before_use": lambda e, x, write: _modify_then(e, e.call("mul", x, 1), write, saved="before"),
}
"""Where the written tensor a sits in the graph: saved by mul (as an input of a * a), saved by exp
(its output), used by add (which saves nothing), or written before it is used."""


def _modify_then(engine: Engine, a: Any, write: InPlace, saved: str) -> tuple[Any, Any]:
    """Build the graph around `a`, write into `a` (before or after it is used), return (a, loss)."""
    if saved == "before":
        write(engine, a)
    uses = {
        "input": lambda: engine.call("mul", a, a),
        "output": lambda: a,
        "none": lambda: engine.call("add", a, a),
        "before": lambda: engine.call("mul", a, a),
    }
    result = uses[saved]()
    if saved != "before":
        write(engine, a)
    return a, engine.call("sum", result)


@scenario(
    cases=lambda: [{"form": f, "saved": s} for f, s in itertools.product(INPLACE_FORMS, SAVED)],
    finite=True,
    requires=[Capability.AUTOGRAD, Capability.INPLACE, Capability.VERSION_COUNTER],
)
def version_counter(engine: Engine, case: Case) -> Outcome:
    """Every in-place form (methods, augmented operators, indexing assignment, fill_/zero_/copy_, a
    write through a view or through detach(), which share the version counter) bumps the written
    tensor's version: backward through an op that saved it, as an input (mul) or as an output
    (exp), raises RuntimeError ("one of the variables needed for gradient computation has been
    modified by an inplace operation"); a tensor no op saved (add), or one written before it was
    used, may change freely and the gradient flows."""
    out = Outcome()
    x = _leaves(engine)[0]
    with out.catching():
        a, loss = SAVED[case["saved"]](engine, x, INPLACE_FORMS[case["form"]])
        out.tensors["written"] = observe(engine, a)
        engine.backward(loss)
    _record_grads(engine, out, {"x.grad": x})
    return out
