"""Read results (conformance.records) into one Summary: counts, exact causes, every case accounted for.

Everything the HTML report and summary.json show is computed here, in one pass over the records
that `conformance.records.read` yields:

- counts[area][column][status], summed over each record's exact `count`;
- divergences (error, fail, stale, expected) grouped by cause: same status, column, scenario,
  cause key and manifest entry, summed over tests (chunks) and runs. A group's size is the sum of
  its records' counts; it is shown by the smallest of the examples the harness kept in full, and
  lists a few other cases by their parameters;
- cases not checked (unsupported, not_run) grouped by column, area and reason;
- the account of every collected test (collected = checked + unsupported + not run + error): the
  run's end record, or for a run cut off before writing one, its plan against the records it left;
- across columns: for each (scenario, cause), the columns that diverge, agree or did not check it;
- what is missing: malformed lines, runs without run/end records, tests with cases not recorded.
"""

from __future__ import annotations

import glob
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from conformance.records import (
    CHECKED,
    STATUSES,
    CaseRecord,
    EndRecord,
    Example,
    Malformed,
    PlanRecord,
    RunRecord,
    Status,
    TestAccount,
    read,
)
from spec.engine import AREAS

DIVERGENT: tuple[str, ...] = ("error", "fail", "stale", "expected")
"""Statuses shown by cause, most urgent first."""
MANIFEST: tuple[str, ...] = ("stale", "expected")
"""Divergent statuses explained (or once explained) by the engine's manifest."""
NOT_CHECKED: tuple[str, ...] = ("unsupported", "not_run")
RAN: tuple[str, ...] = ("pass", "fail", "expected", "stale", "error")
"""Statuses of cases that ran; the pass rate is pass / ran."""
ACROSS: frozenset[str] = frozenset({"error", "fail", "expected"})
"""Statuses compared across columns (stale entries are about a manifest, not a case)."""
SHOWN = 3
"""Examples shown in full per group (the smallest of those the harness recorded)."""
ACCOUNT_FIELDS: tuple[str, ...] = ("checked", "unsupported", "not_run", "error")
TEST_FIELDS = ("test", "run_id", "collected", "checked", "unsupported", "not_run", "error", "missing")
"""The columns of each row of summary.json's per-test accounts (collected None: a drawn test)."""
DETAIL_CHARS = 2000
"""The tail of an error's detail kept in summary.json (the results hold it whole)."""
NAMED = 12
"""Tests named in one notice; the report's accounts and summary.json name every one."""

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


def column_device(device: str, oracle_device: str) -> str:
    """The device part of a column: the engine's device, plus the oracle's when that is neither
    the CPU nor the engine's own, so that impl against torch@cpu and against torch@cuda stay apart."""
    return device if oracle_device in ("cpu", device) else f"{device} (oracle {oracle_device})"


def column_id(col: Column) -> str:
    """Stable text id of a column, used in filters and summary.json ('impl@cpu')."""
    return f"{col[0]}@{col[1]}"


def params_text(params: dict[str, Any]) -> str:
    """A case's parameters as one short, stable line (also the key that identifies them)."""
    return json.dumps(params, sort_keys=True, default=str, ensure_ascii=False)


@dataclass
class Source:
    """One results file as read."""

    path: str
    records: int = 0
    malformed: list[Malformed] = field(default_factory=list)
    error: str = ""  # why the file could not be read


