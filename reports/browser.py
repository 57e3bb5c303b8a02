"""Drive headless Chromium over the DevTools protocol on a pipe, with the standard library only.

Used by the report's browser tests, the benchmark (page load time) and `python -m reports
screenshot`. Chromium runs with a fresh empty profile and no background networking; every
request the page makes is recorded (Network domain), so a test can assert there were none
beyond the file itself.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


def chromium_path() -> str | None:
    """$CHROMIUM, else the first of chromium / chromium-browser / google-chrome on PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


def _high(fd: int) -> int:
    """fd duplicated to a number >= 10 (close-on-exec, like os.pipe's), the original closed."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


class BrowserError(RuntimeError):
    """Chromium failed, timed out, or a page script threw."""


class Chromium:
    """One headless Chromium with one page: open(url), evaluate(js), screenshot(png), requests."""

    def __init__(self, executable: str | None = None, timeout: float = 60.0) -> None:
        found = executable or chromium_path()
        if found is None:
            raise BrowserError("no Chromium executable found")
        self.executable: str = found
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self._ids = 0
        self._buffer = b""
        self.session: str | None = None

    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="tensorspec-chromium-")
        # --remote-debugging-pipe: Chromium reads commands on fd 3 and writes replies on fd 4. The pipe
        # ends are first moved above fd 9, so that placing them at 3 and 4 in the child clobbers neither.
        to_browser, from_browser = (tuple(_high(fd) for fd in os.pipe()) for _ in range(2))

        def wire() -> None:  # runs in the child before exec; dup2's copies are inheritable
            os.dup2(to_browser[0], 3)
            os.dup2(from_browser[1], 4)

        self._proc = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self._profile.name}"],
            preexec_fn=wire,  # the only way to place fds 3 and 4; fine in single-threaded use
            close_fds=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser[0])
        os.close(from_browser[1])
        self._write, self._read = to_browser[1], from_browser[0]
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(BrowserError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        os.close(self._write)
        os.close(self._read)
        self._profile.cleanup()

    # --- protocol -------------------------------------------------------------
    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        page: bool = False,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one command (to the page's session when `page`) and return its result."""
        self._ids += 1
        message: dict[str, Any] = {"id": self._ids, "method": method, "params": params or {}}
        if page:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._next(timeout)
            if reply.get("id") == self._ids:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _next(self, timeout: float | None) -> dict[str, Any]:
        deadline = time.monotonic() + (timeout or self.timeout)
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._read], [], [], left)[0]:
                raise BrowserError("timed out waiting for Chromium")
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        """The first (already received or coming) event named `method`; it is consumed."""
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._next(timeout)
            if event.get("method") == method:
                return event
            self.events.append(event)

    # --- page -----------------------------------------------------------------
    def open(self, url: str, *, width: int = 1280, height: int = 1000) -> float:
        """Open `url` in a fresh page and wait for its load event; returns seconds until then."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.send(f"{domain}.enable", page=True)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            page=True,
        )
        self.events.clear()
        start = time.perf_counter()
        self.send("Page.navigate", {"url": url}, page=True)
        self.wait_event("Page.loadEventFired")
        return time.perf_counter() - start

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            page=True,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: str | Path) -> int:
        """Write a PNG of the viewport; returns its size in bytes."""
        data = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"}, page=True)["data"])
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_bytes(data)
        return len(data)

    @property
    def requests(self) -> list[str]:
        """URLs of every request the page made (the document itself included)."""
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    @property
    def problems(self) -> list[str]:
        """Console errors, log errors (CSP violations among them) and uncaught exceptions."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Log.entryAdded" and params["entry"].get("level") == "error":
                out.append(params["entry"].get("text", ""))
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                out.append(" ".join(str(a.get("value", "")) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                out.append(str(params.get("exceptionDetails", {}).get("text", "exception")))
        return out
