"""Read JSON-lines results (conformance/results.py) into one Summary: counts, grouped divergences, gaps.

Everything the HTML report and summary.json show is computed here, in one pass over the records:

- counts[area][(engine, device)][status], summed over each record's `count`;
- divergences (fail, error, expected, stale) grouped by cause: same status, engine, device,
  scenario, set of differing (field, name) pairs and manifest/crash reason -- one broken rule
  seen in 300 cases is one group of 300, shown by its smallest case (shortest repr);
- cases not checked (unsupported, not_run) grouped by column, area and reason;
- what is missing: runs without an "end" record (partial), torn or corrupt lines, records
  whose run has no "run" record, runs that stopped abnormally.
"""

from __future__ import annotations

import glob
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.results import STATUSES
from spec.engine import AREAS
from spec.outcome import message_key

DIVERGENT: tuple[str, ...] = ("error", "fail", "stale", "expected")
"""Statuses shown case by case, most urgent first."""
MANIFEST: tuple[str, ...] = ("stale", "expected")
"""Divergent statuses explained (or once explained) by the engine's manifest."""
NOT_CHECKED: tuple[str, ...] = ("unsupported", "not_run")
RAN: tuple[str, ...] = ("pass", "fail", "expected", "stale", "error")
"""Statuses of cases that were actually checked; the pass rate is pass / ran."""

PYTEST_EXIT: dict[int, str] = {
    0: "all tests passed",
    1: "some tests failed",
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}
ABNORMAL_EXIT = frozenset({2, 3, 4, 5})

Column = tuple[str, str]
"""(engine, device): one column of the matrix."""


def column_device(record: dict[str, Any]) -> str:
    """The device part of a record's column: the engine's device, plus the oracle's when that is
    neither the CPU nor the engine's own, so that impl against torch@cpu and impl against
    torch@cuda stay separate columns."""
    device, oracle_device = str(record.get("device", "?")), str(record.get("oracle_device", "cpu"))
    return device if oracle_device in ("cpu", device) else f"{device} (oracle {oracle_device})"


def column_id(col: Column) -> str:
    """Stable text id of a column, used in filters and summary.json ('impl@cpu')."""
    return f"{col[0]}@{col[1]}"


@dataclass
class Source:
    """One results file as read."""

    path: str
    records: int = 0
    torn_last_line: bool = False
    bad_lines: list[int] = field(default_factory=list)  # corrupt lines before the last one


@dataclass
class Run:
    """One pytest session: its "run" facts, its "end" record and what its case records add up to."""

    run_id: str
    facts: dict[str, Any] = field(default_factory=dict)
    end: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)
    run_records: int = 0
    case_records: int = 0
    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def partial(self) -> bool:
        return self.end is None

    @property
    def duration_s(self) -> float | None:
        return None if self.end is None else self.end.get("duration_s")

    @property
    def exit_text(self) -> str:
        if self.end is None:
            return "no end record"
        code = self.end.get("exitstatus")
        return f"{code} ({PYTEST_EXIT.get(code, 'unknown')})" if isinstance(code, int) else str(code)


@dataclass
class Group:
    """Divergent cases with one cause; `record` is the one with the smallest case repr."""

    status: str
    engine: str
    device: str
    area: str
    scenario: str
    fields: tuple[tuple[str, str], ...]
    reason: str
    count: int = 0
    records: int = 0
    record: dict[str, Any] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)  # the smallest distinct case reprs, sorted
    seeds: set[Any] = field(default_factory=set)
    runs: set[str] = field(default_factory=set)

    @property
    def column(self) -> Column:
        return (self.engine, self.device)

    @property
    def case(self) -> str:
        return self.record.get("case", "")


@dataclass
class Gap:
    """Cases not checked (unsupported / not_run) in one column and area, for one reason."""

    status: str
    engine: str
    device: str
    area: str
    reason: str
    count: int = 0
    scenarios: Counter[str] = field(default_factory=Counter)

    @property
    def column(self) -> Column:
        return (self.engine, self.device)


