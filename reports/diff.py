"""`python -m reports diff OLD NEW`: what changed between two runs of one engine.

OLD and NEW are each one engine's results (files, folders or globs), e.g. release N and N+1 of
an engine, or one engine before and after a fix. A divergent case is identified by its scenario
and parameters (the harness lists the parameters of every non-pass case; passing cases are
counted, not listed). Matching the two sides case by case:

- new: diverges in NEW, not in OLD, and OLD compared cases of that scenario;
- fixed: diverged in OLD, not in NEW, and NEW compared cases of that scenario;
- changed cause: diverges on both sides with another cause (e.g. a wrong dtype became a crash);
- reclassified: the same cause with another status (a manifest entry added or removed);
- not comparable: divergences of a scenario the other side did not compare or compared only in
  part (a sampled or interrupted run), and cases recorded without parameters (an engine that
  could not start, a tripped breaker), counted per cause.

Counts are exact. For drawn scenarios the comparison is meaningful only where both runs drew
the same cases (the same profile and seed).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.records import (
    CHECKED,
    CaseRecord,
    EndRecord,
    Malformed,
    PlannedTest,
    PlanRecord,
    RunRecord,
    Status,
    read,
)
from reports.summary import Column, column_device, column_id, expand, params_text

DIVERGENT = frozenset({Status.FAIL, Status.EXPECTED, Status.ERROR})
KINDS: tuple[tuple[str, str, str], ...] = (
    ("new", "+", "new divergences"),
    ("fixed", "-", "fixed"),
    ("changed", "~", "changed cause"),
    ("reclassified", "~", "reclassified (same cause, another status)"),
    ("not comparable", "?", "not comparable"),
)
"""(kind, sign, heading) in the order the listing shows them."""

Verdict = tuple[str, str]
"""(status, cause) of a divergent case."""
CaseKey = tuple[str, str]
"""(scenario, parameters as text)."""


@dataclass
class Side:
    """One side's divergent cases, by scenario and parameters."""

    paths: list[str]
    columns: set[Column] = field(default_factory=set)
    runs: set[str] = field(default_factory=set)
    found: list[tuple[str, dict[str, Any], Verdict]] = field(default_factory=list)  # scenario, params, ...
    checked: set[str] = field(default_factory=set)  # scenarios with compared cases
    partial: set[str] = field(default_factory=set)  # scenarios with cases collected but not recorded
    unlisted: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (scenario, status, cause)
    malformed: int = 0

    @property
    def divergent(self) -> int:
        return len(self.found) + sum(self.unlisted.values())

    def keys(self) -> dict[str, set[str]]:
        """The parameter names recorded for every case, per scenario."""
        named: dict[str, set[str]] = {}
        for scenario, p, _ in self.found:
            named[scenario] = named[scenario] & p.keys() if scenario in named else set(p)
        return named

    def by_case(
        self, named: dict[str, set[str]]
    ) -> tuple[dict[CaseKey, Counter[Verdict]], dict[CaseKey, Any]]:
        """Verdicts and a case's parameters per case key, the parameters cut to `named` per scenario."""
        cases: dict[CaseKey, Counter[Verdict]] = defaultdict(Counter)
        example: dict[CaseKey, Any] = {}
        for scenario, p, verdict in self.found:
            kept = {k: v for k, v in p.items() if k in named.get(scenario, p)}
            key = (scenario, params_text(kept))
            cases[key][verdict] += 1
            example.setdefault(key, p)
        return cases, example

    def describe(self) -> str:
        cols = ", ".join(sorted(column_id(c) for c in self.columns)) or "no engine"
        bad = f", {self.malformed} malformed lines skipped" if self.malformed else ""
        runs = f"{len(self.runs)} run{'s' if len(self.runs) != 1 else ''}"
        return f"{' '.join(self.paths)} ({cols}; {runs}): {self.divergent} divergent cases{bad}"


