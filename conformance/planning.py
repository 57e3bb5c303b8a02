"""The test plan: which tests a run has, in which order, and which of them this shard runs.

Each scenario becomes one or more *targets* (a test each):

- `<id>-replay`: the cases that failed in the previous run of the same results file, first of all,
  so that a known failure shows in seconds;
- `<id>-cover1`: a case for every value of every key (op, dtype, kind...), then `<id>-cover2`: a
  case for every pair of values of two keys not yet covered (a greedy all-pairs cover), so that a
  broken rule anywhere shows early, and a budgeted run (`--budget`) checks every stratum before
  any gets a second case;
- the rest, in chunks of at most CHUNK_SIZE cases (so that pytest-xdist can spread them): in the
  enumeration's order, where consecutive cases share an op and dtypes (an engine that compiles per
  op and dtype, JAX, runs binary_op 1.4x faster so), or under a budget in the cover's shuffled
  order, so that each chunk samples the whole domain and a budget that runs out leaves cases
  missing here and there, not one op's cases all together.

Tests run round by round (replays, covers of every scenario, then the rest). A drawn scenario
without a corpus (dev, thorough) is one test, drawn by hypothesis. `shard()` splits the tests
over N machines by their costs (longest first onto the least loaded shard: deterministic, so every
shard computes the same split).
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.corpus import literal, seed_of
from conformance.corpus import load as corpus_cases
from conformance.records import CaseRecord, RunRecord, Status, records
from spec.scenario import Case, Scenario

CHUNK_SIZE = 1500
"""Finite domains larger than this are split into several tests, so xdist can spread them."""
SMALL = 64
"""Scenarios with at most this many cases are one test (a cover would be most of them anyway)."""
ROUNDS = {"replay": 0, "cover1": 1, "cover2": 2, "": 3}
COSTS = Path(__file__).resolve().parent / "costs.json"
"""Seconds per case of each scenario, measured for impl vs torch (`python -m conformance costs`)."""
DEFAULT_COST = 2e-4


@dataclass(frozen=True)
class Target:
    """What one test checks: a scenario, and for finite domains one part of its cases."""

    scenario: Scenario
    cases: tuple[Case, ...] | None = None  # None: a drawn domain
    chunk: int = 0
    chunks: int = 1
    kind: str = ""  # "replay", "cover1", "cover2", or "" for a chunk of the rest

    @property
    def id(self) -> str:
        if self.kind:
            return f"{self.scenario.id}-{self.kind}"
        return self.scenario.id if self.chunks == 1 else f"{self.scenario.id}-{self.chunk + 1}of{self.chunks}"

    @property
    def size(self) -> int | None:
        """How many cases the test checks (None: as many as the profile draws)."""
        return None if self.cases is None else len(self.cases)

    @property
    def round(self) -> int:
        """0 replays, 1 first covers (and whole small scenarios), 2 pair covers, 3 the rest."""
        if not self.kind and self.chunks == 1 and self.cases is not None and len(self.cases) <= SMALL:
            return 1
        return ROUNDS[self.kind]


STRATA_LIMIT = 32
"""A scalar key with more distinct values than this (a seed, a drawn number) is not a stratum."""


def strata_keys(cases: list[Case]) -> list[str]:
    """The scalar keys whose values name a rule: op, dtype, kind... (few distinct values)."""
    values: dict[str, set[Any]] = {}
    for case in cases:
        for k, v in case.items():
            if v is None or isinstance(v, str | int | float | bool):
                values.setdefault(k, set()).add(v)
    mixed = {k for case in cases for k, v in case.items() if isinstance(v, list | tuple | dict)}
    return [k for k, seen in values.items() if len(seen) <= STRATA_LIMIT and k not in mixed]


def cover_rounds(
    scenario_id: str, cases: list[Case], spread: bool = False
) -> tuple[list[Case], list[Case], list[Case]]:
    """(one case per key value, one per value pair not yet covered, the rest): single greedy passes
    over the cases in a shuffled order that depends on the scenario's id only; the rest in the
    enumeration's order, or with `spread` in that shuffled order too."""
    order = list(range(len(cases)))
    random.Random(seed_of(scenario_id)).shuffle(order)
    keys = strata_keys(cases)

    def scalars(case: Case) -> list[tuple[str, Any]]:
        return [
            (k, v)
            for k in keys
            if (v := case.get(k, keys)) is None or isinstance(v, str | int | float | bool)
        ]

    seen_values: set[tuple[str, Any]] = set()
    seen_pairs: set[tuple[tuple[str, Any], tuple[str, Any]]] = set()
    first: list[int] = []
    for i in order:
        values = scalars(cases[i])
        if not seen_values.issuperset(values):
            seen_values.update(values)
            seen_pairs.update(itertools.combinations(values, 2))
            first.append(i)
    taken = set(first)
    second: list[int] = []
    for i in order:
        if i in taken:
            continue
        pairs = set(itertools.combinations(scalars(cases[i]), 2))
        if not seen_pairs.issuperset(pairs):
            seen_pairs |= pairs
            second.append(i)
    taken |= set(second)
    return (
        [cases[i] for i in first],
        [cases[i] for i in second],
        [cases[i] for i in (order if spread else range(len(cases))) if i not in taken],
    )


