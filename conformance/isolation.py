"""Engine isolation: the engine under test runs in a child process that the harness supervises.

`EngineProcess` is a side (see conformance.execution) whose adapter lives in
`python -m conformance.child`, started under any interpreter (`--engine-python`: another virtual
environment, another torch). Cases travel in batches over a socket and come back one message per
case, so that:

- a case that takes longer than `case_timeout_s` (from the previous case's answer), or a batch
  longer than `batch_timeout_s`, is a hang of any kind (a C loop, a blocked SIGALRM, a retry loop
  catching BaseException): the child's whole process group is killed, the case in flight is
  recorded as a timeout, and the rest of the batch goes to a fresh child;
- a child that dies (segfault, os._exit, SIGKILL, out of memory) is pinned to the case in flight
  with its exit code or signal and the tail of its stderr (faulthandler's traceback), and the
  rest of the batch goes to a fresh child;
- starting the engine is supervised the same way (`start_timeout_s`): a constructor that hangs
  or crashes is a start Failure, never a hung run.

Why not execnet or multiprocessing: both can start another interpreter, but the supervisor needs
the child's exit status and signal, a kill of its whole process group (engines compile in
subprocesses) and its stderr, which execnet keeps behind private attributes and multiprocessing's
spawn cannot give for a foreign interpreter (it re-imports the parent's __main__ there). A socket
with multiprocessing.connection's framing and subprocess.Popen is all that is needed.
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from conformance.execution import EngineInfo, Failure, Result
from spec.scenario import Case, Scenario

ROOT = Path(__file__).resolve().parents[1]
"""The checkout (or site-packages folder) holding conformance/ and spec/: the child imports them from here."""

STDERR_TAIL = 4000
"""Bytes of the child's stderr kept to explain a crash."""


def _harness_paths() -> list[str]:
    """sys.path entries the child needs besides its own: the suite and the user's modules
    (conftest- and PYTHONPATH-added folders), never this interpreter's site-packages or stdlib,
    so that a foreign interpreter keeps its own libraries."""
    own = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths = [str(ROOT)]
    for entry in sys.path:
        full = os.path.abspath(entry or os.curdir)
        if full in own or "site-packages" in full or "dist-packages" in full or full.endswith(".zip"):
            continue
        if full not in paths:
            paths.append(full)
    return paths


def signal_text(returncode: int | None) -> str:
    """'killed by SIGSEGV', 'exit code 1', ..."""
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def crash_site(stderr: str) -> str:
    """The innermost Python frame in faulthandler's dump ('File "x.py", line 3 in f'), or ''."""
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if "most recent call first" in line:
            frames = [ln.strip() for ln in lines[i + 1 :] if ln.strip().startswith("File ")]
            return frames[0] if frames else ""
    return ""


