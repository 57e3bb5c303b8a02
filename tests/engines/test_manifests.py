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


@pytest.mark.parametrize("engine", [*ENGINES, "impl"])
def test_entries_match_only_keys_their_scenarios_declare(engine: str) -> None:
    """A manifest entry narrows by case keys the scenario declares (Scenario.keys): a key a
    scenario's cases do not have could never match, and the entry would explain nothing."""
    for entry in Manifest.load(f"{MANIFESTS}/{engine}.toml").entries:
        for sid in (sid for sid in SCENARIOS if fnmatch.fnmatchcase(sid, entry.scenario)):
            assert set(entry.match) <= SCENARIOS[sid].keys, (entry.label, sid, SCENARIOS[sid].keys)


def test_impl_gaps_are_marked_for_the_lead() -> None:
    """impl's divergences are all impl gaps, each named as such (the lead fixes impl, then removes them)."""
    for entry in Manifest.load(f"{MANIFESTS}/impl.toml").entries:
        assert entry.reason.startswith("IMPL-GAP: "), entry.label


FINDINGS = {
    "jax": [
        ("promotion.integer_special_values", {"op": "pow", "dtype": "int8"}),  # J1
        ("autograd.special_points", {"point": "pow_zero_base", "dtype": "float32"}),  # J2
    ],
    "jax64": [
        ("promotion.integer_special_values", {"op": "pow", "dtype": "int64"}),  # J1
        ("autograd.special_points", {"point": "pow_zero_base", "dtype": "float64"}),  # J2
    ],
    "tinygrad": [
        ("promotion.python_scalars", {"op": "pow", "dtype": "int32", "scalar": "2**31"}),  # T9
        (  # T10
            "memory.views",
            {"op": "view", "args": [6, 4], "base_shape": [2, 3, 4], "base_layout": "contiguous"},
        ),
        ("promotion.special_values", {"op": "maximum", "dtype": "float32"}),  # T11
        ("promotion.special_values", {"op": "abs", "dtype": "float32"}),  # T12
        ("promotion.special_values", {"op": "max", "dtype": "bfloat16"}),  # T13
        ("creation.arange_steps", {"args": [0, 0.3, 0.1], "dtype": "float16"}),  # T14
        ("promotion.integer_special_values", {"op": "pow", "dtype": "uint8"}),  # T15
        ("promotion.python_scalars", {"op": "add", "dtype": "int32", "scalar": "2**64"}),  # T16
        (  # T17
            "creation.numpy_scalar_arguments",
            {"factory": "zeros", "args": [[{"np": "int64", "value": 2}]], "default_dtype": "float32"},
        ),
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
    assert entry is not None and entry.reason.startswith(f"{engine.removesuffix('64')} bug "), entry
