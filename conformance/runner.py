"""Run scenarios on an engine and the oracle, compare, classify, and turn the verdicts into records.

`Harness` is the whole differential loop without pytest: `check_case` runs one case on both
engines (under a per-case timeout; an adapter crash loses only that case), compares the outcomes
and classifies the result against the manifest; `run_target` checks one test's worth of cases
(a finite chunk, enumerated; or a drawn domain, through hypothesis with a batch of cases per
example so that a divergence shrinks to a minimal case) and returns the results records.
The pytest plugin and the benchmark both drive it; so do the tests of the harness itself.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.compare import Comparator, Difference, render_array
from conformance.engines import get_engine
from conformance.manifest import Entry, Manifest, lookup
from conformance.profiles import COMMON
from spec.engine import DTYPES, Capability, Engine
from spec.outcome import Outcome
from spec.scenario import Case, Scenario

CHUNK_SIZE = 1500
"""Finite domains larger than this are split into several tests, so xdist can spread them."""

BATCH_SIZE = 32
"""Cases drawn per hypothesis example: amortises hypothesis' per-example overhead."""

FULL_RECORDS = 20
"""Per test and status, how many non-pass cases are recorded in full; the rest are aggregated."""

DEFAULT_TIMEOUT_S = 10.0

_DTYPE_NAMES = frozenset(DTYPES)
_CONTAINERS = (str, dict, list, tuple)
AGGREGATED = frozenset({"pass", "unsupported", "not_run"})  # statuses recorded as counts, never case by case
CONTEXT_FIELDS = ("kind", "run_id", "engine", "oracle", "device", "oracle_device")


class CaseTimeout(BaseException):
    """Raised by the per-case alarm; a BaseException so `Outcome.catching()` cannot swallow it."""


