"""The results schema: the one record type the harness writes and the reports read.

A results file holds one JSON object per line. Writers on several pytest-xdist workers append to
the same file; each batch of records is written with a single `os.write` on an O_APPEND
descriptor, so lines never interleave and everything written before a crash is kept.

Record kinds (field `kind`), in the order a run writes them:

- `run`: once, at session start, by the controller: who was checked against whom (engines,
  versions, devices, interpreters, isolation), the hypothesis profile and seed, the manifest.
- `plan`: once, after collection: every collected test with its scenario and case count
  (None for a drawn test, whose count the profile decides), so a run that dies says what is missing.
- `case`: the verdicts of one test, one record per (status, cause, manifest entry): `count`
  cases, the parameters of every non-pass case in `cases`, and the first few of each cause in
  full in `examples` (outcomes, differences, the failing expression and a reproduction).
  `stale` manifest entries are `case` records too (status stale, written at session end).
- `end`: once, at session end: exit status and, per test, collected = checked + unsupported +
  not run + error, with what is missing.

`read()` turns every line into a typed record or a `Malformed` note (torn line, bad JSON, a field
of the wrong type); nothing in a results file can make a reader crash. Lone surrogates (which a
library can put into an exception message) are kept as their escapes, so any string renders.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import msgspec

FORMAT = 2
"""The schema version written in every `run` record (1: conformance/results.py before records)."""


class Status(StrEnum):
    """The verdict of one case."""

    PASS = "pass"  # engine and oracle agree
    FAIL = "fail"  # unexplained divergence
    EXPECTED = "expected"  # divergence listed in the engine's manifest
    STALE = "stale"  # a manifest entry whose divergence is gone (a record per entry, not per case)
    UNSUPPORTED = "unsupported"  # the engine lacks a capability or dtype the case needs
    NOT_RUN = "not_run"  # could not run here (e.g. no CUDA device)
    ERROR = "error"  # the engine crashed, hung or raised out of the adapter on this case


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)
CHECKED: frozenset[Status] = frozenset({Status.PASS, Status.FAIL, Status.EXPECTED})
"""Cases whose outcomes were compared; with unsupported, not_run and error they add up to collected."""
DIVERGENT: frozenset[Status] = frozenset({Status.FAIL, Status.EXPECTED, Status.ERROR})


@dataclass(kw_only=True)
class RunRecord:
    """Session facts, written once at the start."""

    kind: Literal["run"] = "run"
    format: int = FORMAT
    run_id: str
    started: str
    engine: str  # the --engine spec (registry name or import path)
    engine_name: str = ""  # the adapter's own `name`
    engine_version: str = ""
    engine_device: str = "cpu"
    engine_python: str = ""  # the interpreter the engine ran under ("" = the harness')
    oracle: str = "torch"
    oracle_name: str = ""
    oracle_version: str = ""
    oracle_device: str = "cpu"
    oracle_python: str = ""
    isolation: str = "engine"
    drawn: str = ""  # where drawn scenarios' cases came from: "corpus" or "hypothesis"
    torch: str = ""
    numpy: str = ""
    python: str = ""
    platform: str = ""
    hypothesis_profile: str = ""
    seed: int | str | None = None
    workers: int = 0
    argv: list[str] = field(default_factory=list)
    manifest: str = ""
    not_run: str = ""  # why nothing could run here ("" when it could)
    engine_failed: str = ""  # why the engine could not be started ("" when it started)
    budget_s: float = 0.0  # --budget (0: none): cases not reached in time are not_run
    shard: str = ""  # "K/N" when this run is one shard of N


@dataclass(kw_only=True)
class PlannedTest:
    """One collected test: its id, scenario and number of cases (None: drawn)."""

    test: str
    scenario: str
    area: str
    cases: int | None


@dataclass(kw_only=True)
class PlanRecord:
    """What was collected, written once after collection."""

    kind: Literal["plan"] = "plan"
    run_id: str
    tests: list[PlannedTest] = field(default_factory=list)


@dataclass(kw_only=True)
class Example:
    """One case in full: what a reader needs to see the divergence and rerun it."""

    case: str  # repr() of the case: valid Python
    params: dict[str, Any] = field(default_factory=dict)
    differences: list[dict[str, str]] = field(default_factory=list)
    engine_outcome: dict[str, str] | None = None
    oracle_outcome: dict[str, str] | None = None
    expression: str = ""  # the one call that differs, with its operands and both results
    reproduction: str = ""  # standalone Python that reruns the case on both engines
    detail: str = ""  # for errors: the last lines of the child's stderr, a traceback


@dataclass(frozen=True)
class Context:
    """Who was checked against whom: the fields every case record of a run repeats."""

    run_id: str
    engine: str
    oracle: str
    device: str
    oracle_device: str

    def record(self, **fields: Any) -> CaseRecord:
        """A case record of this run."""
        return CaseRecord(
            run_id=self.run_id,
            engine=self.engine,
            oracle=self.oracle,
            device=self.device,
            oracle_device=self.oracle_device,
            **fields,
        )


@dataclass(kw_only=True)
class CaseRecord:
    """The cases of one test that share a status and a cause."""

    kind: Literal["case"] = "case"
    run_id: str
    engine: str
    oracle: str
    device: str
    oracle_device: str
    area: str
    scenario: str
    test: str = ""
    status: Status
    count: int
    cause: str = ""  # stable key of the differences (or of the error), "" for passes
    reason: str = ""  # manifest reason, missing capability, crash or timeout description
    manifest_entry: str | None = None
    seed: int | str | None = None
    duration_s: float = 0.0
    cases: list[dict[str, Any]] = field(default_factory=list)  # params of every case (non-pass)
    examples: list[Example] = field(default_factory=list)  # the first few in full
    flaky: bool = False  # stale records: the entry is marked flaky (never fails a run)

    @property
    def context(self) -> Context:
        return Context(self.run_id, self.engine, self.oracle, self.device, self.oracle_device)


@dataclass(kw_only=True)
class TestAccount:
    """One test's cases at the end of a run: collected = checked + unsupported + not_run + error."""

    test: str
    scenario: str
    area: str
    collected: int | None  # None: a drawn test (as many as the profile draws)
    checked: int = 0
    unsupported: int = 0
    not_run: int = 0
    error: int = 0
    finished: bool = False  # its records were written

    @property
    def accounted(self) -> int:
        return self.checked + self.unsupported + self.not_run + self.error

    @property
    def missing(self) -> int:
        """Cases collected but not recorded (a drawn test that never finished counts 1)."""
        if self.collected is None:
            return 0 if self.finished else 1
        return max(self.collected - self.accounted, 0)


