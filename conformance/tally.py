"""One test's verdicts gathered into its results records, grouped by cause.

Every case is counted. Passes are counted per manifest entry (so that stale entries can be found);
every other case is listed by its parameters in the record of its (status, cause, manifest entry,
reason), and the first EXAMPLES_PER_CAUSE cases of each cause that this process meets (over all
its tests) are kept in full (outcomes, differences, the failing expression, reproduction), so
group sizes are exact while the file stays small and the run does not rerun a case per test.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

from conformance import reproduction
from conformance.compare import render_array
from conformance.corpus import literal
from conformance.records import CaseRecord, Example, Status
from conformance.verdicts import Verdict
from spec.outcome import Outcome, message_key
from spec.scenario import Case

if TYPE_CHECKING:
    from conformance.runner import Harness, Target, TargetResult

EXAMPLES_PER_CAUSE = 3
"""Cases of each cause recorded in full (the rest by their parameters)."""
MESSAGES = 20
"""Failure messages kept per test for pytest's output (counts have them all)."""

_SKIPPED = (Status.UNSUPPORTED, Status.NOT_RUN)

GroupKey = tuple[Status, str, str | None, str]


class Tally:
    def __init__(self, harness: Harness, target: Target) -> None:
        self.harness, self.target = harness, target
        self.counts: Counter[str] = Counter()
        self.groups: dict[GroupKey, CaseRecord] = {}
        self.failures: list[str] = []

    def message(self, v: Verdict) -> str:
        return reproduction.message(self.harness, self.target.scenario, v)

    def _group(self, status: Status, cause: str, label: str | None, reason: str) -> CaseRecord:
        key = (status, cause, label, reason)
        record = self.groups.get(key)
        if record is None:
            h, sc = self.harness, self.target.scenario
            record = self.groups[key] = h.context.record(
                area=sc.area,
                scenario=sc.id,
                test=self.target.id,
                status=status,
                count=0,
                cause=cause,
                reason=reason,
                manifest_entry=label,
                seed=None if sc.finite or self.target.cases is not None else h.seed,
            )
        return record

    def add(self, v: Verdict) -> None:
        self.counts[v.status] += 1
        if v.status in (Status.FAIL, Status.ERROR) and len(self.failures) < MESSAGES:
            self.failures.append(self.message(v))
        label = v.entry.label if v.entry is not None else None
        detailed = v.status not in (Status.PASS, *_SKIPPED)
        reason = v.reason if v.status is not Status.PASS else ""
        record = self._group(v.status, v.cause if detailed else "", label, reason)
        record.count += 1
        record.duration_s += v.duration_s
        if detailed:
            record.cases.append(params(v.case))
            given = self.harness.examples_given
            key = (self.target.scenario.id, v.status.value, record.cause, label)
            if given[key] < EXAMPLES_PER_CAUSE:  # per cause in this process, not per test: a chunk
                given[key] += 1  # of a shuffled domain meets most causes, and an example costs a rerun
                record.examples.append(self.example(v))

    def example(self, v: Verdict) -> Example:
        sc = self.target.scenario
        return Example(
            case=literal(v.case),
            params=params(v.case),
            differences=[d.as_dict() for d in v.diffs],
            engine_outcome=render_outcome(v.engine),
            oracle_outcome=render_outcome(v.oracle),
            expression=self.harness.expression(sc, v),
            reproduction=reproduction.script(self.harness, sc, v.case),
            detail=v.detail[-4000:],
        )

    def bulk(self, status: Status, count: int, reason: str, detail: str = "") -> None:
        """`count` cases with one status and reason, none of them run."""
        self.counts[status] += count
        if status is Status.ERROR:
            self.failures.append(f"{self.target.id}: error: {reason} ({count} case(s) not run)\n{detail}")
        record = self._group(status, message_key(reason) if status is Status.ERROR else "", None, reason)
        record.count += count
        if detail and not record.examples:
            record.examples.append(Example(case="", detail=detail[-4000:]))

    def result(self, skip_reason: str = "") -> TargetResult:
        from conformance.runner import TargetResult

        records = list(self.groups.values())
        for r in records:
            r.duration_s = round(r.duration_s, 6)
        checked = sum(n for status, n in self.counts.items() if status not in _SKIPPED)
        if not skip_reason and not checked and self.counts:
            skip_reason = "; ".join(sorted({r.reason for r in records if r.status in _SKIPPED}))
        return TargetResult(records, self.counts, self.failures, skip_reason)


def params(case: Case) -> dict[str, Any]:
    """A case's parameters as a manifest matches them and reports group by: scalars (dtype, op,
    kind...) and lists of them (shapes, arguments, data), complex numbers written as their repr as
    the manifest compares them. Values that no TOML entry could match are left out: tensor specs
    (dicts), lists holding None, nan or infinities (TOML has no null; nan equals nothing)."""
    out: dict[str, Any] = {}
    for key, value in case.items():
        if value is None or isinstance(value, str | int | float | bool):
            out[key] = value
        elif isinstance(value, list | tuple) and (written := _matchable(value)) is not None:
            out[key] = written
    return out


def _matchable(value: Any) -> Any:
    """`value` as a results file and a manifest write it (see params), or None where neither can."""
    if isinstance(value, list | tuple):
        items = [_matchable(v) for v in value]
        return None if any(item is None for item in items) else items
    if isinstance(value, complex):
        return repr(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value if isinstance(value, str | int | bool) else None


def render_outcome(outcome: Outcome | None) -> dict[str, str] | None:
    """An Outcome as short strings, for the results records and reports."""
    if outcome is None:
        return None
    out: dict[str, str] = {}
    if outcome.error is not None:
        out["error"] = f"{outcome.error.type}: {outcome.error.message}"
    for name, t in outcome.tensors.items():
        layout = f" stride={t.strides} offset={t.storage_offset}" if t.strides is not None else ""
        out[f"tensor {name}"] = f"{t.dtype}{list(t.shape)}{layout} {render_array(t.value)}"
    for name, g in outcome.grads.items():
        out[f"grad {name}"] = "None" if g is None else f"{g.dtype}{list(g.shape)} {render_array(g.value)}"
    if outcome.aliasing is not None:
        out["aliasing"] = repr(sorted(sorted(group) for group in outcome.aliasing))
    for name, value in outcome.facts.items():
        out[f"fact {name}"] = repr(value)[:200]
    return out
