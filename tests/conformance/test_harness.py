"""The differential loop in-process: verdicts, records, manifests, timeouts, crashes, reproductions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import toy_scenarios.promotion as toy
from broken_engines import BrokenEngine, Float64ForPythonFloats, RowMajorStrides

from conformance import reproduction
from conformance.engines import get_engine
from conformance.manifest import Manifest, stale_records
from conformance.records import CaseRecord
from conformance.runner import Harness, Target, targets
from spec.engine import DTYPES
from spec.scenario import REGISTRY


def _widened_by_python_float() -> set[str]:
    """dtypes whose tensor + 2.5 is float16/float32 in torch: those Float64ForPythonFloats breaks."""
    import torch

    low = (torch.float16, torch.float32)
    return {d for d in DTYPES if (torch.ones(1, dtype=getattr(torch, d)) + 2.5).dtype in low}


TOY = {name: REGISTRY[f"promotion.{name}"] for name in ("toy_add", "toy_drawn_add", "toy_observed_outside")}


def _manifest(tmp_path: Path, text: str) -> Manifest:
    path = tmp_path / "manifest.toml"
    path.write_text(text)
    return Manifest.load(path)


def _statuses(records: list[CaseRecord]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + r.count
    return counts


def test_torch_against_itself_passes_with_aggregated_pass_records() -> None:
    res = Harness("torch", "torch", profile="ci").run_target(targets([TOY["toy_add"]])[0])
    assert not res.failures
    assert [r.status for r in res.records] == ["pass"]
    assert res.records[0].count == len(list(TOY["toy_add"].cases())) == res.counts["pass"]


def test_divergence_records_the_case_fields_and_a_reproduction() -> None:
    res = Harness(Float64ForPythonFloats(), "torch", profile="ci").run_target(targets([TOY["toy_add"]])[0])
    fails = [r for r in res.records if r.status == "fail"]
    assert fails and len(res.failures) == res.counts["fail"] == sum(r.count for r in fails)
    assert {r.cause for r in fails} == {
        "dtype result.dtype: float64 vs float32",
        "dtype result.dtype: float64 vs float16",
    }
    first = fails[0].examples[0]
    assert eval(first.case)["scalar"] == 2.5  # only Python floats diverge
    assert {d["field"] for d in first.differences} == {"dtype"}
    assert {c["dtype"] for r in fails for c in r.cases} == _widened_by_python_float()
    assert "from toy_scenarios.promotion import toy_add" in first.reproduction


def test_reproduction_runs_as_is_and_shows_the_difference(subprocess_env: dict[str, str]) -> None:
    harness = Harness(Float64ForPythonFloats(), "torch")
    script = reproduction.script(harness, TOY["toy_add"], {"dtype": "float32", "scalar": 2.5})
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=subprocess_env)
    assert run.returncode == 0, run.stderr
    assert "DIFFERENCE dtype result.dtype: engine float64 | oracle float32" in run.stdout


def test_drawn_divergence_shrinks_to_a_minimal_case() -> None:
    res = Harness(Float64ForPythonFloats(), "torch", profile="ci").run_target(
        targets([TOY["toy_drawn_add"]])[0]
    )
    assert res.counts["fail"] == 1
    (fail,) = [r for r in res.records if r.status == "fail"]
    assert eval(fail.examples[0].case) == {
        "dtype": "float32",
        "value": 0,
    }  # hypothesis' simplest failing case
    assert fail.seed is None or isinstance(fail.seed, int | str)


def test_manifest_entry_makes_the_divergence_expected(tmp_path: Path) -> None:
    manifest = _manifest(
        tmp_path,
        """
[[divergence]]
scenario = "promotion.toy_*"
match = { scalar = 2.5 }
fields = ["dtype"]
reason = "this engine widens Python floats to float64"
""",
    )
    res = Harness(Float64ForPythonFloats(), "torch", manifest=manifest).run_target(
        targets([TOY["toy_add"]])[0]
    )
    assert not res.failures
    assert _statuses(res.records)["expected"] == len(_widened_by_python_float())
    assert all(
        r.reason == "this engine widens Python floats to float64"
        for r in res.records
        if r.status == "expected"
    )
    assert stale_records(manifest, res.records, {"promotion.toy_add"}) == []


def test_manifest_entry_that_explains_other_fields_does_not_hide_a_failure(tmp_path: Path) -> None:
    manifest = _manifest(
        tmp_path,
        '[[divergence]]\nscenario = "promotion.toy_add"\nmatch = { scalar = 2.5 }\n'
        'fields = ["value"]\nreason = "explains values only"\n',
    )
    res = Harness(Float64ForPythonFloats(), "torch", manifest=manifest).run_target(
        targets([TOY["toy_add"]])[0]
    )
    assert res.counts["fail"] == len(_widened_by_python_float()) and res.counts["expected"] == 0


def test_stale_entries_are_reported(tmp_path: Path) -> None:
    manifest = _manifest(
        tmp_path,
        """
[[divergence]]
scenario = "promotion.toy_add"
match = { dtype = "float16" }
reason = "fixed since"

