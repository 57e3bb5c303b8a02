"""Adapters that misbehave the way engines under test do: impl through the torch-like adapter, with
one case (`promote_types('int16', 'uint8')` of the real scenario promotion.promote_types) that
crashes, hangs or raises out of the adapter, or a constructor that does.

tests/conformance/test_isolation.py runs each on the suite's real scenarios, serially and under
`-n 2`, and checks that the run ends by itself, that the bad case is recorded `error` with its
reason and that every other case of every test is recorded.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import impl
from conformance.engines.torchlike import TorchLikeEngine

TRIGGER = ("int16", "uint8")
"""The one case that misbehaves: promotion.promote_types {'a': 'int16', 'b': 'uint8'}."""


class Escape(BaseException):
    """Not an Exception: nothing that catches Exception stops it."""


def _spin_library() -> ctypes.CDLL:
    """A C function that loops forever without returning to Python (compiled with the system's cc)."""
    folder = Path(tempfile.gettempdir()) / f"tensorspec-spin-{os.getuid()}"
    folder.mkdir(exist_ok=True)
    library = folder / "spin.so"
    if not library.exists():
        source = folder / "spin.c"
        source.write_text("void spin(void) { volatile unsigned long n = 0; for (;;) { n++; } }\n")
        subprocess.run(["cc", "-shared", "-fPIC", "-O0", "-o", str(library), str(source)], check=True)
    return ctypes.CDLL(str(library))


def _sleep_forever() -> None:
    time.sleep(3600)


def _busy_loop() -> None:
    while True:
        pass


def _blocked_alarm() -> None:
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    time.sleep(3600)


def _ignored_alarm() -> None:
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    time.sleep(3600)


def _c_loop() -> None:
    _spin_library().spin()


def _retry_everything() -> None:
    while True:
        try:
            time.sleep(3600)
        except BaseException:
            continue


def _segfault() -> None:
    ctypes.string_at(0)


ACTS: dict[str, Any] = {
    "exit": lambda: os._exit(3),
    "segfault": _segfault,
    "sigkill": lambda: os.kill(os.getpid(), signal.SIGKILL),
    "raise_escape": lambda: (_ for _ in ()).throw(Escape("escaped the adapter")),
    "system_exit": lambda: (_ for _ in ()).throw(SystemExit(7)),
    "sleep": _sleep_forever,
    "busy_loop": _busy_loop,
    "blocked_alarm": _blocked_alarm,
    "ignored_alarm": _ignored_alarm,
    "c_loop": _c_loop,
    "retry_loop": _retry_everything,
}
"""How the one case misbehaves, by name."""


class Misbehaving(TorchLikeEngine):
    """impl, with `act` run on the trigger case."""

    act = "exit"

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(impl, f"misbehaving-{self.act}", device)

    def promote_types(self, a: str, b: str) -> str:
        if (a, b) == TRIGGER:
            ACTS[self.act]()
        return super().promote_types(a, b)


def _adapter(act: str) -> type[Misbehaving]:
    return type(f"On{act.title().replace('_', '')}", (Misbehaving,), {"act": act, "__module__": __name__})


ONE_CASE: dict[str, type[Misbehaving]] = {act: _adapter(act) for act in ACTS}
for _cls in ONE_CASE.values():
    globals()[_cls.__name__] = _cls


class CrashesOnEveryCase(TorchLikeEngine):
    """Every tensor it makes, op it calls and dtype it promotes kills the process."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(impl, "crashes-on-every-case", device)

    def tensor(self, *args: Any, **kwargs: Any) -> Any:
        os._exit(9)

    call = method = promote_types = tensor


class HangsInConstructor(TorchLikeEngine):
    def __init__(self, device: str = "cpu") -> None:
        time.sleep(3600)


class CrashesInConstructor(TorchLikeEngine):
    def __init__(self, device: str = "cpu") -> None:
        _segfault()