@dataclass
class Summary:
    sources: list[Source] = field(default_factory=list)
    runs: dict[str, Run] = field(default_factory=dict)
    counts: dict[str, dict[Column, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )
    scenario_counts: dict[tuple[str, str], dict[Column, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )
    groups: list[Group] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    undetailed: Counter[tuple[str, str, str, str, str]] = field(default_factory=Counter)
    """(status, engine, device, area, scenario) -> divergent cases recorded as a bare count."""
    columns: list[Column] = field(default_factory=list)
    oracles: dict[Column, set[str]] = field(default_factory=lambda: defaultdict(set))
    areas: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def totals(self, col: Column | None = None, area: str | None = None) -> Counter[str]:
        """Status counts summed over areas and/or columns."""
        total: Counter[str] = Counter()
        for a, by_col in self.counts.items():
            if area is None or a == area:
                for c, counts in by_col.items():
                    if col is None or c == col:
                        total.update(counts)
        return total


def expand(paths: Iterable[str]) -> list[Path]:
    """Results files named by files, directories (their *.jsonl) or glob patterns, deduplicated."""
    found: list[Path] = []
    for spec in paths:
        p = Path(spec)
        if p.is_dir():
            matches = sorted(p.glob("*.jsonl"))
        elif p.exists():
            matches = [p]
        else:
            matches = [Path(m) for m in sorted(glob.glob(spec, recursive=True))]
        if not matches:
            raise FileNotFoundError(f"no results file matches {spec!r}")
        found.extend(m for m in matches if m.is_file())
    unique: dict[Path, Path] = {}
    for p in found:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


def read_source(path: Path) -> tuple[Source, list[dict[str, Any]]]:
    """Parse one file; a line that is not a JSON object is noted, never fatal."""
    source = Source(str(path))
    records: list[dict[str, Any]] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().split("\n")
    numbered = [(i, line) for i, line in enumerate(lines, 1) if line.strip()]
    for pos, (lineno, line) in enumerate(numbered):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            record = None
        if isinstance(record, dict):
            records.append(record)
        elif pos == len(numbered) - 1:
            source.torn_last_line = True
        else:
            source.bad_lines.append(lineno)
    source.records = len(records)
    return source, records


class _Builder:
    """Accumulates records into a Summary."""

    def __init__(self, samples: int) -> None:
        self.summary = Summary()
        self.samples = samples
        self.groups: dict[tuple[Any, ...], Group] = {}
        self.gaps: dict[tuple[str, ...], Gap] = {}
        self.orphans: Counter[str] = Counter()
        self.unknown: Counter[str] = Counter()
        self.columns: set[Column] = set()

    def run_of(self, run_id: str, path: str) -> Run:
        run = self.summary.runs.get(run_id)
        if run is None:
            run = self.summary.runs[run_id] = Run(run_id)
        if path not in run.files:
            run.files.append(path)
        return run

    def add(self, record: dict[str, Any], path: str) -> None:
        kind = record.get("kind")
        run = self.run_of(str(record.get("run_id", "?")), path)
        if kind == "run":
            run.facts = record
            run.run_records += 1
            self.columns.add((str(record.get("engine", "?")), str(record.get("engine_device", "?"))))
        elif kind == "end":
            run.end = record
        elif kind == "case":
            self.add_case(record, run)

    def add_case(self, r: dict[str, Any], run: Run) -> None:
        count = r.get("count", 1)
        count = count if isinstance(count, int) and count >= 0 else 1
        status = str(r.get("status", "?"))
        if status not in STATUSES:
            self.unknown[status] += count
        engine, device = str(r.get("engine", "?")), column_device(r)
        col = (engine, device)
        area, scenario = str(r.get("area", "?")), str(r.get("scenario", "?"))
        self.columns.add(col)
        self.summary.oracles[col].add(f"{r.get('oracle', '?')}@{r.get('oracle_device', '?')}")
        self.summary.counts[area][col][status] += count
        self.summary.scenario_counts[(area, scenario)][col][status] += count
        run.case_records += 1
        run.cases += count
        run.statuses[status] += count
        if status in NOT_CHECKED:
            reason = str(r.get("reason") or "no reason given")
            gap = self.gaps.setdefault(
                (status, engine, device, area, reason), Gap(status, engine, device, area, reason)
            )
            gap.count += count
            gap.scenarios[scenario] += count
        elif status in DIVERGENT or status not in STATUSES:
            self.add_divergence(r, status, col, area, scenario, count, run.run_id)

    def add_divergence(
        self, r: dict[str, Any], status: str, col: Column, area: str, scenario: str, count: int, run_id: str
    ) -> None:
        diffs = differences(r)
        case, reason = str(r.get("case", "")), str(r.get("reason") or "")
        if not (case or diffs or reason):  # counted past the harness' detail cap: no cause to group by
            self.summary.undetailed[(status, *col, area, scenario)] += count
            return
        fields = tuple(sorted({(str(d.get("field", "")), str(d.get("name", ""))) for d in diffs}))
        # a manifest entry is its own cause; crash and timeout texts are compared without their numbers
        cause = (str(r.get("manifest_entry") or ""), reason) if status in MANIFEST else message_key(reason)
        key = (status, *col, area, scenario, fields, cause)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(status, *col, area, scenario, fields, reason)
        if not group.record or _size(case) < _size(group.case):
            group.record = r
        group.count += count
        group.records += 1
        group.runs.add(run_id)
        if r.get("seed") is not None:
            group.seeds.add(r["seed"])
        group.samples.append(case)
        if len(group.samples) > 8 * self.samples:
            self.trim(group)

    def trim(self, group: Group) -> None:
        group.samples = sorted(set(group.samples), key=_size)[: self.samples + 1]

    def finish(self) -> Summary:
        s = self.summary
        for group in self.groups.values():
            self.trim(group)
        s.groups = sorted(
            self.groups.values(),
            key=lambda g: (_rank(g.status, DIVERGENT), -g.count, g.area, g.scenario, column_id(g.column)),
        )
        s.gaps = sorted(self.gaps.values(), key=lambda g: (g.area, column_id(g.column), g.status, -g.count))
        s.columns = sorted(self.columns, key=lambda c: (c[0], c[1] != "cpu", c[1]))
        s.areas = sorted(s.counts, key=lambda a: (_rank(a, AREAS), a))
        s.notices = self.notices()
        return s

    def notices(self) -> list[str]:
        """Plain sentences about everything missing or suspicious, most serious first."""
        s = self.summary
        out: list[str] = []
        for run in s.runs.values():
            if not run.facts:
                out.append(
                    f"run {run.run_id} has no run record: its facts (versions, seed) are unknown "
                    f"({run.case_records} case records in {', '.join(run.files)})"
                )
            if run.partial:
                out.append(
                    f"run {run.run_id} has no end record: partial results "
                    f"(interrupted, or a worker crashed); {run.cases} cases recorded"
                )
            elif run.end and run.end.get("exitstatus") in ABNORMAL_EXIT:
                out.append(f"run {run.run_id} ended abnormally: exit status {run.exit_text}")
            if run.run_records > 1:
                out.append(
                    f"run {run.run_id} appears {run.run_records} times "
                    f"({', '.join(run.files)}): its counts include every copy"
                )
            if run.facts and run.case_records == 0:
                out.append(f"run {run.run_id} recorded no cases")
        for src in s.sources:
            if src.torn_last_line:
                out.append(f"{src.path}: torn last line skipped (the writer was cut off)")
            if src.bad_lines:
                lines = ", ".join(map(str, src.bad_lines[:10])) + (" ..." if len(src.bad_lines) > 10 else "")
                out.append(f"{src.path}: {len(src.bad_lines)} corrupt line(s) skipped: {lines}")
            if src.records == 0:
                out.append(f"{src.path}: no records")
        for status, n in sorted(self.unknown.items()):
            out.append(f"{n} cases have an unknown status {status!r} (shown as divergences)")
        if not s.runs:
            out.append("no results: the inputs hold no records")
        return out


def differences(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's well-formed differences (dicts); anything else in the list is ignored."""
    diffs = record.get("differences")
    return [d for d in diffs if isinstance(d, dict)] if isinstance(diffs, list) else []


def _size(case: str) -> tuple[int, str]:
    return (len(case), case)


def _rank(item: str, order: tuple[str, ...]) -> int:
    return order.index(item) if item in order else len(order)


def summarise(paths: Iterable[str | Path], samples: int = 5) -> Summary:
    """Read every results file named by `paths` (files, directories, globs) into one Summary."""
    builder = _Builder(samples)
    for path in expand(str(p) for p in paths):
        source, records = read_source(path)
        builder.summary.sources.append(source)
        for record in records:
            builder.add(record, source.path)
    return builder.finish()


def pass_rate(counts: Counter[str]) -> float | None:
    """pass / cases that ran (None when nothing ran: all unsupported or not run)."""
    ran = sum(counts[s] for s in RAN) + sum(n for s, n in counts.items() if s not in STATUSES)
    return counts["pass"] / ran if ran else None


def to_json(s: Summary, *, max_samples: int = 5) -> dict[str, Any]:
    """The machine-readable summary: every count and group, nothing capped but sample lists."""
    return {
        "format": 1,
        "statuses": list(STATUSES),
        "sources": [vars(src) for src in s.sources],
        "runs": [
            {
                "run_id": r.run_id,
                "partial": r.partial,
                "files": r.files,
                "cases": r.cases,
                "case_records": r.case_records,
                "statuses": dict(r.statuses),
                "facts": r.facts,
                "end": r.end,
            }
            for r in s.runs.values()
        ],
        "columns": [
            {"id": column_id(c), "engine": c[0], "device": c[1], "oracles": sorted(s.oracles.get(c, ()))}
            for c in s.columns
        ],
        "areas": s.areas,
        "counts": {
            area: _nest({col: dict(counts) for col, counts in by_col.items()})
            for area, by_col in s.counts.items()
        },
        "scenario_counts": {
            f"{area}/{scn}": _nest({col: dict(counts) for col, counts in by_col.items()})
            for (area, scn), by_col in s.scenario_counts.items()
        },
        "totals": dict(s.totals()),
        "divergences": [
            {
                "status": g.status,
                "engine": g.engine,
                "device": g.device,
                "area": g.area,
                "scenario": g.scenario,
                "fields": [list(f) for f in g.fields],
                "reason": g.reason,
                "count": g.count,
                "records": g.records,
                "smallest_case": g.case,
                "sample_cases": g.samples[:max_samples],
                "seeds": sorted(g.seeds, key=str),
                "runs": sorted(g.runs),
                "reproduction": g.record.get("reproduction", ""),
                "differences": differences(g.record),
            }
            for g in s.groups
        ],
        "undetailed": [
            {"status": st, "engine": e, "device": d, "area": a, "scenario": scn, "count": n}
            for (st, e, d, a, scn), n in sorted(s.undetailed.items())
        ],
        "not_checked": [
            {
                "status": g.status,
                "engine": g.engine,
                "device": g.device,
                "area": g.area,
                "reason": g.reason,
                "count": g.count,
                "scenarios": dict(g.scenarios),
            }
            for g in s.gaps
        ],
        "missing": s.notices,
    }


def _nest(by_col: dict[Column, dict[str, int]]) -> dict[str, dict[str, dict[str, int]]]:
    """{(engine, device): counts} -> {engine: {device: counts}}."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for (engine, device), counts in by_col.items():
        out[engine][device] = counts
    return dict(out)
