"""Memory: which tensors share storage (views, NumPy interop), their strides and storage offsets.

torch's rules (docs: "Tensor Views", torch.from_numpy, torch.as_tensor, Tensor.numpy):
view ops return tensors sharing the base's storage, so in-place writes through either side show in
the other; torch.tensor always copies; from_numpy and numpy() always share; as_tensor shares
unless it must convert dtype or device; reshape/flatten/contiguous return a view when the strides
allow and copy otherwise; view() raises when they do not.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome, aliasing_groups, observe, observe_array
from spec.scenario import Case, scenario
from spec.strategies import NUMPY_DTYPES, category, decode_index

NUMPY_NATIVE = tuple(d for d in DTYPES if d != "bfloat16")
"""dtypes NumPy holds natively (bfloat16 arrays come from ml_dtypes, which torch does not read)."""

_VALUES = {
    "bool": [False, True, False],
    "int": [1, 2, 3],
    "float": [1.5, 2.5, 3.5],
    "complex": [1 + 1j, 2, 3],
}
_WRITTEN = {"bool": True, "int": 9, "float": 9.5, "complex": 9 - 1j}

_OTHER_DTYPE = {"float64": "float32", "complex64": "complex128", "complex128": "complex64"}
"""as_tensor's converting target for a dtype (float64 for the rest)."""


def _given(array: np.ndarray, make: Callable[[np.ndarray], Any]) -> tuple[Any, np.ndarray]:
    return make(array), array


def _fresh(dtype: str) -> np.ndarray:
    return np.array(_VALUES[category(dtype)], dtype=NUMPY_DTYPES[dtype])


def _numpy_of(engine: Engine, dtype: str) -> tuple[Any, np.ndarray]:
    t = engine.tensor(_VALUES[category(dtype)], dtype=dtype)
    return t, engine.numpy(t)


Produced = Callable[[Engine, str], tuple[Any, np.ndarray]]
PRODUCERS: dict[str, Produced] = {
    "from_numpy": lambda e, d: _given(_fresh(d), e.from_numpy),
    "as_tensor": lambda e, d: _given(_fresh(d), e.as_tensor),
    "as_tensor_same_dtype": lambda e, d: _given(_fresh(d), lambda a: e.as_tensor(a, dtype=d)),
    "as_tensor_other_dtype": lambda e, d: _given(
        _fresh(d), lambda a: e.as_tensor(a, dtype=_OTHER_DTYPE.get(d, "float64"))
    ),
    "tensor": lambda e, d: _given(_fresh(d), e.tensor),
    "numpy": _numpy_of,
}
"""(tensor, array) pairs: made from a fresh 3-element array, or (numpy) a tensor's numpy()."""


def _sharing_cases() -> list[Case]:
    return [
        {"producer": p, "dtype": d, "write": w}
        for p, d, w in itertools.product(PRODUCERS, NUMPY_NATIVE, ("numpy", "tensor"))
    ]


@scenario(cases=_sharing_cases, finite=True, requires=[Capability.NUMPY_SHARING, Capability.INPLACE])
def numpy_sharing(engine: Engine, case: Case) -> Outcome:
    """from_numpy, as_tensor (same dtype) and Tensor.numpy() share memory with the array: a write
    through one side shows in the other; torch.tensor and as_tensor with a dtype change copy."""
    out = Outcome()
    with out.catching():
        t, array = PRODUCERS[case["producer"]](engine, case["dtype"])
        written = _WRITTEN[category(case["dtype"])]
        if case["write"] == "numpy":
            array[0] = written
        else:
            engine.method("__setitem__", t, 0, written)
        out.tensors["tensor"] = observe(engine, t)
        out.tensors["array"] = observe_array(array, case["dtype"])
        out.aliasing = aliasing_groups(engine, {"tensor": t, "array": array})
    return out


def _readonly() -> np.ndarray:
    array = np.arange(4.0)
    array.flags.writeable = False
    return array


def _numpy_of_leaf(engine: Engine, detach: bool) -> tuple[Any, np.ndarray]:
    t = engine.create("ones", (3,), requires_grad=True)
    return t, engine.numpy(engine.method("detach", t) if detach else t)


Made = Callable[[Engine], tuple[Any, np.ndarray]]
REFUSALS: dict[str, Made] = {
    "from_numpy_negative_stride": lambda e: _given(np.arange(4.0)[::-1], e.from_numpy),
    "as_tensor_negative_stride": lambda e: _given(np.arange(4.0)[::-1], e.as_tensor),
    "tensor_negative_stride": lambda e: _given(np.arange(4.0)[::-1], e.tensor),
    "from_numpy_big_endian": lambda e: _given(np.arange(4, dtype=">i4"), e.from_numpy),
    "from_numpy_readonly": lambda e: _given(_readonly(), e.from_numpy),
    "numpy_requires_grad": lambda e: _numpy_of_leaf(e, detach=False),
    "numpy_detached": lambda e: _numpy_of_leaf(e, detach=True),
}
"""(tensor, array) pairs torch refuses to make (or makes, for the legal neighbours)."""