@dataclass
class Account:
    """Cases of one or more tests by what happened to them: checked + unsupported + not run + error
    + missing = collected. A drawn test collects as many cases as it recorded (the profile decides),
    and one that never finished counts as incomplete without a number of missing cases."""

    tests: int = 0
    drawn: int = 0  # tests whose cases are drawn
    collected: int = 0
    checked: int = 0
    unsupported: int = 0
    not_run: int = 0
    error: int = 0
    missing: int = 0  # cases collected but not recorded
    incomplete: int = 0  # tests with cases not recorded (or, drawn, never finished)

    def add(self, a: TestAccount) -> None:
        accounted = a.checked + a.unsupported + a.not_run + a.error
        self.tests += 1
        self.checked += a.checked
        self.unsupported += a.unsupported
        self.not_run += a.not_run
        self.error += a.error
        if a.collected is None:
            self.drawn += 1
            self.collected += accounted
            self.incomplete += not a.finished
        else:
            self.collected += max(a.collected, accounted)
            self.missing += max(a.collected - accounted, 0)
            self.incomplete += a.collected > accounted

    @property
    def checked_fraction(self) -> float | None:
        """checked / collected (None when nothing was collected)."""
        return self.checked / self.collected if self.collected else None


def checked_fraction(a: TestAccount) -> float | None:
    """One test's checked / collected (a drawn test: of the cases it recorded)."""
    collected = a.accounted if a.collected is None else a.collected
    return min(a.checked, collected) / collected if collected else None


@dataclass
class Run:
    """One pytest session: its run facts, plan, end record and what its case records add up to."""

    run_id: str
    facts: RunRecord | None = None
    plan: PlanRecord | None = None
    end: EndRecord | None = None
    files: list[str] = field(default_factory=list)
    run_records: int = 0
    case_records: int = 0
    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    recorded: dict[str, TestAccount] = field(default_factory=dict)  # from its case records
    column: Column | None = None
    accounts: list[TestAccount] = field(default_factory=list)
    """Every test's account: the end record's, else (a run cut off) the plan against the records."""
    unrecorded: list[str] = field(default_factory=list)
    """Planned tests without a single record (what an interrupted run lost)."""

    @property
    def partial(self) -> bool:
        return self.end is None

    @property
    def duration_s(self) -> float | None:
        return None if self.end is None else self.end.duration_s

    @property
    def exit_text(self) -> str:
        if self.end is None:
            return "no end record"
        code = self.end.exitstatus
        return f"{code} ({PYTEST_EXIT.get(code, 'unknown')})"

    def fact(self, name: str) -> Any:
        return getattr(self.facts, name, None) if self.facts is not None else None

    def close(self) -> None:
        """Settle the accounts once every record is read."""
        self.unrecorded = (
            [p.test for p in self.plan.tests if p.test not in self.recorded] if self.plan else []
        )
        if self.end is not None and self.end.tests:
            self.accounts = list(self.end.tests)
            return
        accounts: dict[str, TestAccount] = {}
        for p in self.plan.tests if self.plan else ():
            accounts[p.test] = TestAccount(test=p.test, scenario=p.scenario, area=p.area, collected=p.cases)
        for test, seen in self.recorded.items():
            a = accounts.setdefault(
                test, TestAccount(test=test, scenario=seen.scenario, area=seen.area, collected=None)
            )
            a.finished = True
            for name in ACCOUNT_FIELDS:
                setattr(a, name, getattr(seen, name))
        self.accounts = list(accounts.values())


