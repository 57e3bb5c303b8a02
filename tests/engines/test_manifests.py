"""The manifests of the non-torch-like engines load, name real scenarios and give reasons, and a
divergence that is a finding (docs/findings.md) is listed as the engine's bug, never passed off as a
design difference."""

from __future__ import annotations

import fnmatch

import pytest

from conformance.manifest import Manifest, lookup
from tests.engines.support import MANIFESTS, SCENARIOS

ENGINES = ("numpy", "jax", "jax64", "tinygrad")


@pytest.mark.parametrize("engine", ENGINES)
def test_every_entry_names_a_registered_scenario_and_a_reason(engine: str) -> None:
    manifest = Manifest.load(f"{MANIFESTS}/{engine}.toml")
    assert manifest.entries, f"{engine}.toml is missing or empty"
    for entry in manifest.entries:
        assert any(fnmatch.fnmatchcase(sid, entry.scenario) for sid in SCENARIOS), entry.label
        assert len(entry.reason) > 20, entry.label


FINDINGS = {
    "tinygrad": [
        (  # T4: int32 pow does not compile
            "promotion.binary_op",
            {
                "op": "pow",
                "lhs_kind": "tensor",
                "lhs_dtype": "int32",
                "rhs_kind": "tensor",
                "rhs_dtype": "int32",
                "default_dtype": "float32",
            },
        ),
        (
            "creation.tensor_from_data",
            {"data": [1.7, -1.7], "dtype": "uint8", "default_dtype": "float32"},
        ),  # T5
    ],
}


@pytest.mark.parametrize(
    ("engine", "scenario_id", "case"), [(e, s, c) for e, cs in FINDINGS.items() for s, c in cs]
)
def test_findings_are_listed_as_engine_bugs(engine: str, scenario_id: str, case: dict) -> None:
    """The entry deciding a finding's case names the bug (so it goes stale when the engine is fixed)."""
    manifest = Manifest.load(f"{MANIFESTS}/{engine}.toml")
    entry = lookup(manifest.for_scenario(scenario_id, "cpu"), case)
    assert entry is not None and entry.reason.startswith(f"{engine} bug T"), entry
