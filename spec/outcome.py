"""Outcome: the engine-neutral record of what a scenario observed.

A scenario returns one Outcome; conformance compares two Outcomes (engine vs
oracle) field by field; reports render them. Everything here is plain data:
NumPy arrays (bfloat16 through ml_dtypes), torch dtype *names*, tuples, bools,
ints and strings. No engine object ever enters an Outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from spec.engine import Capability

if TYPE_CHECKING:
    from spec.engine import Engine


@dataclass
class TensorRecord:
    """A tensor as observed: values, torch dtype name, shape, and layout when observable.

    `signed_zeros` is set by a scenario where torch's rule fixes the sign of a zero result (IEEE
    negation, abs, sqrt, add/sub/mul/div): the comparison then also checks the sign of every zero,
    which value comparison alone (isclose) treats as equal."""

    value: np.ndarray
    dtype: str
    shape: tuple[int, ...]
    strides: tuple[int, ...] | None = None
    storage_offset: int | None = None
    signed_zeros: bool = False


_NUMBER = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")
_SPACE = re.compile(r"\s+")


def message_key(message: str) -> str:
    """Normalise an error message for comparison: first line, numbers -> '#', lowercased.

    Two engines agree on an error when they raise the same exception type and
    their messages have the same key, e.g. torch's
    'The size of tensor a (3) must match the size of tensor b (4) ...' and the
    same sentence with other sizes.
    """
    first = message.strip().splitlines()[0] if message.strip() else ""
    return _SPACE.sub(" ", _NUMBER.sub("#", first)).strip().lower()


@dataclass
class ErrorRecord:
    """An exception raised by the engine: its class name and message."""

    type: str
    message: str

    @property
    def key(self) -> str:
        return message_key(self.message)


@dataclass
class Outcome:
    """What one scenario run observed on one engine.

    - tensors: named tensor results, in the order the scenario recorded them.
    - grads: named `.grad` (or vector-Jacobian product) results; None = no grad.
    - aliasing: groups of tensor names that share memory (only groups of 2+).
    - facts: other plain observations (Python scalars, flags, grad_fn names...).
    - error: the exception that ended the scenario, if any (what was recorded
      before it is kept).
    - unsupported: the capability the engine lacks, when the scenario could not run.
    """

    tensors: dict[str, TensorRecord] = field(default_factory=dict)
    grads: dict[str, TensorRecord | None] = field(default_factory=dict)
    aliasing: list[frozenset[str]] | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    error: ErrorRecord | None = None
    unsupported: str | None = None

    @contextmanager
    def catching(self) -> Iterator[None]:
        """Record an exception raised inside the block as this outcome's error."""
        try:
            yield
        except Exception as exc:
            self.error = ErrorRecord(type(exc).__name__, str(exc))


def observe(engine: Engine, t: Any, *, layout: bool = False, signed_zeros: bool = False) -> TensorRecord:
    """Read a tensor through the engine protocol into a TensorRecord (with its strides and storage
    offset when `layout`; zeros compared with their sign when `signed_zeros`)."""
    return TensorRecord(
        value=engine.to_numpy(t),
        dtype=engine.dtype(t),
        shape=tuple(engine.shape(t)),
        strides=tuple(engine.strides(t)) if layout else None,
        storage_offset=engine.storage_offset(t) if layout else None,
        signed_zeros=signed_zeros,
    )


def observe_layout(engine: Engine, t: Any, **options: Any) -> TensorRecord:
    """observe() with strides and storage offset where the engine declares STRIDES (the comparison
    checks layout only where both sides recorded it), without them elsewhere."""
    return observe(engine, t, layout=Capability.STRIDES in engine.capabilities, **options)


def aliasing_groups(engine: Engine, named: dict[str, Any]) -> list[frozenset[str]]:
    """Partition named tensors/arrays into groups that share memory (transitively); groups of 2+ only.

    Groups come sorted by their smallest name, so equal partitions compare equal as lists.
    """
    names = list(named)
    group = {name: {name} for name in names}
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if group[a] is not group[b] and engine.shares_memory(named[a], named[b]):
                merged = group[a] | group[b]
                for member in merged:
                    group[member] = merged
    unique = {id(g): frozenset(g) for g in group.values() if len(g) > 1}
    return sorted(unique.values(), key=min)


def observe_array(array: np.ndarray, dtype: str) -> TensorRecord:
    """A NumPy array (e.g. one shared with a tensor) as a TensorRecord, copied."""
    return TensorRecord(value=np.array(array, copy=True), dtype=dtype, shape=tuple(array.shape))
