"""Deliberately broken engines: the torch adapter with exactly one rule changed each.

They are the blunt part of the mutation catalog (they live in tests/mutation/blunt.py); here they
prove the harness catches real breakage (tests/conformance/test_broken_adapters.py): each is run
through the real scenarios and must be reported with a divergence in the named field.
"""

from __future__ import annotations

from tests.mutation.blunt import (
    BROKEN,
    VIEW_METHODS,
    BluntMutant,
    Float64ForPythonFloats,
    GradReplaced,
    RetainGraphAlways,
    RowMajorStrides,
    ValueErrorOnBroadcast,
    ViewsCopy,
)


class BrokenEngine(BluntMutant):
    """torch with one rule broken; `breaks` names the rule, `field` where it must show."""


__all__ = [
    "BROKEN",
    "VIEW_METHODS",
    "BrokenEngine",
    "Float64ForPythonFloats",
    "GradReplaced",
    "RetainGraphAlways",
    "RowMajorStrides",
    "ValueErrorOnBroadcast",
    "ViewsCopy",
]
