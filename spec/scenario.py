"""Scenarios and their registry.

A scenario is a plain function `run(engine, case) -> Outcome` plus where its
cases come from:

- a *finite* domain is a function returning every case (e.g. all dtype pairs
  x operand kinds x ops), enumerated exhaustively, never sampled;
- a *drawn* domain is a function returning a hypothesis strategy of cases.

A case is a dict of plain Python data (str, int, float, bool, None, tuples,
lists, and dicts of those; arrays as nested lists plus a dtype name) so that
`repr(case)` is valid Python: the reproduction of a divergence is built from it.
Manifest entries match on a case's keys (e.g. {"dtype": "bfloat16"}): `Scenario.keys` names the
keys an entry may match, derived from the enumerated cases of a finite scenario and declared with
`keys=` by a drawn one (the scalar keys that select the rule: op, dtypes, kinds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from spec.engine import AREAS, Capability, Engine
from spec.outcome import Outcome

Case = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    id: str  # "<area>.<function name>", e.g. "promotion.binary_op"
    area: str
    run: Callable[[Engine, Case], Outcome]
    cases: Callable[[], Iterable[Case]] | Callable[[], Any]  # enumeration or strategy factory
    finite: bool  # True: `cases()` enumerates every case; False: `cases()` is a strategy
    requires: frozenset[Capability]
    doc: str  # the torch rule the scenario checks (the function's docstring)
    keys: frozenset[str] = frozenset()  # case keys a manifest entry may match

    def count(self) -> int | None:
        """How many cases a finite domain enumerates (None for a drawn one)."""
        return sum(1 for _ in self.cases()) if self.finite else None


REGISTRY: dict[str, Scenario] = {}


def scenario(
    *,
    cases: Callable[[], Any],
    finite: bool = False,
    requires: Iterable[Capability] = (),
    keys: Iterable[str] = (),
) -> Callable[[Callable[[Engine, Case], Outcome]], Callable[[Engine, Case], Outcome]]:
    """Register `run` as a scenario of its module's area (spec/<area>.py). A drawn scenario names
    in `keys` the case keys a manifest entry may match; a finite one has every key of its cases."""

    def register(run: Callable[[Engine, Case], Outcome]) -> Callable[[Engine, Case], Outcome]:
        area = run.__module__.rsplit(".", 1)[-1]
        if area not in AREAS:
            raise ValueError(f"scenario {run.__name__} lives outside an area module: {run.__module__}")
        if finite and keys:
            raise ValueError(f"scenario {run.__name__}: a finite scenario's keys come from its cases")
        sid = f"{area}.{run.__name__}"
        found = frozenset(k for case in cases() for k in case) if finite else frozenset(keys)
        doc = (run.__doc__ or "").strip()
        REGISTRY[sid] = Scenario(sid, area, run, cases, finite, frozenset(requires), doc, found)
        return run

    return register


def all_scenarios() -> dict[str, Scenario]:
    """The spec's own scenarios: those of the area modules spec/<area>.py (imported here, which
    registers them). Scenarios registered from elsewhere (a test's toy module) are left out."""
    import importlib

    for area in AREAS:
        importlib.import_module(f"spec.{area}")
    return {sid: sc for sid, sc in REGISTRY.items() if sc.run.__module__ == f"spec.{sc.area}"}


@contextmanager
def default_dtype(engine: Engine, dtype: str) -> Iterator[None]:
    """torch.set_default_dtype(dtype) for the block; the previous default is restored after.

    An engine without DEFAULT_DTYPE keeps its own default (NumPy's float64, JAX's per x64), so
    where that differs from torch's the divergence shows instead of a crash."""
    previous = engine.get_default_dtype()
    if previous == dtype or Capability.DEFAULT_DTYPE not in engine.capabilities:
        yield
        return
    engine.set_default_dtype(dtype)
    try:
        yield
    finally:
        engine.set_default_dtype(previous)


def lacks_default_dtype(engine: Engine, case: Case) -> Outcome | None:
    """An 'unsupported' Outcome when the case needs a non-float32 default dtype the engine cannot set."""
    if (
        case.get("default_dtype", "float32") != "float32"
        and Capability.DEFAULT_DTYPE not in engine.capabilities
    ):
        return Outcome(unsupported=Capability.DEFAULT_DTYPE.value)
    return None
