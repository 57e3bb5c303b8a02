"""Compare two Outcomes (engine vs oracle) field by field, in a fixed order, cheapest checks first.

Order: exception, then per tensor dtype, shape, values, strides/storage offset; aliasing; gradients;
facts. Each difference names its field ("error", "dtype", "shape", "value", "strides", "aliasing",
"grad", "fact") and the tensor/fact it concerns. Values follow torch.testing.assert_close: per-dtype
default rtol/atol (torch/testing/_comparison.py `_DTYPE_PRECISIONS`, torch 2.13), the oracle's value
as `expected` (|engine - oracle| <= atol + rtol * |oracle|), integers and bools exact, and NaN equal
to NaN (assert_close's `equal_nan=True`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ml_dtypes
import numpy as np

from spec.outcome import Outcome, TensorRecord, message_key

FIELDS: tuple[str, ...] = ("error", "dtype", "shape", "value", "strides", "aliasing", "grad", "fact")

DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    # (rtol, atol) per dtype: torch/testing/_comparison.py _DTYPE_PRECISIONS (torch 2.13.0);
    # complex dtypes use their float parts' values. Dtypes absent here compare exactly.
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}

CROSS_DEVICE_TOLERANCE: tuple[float, float] = (1e-3, 1e-3)
"""(rtol, atol) floor for floating values when engine and oracle run on different devices: torch's
test/test_ops.py `test_compare_cpu` compares CUDA against CPU results with atol=rtol=1e-3 for
floating and complex dtypes and exactly otherwise."""


def tolerances(cross_device: bool = False) -> dict[str, tuple[float, float]]:
    """The per-dtype (rtol, atol) table; across devices each is at least CROSS_DEVICE_TOLERANCE."""
    if not cross_device:
        return dict(DEFAULT_TOLERANCES)
    rtol_floor, atol_floor = CROSS_DEVICE_TOLERANCE
    return {name: (max(r, rtol_floor), max(a, atol_floor)) for name, (r, a) in DEFAULT_TOLERANCES.items()}


@dataclass(frozen=True, slots=True)
class Difference:
    """One divergence: which field, of which tensor/fact, and both sides rendered short."""

    field: str
    name: str
    engine: str
    oracle: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "name": self.name, "engine": self.engine, "oracle": self.oracle}

    @property
    def key(self) -> str:
        """A stable key of this difference's cause: what differs, with the parts of both sides that
        name a rule (dtypes, exception types, None vs a tensor, aliasing groups, short facts) and
        without those that vary case by case (values, shapes, strides, numbers in messages)."""
        return f"{self.field} {self.name}" + _CAUSE_PARTS.get(self.field, _no_parts)(self)

    def __str__(self) -> str:
        return f"{self.field} {self.name}: engine {self.engine} | oracle {self.oracle}"


def _no_parts(d: Difference) -> str:
    return ""


def _both(d: Difference, part: Any) -> str:
    return f": {part(d.engine)} vs {part(d.oracle)}"


def _error_type(text: str) -> str:
    return text.split(":", 1)[0]


def _short(text: str) -> str:
    key = message_key(text)
    return key if len(key) <= 60 else key[:57] + "..."


def _presence(text: str) -> str:
    return text if text in ("None", "absent") else "tensor"


def _grad_presence(d: Difference) -> str:
    """None/absent vs a tensor names a rule; two tensors that differ in values do not."""
    mine, theirs = _presence(d.engine), _presence(d.oracle)
    return "" if mine == theirs == "tensor" else f": {mine} vs {theirs}"


_CAUSE_PARTS: dict[str, Any] = {
    "error": lambda d: _both(d, _error_type if d.name == "exception" else _short),
    "dtype": lambda d: _both(d, str),
    "aliasing": lambda d: _both(d, str),
    "grad": lambda d: _both(d, str) if d.name.endswith(".dtype") else _grad_presence(d),
    "fact": lambda d: _both(d, _short),
}
"""Per field, which parts of both renderings enter the cause key (fields absent here: none)."""

_WIDE = {np.dtype(ml_dtypes.bfloat16): np.float64, np.dtype(np.float16): np.float64}


def render_array(value: np.ndarray, limit: int = 12) -> str:
    """A short rendering of an array: values (elided past `limit` elements)."""
    flat = np.asarray(value)
    if flat.dtype in _WIDE:
        flat = flat.astype(np.float32)
    return np.array2string(flat, threshold=limit, edgeitems=3, precision=6, separator=", ").replace("\n", "")


def _mismatch(engine: np.ndarray, oracle: np.ndarray, tol: tuple[float, float] | None) -> str | None:
    """None when the values agree under `tol` (None = exactly), else a description of the mismatch."""
    if engine.dtype == oracle.dtype and engine.tobytes() == oracle.tobytes():
        return None  # the common case: bit-identical
    if tol is None:
        if np.array_equal(engine, oracle):
            return None
        close = engine == oracle
    else:
        a = engine.astype(_WIDE.get(engine.dtype, engine.dtype), copy=False)
        b = oracle.astype(_WIDE.get(oracle.dtype, oracle.dtype), copy=False)
        rtol, atol = tol
        close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        if close.all():
            return None
    bad = np.flatnonzero(~np.asarray(close))
    first = np.unravel_index(bad[0], oracle.shape) if oracle.ndim else ()
    return f"{bad.size}/{oracle.size} mismatched, first at {tuple(int(i) for i in first)}"


def _zero_sign_mismatch(engine: np.ndarray, oracle: np.ndarray) -> str | None:
    """Where the oracle records a signed zero (TensorRecord.signed_zeros): zeros on both sides whose
    signs differ, which isclose counts as equal (complex values: each part)."""
    if oracle.dtype.kind not in "fcV":  # bfloat16 (ml_dtypes) is kind V
        return None
    complex_ = oracle.dtype.kind == "c"
    parts = [(engine.real, oracle.real), (engine.imag, oracle.imag)] if complex_ else [(engine, oracle)]
    wrong = np.zeros(oracle.shape, dtype=bool)
    for mine, theirs in parts:
        a = mine.astype(_WIDE.get(mine.dtype, mine.dtype), copy=False)
        b = theirs.astype(_WIDE.get(theirs.dtype, theirs.dtype), copy=False)
        wrong |= (a == 0) & (b == 0) & (np.signbit(a) != np.signbit(b))
    if not wrong.any():
        return None
    bad = np.flatnonzero(wrong)
    first = np.unravel_index(bad[0], oracle.shape) if oracle.ndim else ()
    return f"{bad.size}/{oracle.size} zeros of the other sign, first at {tuple(int(i) for i in first)}"


class Comparator:
    """Compares outcomes under one tolerance table and one error-message policy."""

    def __init__(self, *, compare_messages: bool = False, cross_device: bool = False) -> None:
        self.compare_messages, self.cross_device = compare_messages, cross_device
        self.tolerances = tolerances(cross_device)

    def __call__(self, engine: Outcome, oracle: Outcome) -> list[Difference]:
        diffs: list[Difference] = []
        self._errors(engine, oracle, diffs)
        self._records("value", engine.tensors, oracle.tensors, diffs)
        if engine.aliasing != oracle.aliasing and _groups(engine.aliasing) != _groups(oracle.aliasing):
            mine, theirs = _render_groups(engine.aliasing), _render_groups(oracle.aliasing)
            diffs.append(Difference("aliasing", "groups", mine, theirs))
        if engine.grads or oracle.grads:
            self._records("grad", engine.grads, oracle.grads, diffs)
        if engine.facts or oracle.facts:
            self._facts(engine.facts, oracle.facts, diffs)
        return diffs

    def _errors(self, engine: Outcome, oracle: Outcome, diffs: list[Difference]) -> None:
        mine, theirs = engine.error, oracle.error
        if mine is None and theirs is None:
            return
        if mine is None or theirs is None or mine.type != theirs.type:
            diffs.append(Difference("error", "exception", _render_error(mine), _render_error(theirs)))
        elif self.compare_messages and mine.key != theirs.key:
            diffs.append(Difference("error", "message", mine.message, theirs.message))

    def _records(
        self,
        field: str,
        mine: dict[str, TensorRecord | None],
        theirs: dict[str, TensorRecord | None],
        diffs: list[Difference],
    ) -> None:
        for name in _names(mine, theirs):
            a, b = mine.get(name, _ABSENT), theirs.get(name, _ABSENT)
            if a is _ABSENT or b is _ABSENT or a is None or b is None:
                if a is not b:
                    diffs.append(Difference(field, name, _render_record(a), _render_record(b)))
                continue
            self._tensor(field, name, a, b, diffs)

    def _tensor(self, field: str, name: str, a: TensorRecord, b: TensorRecord, out: list[Difference]) -> None:
        tensor_field = field == "value"
        if a.dtype != b.dtype:
            out.append(Difference("dtype" if tensor_field else field, f"{name}.dtype", a.dtype, b.dtype))
        elif tuple(a.shape) != tuple(b.shape) or a.value.shape != b.value.shape:
            out.append(
                Difference("shape" if tensor_field else field, f"{name}.shape", str(a.shape), str(b.shape))
            )
        else:
            mismatch = _mismatch(a.value, b.value, self.tolerances.get(b.dtype))
            if mismatch is None and b.signed_zeros:
                mismatch = _zero_sign_mismatch(a.value, b.value)
            if mismatch is not None:
                out.append(
                    Difference(field, name, f"{render_array(a.value)} ({mismatch})", render_array(b.value))
                )
        if (
            tensor_field
            and a.strides is not None
            and b.strides is not None
            and (tuple(a.strides) != tuple(b.strides) or a.storage_offset != b.storage_offset)
        ):
            out.append(Difference("strides", name, _layout(a), _layout(b)))

    @staticmethod
    def _facts(mine: dict[str, Any], theirs: dict[str, Any], diffs: list[Difference]) -> None:
        for name in _names(mine, theirs):
            a, b = mine.get(name, _ABSENT), theirs.get(name, _ABSENT)
            if not _same_fact(a, b):
                diffs.append(Difference("fact", name, _render_fact(a), _render_fact(b)))


def compare(
    engine: Outcome, oracle: Outcome, *, compare_messages: bool = False, cross_device: bool = False
) -> list[Difference]:
    """All differences between an engine's outcome and the oracle's (empty when they agree)."""
    return Comparator(compare_messages=compare_messages, cross_device=cross_device)(engine, oracle)


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()


def _names(mine: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    """Names in the oracle's order, then those only the engine recorded."""
    if mine.keys() == theirs.keys():
        return list(theirs)
    return list(theirs) + [name for name in mine if name not in theirs]


def _same_fact(a: Any, b: Any) -> bool:
    """Exact equality of plain observations: same type and value; NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a != a:
        return b != b
    if isinstance(a, np.ndarray):
        same_kind = a.dtype == b.dtype and a.shape == b.shape
        return same_kind and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # objects whose == is not a bool
        return repr(a) == repr(b)


def _groups(groups: list[frozenset[str]] | None) -> set[frozenset[str]] | None:
    return None if groups is None else {frozenset(g) for g in groups}


def _render_groups(groups: list[frozenset[str]] | None) -> str:
    if groups is None:
        return "not recorded"
    return "[" + ", ".join("{" + ", ".join(sorted(g)) + "}" for g in sorted(groups, key=sorted)) + "]"


def _render_error(error: Any) -> str:
    return "no exception" if error is None else f"{error.type}: {error.message}"


def _render_record(record: Any) -> str:
    if record is _ABSENT:
        return "absent"
    if record is None:
        return "None"
    return f"{record.dtype}{list(record.shape)} {render_array(record.value)}"


def _layout(record: TensorRecord) -> str:
    return f"stride={tuple(record.strides or ())} offset={record.storage_offset}"


def _render_fact(value: Any) -> str:
    if value is _ABSENT:
        return "absent"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