@dataclass
class Group:
    """The divergent cases of one cause in one column; `examples` are the smallest kept in full."""

    status: str
    engine: str
    device: str
    area: str
    scenario: str
    cause: str
    manifest_entry: str | None
    reason: str
    count: int = 0
    records: int = 0
    listed: int = 0  # cases whose parameters the records list
    examples: list[Example] = field(default_factory=list)
    others: list[dict[str, Any]] = field(default_factory=list)  # parameters of a few other cases
    tests: set[str] = field(default_factory=set)
    seeds: set[Any] = field(default_factory=set)
    runs: set[str] = field(default_factory=set)
    oracles: set[str] = field(default_factory=set)
    flaky: bool = False
    known: set[str] = field(default_factory=set, repr=False)  # keys of `others`

    @property
    def column(self) -> Column:
        return (self.engine, self.device)

    @property
    def example(self) -> Example | None:
        return self.examples[0] if self.examples else None

    @property
    def case(self) -> str:
        return self.examples[0].case if self.examples else ""


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
class Across:
    """One cause (scenario + cause key) across columns: which diverge, with what and how often."""

    area: str
    scenario: str
    cause: str
    diverging: dict[Column, Counter[str]] = field(default_factory=dict)  # column -> status counts

    @property
    def count(self) -> int:
        return sum(sum(c.values()) for c in self.diverging.values())


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
    across: list[Across] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    oracles: dict[Column, set[str]] = field(default_factory=lambda: defaultdict(set))
    areas: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    checked: dict[str, set[Column]] = field(default_factory=lambda: defaultdict(set))
    """scenario -> the columns that compared at least one of its cases."""
    _columns: dict[Column, Any] = field(default_factory=dict, repr=False)

    def totals(self, col: Column | None = None, area: str | None = None) -> Counter[str]:
        """Status counts summed over areas and/or columns."""
        total: Counter[str] = Counter()
        for a, by_col in self.counts.items():
            if area is None or a == area:
                for c, counts in by_col.items():
                    if col is None or c == col:
                        total.update(counts)
        return total

    @property
    def malformed(self) -> list[Malformed]:
        return [m for src in self.sources for m in src.malformed]

    def runs_of(self, col: Column) -> list[Run]:
        return [r for r in self.runs.values() if r.column == col]

    def _column(self, col: Column) -> tuple[list[tuple[Run, TestAccount]], dict[str | None, Account]]:
        """The column's tests and their sums per area (None: all), computed once."""
        found = self._columns.get(col)
        if found is None:
            tests = [(run, a) for run in self.runs_of(col) for a in run.accounts]
            sums: dict[str | None, Account] = defaultdict(Account)
            for _, a in tests:
                sums[None].add(a)
                sums[a.area].add(a)
            found = self._columns[col] = (tests, dict(sums))
        return found

    def accounts(self, col: Column) -> list[tuple[Run, TestAccount]]:
        """Every test of every run in the column, with its run."""
        return self._column(col)[0]

    def account(self, col: Column, area: str | None = None) -> Account:
        """The column's cases summed over its tests (of one area, or all)."""
        return self._column(col)[1].get(area) or Account()

    def complete(self, col: Column) -> bool:
        """Every run of the column ended, and recorded every collected case."""
        runs = self.runs_of(col)
        return bool(runs) and all(not r.partial for r in runs) and not self.account(col).missing

    def checked_columns(self, scenario: str) -> set[Column]:
        """Columns that compared at least one case of the scenario."""
        return self.checked.get(scenario, set())


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


def _params_key(params: dict[str, Any]) -> str:
    """What identifies a case's parameters, cheaply (their keys are distinct, so sorting never
    compares values)."""
    return repr(sorted(params.items()))


def _size(case: str) -> tuple[int, str]:
    return (len(case), case)


def _rank(item: str, order: tuple[str, ...]) -> int:
    return order.index(item) if item in order else len(order)