class Divergence(AssertionError):
    """An unexplained divergence: raised inside hypothesis so that it shrinks the case."""

    def __init__(self, verdict: Verdict, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict


@dataclass
class Verdict:
    """The classification of one case."""

    status: str  # see conformance.results.STATUSES
    case: Case
    diffs: list[Difference] = field(default_factory=list)
    engine: Outcome | None = None
    oracle: Outcome | None = None
    entry: Entry | None = None
    reason: str = ""
    duration_s: float = 0.0


@dataclass(frozen=True)
class Target:
    """What one test checks: a scenario, and for finite domains one chunk of its cases."""

    scenario: Scenario
    cases: tuple[Case, ...] | None = None  # None: a drawn domain
    chunk: int = 0
    chunks: int = 1

    @property
    def id(self) -> str:
        return self.scenario.id if self.chunks == 1 else f"{self.scenario.id}-{self.chunk + 1}of{self.chunks}"


def targets(scenarios: Iterable[Scenario], chunk_size: int = CHUNK_SIZE) -> list[Target]:
    """One target per drawn scenario, one per chunk of each finite scenario's enumerated cases."""
    found: list[Target] = []
    for sc in scenarios:
        if not sc.finite:
            found.append(Target(sc))
            continue
        cases = tuple(sc.cases())
        n = max(1, -(-len(cases) // chunk_size))
        size = -(-len(cases) // n) if cases else 0
        found.extend(Target(sc, cases[i * size : (i + 1) * size], i, n) for i in range(n))
    return found


@dataclass
class TargetResult:
    """What `run_target` found: the records to write, and what the test should do."""

    records: list[dict[str, Any]]
    counts: Counter[str]
    failures: list[str]  # messages of the first fail/error verdicts (counts has them all)
    skip_reason: str = ""  # set when nothing could be checked (unsupported / not_run)


class Harness:
    """The differential loop for one engine against one oracle."""

    def __init__(
        self,
        engine: str | Engine = "impl",
        oracle: str | Engine = "torch",
        *,
        device: str = "cpu",
        oracle_device: str = "cpu",
        manifest: Manifest | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        batch_size: int = BATCH_SIZE,
        run_id: str = "",
        seed: Any = None,
        not_run_reason: str = "",
        profile: str | None = None,
    ) -> None:
        self.engine_spec, self._engine = _spec_and_instance(engine)
        self.oracle_spec, self._oracle = _spec_and_instance(oracle)
        self.device, self.oracle_device = device, oracle_device
        self.manifest = manifest or Manifest()
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.seed = seed
        self.not_run_reason = not_run_reason
        self.profile = profile  # a hypothesis profile name; None: the loaded one
        self._comparator: Comparator | None = None
        self._running = "engine"
        self.alarm = Alarm(timeout_s)

    # --- engines, built lazily (on the worker that needs them) ---------------------------------
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = get_engine(self.engine_spec, device=self.device)
        return self._engine

    @property
    def oracle(self) -> Engine:
        if self._oracle is None:
            self._oracle = get_engine(self.oracle_spec, device=self.oracle_device)
        return self._oracle

    @property
    def comparator(self) -> Comparator:
        if self._comparator is None:
            self._comparator = Comparator(
                compare_messages=Capability.ERROR_MESSAGES in self.engine.capabilities,
                cross_device=self.device.split(":")[0] != self.oracle_device.split(":")[0],
            )
        return self._comparator

    # --- one case ------------------------------------------------------------------------------
    def check_case(self, scenario: Scenario, case: Case, entries: list[Entry] | None = None) -> Verdict:
        """Run `case` on engine and oracle, compare, and classify (pass/fail/expected/...)."""
        start = time.perf_counter()
        self._running = "engine"
        try:
            self.alarm.arm()
            try:
                verdict = self._check(scenario, case, entries)
            finally:
                self.alarm.disarm()
        except CaseTimeout:
            side = self.engine if self._running == "engine" else self.oracle
            reason = f"timeout: {self._running} {side.name} took over {self.timeout_s:g}s"
            verdict = Verdict("error", case, reason=reason)
        verdict.duration_s = time.perf_counter() - start
        return verdict

    def _check(self, scenario: Scenario, case: Case, entries: list[Entry] | None) -> Verdict:
        engine, oracle = self.engine, self.oracle
        for side in (engine, oracle):
            if not side.dtypes >= _DTYPE_NAMES:
                missing = _dtypes_used(case) - side.dtypes
                if missing:
                    reason = f"dtype {min(missing)} unsupported by {side.name} on {side.device}"
                    return Verdict("unsupported", case, reason=reason)
        mine = self._run(scenario, engine, case)
        if isinstance(mine, Verdict):
            return mine
        if mine.unsupported:
            return Verdict("unsupported", case, engine=mine, reason=f"{engine.name} lacks {mine.unsupported}")
        self._running = "oracle"
        theirs = self._run(scenario, oracle, case)
        if isinstance(theirs, Verdict):
            return theirs
        if theirs.unsupported:
            reason = f"oracle {oracle.name} lacks {theirs.unsupported}"
            return Verdict("unsupported", case, oracle=theirs, reason=reason)
        diffs = self.comparator(mine, theirs)
        entry = lookup(entries, case, diffs) if entries else None
        if not diffs:
            return Verdict("pass", case, entry=entry)
        if entry is not None and entry.explains(diffs):
            return Verdict("expected", case, diffs, mine, theirs, entry, entry.reason)
        return Verdict("fail", case, diffs, mine, theirs, entry)

    def _run(self, scenario: Scenario, side: Engine, case: Case) -> Outcome | Verdict:
        """The scenario's outcome on one engine, or an `error` verdict (the adapter crashed)."""
        try:
            outcome = scenario.run(side, case)
        except Exception as exc:  # an adapter crash loses only this case
            return Verdict("error", case, reason=f"{self._running} {side.name} crashed: {_summary(exc)}")
        finally:
            if Capability.DEFAULT_DTYPE in scenario.requires:
                _restore_default_dtype(side)
        if not isinstance(outcome, Outcome):
            reason = f"scenario returned {type(outcome).__name__}, not an Outcome"
            return Verdict("error", case, reason=reason)
        return outcome

    # --- one test ------------------------------------------------------------------------------
    def run_target(self, target: Target, *, max_cases: int | None = None) -> TargetResult:
        """Check every case of a finite target, or draw cases for a drawn one; return the records."""
        sc = target.scenario
        tally = _Tally(self, target)
        if self.not_run_reason:
            tally.bulk("not_run", len(target.cases) if target.cases is not None else 1, self.not_run_reason)
            return tally.result(skip_reason=self.not_run_reason)
        lacking = sorted(c.value for c in sc.requires - self.engine.capabilities)
        if lacking:
            reason = f"{self.engine.name} lacks capability {', '.join(lacking)}"
            tally.bulk("unsupported", len(target.cases) if target.cases is not None else 1, reason)
            return tally.result(skip_reason=reason)
        entries = self.manifest.for_scenario(sc.id, self.device)
        with self.alarm:
            if target.cases is not None:
                cases = target.cases if max_cases is None else target.cases[:max_cases]
                for case in cases:
                    tally.add(self.check_case(sc, case, entries))
            else:
                self._draw(target, entries, tally)
        return tally.result()

    def _draw(self, target: Target, entries: list[Entry], tally: _Tally) -> None:
        """Hypothesis: each example draws a batch of cases; an unexplained divergence raises and
        shrinks; only cases checked before the first divergence are tallied (shrinking re-checks)."""
        sc = target.scenario
        state = {"shrinking": False}

        def check_batch(cases: list[Case]) -> None:
            for case in cases:
                verdict = self.check_case(sc, case, entries)
                if verdict.status == "fail":
                    state["shrinking"] = True
                    raise Divergence(verdict, self.failure_message(sc, verdict))
                if not state["shrinking"]:
                    tally.add(verdict)

        run = given(_batches(sc.cases(), self.batch_size))(check_batch)
        run._hypothesis_internal_add_digest = sc.id.encode()  # distinct seed and database key per scenario
        run = settings(
            parent=settings.get_profile(self.profile) if self.profile else settings.default,
            deadline=None,
            suppress_health_check=COMMON["suppress_health_check"],
        )(run)
        try:
            run()
        except Exception as exc:  # hypothesis re-raises the minimal example's error
            divergence = _find_divergence(exc)
            if divergence is not None:
                tally.add(divergence.verdict)
            else:  # the strategy itself failed (a health check, an invalid argument...)
                detail = "".join(traceback.format_exception(exc, limit=-4))
                tally.add(Verdict("error", {}, reason=f"hypothesis: {_summary(exc)}"), detail=detail)

    # --- rendering -----------------------------------------------------------------------------
    def failure_message(self, sc: Scenario, verdict: Verdict) -> str:
        """What a failing test prints: the case, each difference, and a runnable reproduction."""
        sides = f"{self.engine_spec} ({self.device}) vs {self.oracle_spec} ({self.oracle_device})"
        lines = [f"{sc.id}: {verdict.status}: {sides}"]
        lines.append(f"case = {verdict.case!r}")
        if verdict.status == "error":
            lines.append(f"error: {verdict.reason}")
        lines += [f"  {d}" for d in verdict.diffs]
        if verdict.entry is not None:
            lines.append(f"  (manifest entry {verdict.entry.label} matches but does not explain every field)")
        lines += ["reproduction (run from the checkout root):", self.reproduction(sc, verdict.case)]
        return "\n".join(lines)

    def reproduction(self, sc: Scenario, case: Case) -> str:
        """Standalone Python that reruns one case on both engines and prints outcomes and differences."""
        return REPRODUCTION.format(
            sid=sc.id,
            module=sc.run.__module__,
            function=sc.run.__qualname__,
            case=case,
            engine=self.engine_spec,
            oracle=self.oracle_spec,
            device=self.device,
            oracle_device=self.oracle_device,
            compare_messages=self.comparator.compare_messages,
            cross_device=self.comparator.tolerances != Comparator().tolerances,
        )

    def record(self, sc: Scenario, status: str, count: int, **fields: Any) -> dict[str, Any]:
        """A results `case` record (see conformance/results.py) with this harness' context."""
        base: dict[str, Any] = {
            "kind": "case",
            "run_id": self.run_id,
            "engine": self.engine_spec,
            "oracle": self.oracle_spec,
            "device": self.device,
            "oracle_device": self.oracle_device,
            "area": sc.area,
            "scenario": sc.id,
            "status": status,
            "count": count,
            "case": "",
            "params": {},
            "differences": [],
            "engine_outcome": None,
            "oracle_outcome": None,
            "reproduction": "",
            "reason": "",
            "seed": None if sc.finite else self.seed,
            "duration_s": 0.0,
            "test": "",
            "manifest_entry": None,
        }
        base.update(fields)
        return base


REPRODUCTION = """\
# {sid}: {engine} ({device}) vs {oracle} ({oracle_device})
from math import inf, nan

import numpy as np

from conformance.compare import compare
from conformance.engines import get_engine
from {module} import {function} as run_scenario

case = {case!r}
engine = get_engine({engine!r}, device={device!r})
oracle = get_engine({oracle!r}, device={oracle_device!r})
mine, theirs = run_scenario(engine, case), run_scenario(oracle, case)
print("engine:", mine)
print("oracle:", theirs)
for difference in compare(mine, theirs, compare_messages={compare_messages}, cross_device={cross_device}):
    print("DIFFERENCE", difference)
"""


class _Tally:
    """Accumulates one test's verdicts into records: passes counted (per manifest entry, for
    staleness), the first FULL_RECORDS of each other status in full, the rest counted."""

    def __init__(self, harness: Harness, target: Target) -> None:
        self.harness, self.target = harness, target
        self.counts: Counter[str] = Counter()
        self.full: list[dict[str, Any]] = []
        self.aggregated: Counter[tuple[str, str | None, str]] = Counter()
        self.seconds: Counter[tuple[str, str | None, str]] = Counter()
        self.failures: list[str] = []

    def add(self, v: Verdict, detail: str = "") -> None:
        self.counts[v.status] += 1
        label = v.entry.label if v.entry is not None else None
        if v.status in ("fail", "error") and len(self.failures) < FULL_RECORDS:
            self.failures.append(detail or self.harness.failure_message(self.target.scenario, v))
        if v.status in AGGREGATED or self.counts[v.status] > FULL_RECORDS:
            key = (v.status, label, v.reason if v.status != "pass" else "")
            self.aggregated[key] += 1
            self.seconds[key] += v.duration_s
            return
        h, sc = self.harness, self.target.scenario
        self.full.append(
            h.record(
                sc,
                v.status,
                1,
                case=repr(v.case),
                params=_params(v.case),
                differences=[d.as_dict() for d in v.diffs],
                engine_outcome=render_outcome(v.engine),
                oracle_outcome=render_outcome(v.oracle),
                reproduction=h.reproduction(sc, v.case) if v.status in ("fail", "error", "expected") else "",
                reason=v.reason,
                duration_s=round(v.duration_s, 6),
                test=self.target.id,
                manifest_entry=label,
            )
        )

    def bulk(self, status: str, count: int, reason: str) -> None:
        self.counts[status] += count
        self.aggregated[(status, None, reason)] += count

    def result(self, skip_reason: str = "") -> TargetResult:
        h, sc = self.harness, self.target.scenario
        records = list(self.full)
        for (status, label, reason), count in self.aggregated.items():
            seconds = round(self.seconds[(status, label, reason)], 6)
            extra = {"reason": reason, "duration_s": seconds, "test": self.target.id, "manifest_entry": label}
            records.append(h.record(sc, status, count, **extra))
        skipped = ("unsupported", "not_run")
        checked = sum(n for status, n in self.counts.items() if status not in skipped)
        if not skip_reason and not checked and self.counts:
            skip_reason = "; ".join(sorted({r for (s, _, r) in self.aggregated if s in skipped}))
        return TargetResult(records, self.counts, self.failures, skip_reason)


def stale_records(
    manifest: Manifest, records: Iterable[dict[str, Any]], finite: set[str]
) -> list[dict[str, Any]]:
    """`stale` records for manifest entries that no longer describe a divergence in this run:
    entries that matched cases which all agreed, and entries of a finite scenario that ran but
    matched no case at all (a `match` that can never apply)."""
    agreed: Counter[str] = Counter()
    diverged: Counter[str] = Counter()
    ran: set[str] = set()
    template: dict[str, Any] = {}
    for r in records:
        if r.get("kind") != "case":
            continue
        ran.add(r["scenario"])
        template = template or r
        label = r.get("manifest_entry")
        if label is None:
            continue
        if r["status"] == "pass":
            agreed[label] += r["count"]
        elif r["status"] in ("expected", "fail"):
            diverged[label] += r["count"]
    stale: list[dict[str, Any]] = []
    for e in manifest.entries:
        if diverged[e.label]:
            continue
        if agreed[e.label]:
            why = f"all {agreed[e.label]} matching cases agree with the oracle now"
        elif any(sid in finite and e.applies_to(sid, template.get("device", "cpu")) for sid in ran):
            why = "matches no case of its scenario"
        else:
            continue
        stale.append(
            {
                **{k: template.get(k) for k in CONTEXT_FIELDS},
                "area": e.scenario.split(".", 1)[0],
                "scenario": e.scenario,
                "status": "stale",
                "count": agreed[e.label],
                "case": "",
                "params": {k: list(v) if len(v) > 1 else v[0] for k, v in e.match.items()},
                "differences": [],
                "engine_outcome": None,
                "oracle_outcome": None,
                "reproduction": "",
                "reason": f"manifest entry {e.label} ({e.reason}): {why}; remove it",
                "seed": None,
                "duration_s": 0.0,
                "test": "",
                "manifest_entry": e.label,
                "flaky": e.flaky,
            }
        )
    return stale


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


# --- helpers -----------------------------------------------------------------------------------


def _spec_and_instance(engine: str | Engine) -> tuple[str, Engine | None]:
    if isinstance(engine, str):
        return engine, None
    cls = type(engine)
    return f"{cls.__module__}:{cls.__qualname__}", engine


def _params(case: Case) -> dict[str, Any]:
    return {k: v for k, v in case.items() if v is None or isinstance(v, str | int | float | bool)}


def _dtypes_used(value: Any) -> set[str]:
    """The torch dtype names appearing as values in a case (not inside numeric data lists)."""
    if isinstance(value, str):
        return {value} if value in _DTYPE_NAMES else set()
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list | tuple) or not value or not isinstance(value[0], _CONTAINERS):
        return set()
    found: set[str] = set()
    for item in value:
        found |= _dtypes_used(item)
    return found


def _restore_default_dtype(engine: Engine) -> None:
    try:
        if engine.get_default_dtype() != "float32":
            engine.set_default_dtype("float32")
    except Exception:  # the case's own error is what matters
        pass


def _summary(exc: BaseException) -> str:
    """`Type: message (at file:line in function)` for the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}"


def _find_divergence(exc: BaseException) -> Divergence | None:
    if isinstance(exc, Divergence):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _find_divergence(inner)
        if found is not None:
            return found
    return None


def _on_alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout


class Alarm:
    """Per-case time limits through SIGALRM (main thread only; elsewhere cases run unlimited).

    `with alarm:` installs the handler once for a whole test; `alarm.arm()` / `alarm.disarm()`
    around each case then cost one setitimer call each. Whatever handler and alarm were set
    before (pytest-timeout's signal method) are put back on exit, less the time spent.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = False  # inside `with`, where arm() has effect
        self._saved: tuple[Any, float, float] | None = None

    def __enter__(self) -> Alarm:
        if self.seconds > 0 and threading.current_thread() is threading.main_thread() and not self.armed:
            handler = signal.signal(signal.SIGALRM, _on_alarm)
            remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
            self._saved, self.armed = (handler, remaining, time.monotonic()), True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            handler, remaining, start = self._saved
            signal.signal(signal.SIGALRM, handler)
            if remaining:
                signal.setitimer(signal.ITIMER_REAL, max(remaining - (time.monotonic() - start), 1e-3))
            self._saved, self.armed = None, False

    def arm(self) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def disarm(self) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _batches(cases: st.SearchStrategy[Case], size: int) -> st.SearchStrategy[list[Case]]:
    """Lists of 1..size cases, drawn mostly long (hypothesis' own average would be ~6, too few to
    amortise its per-example cost), whose length still shrinks: the shrinker cuts the passing cases
    away before shrinking the failing one (a fixed-size batch would shrink every case)."""
    batches = st.lists(cases, min_size=1, max_size=size)
    inner = getattr(batches, "wrapped_strategy", batches)
    if hasattr(inner, "average_size"):  # hypothesis' ListStrategy; without it, batches stay short
        inner.average_size = 0.75 * size
    return batches
