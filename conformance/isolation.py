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

import contextlib
import mmap
import os
import pickle
import re
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from conformance.child import PROGRESS
from conformance.execution import EngineInfo, Failure, Result
from spec.scenario import Case, Scenario

ROOT = Path(__file__).resolve().parents[1]
"""The checkout (or site-packages folder) holding conformance/ and spec/: the child imports them from here."""

STDERR_TAIL = 4000
"""Bytes of the child's stderr kept to explain a crash."""

POLL_S = 0.25
"""How often the supervisor looks at the child's progress while it waits for answers."""


class Progress:
    """Two int64 in a shared file: (batch serial, index of the case in flight), written by the child
    before each case, so that a crash or hang is pinned to its case while the child reports its
    results in chunks (one message per case would cost a third of the child's time)."""

    FORMAT = PROGRESS

    def __init__(self) -> None:
        self._file = tempfile.NamedTemporaryFile(prefix="tensorspec-progress-", delete=False)  # noqa: SIM115
        self._file.write(b"\xff" * struct.calcsize(self.FORMAT))
        self._file.flush()
        self.path = self._file.name
        self._map = mmap.mmap(self._file.fileno(), struct.calcsize(self.FORMAT))

    def read(self) -> tuple[int, int]:
        return struct.unpack_from(self.FORMAT, self._map)

    def close(self) -> None:
        self._map.close()
        self._file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


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
    """Where faulthandler's dump says the child died: its innermost frame and, when that lies in a
    library, the innermost frame outside one ('string_at (ctypes/__init__.py:519) from _segfault
    (misbehaving.py:56)'); file names only, so that the same crash reads the same on any machine."""
    frames: list[tuple[str, str, str]] = []
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if "most recent call first" in line:
            for text in lines[i + 1 :]:
                found = _FRAME.match(text.strip())
                if not found:
                    break
                frames.append((found["file"], found["line"], found["function"]))
            break
    if not frames:
        return ""

    def show(file: str, line: str, function: str) -> str:
        path = Path(file)
        short = path.name if path.name != "__init__.py" else f"{path.parent.name}/{path.name}"
        return f"{function} ({short}:{line})"

    own = next((f for f in frames if not _in_library(f[0])), None)
    where = show(*frames[0])
    return where if own in (None, frames[0]) else f"{where} from {show(*own)}"


