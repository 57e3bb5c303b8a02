"""Manifests drafted from a run: narrow entries per cause that select no agreeing case; once their
reasons are written the next run has no failure and no stale entry; `update` keeps written
reasons, drops stale entries and appends new causes."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from broken_engines import Float64ForPythonFloats

from conformance import records as rec
from conformance.drafting import Universe, boxes, fields_of
from conformance.engines import get_engine
from conformance.manifest import Manifest, stale_records
from conformance.records import CaseRecord, RunRecord, Status
from conformance.runner import Harness, targets
from conformance.tally import params
from spec.scenario import all_scenarios

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = "promotion.binary_op"


def test_a_box_drops_every_key_it_can_and_selects_no_other_case() -> None:
    every = [{"op": op, "dtype": d, "kind": k} for op in "ab" for d in ("x", "y", "z") for k in ("t", "s")]
    group = [c for c in every if c["dtype"] in ("x", "y") and c["kind"] == "s"]
    (box,) = boxes(group, Universe(every, ["dtype", "kind", "op"]))
    assert box == {"dtype": ["x", "y"], "kind": ["s"]}
    lone = [{"op": "a", "dtype": "z", "kind": "t"}]
    assert boxes(lone, Universe(every, ["dtype", "kind", "op"])) == [
        {"dtype": ["z"], "kind": ["t"], "op": ["a"]}
    ]


def test_fields_come_from_the_cause_key() -> None:
    assert fields_of("dtype result.dtype: float64 vs float32; value result") == ["dtype", "value"]


def test_params_keep_what_a_manifest_can_match() -> None:
    case = {"op": "add", "args": (2, [3, 1j]), "spec": {"shape": [2]}, "data": [1.0, float("nan")], "x": None}
    assert params(case) == {"op": "add", "args": [2, [3, "1j"]], "x": None}


def _run(engine: Any, manifest: Manifest, out: Path, scenarios: tuple[str, ...] = (SCENARIO,)) -> list[Any]:
    harness = Harness(engine, "torch", manifest=manifest, profile="ci")
    found: list[CaseRecord] = []
    for t in targets([all_scenarios()[sid] for sid in scenarios], corpus=True):
        found += harness.run_target(t).records
    found += stale_records(manifest, found, set(scenarios))
    run = RunRecord(run_id=harness.run_id, started="2026-12-01T00:00:00", engine="broken", drawn="corpus")
    rec.append(out, [run, *found])
    return found


def _draft(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "conformance", "manifest", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_drafted_manifest_with_reasons_makes_the_next_run_clean(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    first = _run(Float64ForPythonFloats(), Manifest(), tmp_path / "first.jsonl")
    divergent = sum(r.count for r in first if r.status is Status.FAIL)
    assert divergent > 0
    drafted = tmp_path / "drafted.toml"
    run = _draft(subprocess_env, "draft", str(tmp_path / "first.jsonl"), "-o", str(drafted))
    assert run.returncode == 0, run.stderr
    entries = tomllib.loads(drafted.read_text())["divergence"]
    assert entries and all(e["reason"].startswith("TODO") for e in entries)
    assert all("match" in e and e["scenario"] == SCENARIO and e["fields"] == ["dtype"] for e in entries)

    # placeholders explain nothing: the same run fails again, naming the entry
    again = _run(Float64ForPythonFloats(), Manifest.load(drafted), tmp_path / "again.jsonl")
    assert sum(r.count for r in again if r.status is Status.FAIL) == divergent
    assert all("has no reason yet" in r.reason for r in again if r.status is Status.FAIL)

    filled = tmp_path / "filled.toml"
    filled.write_text(drafted.read_text().replace("TODO: explain", "Python floats widen to float64"))
    clean = _run(Float64ForPythonFloats(), Manifest.load(filled), tmp_path / "clean.jsonl")
    statuses = {r.status for r in clean}
    assert Status.FAIL not in statuses and Status.STALE not in statuses
    assert sum(r.count for r in clean if r.status is Status.EXPECTED) == divergent


def test_causes_told_apart_only_by_list_arguments_get_entries_that_each_decide_cases(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    """NumPy's creation divergences differ in the factories' argument lists and data (shapes,
    values): drafted from a run, every entry decides some case and the next run is clean."""
    numpy_engine = get_engine("numpy")
    scenarios = ("creation.factories", "creation.random_and_like", "creation.tensor_from_data")
    first = _run(numpy_engine, Manifest(), tmp_path / "first.jsonl", scenarios)
    assert any(isinstance(c.get("args"), list) for r in first for c in r.cases)
    drafted = tmp_path / "drafted.toml"
    assert _draft(subprocess_env, "draft", str(tmp_path / "first.jsonl"), "-o", str(drafted)).returncode == 0
    filled = tmp_path / "filled.toml"
    filled.write_text(drafted.read_text().replace("TODO: explain", "NumPy's own rule"))
    clean = _run(numpy_engine, Manifest.load(filled), tmp_path / "clean.jsonl", scenarios)
    assert {r.status for r in clean} & {Status.FAIL, Status.STALE} == set()
    assert sum(r.count for r in clean if r.status is Status.EXPECTED) == sum(
        r.count for r in first if r.status is Status.FAIL
    )


def test_update_keeps_reasons_drops_stale_entries_and_appends_new_causes(
    tmp_path: Path, subprocess_env: dict[str, str]
) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        "# my notes stay\n"
        '[[divergence]]\nscenario = "promotion.binary_op"\n'
        'match = { op = "add", rhs_dtype = "float", lhs_dtype = "float16" }\n'
        'fields = ["dtype"]\nreason = "a reason somebody wrote"\n\n'
        '[[divergence]]\nscenario = "promotion.binary_op"\n'
        'match = { op = "eq", lhs_dtype = "bool", rhs_dtype = "bool" }\n'
        'reason = "fixed long ago"\n'
    )
    _run(Float64ForPythonFloats(), Manifest.load(manifest), tmp_path / "r.jsonl")
    run = _draft(subprocess_env, "update", str(tmp_path / "r.jsonl"), "--manifest", str(manifest))
    assert run.returncode == 0, run.stderr
    assert "1 stale entries removed" in run.stdout
    text = manifest.read_text()
    assert (
        text.startswith("# my notes stay")
        and "a reason somebody wrote" in text
        and "fixed long ago" not in text
    )
    entries = tomllib.loads(text)["divergence"]
    assert entries[0]["reason"] == "a reason somebody wrote" and len(entries) > 1
    assert all(e["reason"].startswith("TODO") for e in entries[1:])


def test_draft_refuses_what_is_not_results(tmp_path: Path, subprocess_env: dict[str, str]) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n")
    run = _draft(subprocess_env, "draft", str(junk), "-o", str(tmp_path / "x.toml"))
    assert run.returncode == 2 and "no run record" in run.stderr