[[divergence]]
scenario = "promotion.toy_add"
match = { dtype = "float8" }
reason = "a typo: matches nothing"
flaky = true
""",
    )
    res = Harness("torch", "torch", manifest=manifest).run_target(targets([TOY["toy_add"]])[0])
    stale = stale_records(manifest, res.records, {"promotion.toy_add"})
    assert [(r.status, r.manifest_entry, r.flaky) for r in stale] == [
        ("stale", manifest.entries[0].label, False),
        ("stale", manifest.entries[1].label, True),
    ]
    assert "all 3 matching cases agree" in stale[0].reason and "decides no case" in stale[1].reason


class BrokenObservation(BrokenEngine):
    """Crashes in to_numpy for int64 tensors: an adapter bug outside the scenario's catching()."""

    def to_numpy(self, t: Any) -> Any:
        if self.dtype(t) == "int64":
            raise KeyError("adapter bug")
        return super().to_numpy(t)


def test_adapter_crash_loses_only_that_case() -> None:
    res = Harness(BrokenObservation(), "torch").run_target(targets([TOY["toy_observed_outside"]])[0])
    assert res.counts == {"pass": 1, "error": 1}
    (error,) = [r for r in res.records if r.status == "error"]
    assert error.reason.startswith("engine broken-BrokenObservation raised KeyError: 'adapter bug' (at ")
    assert res.failures  # an error fails the test


def test_case_timeout_records_an_error_and_moves_on() -> None:
    harness = Harness(BrokenEngine(), "torch", timeout_s=0.3)
    res = harness.run_target(targets([REGISTRY["promotion.toy_sleep"]])[0])
    assert res.counts == {"pass": 1, "error": 1}
    (error,) = [r for r in res.records if r.status == "error"]
    assert error.reason == "timeout: broken-BrokenEngine took over 0.3s"
    assert error.duration_s < 5


class NoBfloat16(BrokenEngine):
    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self.dtypes = self.dtypes - {"bfloat16"}


def test_unsupported_dtype_is_recorded_per_case_not_passed() -> None:
    res = Harness(NoBfloat16(), "torch").run_target(targets([TOY["toy_add"]])[0])
    assert res.counts["unsupported"] == 3  # bfloat16 with each of the three scalars
    assert res.counts["pass"] == len(list(TOY["toy_add"].cases())) - 3
    (unsupported,) = [r for r in res.records if r.status == "unsupported"]
    assert unsupported.reason == "dtype bfloat16 unsupported by broken-NoBfloat16 on cpu"


def test_not_run_records_every_case_and_skips() -> None:
    res = Harness("torch", "torch", not_run_reason="not run: no CUDA").run_target(
        targets([TOY["toy_add"]])[0]
    )
    assert res.skip_reason == "not run: no CUDA"
    assert _statuses(res.records) == {"not_run": len(list(TOY["toy_add"].cases()))}


def test_large_finite_domains_are_chunked_for_xdist() -> None:
    found = targets([TOY["toy_add"]], chunk_size=10)
    n = len(list(TOY["toy_add"].cases()))
    assert [t.id for t in found] == [f"promotion.toy_add-{i + 1}of{len(found)}" for i in range(len(found))]
    assert sum(len(t.cases or ()) for t in found) == n and len(found) == -(-n // 10)
    assert isinstance(found[0], Target)


def test_strides_difference_is_reported_in_its_field() -> None:
    res = Harness(RowMajorStrides(), "torch").run_target(targets([REGISTRY["promotion.toy_view"]])[0])
    (fail,) = [r for r in res.records if r.status == "fail"]
    assert eval(fail.examples[0].case) == {"transpose": True}
    assert [d["field"] for d in fail.examples[0].differences] == ["strides"]


def test_engine_registry_resolves_names_and_import_paths() -> None:
    assert get_engine("torch").name == "torch"
    custom = get_engine("broken_engines:RowMajorStrides")
    assert isinstance(custom, RowMajorStrides)
    with pytest.raises(Exception, match="unknown engine 'nosuch'"):
        get_engine("nosuch")
    with pytest.raises(Exception, match="needs 'no_such_module'"):
        get_engine("no_such_module:Engine")
    assert toy.CRASH_ENV == "TOY_CRASH"


def test_a_strategy_that_fails_is_an_error_not_a_pass() -> None:
    res = Harness("torch", "torch", profile="ci").run_target(
        targets([REGISTRY["promotion.toy_unsatisfiable"]])[0]
    )
    assert res.counts == {"error": 1}
    (error,) = res.records
    assert error.reason.startswith("hypothesis: ")
    assert res.failures and "Traceback" in res.failures[0]


def test_the_failing_expression_shows_the_call_and_both_results() -> None:
    res = Harness(Float64ForPythonFloats(), "torch", profile="ci").run_target(targets([TOY["toy_add"]])[0])
    (example, *_) = next(r for r in res.records if r.status == "fail" and "float32" in r.cause).examples
    dtype = example.params["dtype"]
    assert (
        example.expression.startswith("torch.add(tensor(")
        and f"dtype={dtype}), 2.5)  -> " in example.expression
    )
    assert example.expression.endswith(" -> float64 [3.5, 2.5, 3.5] vs float32 [3.5, 2.5, 3.5]")


def test_the_failing_expression_of_an_error_is_the_call_that_raised() -> None:
    class RaisesOnAdd(BrokenEngine):
        def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
            if op == "add" and args[1] is True:
                raise ValueError("no bools here")
            return super().call(op, *args, **kwargs)

    res = Harness(RaisesOnAdd(), "torch", profile="ci").run_target(targets([TOY["toy_add"]])[0])
    fail = next(r for r in res.records if r.status == "fail")
    assert fail.cause == "error exception: ValueError vs no exception; value result"
    assert fail.examples[0].expression.startswith("torch.add(tensor(")
    assert fail.examples[0].expression.endswith(", True)  -> ValueError: no bools here vs no exception")
