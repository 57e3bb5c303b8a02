"""Every seeded bug really changes torch: its witness program observes something else on the
mutant than on torch (exactly: dtypes, shapes, strides, bytes, errors), and its control, a
neighbouring situation, observes the same. The catalog spans the five areas with >= 80 bugs."""

from __future__ import annotations

import warnings
from collections import Counter

import pytest

from conformance.engines.torchlike import make_torch
from spec.engine import AREAS
from tests.mutation.base import snapshot
from tests.mutation.catalog import catalog

CATALOG = catalog()
TORCH = make_torch()


def test_the_catalog_has_80_bugs_in_all_five_areas() -> None:
    areas = Counter(cls.area() for cls in CATALOG.values())
    assert set(areas) == set(AREAS), areas
    assert sum(areas.values()) >= 80 and min(areas.values()) >= 10, areas
    assert all(cls.rule() for cls in CATALOG.values())


@pytest.mark.parametrize("path", CATALOG)
def test_the_bug_changes_torch_in_its_situation_only(path: str) -> None:
    cls = CATALOG[path]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert snapshot(cls(), cls.witness) != snapshot(TORCH, cls.witness), "the witness sees no change"
        if cls.control is not None:
            assert snapshot(cls(), cls.control) == snapshot(TORCH, cls.control), "the control changed too"
