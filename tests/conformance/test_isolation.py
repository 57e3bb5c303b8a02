"""Engines that crash, hang and raise, run on the suite's real scenarios, serially and under -n 2:
the run ends by itself, exits 1, the bad case is recorded `error` with its reason, every other
case of every test is recorded, and the report builds and names the bad case."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from misbehaving import ONE_CASE, TRIGGER

from conformance import corpus
from conformance import records as rec
from conformance.records import CaseRecord, EndRecord, Status

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = {"promotion.promote_types": 144, "promotion.integer_division_by_zero": 45}
DRAWN = "broadcasting.broadcast_shapes"
SELECT = [arg for sid in [*SCENARIOS, DRAWN] for arg in ("--scenario", sid)]
LIMITS = ["--case-timeout", "3", "--start-timeout", "60"]
BOUND_S = 150
"""Wall-clock bound for a whole run, hangs included (each costs one 3 s timeout and a restart)."""

REASONS: dict[str, str] = {
    "exit": "exit code 3",
    "segfault": "killed by SIGSEGV",
    "sigkill": "killed by SIGKILL",
    "raise_escape": "raised Escape: escaped the adapter",
    "system_exit": "raised SystemExit: 7",
    "sleep": "timeout",
    "busy_loop": "timeout",
    "blocked_alarm": "timeout",
    "ignored_alarm": "timeout",
    "c_loop": "timeout",
    "retry_loop": "timeout",
}
"""What the record of the bad case says, by misbehaviour."""


def _run(env: dict[str, str], out: Path, engine: str, workers: int, *extra: str) -> tuple[Any, float]:
    command = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q"]
    command += ["--engine", engine, "--results", str(out), *SELECT, *LIMITS, *extra]
    if workers:
        command += ["-n", str(workers)]
    start = time.monotonic()
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BOUND_S + 60)
    return run, time.monotonic() - start


def _cases(found: list[Any]) -> list[CaseRecord]:
    return [r for r in found if isinstance(r, CaseRecord)]


def _count(found: list[Any], scenario: str, status: Status) -> int:
    return sum(r.count for r in _cases(found) if r.scenario == scenario and r.status is status)


def _assert_all_accounted(found: list[Any]) -> EndRecord:
    (end,) = [r for r in found if isinstance(r, EndRecord)]
    assert end.exitstatus == 1
    assert [a.test for a in end.tests if a.missing] == []
    collected: Counter[str] = Counter()
    for a in end.tests:  # a scenario's tests: its covers and its chunks
        assert a.accounted == a.collected
        collected[a.scenario] += a.collected or 0
    drawn = len(corpus.load(DRAWN) or ())  # under ci the drawn scenario is checked on its corpus
    assert collected == {**SCENARIOS, DRAWN: drawn}
    return end


def _report_names(tmp_path: Path, results: Path, *texts: str) -> None:
    html = tmp_path / "report" / "index.html"
    built = subprocess.run(
        [sys.executable, "-m", "reports", "build", str(results), "-o", str(html)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert built.returncode == 0, built.stderr
    page = html.read_text(encoding="utf-8")
    summary = json.loads((html.parent / "summary.json").read_text(encoding="utf-8"))
    for text in texts:
        assert text in page and text in json.dumps(summary)


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
@pytest.mark.parametrize("act", sorted(ONE_CASE))
def test_one_bad_case_is_an_error_and_nothing_else_is_lost(
    tmp_path: Path, subprocess_env: dict[str, str], act: str, workers: int
) -> None:
    if act == "c_loop" and shutil.which("cc") is None:
        pytest.skip("no C compiler (cc) to build the C loop")
    out = tmp_path / "r.jsonl"
    run, seconds = _run(subprocess_env, out, f"misbehaving:{ONE_CASE[act].__name__}", workers)
    assert run.returncode == 1, run.stdout + run.stderr
    assert seconds < BOUND_S
    found = list(rec.read(out))
    (bad,) = [r for r in _cases(found) if r.status is Status.ERROR]
    assert (bad.scenario, bad.count, bad.cases) == (
        "promotion.promote_types",
        1,
        [{"a": TRIGGER[0], "b": TRIGGER[1]}],
    )
    assert REASONS[act] in bad.reason, bad.reason
    assert _count(found, "promotion.promote_types", Status.PASS) == 143
    assert _count(found, "promotion.integer_division_by_zero", Status.PASS) == 45
    assert _count(found, DRAWN, Status.PASS) > 50
    _assert_all_accounted(found)
    _report_names(tmp_path, out, "promotion.promote_types", REASONS[act])


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
def test_a_crash_on_every_case_trips_the_breaker(
    tmp_path: Path, subprocess_env: dict[str, str], workers: int
) -> None:
    out = tmp_path / "r.jsonl"
    run, seconds = _run(subprocess_env, out, "misbehaving:CrashesOnEveryCase", workers)
    assert run.returncode == 1, run.stdout + run.stderr
    assert seconds < BOUND_S
    found = list(rec.read(out))
    statuses = {r.status for r in _cases(found)}
    assert statuses == {Status.ERROR}
    reasons = {r.reason for r in _cases(found)}
    assert any("exit code 9" in r for r in reasons)
    assert "not run: engine failed 3 times in a row" in reasons
    assert _count(found, "promotion.promote_types", Status.ERROR) == 144
    _assert_all_accounted(found)


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "n2"])
@pytest.mark.parametrize(
    ("engine", "reason"),
    [
        ("misbehaving:HangsInConstructor", "did not start within 8s"),
        ("misbehaving:CrashesInConstructor", "killed by SIGSEGV"),
    ],
    ids=["hangs", "crashes"],
)
def test_an_engine_that_cannot_start_is_an_error_for_every_case(
    tmp_path: Path, subprocess_env: dict[str, str], engine: str, reason: str, workers: int
) -> None:
    out = tmp_path / "r.jsonl"
    run, seconds = _run(subprocess_env, out, engine, workers, "--start-timeout", "8")
    assert run.returncode == 1, run.stdout + run.stderr
    assert seconds < BOUND_S
    found = list(rec.read(out))
    assert reason in found[0].engine_failed
    assert {r.status for r in _cases(found)} == {Status.ERROR}
    assert all(reason in r.reason for r in _cases(found))
    _assert_all_accounted(found)
    _report_names(tmp_path, out, reason)


def test_a_freshly_spawned_engine_process_is_supervised_alike(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    """--spawn: the engine's process is `python -m conformance.child`, not a fork of the worker."""
    out = tmp_path / "r.jsonl"
    run, _ = _run(subprocess_env, out, f"misbehaving:{ONE_CASE['segfault'].__name__}", 0, "--spawn")
    assert run.returncode == 1, run.stdout + run.stderr
    found = list(rec.read(out))
    (bad,) = [r for r in _cases(found) if r.status is Status.ERROR]
    assert "killed by SIGSEGV" in bad.reason and "misbehaving.py" in bad.reason  # faulthandler's frame
    _assert_all_accounted(found)