def _chunks(sc: Scenario, cases: list[Case], chunk_size: int) -> list[Target]:
    n = max(1, -(-len(cases) // chunk_size))
    size = -(-len(cases) // n) if cases else 0
    return [Target(sc, tuple(cases[i * size : (i + 1) * size]), i, n) for i in range(n)]


def targets(
    scenarios: Iterable[Scenario],
    chunk_size: int = CHUNK_SIZE,
    *,
    corpus: bool = False,
    cover: bool = False,
    replay: Mapping[str, list[str]] | None = None,
    spread: bool = False,
) -> list[Target]:
    """The tests of the scenarios, in run order (see the module docstring). With `corpus`, a drawn
    scenario that has a committed corpus is checked on its cases like a finite one; with `cover`,
    large finite domains start with their two cover rounds, and with `spread` (a budgeted run) the
    rest is chunked in shuffled order; `replay` maps scenario ids to the literals
    (conformance.corpus.literal) of cases to check first."""
    found: list[Target] = []
    for sc in scenarios:
        committed = corpus_cases(sc.id) if corpus and not sc.finite else None
        if not sc.finite and committed is None:
            found.append(Target(sc))
            continue
        cases = list(sc.cases()) if committed is None else committed
        again = set((replay or {}).get(sc.id, ()))
        if again:
            first = [c for c in cases if literal(c) in again]
            if first:
                found.append(Target(sc, tuple(first), kind="replay"))
                cases = [c for c in cases if literal(c) not in again]
        if cover and len(cases) > SMALL:
            one, two, rest = cover_rounds(sc.id, cases, spread)
            found += [
                Target(sc, tuple(part), kind=kind)
                for kind, part in (("cover1", one), ("cover2", two))
                if part
            ]
            found += _chunks(sc, rest, chunk_size)
        else:
            found += _chunks(sc, cases, chunk_size)
    return sorted(found, key=lambda t: t.round)


def costs(path: Path = COSTS) -> dict[str, float]:
    """Seconds per case by scenario id (empty when the file is missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)}


def cost(target: Target, per_case: Mapping[str, float]) -> float:
    """A test's expected seconds: its cases at its scenario's recorded cost per case."""
    return (target.size or 400) * per_case.get(target.scenario.id, DEFAULT_COST)


def shard(tests: list[Target], index: int, count: int, per_case: Mapping[str, float]) -> list[Target]:
    """The tests of shard `index` (1-based) of `count`: longest first onto the least loaded shard."""
    loads = [0.0] * count
    mine: set[str] = set()
    for t in sorted(tests, key=lambda t: (-cost(t, per_case), t.id)):
        k = loads.index(min(loads))
        loads[k] += cost(t, per_case)
        if k == index - 1:
            mine.add(t.id)
    return [t for t in tests if t.id in mine]


def measured_costs(found: Iterable[Any]) -> dict[str, float]:
    """Seconds per case by scenario, from the case records of a run."""
    seconds: dict[str, float] = {}
    cases: dict[str, int] = {}
    for r in found:
        if isinstance(r, CaseRecord) and r.status is not Status.STALE and r.duration_s:
            seconds[r.scenario] = seconds.get(r.scenario, 0.0) + r.duration_s
            cases[r.scenario] = cases.get(r.scenario, 0) + r.count
    return {sid: seconds[sid] / cases[sid] for sid in seconds if cases[sid]}


def failed_before(
    path: Path, engine: str, oracle: str, device: str, oracle_device: str
) -> dict[str, list[str]]:
    """The cases that failed or errored in the previous run of this results file (same engine,
    oracle and devices), by scenario, as literals: they are checked first."""
    try:
        found = records(path)
    except OSError:
        return {}
    runs = [r for r in found if isinstance(r, RunRecord)]
    same = {
        r.run_id
        for r in runs
        if (r.engine, r.oracle, r.engine_device, r.oracle_device) == (engine, oracle, device, oracle_device)
    }
    replay: dict[str, list[str]] = {}
    for r in found:
        if isinstance(r, CaseRecord) and r.run_id in same and r.status in (Status.FAIL, Status.ERROR):
            replay.setdefault(r.scenario, []).extend(e.case for e in r.examples if e.case)
    return replay
