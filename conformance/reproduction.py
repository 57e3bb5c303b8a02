"""What a reader gets to see a divergence again: a standalone script and a failure message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.corpus import literal
from spec.scenario import Case, Scenario

if TYPE_CHECKING:
    from conformance.runner import Harness
    from conformance.verdicts import Verdict

SCRIPT = """\
# {sid}: {engine} ({device}) vs {oracle} ({oracle_device})
from math import inf, nan

import numpy as np

from conformance.compare import compare
from conformance.engines import get_engine
from {module} import {function} as run_scenario

case = {case}
engine = get_engine({engine!r}, device={device!r})
oracle = get_engine({oracle!r}, device={oracle_device!r})
mine, theirs = run_scenario(engine, case), run_scenario(oracle, case)
print("engine:", mine)
print("oracle:", theirs)
for difference in compare(mine, theirs, compare_messages={compare_messages}, cross_device={cross_device}):
    print("DIFFERENCE", difference)
"""


def script(harness: Harness, sc: Scenario, case: Case) -> str:
    """Standalone Python that reruns one case on both engines and prints outcomes and differences."""
    comparator = harness.comparator
    return SCRIPT.format(
        sid=sc.id,
        module=sc.run.__module__,
        function=sc.run.__qualname__,
        case=literal(case),
        engine=harness.engine_spec,
        oracle=harness.oracle_spec,
        device=harness.device,
        oracle_device=harness.oracle_device,
        compare_messages=comparator.compare_messages,
        cross_device=comparator.cross_device,
    )


def message(harness: Harness, sc: Scenario, verdict: Verdict) -> str:
    """What a failing test prints: the case, each difference, and a runnable reproduction."""
    sides = f"{harness.engine_spec} ({harness.device}) vs {harness.oracle_spec} ({harness.oracle_device})"
    lines = [f"{sc.id}: {verdict.status}: {sides}", f"case = {literal(verdict.case)}"]
    if verdict.reason and not verdict.diffs:
        lines.append(f"error: {verdict.reason}")
    lines += [f"  {d}" for d in verdict.diffs]
    if verdict.entry is not None and verdict.diffs:
        why = "has no reason yet: write it" if verdict.entry.placeholder else "does not explain every field"
        lines.append(f"  (manifest entry {verdict.entry.label} matches but {why})")
    if verdict.detail:
        lines += ["detail:", *("  " + line for line in verdict.detail.rstrip().splitlines()[-12:])]
    lines += ["reproduction (run from the checkout root):", script(harness, sc, verdict.case)]
    return "\n".join(lines)