def load(paths: Iterable[str | Path]) -> Side:
    """Read one side's results (FileNotFoundError when a path matches nothing)."""
    names = [str(p) for p in paths]
    side = Side(names)
    planned: dict[tuple[str, str], PlannedTest] = {}  # (run, test) ->
    recorded: Counter[tuple[str, str]] = Counter()
    ended: set[str] = set()
    for path in expand(names):
        for r in read(path):
            if isinstance(r, Malformed):
                side.malformed += 1
            elif isinstance(r, RunRecord):
                side.columns.add((r.engine, column_device(r.engine_device, r.oracle_device)))
                side.runs.add(r.run_id)
            elif isinstance(r, PlanRecord):
                planned.update(((r.run_id, p.test), p) for p in r.tests)
            elif isinstance(r, EndRecord):
                ended.add(r.run_id)
                side.partial.update(a.scenario for a in r.tests if a.missing)
            elif isinstance(r, CaseRecord):
                _add(side, r)
                if r.status is not Status.STALE:
                    recorded[(r.run_id, r.test)] += r.count
    for (run_id, test), p in planned.items():  # runs cut off before their end record
        if run_id not in ended and recorded[(run_id, test)] < (p.cases or 1):
            side.partial.add(p.scenario)
    return side


def _add(side: Side, r: CaseRecord) -> None:
    side.columns.add((r.engine, column_device(r.device, r.oracle_device)))
    side.runs.add(r.run_id)
    if r.status in CHECKED:
        side.checked.add(r.scenario)
    if r.status not in DIVERGENT:
        return
    side.found += [(r.scenario, p, (r.status.value, r.cause)) for p in r.cases]
    if r.count > len(r.cases):
        side.unlisted[(r.scenario, r.status.value, r.cause)] += r.count - len(r.cases)


@dataclass
class Change:
    """Cases of one scenario that changed the same way."""

    kind: str
    scenario: str
    old: Verdict | None
    new: Verdict | None
    count: int = 0
    example: dict[str, Any] | None = None  # one case's parameters
    note: str = ""


def _pairs(
    old: Counter[Verdict], new: Counter[Verdict]
) -> Iterable[tuple[str, Verdict | None, Verdict | None, int]]:
    """How one case key's divergences changed: (kind, old, new, count); unchanged ones left out."""
    common = old & new
    old, new = old - common, new - common
    for before in sorted(old):  # the same cause with another status
        for after in sorted(new):
            k = min(old[before], new[after]) if after[1] == before[1] else 0
            if k:
                yield "reclassified", before, after, k
                old[before] -= k
                new[after] -= k
    old_left = sorted((+old).elements())
    new_left = sorted((+new).elements())
    for a, b in zip(old_left, new_left, strict=False):
        yield "changed", a, b, 1
    for a in old_left[len(new_left) :]:
        yield "fixed", a, None, 1
    for b in new_left[len(old_left) :]:
        yield "new", None, b, 1


def compare(old: Side, new: Side) -> tuple[list[Change], int]:
    """The changes from OLD to NEW (aggregated, biggest first) and the number of unchanged cases."""
    changes: dict[tuple[Any, ...], Change] = {}
    unchanged = 0

    def note(
        kind: str, scenario: str, a: Verdict | None, b: Verdict | None, n: int, example: Any, why: str
    ) -> None:
        change = changes.setdefault((kind, scenario, a, b, why), Change(kind, scenario, a, b, note=why))
        change.count += n
        change.example = change.example or example

    # cases are matched on the parameters both sides record for every case of the scenario (an older
    # suite's results lack some: list-valued ones)
    old_named, new_named = old.keys(), new.keys()
    named = {sid: old_named.get(sid, keys) & keys for sid, keys in new_named.items()}
    named.update({sid: keys for sid, keys in old_named.items() if sid not in named})
    old_cases, old_params = old.by_case(named)
    new_cases, new_params = new.by_case(named)
    for key in sorted(set(old_cases) | set(new_cases)):
        scenario = key[0]
        o, n = old_cases.get(key, Counter()), new_cases.get(key, Counter())
        unchanged += sum((o & n).values())
        example = old_params.get(key) or new_params.get(key)
        for kind, a, b, count in _pairs(o, n):
            why = ""
            if kind == "fixed" and scenario not in new.checked:
                kind, why = "not comparable", "NEW compared no case of this scenario"
            elif kind == "fixed" and scenario in new.partial:
                kind, why = "not comparable", "NEW left cases of this scenario unrecorded"
            elif kind == "new" and scenario not in old.checked:
                kind, why = "not comparable", "OLD compared no case of this scenario"
            elif kind == "new" and scenario in old.partial:
                kind, why = "not comparable", "OLD left cases of this scenario unrecorded"
            note(kind, scenario, a, b, count, example, why)
    for side, which in ((old, "OLD"), (new, "NEW")):
        for (scenario, status, cause), unlisted in side.unlisted.items():
            verdict = (status, cause)
            a, b = (verdict, None) if which == "OLD" else (None, verdict)
            why = f"recorded in {which} without case parameters"
            note("not comparable", scenario, a, b, unlisted, None, why)
    order = {kind: i for i, (kind, _, _) in enumerate(KINDS)}
    listed = sorted(
        changes.values(), key=lambda c: (order[c.kind], -c.count, c.scenario, str(c.old), str(c.new))
    )
    return listed, unchanged


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _verdict(v: Verdict | None) -> str:
    return "—" if v is None else f"{v[0]}: {v[1] or '(no cause)'}"