class _Builder:
    """Accumulates records into a Summary."""

    def __init__(self, samples: int) -> None:
        self.summary = Summary()
        self.samples = samples
        self.groups: dict[tuple[Any, ...], Group] = {}
        self.gaps: dict[tuple[str, ...], Gap] = {}
        self.across: dict[tuple[str, str], Across] = {}
        self.columns: set[Column] = set()

    def run_of(self, run_id: str, path: str) -> Run:
        run = self.summary.runs.get(run_id)
        if run is None:
            run = self.summary.runs[run_id] = Run(run_id)
        if path not in run.files:
            run.files.append(path)
        return run

    def add(self, record: RunRecord | PlanRecord | CaseRecord | EndRecord, path: str) -> None:
        run = self.run_of(record.run_id, path)
        if isinstance(record, RunRecord):
            run.facts = record
            run.run_records += 1
            run.column = (record.engine, column_device(record.engine_device, record.oracle_device))
            self.columns.add(run.column)
        elif isinstance(record, PlanRecord):
            run.plan = record
        elif isinstance(record, EndRecord):
            run.end = record
        else:
            self.add_case(record, run)

    def add_case(self, r: CaseRecord, run: Run) -> None:
        status = r.status.value
        col = (r.engine, column_device(r.device, r.oracle_device))
        run.column = run.column or col
        self.columns.add(col)
        s = self.summary
        s.oracles[col].add(f"{r.oracle}@{r.oracle_device}")
        run.case_records += 1
        if r.status is not Status.STALE:  # a stale record is a manifest entry, not cases of a test
            s.counts[r.area][col][status] += r.count
            s.scenario_counts[(r.area, r.scenario)][col][status] += r.count
            run.cases += r.count
            run.statuses[status] += r.count
            seen = run.recorded.get(r.test)
            if seen is None:
                seen = run.recorded[r.test] = TestAccount(
                    test=r.test, scenario=r.scenario, area=r.area, collected=None, finished=True
                )
            name = status if status in ("unsupported", "not_run", "error") else "checked"
            if r.status in CHECKED:
                s.checked[r.scenario].add(col)
            setattr(seen, name, getattr(seen, name) + r.count)
        if status in NOT_CHECKED:
            reason = r.reason or "no reason given"
            gap = self.gaps.setdefault((status, *col, r.area, reason), Gap(status, *col, r.area, reason))
            gap.count += r.count
            gap.scenarios[r.scenario] += r.count
        elif status in DIVERGENT:
            self.add_divergence(r, status, col, run.run_id)

    def add_divergence(self, r: CaseRecord, status: str, col: Column, run_id: str) -> None:
        key = (status, *col, r.scenario, r.cause, r.manifest_entry)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(
                status, *col, r.area, r.scenario, r.cause, r.manifest_entry, r.reason
            )
        group.count += r.count
        group.records += 1
        group.listed += len(r.cases)
        group.tests.add(r.test)
        group.runs.add(run_id)
        group.oracles.add(f"{r.oracle}@{r.oracle_device}")
        group.flaky |= r.flaky
        if r.seed is not None:
            group.seeds.add(r.seed)
        if r.examples:
            merged = group.examples + r.examples
            if len(merged) > SHOWN:
                merged.sort(key=lambda e: _size(e.case))
                del merged[SHOWN:]
            group.examples = merged
        room = self.samples + SHOWN - len(group.others)
        for p in r.cases[: max(room, 0) * 2]:  # a few, skipping repeated parameters
            seen = _params_key(p)
            if seen not in group.known and len(group.others) < self.samples + SHOWN:
                group.known.add(seen)
                group.others.append(p)
        if status in ACROSS:
            across = self.across.get((r.scenario, r.cause))
            if across is None:
                across = self.across[(r.scenario, r.cause)] = Across(r.area, r.scenario, r.cause)
            across.diverging.setdefault(col, Counter())[status] += r.count

    def finish(self) -> Summary:
        s = self.summary
        for run in s.runs.values():
            run.close()
        for group in self.groups.values():
            shown = {_params_key(e.params) for e in group.examples}
            group.others = [p for p in group.others if _params_key(p) not in shown][: self.samples]
        s.groups = sorted(
            self.groups.values(),
            key=lambda g: (_rank(g.status, DIVERGENT), -g.count, g.area, g.scenario, column_id(g.column)),
        )
        s.gaps = sorted(self.gaps.values(), key=lambda g: (g.area, column_id(g.column), g.status, -g.count))
        s.columns = sorted(self.columns, key=lambda c: (c[0], c[1] != "cpu", c[1]))
        areas = set(s.counts) | {a.area for run in s.runs.values() for a in run.accounts}
        s.areas = sorted(areas, key=lambda a: (_rank(a, AREAS), a))
        s.across = sorted(
            self.across.values(), key=lambda a: (len(a.diverging), -a.count, a.scenario, a.cause)
        )
        s.notices = self.notices()
        return s

    def notices(self) -> list[str]:
        """Plain sentences about everything missing or suspicious, most serious first."""
        s = self.summary
        out: list[str] = []
        for run in s.runs.values():
            name = f"run {run.run_id}" + (f" ({column_id(run.column)})" if run.column else "")
            if run.facts is None:
                out.append(
                    f"{name} has no run record: its facts (versions, seed) are unknown "
                    f"({run.case_records} case records in {', '.join(run.files)})"
                )
            if run.partial:
                out.append(f"{name} has no end record (interrupted, or a worker crashed): " + _lost(run))
            elif run.end is not None and run.end.exitstatus in ABNORMAL_EXIT:
                out.append(f"{name} ended abnormally: exit status {run.exit_text}")
            lost = set(run.unrecorded)
            incomplete = [a for a in run.accounts if a.missing and a.test not in lost]
            if incomplete:
                listed = _names([_missing_text(a) for a in incomplete])
                out.append(f"{name}: {len(incomplete)} test(s) with cases not recorded: {listed}")
            if run.run_records > 1:
                out.append(
                    f"{name} appears {run.run_records} times "
                    f"({', '.join(run.files)}): its counts include every copy"
                )
            if run.facts is not None and run.case_records == 0 and not run.partial:
                out.append(f"{name} recorded no cases")
        bad = s.malformed
        if bad:
            by_file: dict[str, list[Malformed]] = defaultdict(list)
            for m in bad:
                by_file[m.path].append(m)
            where = "; ".join(
                f"{path}: line{'s' if len(ms) > 1 else ''} {_line_list(ms)}" for path, ms in by_file.items()
            )
            out.append(f"{len(bad)} malformed line(s) skipped (not valid records): {where}")
        for src in s.sources:
            if src.error:
                out.append(f"{src.path} could not be read: {src.error}")
            elif src.records == 0 and not src.malformed:
                out.append(f"{src.path}: no records")
        if not s.runs:
            out.append("no results: the inputs hold no records")
        return out


