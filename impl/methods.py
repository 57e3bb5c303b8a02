"""Tensor's methods, operators and in-place forms: bound here, in one place, from the op rows.

Importing the op modules registers their rows (impl/rows.py); `bind` then sets every row's
Tensor spellings on Tensor, plus `backward` (torch.autograd.backward). impl/stubgen.py writes
their declarations for type checkers (impl/tensor_methods.pyi).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impl import broadcasting, copies, creation, indexing, joining, linalg, memory, ops, random, reductions
from impl.autograd.engine import backward
from impl.rows import REGISTRY
from impl.tensor import Tensor

# the modules whose rows are bound (importing them registers the rows)
OP_MODULES = (broadcasting, copies, creation, indexing, joining, linalg, memory, ops, random, reductions)


def tensor_attributes() -> dict[str, Any]:
    """Every attribute the rows give Tensor (name -> function, or property)."""
    bound: dict[str, Any] = {"backward": _backward}
    for row in REGISTRY.values():
        for name, value in row.methods().items():
            if name in bound and bound[name] is not value:
                raise ValueError(f"Tensor.{name} is spelled by two rows")
            bound[name] = value
    return bound


def functions() -> dict[str, Callable[..., Any]]:
    """torch.<name> for every row that has a function spelling."""
    found: dict[str, Callable[..., Any]] = {}
    for row in REGISTRY.values():
        found.update(row.functions())
    return found


def _backward(
    self: Tensor,
    gradient: Tensor | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Tensor.backward: torch.autograd.backward(self, gradient, ...)."""
    backward(self, gradient, retain_graph, create_graph, inputs)


_backward.__name__ = _backward.__qualname__ = "backward"


def bind() -> None:
    for name, value in tensor_attributes().items():
        setattr(Tensor, name, value)


bind()