def render(old: Side, new: Side, changes: list[Change], unchanged: int) -> str:
    """The listing printed by `python -m reports diff`."""
    lines = [f"OLD {old.describe()}", f"NEW {new.describe()}"]
    for kind, sign, heading in KINDS:
        found = [c for c in changes if c.kind == kind]
        if not found:
            lines.append(f"{heading}: none")
            continue
        total = sum(c.count for c in found)
        lines.append(f"{heading}: {_plural(total, 'case')} in {_plural(len(found), 'group')}")
        for c in found:
            if c.kind == "new":
                what = _verdict(c.new)
            elif c.kind == "fixed":
                what = _verdict(c.old)
            elif c.old is not None and c.new is not None:
                what = f"{_verdict(c.old)}  ->  {_verdict(c.new)}"
            else:
                what = f"{'OLD' if c.old else 'NEW'} {_verdict(c.old or c.new)}"
            eg = f"  e.g. {params_text(c.example)}" if c.example else ""
            why = f"  ({c.note})" if c.note else ""
            lines.append(f"  {sign} {c.count:>7}  {c.scenario}  {what}{why}{eg}")
    lines.append(f"unchanged: {_plural(unchanged, 'divergent case')}")
    return "\n".join(lines)


def to_json(old: Side, new: Side, changes: list[Change], unchanged: int) -> dict[str, Any]:
    def side(s: Side) -> dict[str, Any]:
        return {
            "paths": s.paths,
            "columns": sorted(column_id(c) for c in s.columns),
            "runs": sorted(s.runs),
            "divergent": s.divergent,
            "malformed_lines": s.malformed,
        }

    def verdict(v: Verdict | None) -> dict[str, str] | None:
        return None if v is None else {"status": v[0], "cause": v[1]}

    return {
        "old": side(old),
        "new": side(new),
        "changes": [
            {
                "kind": c.kind,
                "scenario": c.scenario,
                "old": verdict(c.old),
                "new": verdict(c.new),
                "count": c.count,
                "example": c.example,
                "note": c.note,
            }
            for c in changes
        ],
        "totals": {kind: sum(c.count for c in changes if c.kind == kind) for kind, _, _ in KINDS},
        "unchanged": unchanged,
    }


class DiffError(Exception):
    """The inputs cannot be compared (one line for the user)."""


def diff(old_paths: list[str], new_paths: list[str], *, as_json: bool = False) -> str:
    """The listing (or JSON) of what changed from OLD to NEW."""
    old, new = load(old_paths), load(new_paths)
    for s, which in ((old, "OLD"), (new, "NEW")):
        if len(s.columns) > 1:
            cols = ", ".join(sorted(column_id(c) for c in s.columns))
            raise DiffError(
                f"{which} holds results of {len(s.columns)} engine columns ({cols}): name one engine's"
            )
    changes, unchanged = compare(old, new)
    if as_json:
        return json.dumps(to_json(old, new, changes, unchanged), indent=1, ensure_ascii=False, default=str)
    return render(old, new, changes, unchanged)
