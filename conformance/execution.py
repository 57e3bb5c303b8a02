"""Running scenarios on one engine: the piece shared by the in-process side and the child process.

A *side* is one engine as the harness sees it: it is started (the adapter is built), tells what it
is (`EngineInfo`), and runs batches of cases of one scenario, giving back for every case either the
scenario's `Outcome` or a `Failure` (the adapter raised out of the scenario, the case timed out,
the process running it died). Two kinds of side exist: `InProcessSide` here (the adapter runs in
the harness' own process, under a SIGALRM time limit: fast, for trusted engines and debugging) and
`conformance.isolation.EngineProcess` (the adapter runs in a supervised child process: for engines
under test, which crash and hang). Both run each case through `run_case`.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.engines import EngineUnavailable, describe, get_engine
from spec.engine import Capability, Engine
from spec.outcome import Outcome
from spec.scenario import Case, Scenario


@dataclass(frozen=True)
class EngineInfo:
    """What an engine declares, as plain data (it crosses process boundaries)."""

    name: str
    version: str
    device: str
    capabilities: frozenset[Capability]
    dtypes: frozenset[str]
    description: str
    python: str = ""

    @classmethod
    def of(cls, engine: Engine, python: str = "") -> EngineInfo:
        return cls(
            name=str(engine.name),
            version=str(engine.version),
            device=str(engine.device),
            capabilities=frozenset(Capability(c) for c in engine.capabilities),
            dtypes=frozenset(str(d) for d in engine.dtypes),
            description=describe(engine),
            python=python,
        )


@dataclass(frozen=True)
class Failure:
    """A case (or an engine start) that produced no Outcome, and why.

    kind: "raised" (an exception escaped the scenario: the adapter's, never the engine's recorded
    error), "timeout", "crash" (the process running the case died), "start" (the engine could not
    be started), "unavailable" (nothing to start: an unknown engine or a missing library: a usage
    error), "protocol" (the child sent something the harness cannot read).
    """

    kind: str
    reason: str
    detail: str = ""

    @property
    def counts_against_engine(self) -> bool:
        """Whether this failure feeds the breaker (an engine that crashes or hangs again and again)."""
        return self.kind in ("timeout", "crash", "start", "protocol")


Result = Outcome | Failure


def summary(exc: BaseException) -> str:
    """`Type: message (at file:line in function)` for the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    text = str(exc).strip()
    message = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {message}{where}"


def run_case(
    scenario: Scenario, engine: Engine, case: Case, *, passthrough: tuple[type[BaseException], ...] = ()
) -> Result:
    """The scenario's Outcome on `engine`, or a Failure when an exception escaped it.

    Exceptions the engine raises *inside* a scenario's `catching()` block are part of the Outcome;
    one that escapes the scenario (SystemExit and other BaseExceptions included) is the adapter's,
    or the engine's raised where torch raises nothing: a Failure for this case only. Only the
    `passthrough` exceptions propagate (in the harness' own process: Ctrl-C and the case timeout).
    The default dtype is put back after a scenario that may change it.
    """
    try:
        outcome = scenario.run(engine, case)
    except BaseException as exc:
        if isinstance(exc, passthrough):
            raise
        detail = traceback.format_exc(limit=-6)
        return Failure("raised", f"engine {engine.name} raised {summary(exc)}", detail)
    finally:
        if Capability.DEFAULT_DTYPE in scenario.requires:
            _restore_default_dtype(engine)
    if not isinstance(outcome, Outcome):
        return Failure("raised", f"scenario returned {type(outcome).__name__}, not an Outcome")
    return outcome


def _restore_default_dtype(engine: Engine) -> None:
    try:
        if engine.get_default_dtype() != "float32":
            engine.set_default_dtype("float32")
    except Exception:  # the case's own outcome is what matters
        pass


class CaseTimeout(BaseException):
    """Raised by the per-case alarm; a BaseException so `Outcome.catching()` cannot swallow it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout


class Alarm:
    """Per-case time limits through SIGALRM (main thread only; elsewhere cases run unlimited).

    `with alarm:` installs the handler once for a whole test; `alarm.arm()` / `alarm.disarm()`
    around each case then cost one setitimer call each. Whatever handler and alarm were set
    before (pytest-timeout's signal method) are put back on exit, less the time spent.
    A signal can only interrupt Python code: a C loop, a blocked or ignored SIGALRM, or a retry
    loop catching BaseException defeat it; that is what `EngineProcess` is for.
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


_PASSTHROUGH = (KeyboardInterrupt, CaseTimeout)


class InProcessSide:
    """An engine run in the harness' own process (the oracle by default; every engine with
    `--isolation none`). A case over the time limit is stopped by SIGALRM where Python can be
    interrupted; an adapter that kills the process takes the pytest worker with it."""

    isolated = False

    def __init__(self, spec: str, device: str, *, timeout_s: float, engine: Engine | None = None) -> None:
        self.spec, self.device = spec, device
        self.alarm = Alarm(timeout_s)
        self._engine = engine
        self._info: EngineInfo | Failure | None = None
        self._batch: tuple[Scenario, Sequence[Case]] | None = None

    @property
    def engine(self) -> Engine:
        """The adapter object (in-process only); raises when it cannot be built."""
        if self._engine is None:
            self._engine = get_engine(self.spec, device=self.device)
        return self._engine

    def launch(self) -> None:
        """Nothing to start ahead: the engine is built in this process when first needed."""

    def start(self) -> EngineInfo | Failure:
        """Build the engine (once); a constructor that raises is a start Failure."""
        if self._info is None:
            try:
                self._info = EngineInfo.of(self.engine)
            except EngineUnavailable as exc:
                self._info = Failure("unavailable", str(exc))
            except (Exception, SystemExit) as exc:
                self._info = Failure("start", f"engine {self.spec} could not be built: {summary(exc)}")
        return self._info

    def submit(self, scenario: Scenario, cases: Sequence[Case]) -> None:
        self._batch = (scenario, cases)

    def results(self) -> Iterator[tuple[int, Result]]:
        """Run the submitted cases one by one, each under the alarm (all of them before the first
        is handed out, so that the alarm's handler is installed and put back exactly once)."""
        assert self._batch is not None, "submit() first"
        scenario, cases = self._batch
        self._batch = None
        info = self.start()
        if isinstance(info, Failure):
            return iter([(i, info) for i in range(len(cases))])
        done: list[tuple[int, Result]] = []
        with self.alarm:
            for i, case in enumerate(cases):
                self.alarm.arm()
                try:
                    result = run_case(scenario, self.engine, case, passthrough=_PASSTHROUGH)
                except CaseTimeout:
                    result = Failure("timeout", f"timeout: {info.name} took over {self.alarm.seconds:g}s")
                finally:
                    self.alarm.disarm()
                done.append((i, result))
        return iter(done)

    def abandon(self) -> None:
        """Forget the rest of the submitted batch."""
        self._batch = None

    def close(self) -> None:
        pass