class EngineProcess:
    """One engine in a supervised child process (restarted after each crash or hang)."""

    isolated = True

    def __init__(
        self,
        spec: str,
        device: str,
        *,
        python: str = "",
        case_timeout_s: float = 60.0,
        batch_timeout_s: float = 600.0,
        start_timeout_s: float = 120.0,
        scenario_modules: Sequence[str] = (),
    ) -> None:
        self.spec, self.device = spec, device
        self.python = python or sys.executable
        self.case_timeout_s, self.batch_timeout_s = case_timeout_s, batch_timeout_s
        self.start_timeout_s = start_timeout_s
        self.scenario_modules = tuple(scenario_modules)
        self.info: EngineInfo | None = None
        self.starts = 0  # children started (a restart after each crash or hang)
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the supervisor
        self._log_start = 0
        self._batch: tuple[Scenario, list[Case]] | None = None
        self._busy = False  # a batch is running in the child

    # --- the child's life -------------------------------------------------------------------
    def start(self) -> EngineInfo | Failure:
        """Start the child if none runs; its EngineInfo, or the Failure that kept it from starting."""
        if self._proc is not None and self._proc.poll() is None and self.info is not None:
            return self.info
        self.kill()
        parent_end, child_end = socket.socketpair()
        self._log.seek(0, os.SEEK_END)
        self._log_start = self._log.tell()
        command = [self.python, "-m", "conformance.child", str(child_end.fileno()), str(os.getpid())]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        try:
            self._proc = subprocess.Popen(
                command,
                pass_fds=(child_end.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                start_new_session=True,
                env={k: v for k, v in env.items() if v},
            )
        except OSError as exc:
            parent_end.close()
            return Failure("start", f"could not start {self.python}: {exc}")
        finally:
            child_end.close()
        self.starts += 1
        self._conn = Connection(parent_end.detach())
        self._conn.send(("start", self.spec, self.device, _harness_paths(), self.scenario_modules))
        answer = self._receive(time.monotonic() + self.start_timeout_s)
        if isinstance(answer, Failure):
            what = "did not start within" if answer.kind == "timeout" else "died while starting"
            limit = f" {self.start_timeout_s:g}s" if answer.kind == "timeout" else ""
            return Failure("start", f"engine {self.spec} {what}{limit}: {answer.reason}", answer.detail)
        if answer[0] == "start_failed":
            self.kill()
            return answer[1]
        self.info = answer[1]
        return self.info

    def kill(self) -> None:
        """Kill the child and everything it started (its process group); reap it."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._proc is not None:
            if self._proc.poll() is None:
                try:
                    os.killpg(self._proc.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    self._proc.kill()
            self._proc.wait()
            self._proc = None
        self._busy = False

    def close(self) -> None:
        """Ask the child to stop, then make sure it has."""
        if self._conn is not None and not self._busy:
            try:
                self._conn.send(("stop",))
                if self._proc is not None:
                    self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        self._log.close()

    def stderr_tail(self) -> str:
        """The end of what the current (or last) child wrote to stderr or stdout."""
        self._log.flush()
        end = self._log.seek(0, os.SEEK_END)
        start = max(self._log_start, end - STDERR_TAIL)
        self._log.seek(start)
        return self._log.read(end - start).decode("utf-8", "replace")

    def _receive(self, deadline: float) -> Any:
        """The child's next message, or a Failure (timeout: it was killed; crash: it died)."""
        assert self._conn is not None and self._proc is not None
        try:
            ready = self._conn.poll(max(deadline - time.monotonic(), 0))
            if ready:
                return self._conn.recv()
        except (EOFError, OSError):
            ready = True
        except (pickle.UnpicklingError, AttributeError, ImportError, TypeError) as exc:
            self.kill()
            return Failure("protocol", f"unreadable message from the engine process: {exc}")
        if not ready:
            self.kill()
            return Failure("timeout", "no answer")
        returncode = self._proc.wait()
        tail = self.stderr_tail()
        self.kill()
        site = crash_site(tail)
        return Failure("crash", signal_text(returncode) + (f" at {site}" if site else ""), tail)

    # --- batches ----------------------------------------------------------------------------
    def submit(self, scenario: Scenario, cases: Sequence[Case]) -> None:
        """Send a batch to the child (started if need be); it starts working at once."""
        self._batch = (scenario, list(cases))
        self._send_batch(0)

    def _send_batch(self, first: int) -> Failure | None:
        assert self._batch is not None
        scenario, cases = self._batch
        started = self.start()
        if isinstance(started, Failure):
            return started
        assert self._conn is not None
        self._offset, self._sent_at = first, time.monotonic()
        self._conn.send(("run", scenario.id, scenario.run.__module__, cases[first:]))
        self._busy = True
        return None

    def results(self) -> Iterator[tuple[int, Result]]:
        """(index, Outcome or Failure) for every case of the submitted batch, in order."""
        assert self._batch is not None, "submit() first"
        _, cases = self._batch
        i = 0
        failure = None if self._busy else self._send_batch(0)
        last_answer = time.monotonic()
        while i < len(cases):
            if failure is not None:  # the engine cannot start: every remaining case says so
                yield i, failure
                i += 1
                if i < len(cases):
                    failure = self._send_batch(i)
                    last_answer = time.monotonic()
                continue
            deadline = min(last_answer + self.case_timeout_s, self._sent_at + (self.batch_timeout_s or 1e12))
            message = self._receive(deadline)
            if isinstance(message, Failure):
                yield i, self._case_failure(message, batch_over=time.monotonic() - self._sent_at)
                i += 1
                if i < len(cases):
                    failure = self._send_batch(i)
                last_answer = time.monotonic()
                continue
            if message[0] == "case":
                last_answer = time.monotonic()
                yield self._offset + message[1], message[2]
                i = self._offset + message[1] + 1
            elif message[0] == "done":
                self._busy = False
        if self._busy:  # wait for the child's "done" so that the next batch starts clean
            message = self._receive(time.monotonic() + self.case_timeout_s)
            self._busy = False
        self._batch = None

    def _case_failure(self, failure: Failure, batch_over: float) -> Failure:
        name = self.info.name if self.info is not None else self.spec
        if failure.kind == "timeout":
            if self.batch_timeout_s and batch_over >= self.batch_timeout_s:
                reason = f"timeout: the batch took over {self.batch_timeout_s:g}s in {name}"
            else:
                reason = f"timeout: {name} took over {self.case_timeout_s:g}s (killed)"
            return Failure("timeout", reason, failure.detail)
        if failure.kind == "crash":
            return Failure("crash", f"crash: the {name} process died ({failure.reason})", failure.detail)
        return failure

    def abandon(self) -> None:
        """Forget the rest of the batch: the child is killed if it is still working on it."""
        if self._busy:
            self.kill()
        self._batch = None