_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<function>\S+)')
_LIBRARIES = tuple({sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")})


def _in_library(file: str) -> bool:
    return file.startswith(_LIBRARIES) or "site-packages" in file or file.startswith("<")


def _child_environment() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return {k: v for k, v in env.items() if v}


class ForkedChild:
    """A child forked from this process (the same interpreter, its imports already done: a start in
    a fraction of a second instead of importing torch again), with Popen's poll/wait/kill/pid.

    The child keeps only the socket and the log (as stdout and stderr), becomes a session of its
    own, puts the signal handlers and timers it inherited back to their defaults, and runs
    `conformance.child.main`; it never returns into the harness' code (os._exit)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    @classmethod
    def start(cls, sock: int, log: int) -> ForkedChild:
        parent = os.getpid()
        pid = os.fork()
        if pid:
            return cls(pid)
        code = 1
        try:
            os.setsid()
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.dup2(sock, 3)
            os.closerange(4, 65536)  # the harness' pipes and files: not the child's to hold
            signal.setitimer(signal.ITIMER_REAL, 0)
            for number in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGCHLD):
                signal.signal(number, signal.SIG_DFL)
            sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the child's own standard streams
            sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
            from conformance.child import main

            code = main(["conformance.child", "3", str(parent)])
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout or 0)
            time.sleep(0.005)
        assert self.returncode is not None
        return self.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


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
        fork: bool = False,
    ) -> None:
        self.spec, self.device = spec, device
        self.python = python or sys.executable
        self.fork = fork and not python and hasattr(os, "fork")
        self.case_timeout_s, self.batch_timeout_s = case_timeout_s, batch_timeout_s
        self.start_timeout_s = start_timeout_s
        self.scenario_modules = tuple(scenario_modules)
        self.info: EngineInfo | None = None
        self.starts = 0  # children started (a restart after each crash or hang)
        self._proc: subprocess.Popen[bytes] | ForkedChild | None = None
        self._conn: Connection | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the supervisor
        self._log_start = 0
        self._progress = Progress()
        self._batch: tuple[Scenario, list[Case]] | None = None
        self._sent: Failure | None = None
        self._serial = 0  # numbers the batches sent, so that a late answer is never mistaken
        self._busy = False  # a batch is running in the child
        self._launched_at = 0.0

    # --- the child's life -------------------------------------------------------------------
    def launch(self) -> Failure | None:
        """Start a child and ask it to build the engine, without waiting for it (start() waits):
        the engine imports while the harness does its own start-up."""
        self.kill()
        parent_end, child_end = socket.socketpair()
        self._log.seek(0, os.SEEK_END)
        self._log_start = self._log.tell()
        try:
            if self.fork:
                self._proc = ForkedChild.start(child_end.fileno(), self._log.fileno())
            else:
                self._proc = subprocess.Popen(  # type: ignore[assignment]
                    [self.python, "-m", "conformance.child", str(child_end.fileno()), str(os.getpid())],
                    pass_fds=(child_end.fileno(),),
                    stdin=subprocess.DEVNULL,
                    stdout=self._log,
                    stderr=self._log,
                    start_new_session=True,
                    env=_child_environment(),
                )
        except OSError as exc:
            parent_end.close()
            return Failure("start", f"could not start {self.python}: {exc}")
        finally:
            child_end.close()
        self.starts += 1
        self._conn = Connection(parent_end.detach())
        start = (
            "start",
            self.spec,
            self.device,
            _harness_paths(),
            self.scenario_modules,
            self._progress.path,
        )
        self._conn.send(start)
        self.info, self._launched_at = None, time.monotonic()
        return None

    def start(self) -> EngineInfo | Failure:
        """Start the child if none runs (or wait for the one launched); its EngineInfo, or the
        Failure that kept it from starting."""
        if self._proc is not None and self._proc.poll() is None and self.info is not None:
            return self.info
        if self._proc is None or self._conn is None or self.info is not None:
            launched = self.launch()
            if launched is not None:
                return launched
        answer = self._receive(self._launched_at + self.start_timeout_s)
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
        self._progress.close()

    def stderr_tail(self) -> str:
        """The end of what the current (or last) child wrote to stderr or stdout."""
        self._log.flush()
        end = self._log.seek(0, os.SEEK_END)
        start = max(self._log_start, end - STDERR_TAIL)
        self._log.seek(start)
        return self._log.read(end - start).decode("utf-8", "replace")

    def _receive(self, until: float, *, quiet: bool = False) -> Any:
        """The child's next message by `until`; None if none came and `quiet` (the deadline lies
        later); else a Failure (timeout: the child was killed; crash: it died)."""
        assert self._conn is not None and self._proc is not None
        try:
            ready = self._conn.poll(max(until - time.monotonic(), 0))
            if ready:
                return self._conn.recv()
        except (EOFError, OSError):
            ready = True
        except (pickle.UnpicklingError, AttributeError, ImportError, TypeError) as exc:
            self.kill()
            return Failure("protocol", f"unreadable message from the engine process: {exc}")
        if not ready and quiet and self._proc.poll() is None:
            return None
        if not ready and self._proc.poll() is None:
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
        self._results: dict[int, Result] = {}
        self._sent = self._send(range(len(cases)))

    def _send(self, indices: Iterable[int]) -> Failure | None:
        """Send these cases of the batch to the child (starting one if need be); a start Failure."""
        assert self._batch is not None
        scenario, cases = self._batch
        started = self.start()
        if isinstance(started, Failure):
            return started
        assert self._conn is not None
        self._serial += 1
        self._conn.send(
            ("run", self._serial, scenario.id, scenario.run.__module__, [(i, cases[i]) for i in indices])
        )
        self._busy, self._sent_at = True, time.monotonic()
        return None

    def results(self) -> Iterator[tuple[int, Result]]:
        """(index, Outcome or Failure) for every case of the submitted batch, in index order."""
        assert self._batch is not None, "submit() first"
        _, cases = self._batch
        results, after = self._results, 0  # every index below `after` has been handed out
        start_failure = self._sent
        last_move, seen = time.monotonic(), (-1, -1)
        while after < len(cases):
            if after in results:
                yield after, results.pop(after)
                after += 1
                continue
            if start_failure is not None:  # no child: every remaining case says why, one by one
                results[after] = start_failure
                start_failure = self._resend(results, after, len(cases))
                continue
            now = time.monotonic()
            if self._progress.read() != seen:
                seen, last_move = self._progress.read(), now
            deadline = min(last_move + self.case_timeout_s, self._sent_at + (self.batch_timeout_s or 1e12))
            message = self._receive(min(deadline, now + POLL_S), quiet=now + POLL_S < deadline)
            if message is None:  # nothing yet, no deadline passed
                continue
            if isinstance(message, Failure):  # the child hung (killed) or died: pin it to its case
                serial, index = self._progress.read()
                stuck = index if serial == self._serial and index >= after and index not in results else after
                results[stuck] = self._case_failure(message, batch_over=time.monotonic() - self._sent_at)
                start_failure = self._resend(results, after, len(cases))
                last_move = time.monotonic()
            elif message[0] == "cases" and message[1] == self._serial:
                results.update(message[2])
            elif message[0] == "done" and message[1] == self._serial:
                self._busy = False
        if self._busy:  # wait for the child's "done" so that the next batch starts clean
            while (message := self._receive(time.monotonic() + self.case_timeout_s)) is not None:
                if isinstance(message, Failure) or (message[0] == "done" and message[1] == self._serial):
                    break
            self._busy = False
        self._batch = None

    def _resend(self, results: dict[int, Result], after: int, n: int) -> Failure | None:
        """After a crash or hang: the cases not yet answered go to a fresh child."""
        pending = [i for i in range(after, n) if i not in results]
        return self._send(pending) if pending else None

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
        self._results = {}
