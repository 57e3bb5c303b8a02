"""The test plan: covers that reach every key value and value pair first, replays of the last run's
failures, budgets that record what they did not reach, and shards that add up to the whole run."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conformance import records as rec
from conformance.planning import costs, cover_rounds, shard, strata_keys, targets
from conformance.records import CaseRecord, EndRecord, Status
from spec.scenario import all_scenarios

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = all_scenarios()


def _pairs(case: dict[str, Any], keys: list[str]) -> set[Any]:
    values = [(k, case[k]) for k in keys if k in case and not isinstance(case[k], list | dict)]
    return set(itertools.combinations(values, 2))


@pytest.mark.parametrize("sid", ["promotion.binary_op", "creation.random_and_like", "promotion.inplace_cast"])
def test_covers_reach_every_value_then_every_pair_and_partition_the_cases(sid: str) -> None:
    cases = list(SCENARIOS[sid].cases())
    first, second, rest = cover_rounds(sid, cases)
    assert sorted(map(repr, first + second + rest)) == sorted(map(repr, cases))
    keys = strata_keys(cases)
    assert {(k, c.get(k)) for c in cases for k in keys} == {(k, c.get(k)) for c in first for k in keys}
    assert set().union(*(_pairs(c, keys) for c in cases)) == set().union(
        *(_pairs(c, keys) for c in first + second)
    )
    assert len(first) < 40 and len(first) + len(second) < len(cases) / 4


def test_every_chunk_of_the_rest_samples_the_whole_domain() -> None:
    """A budget that stops inside the rest must not leave one op's cases all unchecked: under a
    budget (spread), each chunk of promotion.binary_op's rest holds every op, kind and dtype of the
    domain; without one, the chunks keep the enumeration's order (an op's cases together)."""
    sc = SCENARIOS["promotion.binary_op"]
    ordered = [t for t in targets([sc], cover=True) if not t.kind]
    assert {c["op"] for c in ordered[0].cases or ()} != {c["op"] for c in sc.cases()}
    chunks = [t for t in targets([sc], cover=True, spread=True) if not t.kind]
    assert sorted(map(repr, (c for t in chunks for c in t.cases or ()))) == sorted(
        map(repr, (c for t in ordered for c in t.cases or ()))
    )
    assert len(chunks) > 2
    keys = ("op", "lhs_kind", "rhs_kind", "lhs_dtype", "rhs_dtype")
    every = {k: {c[k] for c in sc.cases()} for k in keys}
    for chunk in chunks:
        assert {k: {c[k] for c in chunk.cases or ()} for k in keys} == every, chunk.id


def test_tests_run_round_by_round_replays_first() -> None:
    sc = SCENARIOS["promotion.promote_types"]
    from conformance.corpus import literal

    replay = {sc.id: [literal({"a": "int8", "b": "uint8"})]}
    found = targets(SCENARIOS.values(), corpus=True, cover=True, replay=replay)
    rounds = [t.round for t in found]
    assert rounds == sorted(rounds) and found[0].id == "promotion.promote_types-replay"
    promote = [t for t in found if t.scenario is sc]
    assert sum(t.size or 0 for t in promote) == 144  # the replayed case is not checked twice
    assert sum(t.size or 0 for t in targets(SCENARIOS.values(), corpus=True, cover=True)) == sum(
        t.size or 0 for t in targets(SCENARIOS.values(), corpus=True)
    )


@pytest.mark.parametrize("count", [2, 3])
def test_shards_partition_the_tests_and_balance_their_costs(count: int) -> None:
    found = targets(SCENARIOS.values(), corpus=True, cover=True)
    per_case = costs()
    shards = [shard(found, k, count, per_case) for k in range(1, count + 1)]
    ids = [t.id for part in shards for t in part]
    assert sorted(ids) == sorted(t.id for t in found)  # every test exactly once
    loads = [sum((t.size or 0) * per_case.get(t.scenario.id, 2e-4) for t in part) for part in shards]
    assert max(loads) < 1.35 * sum(loads) / count
    assert shards == [shard(found, k, count, per_case) for k in range(1, count + 1)]  # deterministic


def _pytest(env: dict[str, str], out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q"]
    command += ["--results", str(out), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _counts(paths: list[Path]) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for path in paths:
        for r in rec.records(path):
            if isinstance(r, CaseRecord) and r.status is not Status.STALE:
                found[(r.scenario, r.status)] += r.count
    return found


SUBSET = ["--area", "promotion", "--area", "memory", "--engine", "numpy"]


def test_sharded_runs_merge_to_the_single_run(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    single = tmp_path / "single.jsonl"
    assert _pytest(subprocess_env, single, *SUBSET).returncode == 0
    for count in (2, 3):
        parts = [tmp_path / f"{count}-{k}.jsonl" for k in range(1, count + 1)]
        for k, path in enumerate(parts, 1):
            run = _pytest(subprocess_env, path, *SUBSET, "--shard", f"{k}/{count}")
            assert run.returncode in (0, 5), run.stdout + run.stderr
        assert _counts(parts) == _counts([single]), count
        html = tmp_path / f"report-{count}" / "index.html"
        built = subprocess.run(
            [sys.executable, "-m", "reports", "build", *map(str, parts), "-o", str(html)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert built.returncode == 0, built.stderr


def test_a_budget_records_what_it_did_not_reach(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    out = tmp_path / "budget.jsonl"
    start = time.monotonic()
    chosen = ["--scenario", "promotion.binary_op", "--scenario", "promotion.promote_types"]
    run = _pytest(subprocess_env, out, "--engine", "slow_engine:Slow", *chosen, "--budget", "6")
    assert run.returncode == 0, run.stdout + run.stderr
    assert time.monotonic() - start < 60
    found = rec.records(out)
    (end,) = [r for r in found if isinstance(r, EndRecord)]
    assert all(a.accounted == a.collected and not a.missing for a in end.tests)
    not_run = [r for r in found if isinstance(r, CaseRecord) and r.status is Status.NOT_RUN]
    assert not_run and all("budget of 6s was spent" in r.reason for r in not_run)
    covered = {a.test for a in end.tests if a.checked}
    assert {"promotion.binary_op-cover1", "promotion.promote_types-cover1"} <= covered
    assert "budget" in run.stdout


def test_the_last_runs_failures_are_checked_first(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    out = tmp_path / "r.jsonl"
    args = ["--engine", "broken_engines:Float64ForPythonFloats", "--scenario", "promotion.binary_op"]
    first = _pytest(subprocess_env, out, *args)
    assert first.returncode == 1
    again = _pytest(subprocess_env, out, *args, "-x")
    assert again.returncode == 1
    assert "promotion.binary_op-replay" in again.stdout and again.stdout.count("FAILED") == 1
