"""The pytest plugin end to end: child `pytest conformance` runs over the toy scenarios, checked
through their exit codes, output and JSON-lines results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from conformance import records as rec
from conformance.records import CaseRecord, EndRecord, RunRecord

ROOT = Path(__file__).resolve().parents[2]
TOY = ["--scenario-module", "toy_scenarios.promotion", "--scenario", "promotion.toy_*"]


def _pytest(env: dict[str, str], results_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-rs"]
    command += ["--results", str(results_path), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _records(path: Path) -> list[Any]:
    return rec.records(path)


def _count(records: list[Any], status: str, scenario: str | None = None) -> int:
    return sum(
        r.count
        for r in records
        if isinstance(r, CaseRecord) and r.status == status and scenario in (None, r.scenario)
    )


def test_worker_death_keeps_what_was_written(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    out = tmp_path / "crash.jsonl"
    env = {**subprocess_env, "TOY_CRASH": "1"}
    scenarios = [
        "--scenario",
        "promotion.toy_add",
        "--scenario",
        "promotion.toy_drawn_add",
        "--scenario",
        "*crash",
    ]
    run = _pytest(env, out, "--engine", "torch", "-n", "2", *TOY[:2], *scenarios)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "crashed" in run.stdout
    records = _records(out)
    assert [type(r) for r in records].count(RunRecord) == 1 and isinstance(records[0], RunRecord)
    assert _count(records, "pass", "promotion.toy_add") == 36
    assert _count(records, "pass", "promotion.toy_drawn_add") > 36
    crash = [r for r in records if isinstance(r, CaseRecord) and r.status == "error"]
    assert [(r.scenario, r.count) for r in crash] == [("promotion.toy_crash", 6)]  # the whole test
    assert crash[0].reason.startswith("the pytest worker died while running")
    end = records[-1]
    assert isinstance(end, EndRecord) and end.exitstatus == 1
    assert [a.missing for a in end.tests] == [0, 0, 0]


def test_header_run_record_and_passes(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    out = tmp_path / "ok.jsonl"
    scenarios = ["--scenario", "promotion.toy_add", "--scenario", "promotion.toy_drawn_add"]
    run = _pytest(subprocess_env, out, "--engine", "torch", "-p", "conformance.plugin", *TOY[:2], *scenarios)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"tensorspec: engine torch {torch.__version__} (cpu;" in run.stdout
    assert f"tensorspec: oracle torch {torch.__version__} (cpu;" in run.stdout
    assert "tensorspec: isolation 'engine', hypothesis profile 'ci', seed derandomized" in run.stdout
    records = _records(out)
    run_record = records[0]
    assert (run_record.engine, run_record.hypothesis_profile, run_record.seed) == (
        "torch",
        "ci",
        "derandomized",
    )
    assert _count(records, "pass", "promotion.toy_add") == 36
    assert _count(records, "pass", "promotion.toy_drawn_add") > 36  # several batches of drawn cases
    assert isinstance(records[-1], EndRecord) and records[-1].exitstatus == 0


def test_dev_profile_from_the_environment_gets_a_recorded_seed(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    out = tmp_path / "dev.jsonl"
    env = {**subprocess_env, "TENSORSPEC_PROFILE": "dev"}
    run = _pytest(env, out, "--engine", "torch", *TOY[:2], "--scenario", "promotion.toy_drawn_add")
    assert run.returncode == 0, run.stdout + run.stderr
    seed = _records(out)[0].seed
    assert isinstance(seed, int)
    assert f"hypothesis profile 'dev', seed {seed}" in run.stdout
    assert {r.seed for r in _records(out) if isinstance(r, CaseRecord)} == {seed}


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present: the leg would really run")
def test_cuda_without_a_device_is_not_run_never_passed(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    out = tmp_path / "cuda.jsonl"
    run = _pytest(
        subprocess_env,
        out,
        "--engine",
        "torch",
        "--device",
        "cuda",
        *TOY[:2],
        "--scenario",
        "promotion.toy_a*",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" not in run.stdout and "1 skipped" in run.stdout
    assert "sees no CUDA device" in run.stdout
    statuses = {r.status for r in _records(out) if isinstance(r, CaseRecord)}
    assert statuses == {"not_run"}
    assert _count(_records(out), "not_run") == 36


def test_no_tests_collected_exits_5(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    out = tmp_path / "none.jsonl"
    run = _pytest(subprocess_env, out, "--engine", "torch", "--scenario", "no.such.scenario")
    assert run.returncode == 5, run.stdout + run.stderr
    assert _records(out)[-1].exitstatus == 5


@pytest.mark.parametrize(("flaky", "exit_code"), [(False, 1), (True, 0)])
def test_stale_entries_fail_a_ci_run_unless_flaky(
    tmp_path: Path, subprocess_env: dict[str, str], flaky: bool, exit_code: int
) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        f'[[divergence]]\nscenario = "promotion.toy_add"\nmatch = {{ dtype = "float16" }}\n'
        f'reason = "once diverged"\nflaky = {str(flaky).lower()}\n'
    )
    out = tmp_path / "stale.jsonl"
    run = _pytest(
        subprocess_env,
        out,
        "--engine",
        "torch",
        "--manifest",
        str(manifest),
        *TOY[:2],
        "--scenario",
        "promotion.toy_add",
    )
    assert run.returncode == exit_code, run.stdout + run.stderr
    assert "stale manifest entries" in run.stdout
    stale = [r for r in _records(out) if isinstance(r, CaseRecord) and r.status == "stale"]
    assert len(stale) == 1 and stale[0].flaky is flaky and "once diverged" in stale[0].reason


class _Plugins:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def has_plugin(self, name: str) -> bool:
        return name in self.names


class _Config:
    """What _distributed reads of a pytest config."""

    def __init__(self, plugins: tuple[str, ...] = (), **options: Any) -> None:
        self.pluginmanager, self.options = _Plugins(plugins), options

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


def test_the_controller_knows_it_hands_tests_to_workers_before_xdist_says_so() -> None:
    """During pytest_configure xdist may not have registered its session yet: `-n 2` is still a
    distributed run (else the controller builds the oracle, importing torch, before any worker
    starts: a second on the way to the first failure)."""
    from conformance.plugin import _distributed

    workers = {"dist": "load", "tx": ["2*popen"], "collectonly": False}
    assert _distributed(_Config(**workers))  # type: ignore[arg-type]
    assert _distributed(_Config(("dsession",), collectonly=False))  # type: ignore[arg-type]
    assert not _distributed(_Config(dist="no", tx=[], collectonly=False))  # type: ignore[arg-type]
    assert not _distributed(_Config(**{**workers, "collectonly": True}))  # type: ignore[arg-type]
    worker = _Config(**workers)
    worker.workerinput = {}  # type: ignore[attr-defined]
    assert not _distributed(worker)  # type: ignore[arg-type]