@dataclass(kw_only=True)
class EndRecord:
    """Session end: exit status and the account of every collected test."""

    kind: Literal["end"] = "end"
    run_id: str
    finished: str
    duration_s: float | None = None
    exitstatus: int
    tests: list[TestAccount] = field(default_factory=list)


Record = RunRecord | PlanRecord | CaseRecord | EndRecord
KINDS: dict[str, type[Any]] = {"run": RunRecord, "plan": PlanRecord, "case": CaseRecord, "end": EndRecord}


@dataclass(frozen=True)
class Malformed:
    """A line that is not a valid record, and why."""

    path: str
    line: int
    why: str
    last: bool = False  # the file's last line: a torn write (the writer was cut off)


def account(plan: dict[str, PlannedTest], records: Iterable[CaseRecord]) -> list[TestAccount]:
    """Every planned test's cases by what happened to them (tests recorded but not planned too)."""
    accounts = {
        p.test: TestAccount(test=p.test, scenario=p.scenario, area=p.area, collected=p.cases)
        for p in plan.values()
    }
    kind = {Status.UNSUPPORTED: "unsupported", Status.NOT_RUN: "not_run", Status.ERROR: "error"}
    for r in records:
        if r.status is Status.STALE:
            continue
        a = accounts.get(r.test)
        if a is None:
            a = accounts[r.test] = TestAccount(test=r.test, scenario=r.scenario, area=r.area, collected=None)
        a.finished = True
        name = kind.get(r.status, "checked")
        setattr(a, name, getattr(a, name) + r.count)
    return list(accounts.values())


# --- writing ---------------------------------------------------------------------------------------


def encode(record: Record) -> str:
    """One JSON line (ASCII: lone surrogates and control characters come out escaped)."""
    return json.dumps(asdict(record), default=str, separators=(",", ":")) + "\n"


def append(path: str | os.PathLike[str], records: Iterable[Record]) -> None:
    """Append records with one write: a test's records land together or not at all."""
    data = "".join(encode(r) for r in records).encode()
    if not data:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


# --- reading ---------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every lone surrogate written as its escape (\\udc80), so it can be encoded."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {printable(str(k)): _clean(v) for k, v in value.items()}
    return value


def decode(data: Any) -> Record:
    """A parsed JSON object as its typed record; msgspec.ValidationError or ValueError if it is not one."""
    if not isinstance(data, dict):
        raise ValueError(f"not a JSON object but {type(data).__name__}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return msgspec.convert(_clean(data), KINDS[kind], strict=True)


def read(path: str | os.PathLike[str]) -> Iterator[Record | Malformed]:
    """Every line of a results file, as a typed record or a Malformed note (never raises on content)."""
    with open(path, encoding="utf-8", errors="surrogateescape") as fh:
        lines = [(n, line) for n, line in enumerate(fh, 1) if line.strip()]
    for pos, (n, line) in enumerate(lines):
        last = pos == len(lines) - 1
        try:
            yield decode(json.loads(line))
        except (ValueError, msgspec.ValidationError) as exc:  # JSONDecodeError is a ValueError
            yield Malformed(str(path), n, printable(str(exc))[:200], last and not line.endswith("\n"))


def records(path: str | os.PathLike[str]) -> list[Record]:
    """The valid records of a file (for the harness' own reading back)."""
    return [r for r in read(path) if not isinstance(r, Malformed)]