def _line_list(ms: list[Malformed], limit: int = 20) -> str:
    text = ", ".join(f"{m.line}{' (torn: the writer was cut off)' if m.last else ''}" for m in ms[:limit])
    return text + (f" and {len(ms) - limit} more" if len(ms) > limit else "")


def _missing_text(a: TestAccount) -> str:
    if a.collected is None:
        return f"{a.test} (drawn; not finished)"
    return f"{a.test} ({a.missing} of {a.collected} cases not recorded)"


def _lost(run: Run) -> str:
    """What an interrupted run lost, test by test."""
    if run.plan is None:
        return f"no plan record either, so what is missing is unknown; {run.cases} cases recorded"
    lost = run.unrecorded
    text = f"{len(lost)} of {len(run.plan.tests)} planned tests have no records"
    return text + (f": {_names(lost)}" if lost else "") + f"; {run.cases} cases recorded"


def _names(names: list[str], limit: int = NAMED) -> str:
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return shown + (
        f" and {more} more (all under 'Every case accounted for' and in summary.json)" if more > 0 else ""
    )


def summarise(paths: Iterable[str | Path], samples: int = 5) -> Summary:
    """Read every results file named by `paths` (files, directories, globs) into one Summary."""
    builder = _Builder(samples)
    for path in expand(str(p) for p in paths):
        source = Source(str(path))
        builder.summary.sources.append(source)
        try:
            items = list(read(path))
        except OSError as exc:  # unreadable: say so and go on with the other files
            source.error = exc.strerror or str(exc)
            continue
        for item in items:
            if isinstance(item, Malformed):
                source.malformed.append(item)
            else:
                source.records += 1
                builder.add(item, source.path)
    return builder.finish()


def pass_rate(counts: Counter[str]) -> float | None:
    """pass / cases that ran (None when nothing ran: all unsupported or not run)."""
    ran = sum(counts[s] for s in RAN)
    return counts["pass"] / ran if ran else None


# --- summary.json ----------------------------------------------------------------------------------


def _example_json(e: Example | None) -> dict[str, Any] | None:
    """The group's smallest case: what differs and how to rerun it (outcomes stay in the results)."""
    if e is None:
        return None
    return {
        "case": e.case,
        "params": e.params,
        "differences": e.differences,
        "expression": e.expression,
        "reproduction": e.reproduction,
        "detail": e.detail[-DETAIL_CHARS:],
    }


