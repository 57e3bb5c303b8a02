"""Shared helpers for the adapter tests: torch as the live oracle, the harness, scenario lookup."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from conformance.manifest import Manifest
from conformance.runner import Harness, targets
from spec.engine import Engine
from spec.scenario import Case, Scenario, all_scenarios

SCENARIOS: dict[str, Scenario] = all_scenarios()
MANIFESTS = "conformance/manifests"


def harness(engine: Engine, *, manifest: str | None = None) -> Harness:
    """The differential loop for `engine` against live torch, with its manifest when named."""
    loaded = Manifest.load(f"{MANIFESTS}/{manifest}.toml") if manifest else Manifest()
    return Harness(engine, "torch", manifest=loaded, profile="ci")


def verdict(engine: Engine, scenario_id: str, case: Case, *, manifest: str | None = None) -> str:
    """The status of one case of one scenario for `engine` vs torch (with or without its manifest)."""
    h = harness(engine, manifest=manifest)
    sc = SCENARIOS[scenario_id]
    entries = h.manifest.for_scenario(sc.id, h.device)
    return h.check_case(sc, case, entries).status


def statuses(engine: Engine, scenario_id: str, max_cases: int = 3) -> set[str]:
    """The statuses the harness records for the first target of a scenario (capability gaps)."""
    target = targets([SCENARIOS[scenario_id]])[0]
    result = harness(engine).run_target(target, max_cases=max_cases)
    return {str(r.status) for r in result.records}


def torch_dtype_name(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def assert_same_values(engine: Engine, handle: Any, expected: torch.Tensor, **tolerance: float) -> None:
    np.testing.assert_allclose(engine.to_numpy(handle), expected.detach().numpy(), **tolerance)
