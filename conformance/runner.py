"""The differential loop: run cases on the engine and the oracle, classify, and record.

`Harness` is the whole loop without pytest. It holds two *sides* (conformance.execution): the
engine under test, by default in a supervised child process (conformance.isolation), and the
oracle, by default in this process. `check` sends a batch of cases to both, classifies each
pair of results (conformance.verdicts) and applies the breaker; `run_target` checks one test's
worth of cases (a finite chunk, enumerated; or a drawn domain, through conformance.drawing) and
returns its records (conformance.tally). The pytest plugin, the benchmarks and the tests of the
harness all drive it.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from conformance.compare import Comparator
from conformance.drawing import Divergence, draw
from conformance.execution import EngineInfo, Failure, InProcessSide, Result, run_case
from conformance.isolation import EngineProcess
from conformance.manifest import Entry, Manifest
from conformance.planning import CHUNK_SIZE, Target, targets  # noqa: F401 - the harness API re-exports them
from conformance.records import CaseRecord, Context, Status
from conformance.tally import Tally
from conformance.trace import Tracer, expression
from conformance.verdicts import Verdict, classify, dtypes_used
from spec.engine import DTYPES, Capability, Engine
from spec.scenario import Case, Scenario

BATCH_SIZE = 32
"""Cases drawn per hypothesis example: amortises hypothesis' per-example overhead."""

SEND_SIZE = 128
"""Cases of a finite domain sent to the engine's process at once: amortises the round trip."""

DEFAULT_CASE_TIMEOUT_S = 60.0
DEFAULT_BATCH_TIMEOUT_S = 600.0
DEFAULT_START_TIMEOUT_S = 120.0
DEFAULT_BREAKER = 3
"""Defaults that a compile-heavy engine on a loaded 2-core machine stays within (tinygrad's first
kernel of a dtype has taken over 10 s there); an engine that hangs on every case costs a test
BREAKER x case timeout, and the tests after it one case timeout each."""

ISOLATION = ("engine", "both", "none")
"""--isolation: the engine in a child process (default); the oracle too; nothing (in-process)."""

_DTYPE_NAMES = frozenset(DTYPES)


@dataclass
class TargetResult:
    """What `run_target` found: the records to write, and what the test should do."""

    records: list[CaseRecord]
    counts: Counter[str]
    failures: list[str]  # messages of the first fail/error verdicts (counts has them all)
    skip_reason: str = ""  # set when nothing could be checked (unsupported / not_run)


