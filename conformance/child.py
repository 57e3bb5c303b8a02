"""The child process that runs an engine under supervision: `python -m conformance.child FD`.

Started by `conformance.isolation.EngineProcess`, it talks to its supervisor over the socket `FD`
(multiprocessing.connection framing, pickled plain data) and never over stdout or stderr, which
the supervisor sends to a log file (its tail explains a crash). The conversation:

    supervisor                              child
    ("start", spec, device, paths,          ("ready", EngineInfo) | ("start_failed", Failure)
     modules, progress file)
    ("run", serial, scenario_id, module,    ("cases", serial, [(index, Outcome | Failure), ...]) in
     [(index, case), ...])                  chunks, then ("done", serial); before each case the
                                            progress file holds (serial, index)
    ("stop",) or end of file                exits

Every exception escaping a scenario, BaseException included (an adapter's SystemExit), is that
case's Failure: the child carries on with the next case. What the child cannot survive (a
segfault, os._exit, a hang) the supervisor sees and pins to the case in flight.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import importlib
import mmap
import os
import pickle
import signal
import struct
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

PROGRESS = "<qq"
"""(batch serial, case index) written before each case into the file the supervisor shares
(conformance.isolation.Progress): the case in flight when the child crashes or hangs."""


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this process when its supervisor dies, even inside a C loop."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the supervisor died before prctl took effect
        os._exit(1)


FLUSH_S = 0.02
"""Results are sent in chunks: at the end of a batch, or once this long has passed since the last."""


def serve(conn: Connection) -> int:
    """Start the engine as asked, then run batches until told to stop."""
    from conformance.engines import EngineUnavailable, get_engine
    from conformance.execution import EngineInfo, Failure, run_case, summary

    _, spec, device, paths, modules, progress_path = conn.recv()
    for path in reversed(paths):
        if path not in sys.path:
            sys.path.insert(0, path)
    with open(progress_path, "r+b") as fh:
        progress = mmap.mmap(fh.fileno(), struct.calcsize(PROGRESS))
    try:
        from spec.scenario import REGISTRY, all_scenarios

        all_scenarios()
        for module in modules:
            importlib.import_module(module)
        engine = get_engine(spec, device=device)
        info = EngineInfo.of(engine, python=sys.executable)
    except EngineUnavailable as exc:  # nothing to start: a usage error, not an engine failure
        conn.send(("start_failed", Failure("unavailable", str(exc))))
        return 1
    except BaseException as exc:  # a constructor that raises, or exits: the engine cannot start
        import traceback

        reason = f"engine {spec} could not be built: {summary(exc)}"
        conn.send(("start_failed", Failure("start", reason, traceback.format_exc())))
        return 1
    conn.send(("ready", info))
    while True:
        try:
            message: Any = conn.recv()
        except (EOFError, OSError):
            return 0
        if message[0] != "run":
            return 0
        _, serial, sid, module, cases = message
        if sid not in REGISTRY:  # a scenario from outside spec/ (a test's toy module): import it here too
            with contextlib.suppress(Exception):
                importlib.import_module(module)
        scenario = REGISTRY.get(sid)
        done: list[tuple[int, Any]] = []
        flushed = time.monotonic()
        for index, case in cases:
            struct.pack_into(PROGRESS, progress, 0, serial, index)
            if scenario is None:
                result: Any = Failure("protocol", f"scenario {sid} is not registered in the engine's process")
            else:
                result = run_case(scenario, engine, case)
            done.append((index, result))
            if time.monotonic() - flushed >= FLUSH_S:
                _send(conn, serial, done)
                done, flushed = [], time.monotonic()
        _send(conn, serial, done)
        conn.send(("done", serial))


def _send(conn: Connection, serial: int, done: list[tuple[int, Any]]) -> None:
    """One chunk of results; an Outcome that does not pickle is that case's Failure, not a crash."""
    from conformance.execution import Failure, summary

    if not done:
        return
    try:
        conn.send(("cases", serial, done))
    except (pickle.PicklingError, TypeError, AttributeError):
        for index, result in done:
            try:
                conn.send(("cases", serial, [(index, result)]))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                failure = Failure("protocol", f"the outcome could not be sent: {summary(exc)}")
                conn.send(("cases", serial, [(index, failure)]))


def main(argv: list[str]) -> int:
    parent = int(argv[2]) if len(argv) > 2 else os.getppid()
    _die_with_parent(parent)
    faulthandler.enable()  # a segfault's Python traceback goes to stderr: the supervisor's log
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle
    conn = Connection(int(argv[1]))
    try:
        return serve(conn)
    finally:
        conn.close()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
