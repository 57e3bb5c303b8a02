"""The catalog: every seeded bug of tests/mutation/<area>.py and blunt.py, by import path."""

from __future__ import annotations

import importlib
from functools import cache

from spec.engine import AREAS
from tests.mutation.base import Mutant

MODULES: tuple[str, ...] = (*AREAS, "blunt")


@cache
def catalog() -> dict[str, type[Mutant]]:
    """Import path ('tests.mutation.promotion:NanlessMaximum') -> mutant class, in module order."""
    found: dict[str, type[Mutant]] = {}
    for name in MODULES:
        module = importlib.import_module(f"tests.mutation.{name}")
        for attribute, value in vars(module).items():
            if (
                isinstance(value, type)
                and issubclass(value, Mutant)
                and value.__module__ == module.__name__
                and "witness" in vars(value)
            ):
                found[f"{module.__name__}:{attribute}"] = value
    return found