@scenario(
    cases=lambda: [{"kind": kind} for kind in REFUSALS], finite=True, requires=[Capability.NUMPY_SHARING]
)
def numpy_refusals(engine: Engine, case: Case) -> Outcome:
    """torch refuses NumPy arrays with negative strides (ValueError, for from_numpy, as_tensor and
    tensor alike) or non-native byte order (ValueError), and numpy() on a tensor that requires grad
    (RuntimeError: use detach().numpy()); a read-only array is shared (torch's UserWarning about it is
    not observed: it is issued once per process, so whether it shows depends on what ran before)."""
    out = Outcome()
    with out.catching(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        t, array = REFUSALS[case["kind"]](engine)
        out.tensors["tensor"] = observe(engine, t)
        out.aliasing = aliasing_groups(engine, {"tensor": t, "array": array})
    return out


def _s(start: int | None = None, stop: int | None = None, step: int | None = None) -> dict[str, list[Any]]:
    return {"slice": [start, stop, step]}


VIEW_OPS: list[tuple[str, list[Any], list[int]]] = [
    ("view", [6, 4], [2, 3, 4]),
    ("view", [-1], [2, 3, 4]),
    ("view", [4, 3, 2], [2, 3, 4]),
    ("reshape", [6, 4], [2, 3, 4]),
    ("reshape", [-1], [2, 3, 4]),
    ("flatten", [], [2, 3, 4]),
    ("flatten", [1], [2, 3, 4]),
    ("t", [], [3, 4]),
    ("t", [], [2, 3, 4]),
    ("transpose", [0, 2], [2, 3, 4]),
    ("permute", [2, 0, 1], [2, 3, 4]),
    ("squeeze", [], [2, 1, 4, 1]),
    ("squeeze", [1], [2, 1, 4]),
    ("unsqueeze", [1], [2, 3, 4]),
    ("unsqueeze", [-1], [3, 4]),
    ("narrow", [1, 1, 2], [2, 3, 4]),
    ("narrow", [2, 0, 0], [2, 3, 4]),
    ("expand", [2, 3, 4], [2, 1, 4]),
    ("select", [1, 2], [2, 3, 4]),
    ("select", [0, -1], [2, 3, 4]),
    ("diagonal", [], [3, 4]),
    ("unfold", [2, 2, 1], [2, 3, 4]),
    ("__getitem__", [_s(None, None, 2)], [4, 3]),
    ("__getitem__", [1], [2, 3, 4]),
    ("__getitem__", [Ellipsis, _s(1, 3)], [2, 3, 4]),
    ("__getitem__", [None, 0, _s(None, None, 3)], [2, 3, 4]),
    ("__getitem__", [0, _s(), 1], [2, 3, 4]),
    ("__getitem__", [_s(None, None, -1)], [2, 3, 4]),
    ("detach", [], [2, 3, 4]),
    ("contiguous", [], [2, 3, 4]),
    ("clone", [], [2, 3, 4]),
]
"""(method, args, base shape): view ops, ops that view or copy (reshape, flatten, contiguous), and copies."""


def _view_cases() -> list[Case]:
    return [
        {"op": op, "args": args, "base_shape": shape, "base_layout": layout}
        for (op, args, shape), layout in itertools.product(VIEW_OPS, ("contiguous", "transposed"))
    ]


@scenario(cases=_view_cases, finite=True, requires=[Capability.VIEWS, Capability.STRIDES, Capability.INPLACE])
def views(engine: Engine, case: Case) -> Outcome:
    """base.<op>(*args) on a contiguous or a transposed base: the result's shape, strides,
    storage_offset and whether it shares the base's memory (a view) or not (a copy: clone, and
    reshape/flatten/contiguous when strides forbid a view); a write through the result shows in
    the base exactly when they share. view() on incompatible strides, t() on 3-D and negative
    slice steps raise torch's errors."""
    out = Outcome()
    with out.catching():
        shape = case["base_shape"]
        size = int(np.prod(shape))
        base = engine.create("arange", float(size))
        if case["base_layout"] == "transposed":
            base = engine.method(
                "permute", engine.method("reshape", base, *reversed(shape)), *range(len(shape))[::-1]
            )
        else:
            base = engine.method("reshape", base, *shape)
        args = [decode_index(case["args"])] if case["op"] == "__getitem__" else case["args"]
        result = engine.method(case["op"], base, *args)
        out.tensors["result"] = observe(engine, result, layout=True)
        out.facts["is_contiguous"] = bool(engine.method("is_contiguous", result))
        out.aliasing = aliasing_groups(engine, {"base": base, "result": result})
        engine.method("__setitem__", result, Ellipsis, -1.0)
        out.tensors["base_after_write"] = observe(engine, base)
    return out