def _account_json(a: Account) -> dict[str, Any]:
    return {**asdict(a), "checked_fraction": a.checked_fraction}


def to_json(s: Summary, *, max_samples: int = 5) -> dict[str, Any]:
    """The machine-readable summary: every count, account and group; only example lists are capped."""
    return {
        "format": 2,
        "statuses": list(STATUSES),
        "sources": [
            {
                "path": src.path,
                "records": src.records,
                "error": src.error,
                "malformed": [{"line": m.line, "why": m.why, "torn": m.last} for m in src.malformed],
            }
            for src in s.sources
        ],
        "malformed_lines": len(s.malformed),
        "runs": [
            {
                "run_id": r.run_id,
                "column": column_id(r.column) if r.column else None,
                "partial": r.partial,
                "files": r.files,
                "cases": r.cases,
                "case_records": r.case_records,
                "statuses": dict(r.statuses),
                "facts": asdict(r.facts) if r.facts else None,
                "planned_tests": len(r.plan.tests) if r.plan else None,
                "unrecorded_tests": r.unrecorded,
                "end": None
                if r.end is None
                else {
                    "finished": r.end.finished,
                    "duration_s": r.end.duration_s,
                    "exitstatus": r.end.exitstatus,
                },
            }
            for r in s.runs.values()
        ],
        "columns": [
            {
                "id": column_id(c),
                "engine": c[0],
                "device": c[1],
                "oracles": sorted(s.oracles.get(c, ())),
                "complete": s.complete(c),
            }
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
        "account_fields": list(TEST_FIELDS),
        "accounts": {
            column_id(c): {
                "total": _account_json(s.account(c)),
                "areas": {area: _account_json(s.account(c, area)) for area in s.areas},
                "tests": [
                    [a.test, run.run_id, a.collected, a.checked, a.unsupported, a.not_run, a.error, a.missing]
                    for run, a in s.accounts(c)
                ],
            }
            for c in s.columns
        },
        "incomplete_tests": [
            {
                "column": column_id(c),
                "run_id": run.run_id,
                "test": a.test,
                "collected": a.collected,
                "missing": a.missing,
                "recorded": a.finished,
            }
            for c in s.columns
            for run, a in s.accounts(c)
            if a.missing
        ],
        "divergences": [
            {
                "status": g.status,
                "engine": g.engine,
                "device": g.device,
                "column": column_id(g.column),
                "area": g.area,
                "scenario": g.scenario,
                "cause": g.cause,
                "manifest_entry": g.manifest_entry,
                "reason": g.reason,
                "count": g.count,
                "records": g.records,
                "tests": sorted(g.tests),
                "shown_in_full": len(g.examples),
                "example": _example_json(g.example),
                "example_cases": [e.case for e in g.examples],
                "other_cases": g.others[:max_samples],
                "seeds": sorted(g.seeds, key=str),
                "runs": sorted(g.runs),
                "oracles": sorted(g.oracles),
            }
            for g in s.groups
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
        "across": [
            {
                "area": a.area,
                "scenario": a.scenario,
                "cause": a.cause,
                "count": a.count,
                "diverging": {column_id(c): dict(counts) for c, counts in a.diverging.items()},
                "agreeing": [
                    column_id(c) for c in s.columns if c in s.checked_columns(a.scenario) - set(a.diverging)
                ],
                "not_checked": [
                    column_id(c)
                    for c in s.columns
                    if c not in s.checked_columns(a.scenario) | set(a.diverging)
                ],
            }
            for a in s.across
        ],
        "missing": s.notices,
    }


def _nest(by_col: dict[Column, dict[str, int]]) -> dict[str, dict[str, dict[str, int]]]:
    """{(engine, device): counts} -> {engine: {device: counts}}."""
    out: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
    for (engine, device), counts in by_col.items():
        out[engine][device] = counts
    return dict(out)