class Breaker:
    """Counts an engine's consecutive crashes and hangs within one test; trips at `limit`.

    A test that ends tripped leaves the next one suspicious: one more failure trips it at once,
    so an engine that hangs on every case costs the first test `limit` timeouts and later tests one.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_a_row = 0
        self.suspicious = False

    def start_test(self) -> None:
        self.suspicious = self.tripped
        self.in_a_row = 0

    def see(self, result: Result) -> None:
        if isinstance(result, Failure) and result.counts_against_engine:
            self.in_a_row += 1
        else:
            self.in_a_row, self.suspicious = 0, False

    @property
    def tripped(self) -> bool:
        return self.limit > 0 and self.in_a_row >= (1 if self.suspicious else self.limit)

    @property
    def reason(self) -> str:
        return f"not run: engine failed {self.in_a_row} times in a row"


def _spec_and_instance(engine: str | Engine) -> tuple[str, Engine | None]:
    if isinstance(engine, str):
        return engine, None
    cls = type(engine)
    return f"{cls.__module__}:{cls.__qualname__}", engine


class Harness:
    """The differential loop for one engine against one oracle.

    An engine given as an object (not a spec string) runs in this process whatever `isolation`
    says: an object cannot move to another process.
    """

    def __init__(
        self,
        engine: str | Engine = "impl",
        oracle: str | Engine = "torch",
        *,
        device: str = "cpu",
        oracle_device: str = "cpu",
        manifest: Manifest | None = None,
        timeout_s: float = DEFAULT_CASE_TIMEOUT_S,
        batch_timeout_s: float = DEFAULT_BATCH_TIMEOUT_S,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
        breaker: int = DEFAULT_BREAKER,
        isolation: str = "engine",
        engine_python: str = "",
        oracle_python: str = "",
        scenario_modules: Sequence[str] = (),
        batch_size: int = BATCH_SIZE,
        run_id: str = "",
        seed: Any = None,
        not_run_reason: str = "",
        profile: str | None = None,
        fork: bool = True,
    ) -> None:
        if isolation not in ISOLATION:
            raise ValueError(f"isolation must be one of {ISOLATION}, not {isolation!r}")
        self.engine_spec, engine_object = _spec_and_instance(engine)
        self.oracle_spec, oracle_object = _spec_and_instance(oracle)
        self.device, self.oracle_device = device, oracle_device
        self.manifest = manifest or Manifest()
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.seed = seed
        self.not_run_reason = not_run_reason
        self.profile = profile  # a hypothesis profile name; None: the loaded one
        self.isolation = isolation
        self.breaker = Breaker(breaker)
        timeouts = {
            "case_timeout_s": timeout_s,
            "batch_timeout_s": batch_timeout_s,
            "start_timeout_s": start_timeout_s,
            "scenario_modules": scenario_modules,
        }

        # fork the engine's process from this one (its imports done) unless CUDA is in play: CUDA
        # cannot be used in a child forked from a process that has looked at it
        fork = fork and "cuda" not in (device.split(":")[0], oracle_device.split(":")[0])

        def side(spec: str, dev: str, obj: Engine | None, isolated: bool, python: str) -> Any:
            if obj is not None or not isolated:
                return InProcessSide(spec, dev, timeout_s=timeout_s, engine=obj)
            return EngineProcess(spec, dev, python=python, fork=fork, **timeouts)

        self.engine_side = side(
            self.engine_spec, device, engine_object, isolation != "none" or bool(engine_python), engine_python
        )
        self.oracle_side = side(
            self.oracle_spec,
            oracle_device,
            oracle_object,
            isolation == "both" or bool(oracle_python),
            oracle_python,
        )
        self.engine_failed = ""  # set when the engine is known not to start (the controller tried)
        self.deadline: float | None = None  # time.time() by which a budgeted run stops checking
        self.budget_s = 0.0
        self._comparator: Comparator | None = None
        # examples recorded in full per (scenario, status, cause, entry), over all this process' tests
        self.examples_given: Counter[tuple[str, str, str, str | None]] = Counter()

    @property
    def context(self) -> Context:
        """The fields every case record of this harness' run repeats."""
        return Context(self.run_id, self.engine_spec, self.oracle_spec, self.device, self.oracle_device)

    # --- the two sides ----------------------------------------------------------------------
    @property
    def engine_info(self) -> EngineInfo | Failure:
        """What the engine declares (starting it if need be), or why it could not start."""
        if self.engine_failed:
            return Failure("start", self.engine_failed)
        info = self.engine_side.start()
        if isinstance(info, Failure) and info.kind == "start":
            self.engine_failed = info.reason  # an engine that cannot start is not started again per test
        return info

    @property
    def oracle_info(self) -> EngineInfo | Failure:
        return self.oracle_side.start()

    @property
    def comparator(self) -> Comparator:
        if self._comparator is None:
            info = self.engine_info
            messages = isinstance(info, EngineInfo) and Capability.ERROR_MESSAGES in info.capabilities
            self._comparator = Comparator(
                compare_messages=messages,
                cross_device=self.device.split(":")[0] != self.oracle_device.split(":")[0],
            )
        return self._comparator

    def close(self) -> None:
        """Stop the child processes (idempotent)."""
        self.engine_side.close()
        self.oracle_side.close()

    # --- cases ------------------------------------------------------------------------------
    def check(self, sc: Scenario, cases: Sequence[Case], entries: list[Entry] | None = None) -> list[Verdict]:
        """Run the cases on both sides and classify every one (never raises for an engine's fault).

        Cases using a dtype either side lacks are `unsupported` without running. The engine works
        on its batch (in its process) while the oracle runs here; once the breaker trips, the
        engine's remaining cases are `error` without running.
        """
        entries = entries or []
        sides = [s for s in (self.engine_info, self.oracle_info) if isinstance(s, EngineInfo)]
        verdicts: list[Verdict | None] = [None] * len(cases)
        runnable: list[int] = []
        for i, case in enumerate(cases):
            missing = next(
                (s for s in sides if not s.dtypes >= _DTYPE_NAMES and dtypes_used(case) - s.dtypes), None
            )
            if missing is not None:
                dtype = min(dtypes_used(case) - missing.dtypes)
                reason = f"dtype {dtype} unsupported by {missing.name} on {missing.device}"
                verdicts[i] = Verdict(Status.UNSUPPORTED, case, reason=reason)
            else:
                runnable.append(i)
        if self.breaker.tripped:
            for i in runnable:
                verdicts[i] = Verdict(Status.ERROR, cases[i], reason=self.breaker.reason)
            return [v for v in verdicts if v is not None]
        batch = [cases[i] for i in runnable]
        if not batch:
            return [v for v in verdicts if v is not None]
        start = time.perf_counter()
        self.engine_side.submit(sc, batch)
        self.oracle_side.submit(sc, batch)
        theirs = dict(self.oracle_side.results())
        done = 0
        for j, mine in self.engine_side.results():
            i = runnable[j]
            self.breaker.see(mine)
            verdicts[i] = classify(cases[i], mine, theirs[j], self.comparator, entries, self.oracle_spec)
            done = j + 1
            if self.breaker.tripped:
                self.engine_side.abandon()
                break
        for j in range(done, len(batch)):
            verdicts[runnable[j]] = Verdict(Status.ERROR, batch[j], reason=self.breaker.reason)
        each = (time.perf_counter() - start) / max(len(batch), 1)
        for i in runnable:
            verdicts[i].duration_s = each  # type: ignore[union-attr]
        return [v for v in verdicts if v is not None]

    def expression(self, sc: Scenario, verdict: Verdict) -> str:
        """The one call where the verdict's first difference shows, with its operands (conformance.trace):
        the case rerun traced on the oracle (in this process), and on the engine when it runs here too;
        '' when the oracle runs in another process or the rerun fails."""
        if not verdict.diffs or self.oracle_side.isolated:
            return ""
        try:
            oracle = Tracer(self.oracle_side.engine)
            theirs = run_case(sc, oracle, verdict.case)
            engine_trace = None
            if not self.engine_side.isolated:
                engine = Tracer(self.engine_side.engine)
                run_case(sc, engine, verdict.case)
                engine_trace = engine.trace
        except Exception:  # an explanation must never cost a verdict
            return ""
        if isinstance(theirs, Failure):
            return ""
        return expression(replace(verdict, oracle=theirs), oracle.trace, engine_trace)

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.time() >= self.deadline

    def check_case(self, sc: Scenario, case: Case, entries: list[Entry] | None = None) -> Verdict:
        """One case on both sides, classified."""
        return self.check(sc, [case], entries)[0]

    # --- one test ---------------------------------------------------------------------------
    def run_target(self, target: Target, *, max_cases: int | None = None) -> TargetResult:
        """Check every case of a finite target, or draw cases for a drawn one; return the records."""
        sc = target.scenario
        tally = Tally(self, target)
        count = target.size if target.size is not None else 1
        if self.not_run_reason:
            tally.bulk(Status.NOT_RUN, count, self.not_run_reason)
            return tally.result(skip_reason=self.not_run_reason)
        info = self.engine_info
        if isinstance(info, Failure):
            tally.bulk(Status.ERROR, count, info.reason, detail=info.detail)
            return tally.result()
        lacking = sorted(c.value for c in sc.requires - info.capabilities)
        if lacking:
            reason = f"{info.name} lacks capability {', '.join(lacking)}"
            tally.bulk(Status.UNSUPPORTED, count, reason)
            return tally.result(skip_reason=reason)
        entries = self.manifest.for_scenario(sc.id, self.device)
        self.breaker.start_test()
        if target.cases is not None:
            cases = target.cases if max_cases is None else target.cases[:max_cases]
            for at in range(0, len(cases), SEND_SIZE):
                if self.out_of_time():
                    tally.bulk(
                        Status.NOT_RUN,
                        len(cases) - at,
                        f"not run: the budget of {self.budget_s:g}s was spent",
                    )
                    return tally.result()
                for verdict in self.check(sc, cases[at : at + SEND_SIZE], entries):
                    tally.add(verdict)
        else:
            self._draw(target, entries, tally)
        return tally.result()

    def _draw(self, target: Target, entries: list[Entry], tally: Tally) -> None:
        """Hypothesis: only cases checked before the first divergence are tallied (shrinking re-checks)."""
        sc = target.scenario
        state = {"shrinking": False}

        def check_batch(cases: list[Case]) -> None:
            if self.out_of_time():  # hypothesis runs out its examples without checks
                return
            for verdict in self.check(sc, cases, entries):
                if verdict.status is Status.FAIL:
                    state["shrinking"] = True
                    raise Divergence(verdict, tally.message(verdict))
                if not state["shrinking"]:
                    tally.add(verdict)

        found = draw(sc, check_batch, batch_size=self.batch_size, profile=self.profile)
        if isinstance(found, Divergence):
            tally.add(found.verdict)
        elif found is not None:  # the strategy itself failed (a health check, an invalid argument...)
            reason, detail = found
            tally.add(Verdict(Status.ERROR, {}, reason=reason, detail=detail))
