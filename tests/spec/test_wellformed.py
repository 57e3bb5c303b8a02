"""Every scenario, on a sample of its cases: cases are plain data whose repr round-trips, and the
Outcome is well-formed on torch (live) and on impl (which must not crash the scenario)."""

from __future__ import annotations

import re

import pytest

import spec.engine
from spec.engine import AREAS, Capability
from spec.scenario import Scenario
from tests.spec.support import (
    IMPL,
    IMPL_MISSING,
    SCENARIOS,
    TORCH,
    check_wellformed,
    draw_case,
    finite_sample,
    for_drawn_cases,
    is_plain,
    roundtrips,
)

FINITE = sorted(sid for sid, s in SCENARIOS.items() if s.finite)
DRAWN = sorted(sid for sid, s in SCENARIOS.items() if not s.finite)
SAMPLE = 150


def test_every_area_has_scenarios_with_docs() -> None:
    assert {s.area for s in SCENARIOS.values()} == set(AREAS)
    for scenario in SCENARIOS.values():
        assert scenario.doc, f"{scenario.id} has no docstring stating its torch rule"
        assert scenario.requires <= set(Capability)


class _Recording:
    """An engine proxy that records the op names scenarios pass to call/method/create."""

    def __init__(self, engine: object) -> None:
        self.engine, self.used = engine, set()

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def call(self, op: str, *args: object, **kwargs: object) -> object:
        self.used.add(op)
        return self.engine.call(op, *args, **kwargs)

    def method(self, op: str, *args: object, **kwargs: object) -> object:
        self.used.add(op)
        return self.engine.method(op, *args, **kwargs)

    def create(self, op: str, *args: object, **kwargs: object) -> object:
        self.used.add(op)
        return self.engine.create(op, *args, **kwargs)


DOCUMENTED = set(re.findall(r"\w+", spec.engine.__doc__))


def _check(scenario: Scenario, case: dict) -> None:
    assert is_plain(case) and roundtrips(case), repr(case)
    recording = _Recording(TORCH)
    outcome = scenario.run(recording, case)
    assert recording.used <= DOCUMENTED, "spec/engine.py's docstring must list every op scenarios use"
    check_wellformed(outcome)
    assert outcome.unsupported is None  # torch has every capability
    assert outcome.tensors or outcome.grads or outcome.facts or outcome.error, f"nothing observed: {case!r}"
    if IMPL is not None:
        check_wellformed(scenario.run(IMPL, case))


@pytest.mark.parametrize("sid", FINITE)
def test_finite_scenario(sid: str) -> None:
    scenario = SCENARIOS[sid]
    cases = list(scenario.cases())
    assert cases, "a finite domain enumerates at least one case"
    assert len({repr(c) for c in cases}) == len(cases), "cases are distinct"
    for case in finite_sample(scenario, SAMPLE):
        _check(scenario, case)


@pytest.mark.parametrize("sid", DRAWN)
@for_drawn_cases()
def test_drawn_scenario(sid: str, data) -> None:
    scenario = SCENARIOS[sid]
    _check(scenario, draw_case(data, scenario))


def test_impl_is_checked() -> None:
    """Reported, not passed, while impl cannot be imported."""
    if IMPL is None:
        pytest.skip(IMPL_MISSING)
    assert IMPL.name == "impl"


def test_engine_docstring_lists_every_op_the_finite_scenarios_use() -> None:
    """spec/engine.py tells adapter writers which ops scenarios need: it must stay exact."""
    recording = _Recording(TORCH)
    for sid in FINITE:
        for case in SCENARIOS[sid].cases():
            SCENARIOS[sid].run(recording, case)
    assert recording.used - DOCUMENTED == set()
    assert len(recording.used) > 60
