"""reports.sample: sample results made of the real schema, the real scenarios and real reproductions."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

from conformance import records as rec
from conformance.records import CaseRecord, EndRecord, PlanRecord, Status
from reports import sample
from spec.scenario import all_scenarios

ROOT = Path(__file__).resolve().parents[2]


def _runs(tmp_path: Path) -> list[rec.Record | rec.Malformed]:
    path = tmp_path / "sample.jsonl"
    for engine, device in (("impl", "cpu"), ("impl", "cuda"), ("numpy", "cpu"), ("jax", "cpu")):
        sample.write(
            path,
            sample.records(run_id=f"{engine}-{device}", engine=engine, device=device, oracle_device=device),
        )
    sample.write(path, sample.records(run_id="cut", engine="numpy", end=False, sampled=0.5, hostile=True))
    return list(rec.read(path))


def test_sample_records_are_valid_records_of_registered_scenarios(tmp_path: Path) -> None:
    found = _runs(tmp_path)
    assert not [r for r in found if isinstance(r, rec.Malformed)]
    registry = all_scenarios()
    plans = [r for r in found if isinstance(r, PlanRecord)]
    planned = {p.test: p for plan in plans for p in plan.tests}
    assert {p.scenario for p in planned.values()} == set(registry)  # every scenario, nothing invented
    cases = [r for r in found if isinstance(r, CaseRecord)]
    assert {r.scenario for r in cases} <= set(registry)
    assert {r.area for r in cases} == {sc.area for sc in registry.values()}
    assert {r.test for r in cases if r.status is not Status.STALE} <= set(planned)
    for r in cases:
        assert r.area == registry[r.scenario].area
        assert len(r.cases) == (
            r.count if r.status in (Status.FAIL, Status.EXPECTED, Status.ERROR) else len(r.cases)
        )
    assert {Status.PASS, Status.FAIL, Status.EXPECTED, Status.ERROR, Status.STALE, Status.UNSUPPORTED} <= {
        r.status for r in cases
    }
    for end in (r for r in found if isinstance(r, EndRecord)):
        assert all(not a.missing for a in end.tests), end.run_id  # complete runs account for everything


def test_sample_cases_are_real_cases_of_their_scenario(tmp_path: Path) -> None:
    registry = all_scenarios()
    enumerated = {sid: [repr(c) for c in sc.cases()] for sid, sc in registry.items() if sc.finite}
    examples = [(r.scenario, e) for r in _runs(tmp_path) if isinstance(r, CaseRecord) for e in r.examples]
    assert len(examples) > 20
    for scenario, e in examples:
        assert e.case in enumerated[scenario]


def test_every_sample_reproduction_compiles_and_imports_what_exists(tmp_path: Path) -> None:
    scripts = {
        e.reproduction
        for r in _runs(tmp_path)
        if isinstance(r, CaseRecord)
        for e in r.examples
        if e.reproduction
    }
    assert len(scripts) > 20
    for script in scripts:
        tree = ast.parse(compile(script, "<reproduction>", "exec", flags=ast.PyCF_ONLY_AST))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = importlib.import_module(node.module or "")
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    importlib.import_module(alias.name)


def test_a_sample_reproduction_runs() -> None:
    """The reproduction of a sample divergence (NumPy's reshape of a transposed array) runs as is."""
    views = [
        r
        for r in sample.records(run_id="r", engine="numpy")
        if isinstance(r, CaseRecord) and r.scenario == "memory.views" and r.examples
    ]
    script = views[0].examples[0].reproduction
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("engine: ")
