"""Verdicts: one case's two results (engine, oracle) classified against the manifest.

The order of the rules, first match wins:
1. the engine gave no Outcome (crash, hang, an exception out of the adapter): `error`;
2. the engine lacks what this case needs (a per-case capability): `unsupported`;
3. the oracle gave no Outcome, or lacks what the case needs: `error` / `unsupported`;
4. the outcomes agree: `pass`;
5. a manifest entry matches the case and explains every difference: `expected` (unless its reason
   is still a drafted placeholder); else `fail`.
An `error` or `pass` still carries the manifest entry matching its case, so that an entry whose
cases errored is never called stale, and one whose cases all pass is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.compare import Comparator, Difference
from conformance.execution import Failure, Result
from conformance.manifest import Entry, lookup
from conformance.records import Status
from spec.engine import DTYPES
from spec.outcome import Outcome, message_key
from spec.scenario import Case

_DTYPE_NAMES = frozenset(DTYPES)
_CONTAINERS = (str, dict, list, tuple)


@dataclass
class Verdict:
    """The classification of one case."""

    status: Status
    case: Case
    diffs: list[Difference] = field(default_factory=list)
    engine: Outcome | None = None
    oracle: Outcome | None = None
    entry: Entry | None = None
    reason: str = ""
    detail: str = ""  # for errors: the child's stderr tail or a traceback
    duration_s: float = 0.0

    @property
    def cause(self) -> str:
        """The stable key of why this case is not a pass: its differences, or its reason."""
        if self.diffs:
            return "; ".join(sorted({d.key for d in self.diffs}))
        return message_key(self.reason) if self.status is not Status.PASS else ""


def classify(
    case: Case,
    mine: Result,
    theirs: Result,
    comparator: Comparator,
    entries: list[Entry],
    oracle: str = "oracle",
) -> Verdict:
    """The verdict of one case from the engine's and the oracle's results."""
    if isinstance(mine, Failure):
        return Verdict(
            Status.ERROR, case, entry=lookup(entries, case), reason=mine.reason, detail=mine.detail
        )
    if mine.unsupported:
        return Verdict(Status.UNSUPPORTED, case, engine=mine, reason=f"engine lacks {mine.unsupported}")
    if isinstance(theirs, Failure):
        reason = f"oracle {oracle}: {theirs.reason}"
        return Verdict(Status.ERROR, case, engine=mine, reason=reason, detail=theirs.detail)
    if theirs.unsupported:
        reason = f"oracle {oracle} lacks {theirs.unsupported}"
        return Verdict(Status.UNSUPPORTED, case, oracle=theirs, reason=reason)
    diffs = comparator(mine, theirs)
    entry = lookup(entries, case, diffs) if entries else None
    if not diffs:
        return Verdict(Status.PASS, case, entry=entry)
    if entry is not None and entry.explains(diffs) and not entry.placeholder:
        return Verdict(Status.EXPECTED, case, diffs, mine, theirs, entry, entry.reason)
    reason = (
        f"manifest entry {entry.label} has no reason yet: write it" if entry and entry.placeholder else ""
    )
    return Verdict(Status.FAIL, case, diffs, mine, theirs, entry, reason)


def dtypes_used(value: Any) -> set[str]:
    """The torch dtype names appearing as values in a case (not inside numeric data lists)."""
    if isinstance(value, str):
        return {value} if value in _DTYPE_NAMES else set()
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list | tuple) or not value or not isinstance(value[0], _CONTAINERS):
        return set()
    found: set[str] = set()
    for item in value:
        found |= dtypes_used(item)
    return found
