"""Hypothesis glue: drawn scenarios checked a batch of cases per example, divergences shrunk.

`draw(scenario, check_batch, ...)` runs hypothesis over batches of the scenario's cases;
`check_batch` raises `Divergence` on the first unexplained divergence, which makes hypothesis
shrink the batch (first cutting the passing cases away, then the failing case itself) and
re-raise the minimal one, which `draw` returns.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.profiles import COMMON
from spec.scenario import Case, Scenario


class Divergence(AssertionError):
    """An unexplained divergence: raised inside hypothesis so that it shrinks the case."""

    def __init__(self, verdict: Any, message: str) -> None:
        super().__init__(message)
        self.verdict = verdict


def batches(cases: st.SearchStrategy[Case], size: int) -> st.SearchStrategy[list[Case]]:
    """Lists of 1..size cases, drawn mostly long (hypothesis' own average would be ~6, too few to
    amortise its per-example cost), whose length still shrinks: the shrinker cuts the passing cases
    away before shrinking the failing one (a fixed-size batch would shrink every case)."""
    drawn = st.lists(cases, min_size=1, max_size=size)
    inner = getattr(drawn, "wrapped_strategy", drawn)
    if hasattr(inner, "average_size"):  # hypothesis' ListStrategy; without it, batches stay short
        inner.average_size = 0.75 * size
    return drawn


def draw(
    scenario: Scenario,
    check_batch: Callable[[list[Case]], None],
    *,
    batch_size: int,
    profile: str | None = None,
) -> Divergence | tuple[str, str] | None:
    """Run hypothesis over the scenario's drawn cases. Returns the minimal Divergence, or
    (summary, traceback) when hypothesis itself failed (a health check, an invalid strategy),
    or None when every example passed."""
    run = given(batches(scenario.cases(), batch_size))(check_batch)
    run._hypothesis_internal_add_digest = scenario.id.encode()  # distinct seed and database key per scenario
    run = settings(
        parent=settings.get_profile(profile) if profile else settings.default,
        deadline=None,
        suppress_health_check=COMMON["suppress_health_check"],
    )(run)
    try:
        run()
    except Exception as exc:  # hypothesis re-raises the minimal example's error
        found = _find_divergence(exc)
        if found is not None:
            return found
        text = str(exc).strip().splitlines()
        return f"hypothesis: {type(exc).__name__}: {text[0] if text else ''}", "".join(
            traceback.format_exception(exc, limit=-4)
        )
    return None


def _find_divergence(exc: BaseException) -> Divergence | None:
    if isinstance(exc, Divergence):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _find_divergence(inner)
        if found is not None:
            return found
    return None
