"""`python -m reports diff OLD NEW` on real runs: two broken releases of an engine and torch itself,
checked with the Harness in-process on the real scenario promotion.promote_types (144 cases)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from conformance import records as rec
from conformance.engines.torchlike import TorchLikeEngine
from conformance.records import CaseRecord, RunRecord, Status
from conformance.runner import Harness, targets
from reports.__main__ import main
from reports.diff import diff
from spec.scenario import all_scenarios

SCENARIOS = ("promotion.promote_types", "promotion.integer_division_by_zero")
INTS = ("uint8", "int8", "int16", "int32")


class Release1(TorchLikeEngine):
    """torch, except that two different small integer dtypes promote to int64."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(torch, "mylib", device)

    def promote_types(self, a: str, b: str) -> str:
        return "int64" if a != b and a in INTS and b in INTS else super().promote_types(a, b)


class Release2(Release1):
    """Release 1 with its wrong promotion half fixed: uint8 pairs are right, the others now raise."""

    def promote_types(self, a: str, b: str) -> str:
        if a != b and a in INTS and b in INTS and "uint8" not in (a, b):
            raise TypeError(f"cannot promote {a} and {b}")
        return TorchLikeEngine.promote_types(self, a, b)


def _run(tmp_path: Path, name: str, engine: Any) -> Path:
    """One real run of the scenarios, written as results (the run, its case records)."""
    harness = Harness(engine, "torch", isolation="none", run_id=name, profile="ci")
    path = tmp_path / name / "results.jsonl"
    cases: list[CaseRecord] = []
    try:
        for target in targets([all_scenarios()[sid] for sid in SCENARIOS]):
            cases += harness.run_target(target).records
    finally:
        harness.close()
    for r in cases:
        r.engine = "mylib"  # one engine in both runs, whatever adapter class ran it
    rec.append(path, [RunRecord(run_id=name, started="2026-12-01T00:00:00+00:00", engine="mylib"), *cases])
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("diff")
    return {
        "v1": _run(root, "v1", Release1()),
        "v2": _run(root, "v2", Release2()),
        "torch": _run(root, "torch", TorchLikeEngine(torch, "torch")),
    }


def _divergent(path: Path) -> int:
    return sum(r.count for r in rec.records(path) if isinstance(r, CaseRecord) and r.status is Status.FAIL)


def _totals(old: Path, new: Path) -> dict[str, Any]:
    return json.loads(diff([str(old)], [str(new)], as_json=True))


def test_a_fix_and_a_regression_are_listed_with_exact_counts(runs: dict[str, Path]) -> None:
    broken = _divergent(runs["v1"])
    assert broken == len(INTS) * (len(INTS) - 1)  # every ordered pair of two different dtypes
    fixed = _totals(runs["v1"], runs["torch"])
    assert fixed["totals"] == {
        "new": 0,
        "fixed": broken,
        "changed": 0,
        "reclassified": 0,
        "not comparable": 0,
    }
    regressed = _totals(runs["torch"], runs["v1"])
    assert regressed["totals"]["new"] == broken and regressed["totals"]["fixed"] == 0
    assert {c["scenario"] for c in regressed["changes"]} == {"promotion.promote_types"}
    same = _totals(runs["torch"], runs["torch"])
    assert set(same["totals"].values()) == {0} and same["unchanged"] == 0


def test_a_changed_cause_is_matched_case_by_case(runs: dict[str, Path]) -> None:
    data = _totals(runs["v1"], runs["v2"])
    (changed,) = [c for c in data["changes"] if c["kind"] == "changed"]
    # the 6 ordered pairs of int8, int16, int32: a wrong dtype became an exception
    assert changed["count"] == 6
    assert changed["old"] == {"status": "fail", "cause": "fact result: 'int#' vs 'int#'"}
    assert changed["new"]["cause"].startswith("error exception: TypeError vs no exception")
    assert "uint8" not in changed["example"].values()
    (fixed,) = [c for c in data["changes"] if c["kind"] == "fixed"]
    assert fixed["count"] == 6 and "uint8" in fixed["example"].values()  # the uint8 pairs agree now
    assert data["totals"]["new"] == 0 and data["unchanged"] == 0


def test_the_command_prints_the_listing_and_exits_0(
    runs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", str(runs["v1"].parent), str(runs["v2"])]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"OLD {runs['v1'].parent} (mylib@cpu; 1 run): 12 divergent cases"
    assert "new divergences: none" in out
    assert "fixed: 6 cases in 1 group" in out
    assert "changed cause: 6 cases in 1 group" in out
    line = next(x for x in out if x.startswith("  ~"))
    assert "fail: fact result: 'int#' vs 'int#'  ->  fail: error exception: TypeError" in line
    assert 'e.g. {"a": ' in line
    assert main(["diff", str(runs["v1"]), str(runs["v1"].parent / "nothing.jsonl")]) == 2
    assert "no results file matches" in capsys.readouterr().err


def test_results_of_several_engines_on_one_side_are_refused(tmp_path: Path, runs: dict[str, Path]) -> None:
    from reports import sample

    sample.write(tmp_path / "numpy.jsonl", sample.records(run_id="n", engine="numpy"))
    sample.write(tmp_path / "jax.jsonl", sample.records(run_id="j", engine="jax"))
    assert main(["diff", str(tmp_path), str(runs["v1"])]) == 2


def test_a_sampled_run_does_not_fix_what_it_did_not_check(tmp_path: Path) -> None:
    from reports import sample

    old = sample.write(tmp_path / "full.jsonl", sample.records(run_id="full", engine="numpy"))
    new = sample.write(tmp_path / "part.jsonl", sample.records(run_id="part", engine="numpy", sampled=0.3))
    data = _totals(old, new)
    assert data["totals"]["fixed"] == 0 and data["totals"]["new"] == 0
    unsure = [c for c in data["changes"] if c["kind"] == "not comparable"]
    assert unsure and all(c["note"] == "NEW left cases of this scenario unrecorded" for c in unsure)
    assert (
        data["unchanged"] + data["totals"]["not comparable"]
        == json.loads(diff([str(old)], [str(old)], as_json=True))["unchanged"]
    )


def test_results_without_list_parameters_still_match_case_by_case(tmp_path: Path) -> None:
    """Results of an older suite recorded only scalar parameters; NumPy's creation divergences differ
    in their argument lists: against such results, the same run is unchanged, case for case."""
    from conformance.engines import get_engine

    harness = Harness(get_engine("numpy"), "torch", isolation="none", run_id="new", profile="ci")
    try:
        found = [
            r for t in targets([all_scenarios()["creation.factories"]]) for r in harness.run_target(t).records
        ]
    finally:
        harness.close()
    for r in found:
        r.engine = "numpy"  # the registry name, as a run by --engine numpy records it
    divergent = sum(r.count for r in found if r.status is Status.FAIL)
    assert any(isinstance(p.get("args"), list) for r in found for p in r.cases) and divergent
    run = RunRecord(run_id="new", started="2026-12-01T00:00:00+00:00", engine="numpy")
    rec.append(tmp_path / "new.jsonl", [run, *found])
    for r in found:
        r.cases = [{k: v for k, v in p.items() if not isinstance(v, list)} for p in r.cases]
    rec.append(tmp_path / "old.jsonl", [run, *found])
    data = _totals(tmp_path / "old.jsonl", tmp_path / "new.jsonl")
    assert set(data["totals"].values()) == {0} and data["unchanged"] == divergent
