"""Shared helpers for tests/spec: engines, case samples, and the well-formedness check of an Outcome."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.engines.torchlike import TorchLikeEngine, make_impl, make_torch
from spec.engine import DTYPES
from spec.outcome import ErrorRecord, Outcome, TensorRecord
from spec.scenario import Case, Scenario, all_scenarios
from spec.strategies import NUMPY_DTYPES

SCENARIOS: dict[str, Scenario] = all_scenarios()
TORCH: TorchLikeEngine = make_torch()
DRAWN_EXAMPLES = 25

try:
    IMPL: TorchLikeEngine | None = make_impl()
    IMPL_MISSING = ""
except Exception as exc:  # impl is being written: its absence skips, never passes
    IMPL, IMPL_MISSING = None, f"impl does not import yet: {exc!r}"

_VALUE_DTYPES = {**{name: NUMPY_DTYPES[name] for name in DTYPES}, "complex32": np.dtype(np.complex64)}
"""The NumPy dtype a TensorRecord's value has for each torch dtype name (complex32 widened)."""


def finite_sample(scenario: Scenario, count: int, seed: int = 0) -> list[Case]:
    """Up to `count` of a finite scenario's cases, a fixed pseudo-random sample."""
    cases = list(scenario.cases())
    return cases if len(cases) <= count else random.Random(seed).sample(cases, count)


def for_drawn_cases(examples: int = DRAWN_EXAMPLES) -> Any:
    """Decorate `test(scenario_id, data)`: draws one case per example from the scenario's strategy."""

    def decorate(test: Any) -> Any:
        configured = settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        return configured(given(data=st.data())(test))

    return decorate


def draw_case(data: st.DataObject, scenario: Scenario) -> Case:
    return data.draw(scenario.cases(), label="case")


def is_plain(x: Any) -> bool:
    """Plain data: what may appear in facts and cases (no engine objects, no arrays)."""
    if x is None or isinstance(x, bool | int | float | complex | str) or x is Ellipsis:
        return True
    if isinstance(x, list | tuple | frozenset | set):
        return all(is_plain(v) for v in x)
    if isinstance(x, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in x.items())
    return False


def check_record(record: TensorRecord) -> None:
    assert isinstance(record.value, np.ndarray)
    assert record.value.shape == record.shape == tuple(record.shape)
    assert record.value.dtype == _VALUE_DTYPES[record.dtype], (record.dtype, record.value.dtype)
    if record.strides is not None:
        assert len(record.strides) == len(record.shape) and record.storage_offset >= 0


def check_wellformed(outcome: Outcome) -> None:
    """An Outcome holds only plain data, consistent records, and aliasing among recorded names."""
    assert isinstance(outcome, Outcome)
    for record in outcome.tensors.values():
        check_record(record)
    for record in outcome.grads.values():
        if record is not None:
            check_record(record)
    assert is_plain(outcome.facts), outcome.facts
    if outcome.error is not None:
        assert (
            isinstance(outcome.error, ErrorRecord)
            and outcome.error.type
            and isinstance(outcome.error.message, str)
        )
    if outcome.aliasing is not None:
        assert all(isinstance(g, frozenset) and len(g) >= 2 for g in outcome.aliasing)
        members = [name for g in outcome.aliasing for name in g]
        assert len(members) == len(set(members)), "aliasing groups must be disjoint"
    if outcome.unsupported is not None:
        assert not outcome.tensors and outcome.error is None


def roundtrips(case: Case) -> bool:
    """repr(case) is valid Python that evaluates back to an equal case."""
    return eval(repr(case)) == case


def same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal shapes and values, nan equal to nan (bfloat16 and float16 compared in float64)."""
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        return bool(np.array_equal(a, b))
    wide = np.complex128 if "c" in (a.dtype.kind, b.dtype.kind) else np.float64
    return bool(np.array_equal(a.astype(wide), b.astype(wide), equal_nan=True))


def numel(shape: Any) -> int:
    return math.prod(shape)
