"""The failing expression: the one engine call where a divergence shows, with its operands.

`Tracer(engine)` is a transparent proxy: the scenario runs on it as on the engine, and it writes
down every operation (`call`, `method`, `create`, `tensor`, `as_tensor`, `from_numpy`,
`backward`, `autograd_grad`, `promote_types`) with its operands rendered at the time of the call,
which handle each one returned, and which call raised. Observation calls are not steps, but the
tracer remembers which array `to_numpy` returned for which handle, so that a tensor of the
Outcome leads back to the call that produced it.

`expression(verdict, oracle_trace, engine_trace)` then picks the step: for a differing tensor the
call that produced it; for a differing exception the first call that raised on either side; for
anything else the last operation. The oracle's trace renders operands (it runs in this process,
and its values are the reference); the engine's trace, when the engine ran traced in its own
process, only tells which step raised there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from conformance.compare import render_array

STEPS = frozenset(
    {
        "call",
        "method",
        "create",
        "tensor",
        "as_tensor",
        "from_numpy",
        "backward",
        "autograd_grad",
        "promote_types",
    }
)
OPERATORS = {
    "__add__": "+",
    "__radd__": "+",
    "__sub__": "-",
    "__rsub__": "-",
    "__mul__": "*",
    "__rmul__": "*",
    "__truediv__": "/",
    "__rtruediv__": "/",
    "__floordiv__": "//",
    "__rfloordiv__": "//",
    "__mod__": "%",
    "__rmod__": "%",
    "__pow__": "**",
    "__rpow__": "**",
    "__and__": "&",
    "__rand__": "&",
    "__eq__": "==",
    "__gt__": ">",
    "__lt__": "<",
    "__matmul__": "@",
    "__iadd__": "+=",
    "__isub__": "-=",
    "__imul__": "*=",
    "__itruediv__": "/=",
    "__ifloordiv__": "//=",
    "__imod__": "%=",
    "__ipow__": "**=",
    "__iand__": "&=",
}
"""Python operators shown as such: `a + b` reads better than `a.__add__(b)`."""


@dataclass
class Step:
    text: str  # e.g. "torch.add(tensor([True]), tensor([True]))"
    raised: str = ""  # "RuntimeError" when the call raised


@dataclass
class Trace:
    steps: list[Step] = field(default_factory=list)
    produced: dict[int, int] = field(default_factory=dict)  # id(handle) -> step index
    observed: dict[int, int] = field(default_factory=dict)  # id(array from to_numpy) -> step index

    def raised_at(self) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.raised), None)

    def portable(self) -> Trace:
        """What can cross a process boundary (steps only: ids mean nothing elsewhere)."""
        return Trace(self.steps)


class Tracer:
    """A transparent proxy around an engine that records its operations (see the module docstring)."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self.trace = Trace()
        self._keep: list[Any] = []  # handles and arrays stay alive, so their ids stay unique

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._engine, name)
        if name == "to_numpy":
            return self._observing(attr)
        if name not in STEPS or not callable(attr):
            return attr
        return self._recording(name, attr)

    def _observing(self, to_numpy: Callable[..., Any]) -> Callable[..., Any]:
        def observe(t: Any) -> Any:
            array = to_numpy(t)
            step = self.trace.produced.get(id(t))
            if step is not None:
                self.trace.observed[id(array)] = step
                self._keep.append(array)
            return array

        return observe

    def _recording(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            step = Step(self._text(name, args, kwargs))
            self.trace.steps.append(step)
            try:
                result = function(*args, **kwargs)
            except BaseException as exc:
                step.raised = type(exc).__name__
                raise
            for handle in result if isinstance(result, tuple | list) else (result,):
                self.trace.produced.setdefault(id(handle), len(self.trace.steps) - 1)
                self._keep.append(handle)
            return result

        return record

    # --- rendering ------------------------------------------------------------------------
    def _operand(self, value: Any) -> str:
        engine = self._engine
        if (
            isinstance(value, tuple | list)
            and value
            and not isinstance(value[0], int | float | bool | complex)
        ):
            inner = ", ".join(self._operand(v) for v in value)
            return f"({inner},)" if isinstance(value, tuple) and len(value) == 1 else f"[{inner}]"
        if isinstance(value, np.ndarray):
            return f"np.array({render_array(value, limit=6)}, dtype={value.dtype})"
        try:
            if not engine.is_tensor(value):
                return repr(value)
            dtype, shape = engine.dtype(value), tuple(engine.shape(value))
            values = np.asarray(engine.to_numpy(value))
        except Exception:
            return repr(value)[:80]
        if values.size > 6:
            return f"tensor(<shape {list(shape)}>, dtype={dtype})"
        return f"tensor({render_array(values.reshape(shape) if shape else values)}, dtype={dtype})"

    def _text(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        rendered = [self._operand(a) for a in args]
        keywords = [f"{k}={self._operand(v)}" for k, v in kwargs.items()]
        if name in ("call", "create"):
            op, rest = rendered[0].strip("'\""), rendered[1:]
            return f"torch.{op}({', '.join(rest + keywords)})"
        if name == "method":
            op, target, rest = rendered[0].strip("'\""), rendered[1], rendered[2:]
            if op in OPERATORS and len(rest) == 1 and not keywords:
                return f"{target} {OPERATORS[op]} {rest[0]}"
            if op == "__getitem__" and len(rest) == 1:
                return f"{target}[{rest[0]}]"
            return f"{target}.{op}({', '.join(rest + keywords)})"
        if name in ("tensor", "as_tensor", "from_numpy", "promote_types"):
            return f"torch.{name}({', '.join(rendered + keywords)})"
        return f"{rendered[0] if rendered else ''}.{name}({', '.join(rendered[1:] + keywords)})"


def _error_text(outcome: Any) -> str:
    error = getattr(outcome, "error", None)
    return "no exception" if error is None else f"{error.type}: {error.message.splitlines()[0][:120]}"


def _tensor_text(outcome: Any, name: str, fallback: str) -> str:
    record = outcome.tensors.get(name) if outcome is not None else None
    if record is None:
        return fallback
    return f"{record.dtype} {render_array(record.value, limit=6)}"


def expression(verdict: Any, oracle: Trace, engine: Trace | None = None) -> str:
    """`<the call>  -> <engine result> vs <oracle result>` for the verdict's first difference ('' if none)."""
    if not verdict.diffs or not oracle.steps:
        return ""
    first = verdict.diffs[0]
    mine, theirs = verdict.engine, verdict.oracle
    step: int | None = None
    if first.field == "error":
        candidates = [
            i for i in (oracle.raised_at(), engine.raised_at() if engine else None) if i is not None
        ]
        step = min(candidates) if candidates else None
        results = f"{_error_text(mine)} vs {_error_text(theirs)}"
    else:
        name = first.name.split(".", 1)[0]
        record = theirs.tensors.get(name) if theirs is not None else None
        if record is not None:
            step = oracle.observed.get(id(record.value))
        results = f"{_tensor_text(mine, name, first.engine)} vs {_tensor_text(theirs, name, first.oracle)}"
    if step is None or step >= len(oracle.steps):
        step = len(oracle.steps) - 1
    return f"{oracle.steps[step].text}  -> {results}"
