"""The harness catches real breakage: broken copies of the torch adapter, run through the real
scenarios under the `ci` profile, are reported with a divergence in the field their rule affects;
and the harness never turns "could not check" into a pass."""

from __future__ import annotations

from typing import Any

import pytest
from broken_engines import BROKEN, BrokenEngine, ViewsCopy

from conformance.engines import get_engine
from conformance.runner import Harness, TargetResult, targets
from spec.engine import Capability
from spec.scenario import all_scenarios


def _run(engine: Any, scenario_ids: tuple[str, ...], **harness_options: Any) -> list[TargetResult]:
    """Run the scenarios' targets until one fails (ci profile), returning the results so far."""
    registry = all_scenarios()
    missing = [sid for sid in scenario_ids if sid not in registry]
    assert not missing, f"scenarios {missing} are not registered"
    harness = Harness(engine, "torch", profile="ci", **harness_options)
    found = []
    for target in targets(registry[sid] for sid in scenario_ids):
        found.append(harness.run_target(target))
        if found[-1].failures:
            break
    return found


def _failing_fields(found: list[TargetResult]) -> set[str]:
    return {
        d["field"]
        for res in found
        for r in res.records
        if r.status == "fail"
        for example in r.examples
        for d in example.differences
    }


@pytest.mark.parametrize("broken", list(BROKEN), ids=lambda cls: cls.__name__)
def test_broken_engine_is_caught(broken: type[BrokenEngine]) -> None:
    found = _run(broken(), BROKEN[broken])
    assert any(res.failures for res in found), f"{broken.breaks}: no divergence found"
    assert broken.field in _failing_fields(found), f"{broken.breaks}: fields {_failing_fields(found)}"


def test_the_unbroken_adapter_passes_the_same_scenarios() -> None:
    """The control: torch against torch passes every scenario the broken engines fail."""
    scenario_ids = tuple(sorted({sid for sids in BROKEN.values() for sid in sids}))
    found = _run(get_engine("torch"), scenario_ids)
    assert not [f for res in found for f in res.failures]
    assert sum(res.counts["pass"] for res in found) > 0


class NoViews(BrokenEngine):
    """An engine declaring that it has no views: scenarios needing VIEWS are unsupported."""

    def __init__(self, device: str = "cpu") -> None:
        super().__init__(device)
        self.capabilities = self.capabilities - {Capability.VIEWS}


def test_unsupported_capability_is_recorded_and_skipped_never_passed() -> None:
    (res,) = _run(NoViews(), ("memory.views",))[:1]
    assert res.counts["pass"] == 0
    assert res.skip_reason == f"{NoViews().name} lacks capability views"
    assert {r.status for r in res.records} == {"unsupported"}
    assert res.records[0].count == res.counts["unsupported"] > 0


def _without_strides(engine: Any) -> Any:
    engine.capabilities = engine.capabilities - {Capability.STRIDES}
    return engine


@pytest.mark.parametrize("scenario_id", ["memory.views", "broadcasting.expand_sizes", "memory.copy_or_share"])
def test_a_copy_instead_of_a_view_is_caught_without_strides(scenario_id: str) -> None:
    """An engine with VIEWS but no STRIDES still gets aliasing and write-through checked: views
    that copy are caught there, and no strides are compared."""
    found = _run(_without_strides(ViewsCopy()), (scenario_id,))
    fields = _failing_fields(found)
    assert any(res.failures for res in found), f"{scenario_id}: a copying view went unnoticed"
    assert "strides" not in fields and fields & {"aliasing", "value"}, fields
    control = _run(_without_strides(get_engine("torch")), (scenario_id,))
    assert not [f for res in control for f in res.failures]
    assert sum(res.counts["pass"] for res in control) > 0
