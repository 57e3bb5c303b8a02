"""The conformance run's command-line options (registered by conformance/plugin.py) and their parsing."""

from __future__ import annotations

import re

import pytest

from conformance import profiles
from conformance.runner import (
    DEFAULT_BATCH_TIMEOUT_S,
    DEFAULT_BREAKER,
    DEFAULT_CASE_TIMEOUT_S,
    DEFAULT_START_TIMEOUT_S,
    ISOLATION,
)
from spec.engine import AREAS


def add_options(parser: pytest.Parser) -> None:
    """The tensorspec option group."""
    group = parser.getgroup("tensorspec", "tensorspec conformance (pytest conformance ...)")
    add = group.addoption
    add("--engine", default="impl", help="engine under test: a registry name or pkg.mod:Adapter")
    add("--oracle", default="torch", help="the oracle engine (default torch)")
    add("--device", default="cpu", help="the engine's device (default cpu)")
    add("--oracle-device", default="cpu", help="the oracle's device (default cpu)")
    add(
        "--results",
        default=None,
        help="JSON-lines results (default results/<engine>-<device>[-vs-<oracle device>].jsonl)",
    )
    add("--manifest", default=None, help="expected divergences (default conformance/manifests/<engine>.toml)")
    add("--area", action="append", choices=AREAS, help="only these areas (repeatable)")
    add("--scenario", action="append", help="only scenario ids matching this fnmatch pattern (repeatable)")
    add("--scenario-module", action="append", help="import this module to register more scenarios")
    add(
        "--budget",
        type=float,
        default=None,
        help="seconds for the whole run: cases not reached in time are recorded not_run (the `quick` "
        f"profile sets {profiles.QUICK_BUDGET_S:g}); cover rounds first: every stratum gets a case early",
    )
    add(
        "--shard",
        default=None,
        help="K/N: run the K-th of N shards of the tests (balanced by recorded costs)",
    )
    add(
        "--shard-costs",
        default=None,
        help="a results file whose per-test durations balance the shards (default conformance/costs.json)",
    )
    add(
        "--no-replay",
        action="store_true",
        help="do not check the previous run's failing cases first",
    )
    add(
        "--drawn",
        choices=("corpus", "hypothesis"),
        default=None,
        help="cases of drawn scenarios: the committed corpus (default under the ci profile: the same "
        "cases for every engine) or fresh hypothesis draws, shrunk on failure (default otherwise)",
    )
    add(
        "--isolation",
        choices=ISOLATION,
        default="engine",
        help="engine: the engine in a supervised child process (default); both: the oracle too; "
        "none: everything in the pytest process (debugging)",
    )
    add("--engine-python", default="", help="start the engine's process under this Python interpreter")
    add(
        "--spawn",
        action="store_true",
        help="start the engine's process afresh (python -m conformance.child) instead of forking it from "
        "the pytest process, whose imports it then shares (forking is the default, but for CUDA)",
    )
    add("--oracle-python", default="", help="start the oracle in its own process under this interpreter")
    add(
        "--case-timeout",
        type=float,
        default=DEFAULT_CASE_TIMEOUT_S,
        help=f"seconds per case before it is recorded `error` (0: none; default {DEFAULT_CASE_TIMEOUT_S:g})",
    )
    add(
        "--batch-timeout",
        type=float,
        default=DEFAULT_BATCH_TIMEOUT_S,
        help="seconds per batch of cases in the engine's process "
        f"(0: none; default {DEFAULT_BATCH_TIMEOUT_S:g})",
    )
    add(
        "--start-timeout",
        type=float,
        default=DEFAULT_START_TIMEOUT_S,
        help=f"seconds for the engine's process to start (default {DEFAULT_START_TIMEOUT_S:g})",
    )
    add(
        "--breaker",
        type=int,
        default=DEFAULT_BREAKER,
        help="after this many crashes or timeouts in a row, a test's other cases are not run "
        f"(recorded `error`; 0: never; default {DEFAULT_BREAKER})",
    )


def slug(text: str) -> str:
    """A name fit for a file name."""
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_")


def default_results_name(engine: str, device: str, oracle_device: str) -> str:
    """results/<engine>-<device>.jsonl, with '-vs-<oracle device>' when the oracle runs elsewhere."""
    vs = f"-vs-{slug(oracle_device)}" if oracle_device != device else ""
    return f"{slug(engine)}-{slug(device)}{vs}.jsonl"


def shard_option(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    match = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise pytest.UsageError(f"--shard {text!r}: expected K/N with 1 <= K <= N, e.g. 2/3")
    return int(match[1]), int(match[2])
