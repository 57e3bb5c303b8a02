"""Seeded bugs in broadcasting beyond elementwise arithmetic: matmul, where, clamp, expand."""

# ruff: noqa: RUF012 - the replacement tables (calls, methods, creates) are class constants, never mutated

from __future__ import annotations

from typing import Any

import torch

from tests.mutation.base import Mutant, raising, when


def _shapes(*tensors: Any) -> list[tuple[int, ...]]:
    return [tuple(t.shape) for t in tensors if isinstance(t, torch.Tensor)]


def _ones(e: Any, *shape: int) -> Any:
    return e.create("ones", shape)


def _batched(a: Any, b: Any) -> bool:
    return a.dim() >= 3 and b.dim() >= 3


class MatmulBatchDimsMustBeEqual(Mutant):
    """matmul of two batched operands raises when their batch dims differ, even where they
    broadcast (a batch dim of size 1 against 5)."""

    calls = {
        "matmul": when(
            lambda a, b: _batched(a, b) and a.shape[:-2] != b.shape[:-2],
            raising(RuntimeError, "batch dimensions must be equal"),
        )
    }
    witness = staticmethod(lambda e: e.call("matmul", _ones(e, 1, 2, 3), _ones(e, 5, 3, 4)))
    control = staticmethod(lambda e: e.call("matmul", _ones(e, 5, 2, 3), _ones(e, 5, 3, 4)))


class MatmulMatrixTimesBatchRaises(Mutant):
    """matmul of a 2-D matrix and a batched tensor raises instead of broadcasting the matrix over
    the batch."""

    calls = {
        "matmul": when(
            lambda a, b: a.dim() == 2 and b.dim() >= 3, raising(RuntimeError, "expected 3-D tensors")
        )
    }
    witness = staticmethod(lambda e: e.call("matmul", _ones(e, 2, 3), _ones(e, 5, 3, 4)))
    control = staticmethod(lambda e: e.call("matmul", _ones(e, 5, 2, 3), _ones(e, 3, 4)))


class MatmulVectorTimesBatchKeepsDim(Mutant):
    """matmul of a 1-D vector and a batched tensor keeps the prepended dim ((5, 1, 4) instead of
    (5, 4))."""

    calls = {
        "matmul": when(lambda a, b: a.dim() == 1 and b.dim() >= 3, lambda run, a, b: run(a, b).unsqueeze(-2))
    }
    witness = staticmethod(lambda e: e.shape(e.call("matmul", _ones(e, 3), _ones(e, 5, 3, 4))))
    control = staticmethod(lambda e: e.shape(e.call("matmul", _ones(e, 3), _ones(e, 3, 4))))


class MatmulBatchTimesVectorKeepsDim(Mutant):
    """matmul of a batched tensor and a 1-D vector keeps the appended dim ((5, 2, 1) instead of
    (5, 2))."""

    calls = {
        "matmul": when(lambda a, b: b.dim() == 1 and a.dim() >= 3, lambda run, a, b: run(a, b).unsqueeze(-1))
    }
    witness = staticmethod(lambda e: e.shape(e.call("matmul", _ones(e, 5, 2, 3), _ones(e, 3))))
    control = staticmethod(lambda e: e.shape(e.call("matmul", _ones(e, 2, 3), _ones(e, 3))))


class MatmulOfVectorsNotScalar(Mutant):
    """matmul of two vectors gives shape (1,) instead of a 0-dim tensor."""

    calls = {
        "matmul": when(lambda a, b: a.dim() == 1 and b.dim() == 1, lambda run, a, b: run(a, b).reshape(1))
    }
    witness = staticmethod(lambda e: e.shape(e.call("matmul", _ones(e, 3), _ones(e, 3))))
    control = staticmethod(lambda e: e.shape(e.call("matmul", _ones(e, 2, 3), _ones(e, 3))))


class MatmulZeroBatchRaises(Mutant):
    """matmul with a zero-size batch dim raises instead of giving an empty result."""

    calls = {
        "matmul": when(
            lambda a, b: 0 in a.shape[:-2] or 0 in b.shape[:-2], raising(RuntimeError, "empty batch")
        )
    }
    witness = staticmethod(lambda e: e.call("matmul", e.create("zeros", (0, 2, 3)), _ones(e, 3, 4)))
    control = staticmethod(lambda e: e.call("matmul", _ones(e, 1, 2, 3), _ones(e, 3, 4)))


class MatmulEmptyInnerDimRaises(Mutant):
    """matmul with a zero-size inner dim raises instead of giving zeros."""

    calls = {
        "matmul": when(
            lambda a, b: a.dim() == 2 and a.shape[-1] == 0, raising(RuntimeError, "empty inner dimension")
        )
    }
    witness = staticmethod(lambda e: e.call("matmul", e.create("zeros", (2, 0)), e.create("zeros", (0, 3))))
    control = staticmethod(lambda e: e.call("matmul", _ones(e, 2, 1), _ones(e, 1, 3)))


class WhereConditionNotBroadcast(Mutant):
    """where raises when the condition's shape differs from the broadcast shape of the values."""

    calls = {
        "where": when(
            lambda c, a, b: (
                isinstance(b, torch.Tensor)
                and isinstance(a, torch.Tensor)
                and c.shape != torch.broadcast_shapes(a.shape, b.shape)
            ),
            raising(RuntimeError, "condition must have the shape of the result"),
        )
    }
    witness = staticmethod(
        lambda e: e.call("where", e.create("ones", (3,), dtype="bool"), _ones(e, 2, 3), _ones(e, 1))
    )
    control = staticmethod(
        lambda e: e.call("where", e.create("ones", (2, 3), dtype="bool"), _ones(e, 2, 3), _ones(e, 1))
    )


class WhereScalarOtherIgnoresConditionShape(Mutant):
    """where(cond, input, scalar) takes input's shape, raising when cond broadcasts it larger."""

    calls = {
        "where": when(
            lambda c, a, b: not isinstance(b, torch.Tensor) and tuple(c.shape) != tuple(a.shape),
            raising(RuntimeError, "condition and input must have the same shape"),
        )
    }
    witness = staticmethod(
        lambda e: e.call("where", e.create("ones", (2, 1), dtype="bool"), _ones(e, 3), 2.0)
    )
    control = staticmethod(lambda e: e.call("where", e.create("ones", (3,), dtype="bool"), _ones(e, 3), 2.0))


def _bounds(min: Any = None, max: Any = None) -> list[Any]:
    return [b for b in (min, max) if isinstance(b, torch.Tensor)]


class ClampBoundsMustMatchInput(Mutant):
    """clamp with tensor bounds raises unless the bounds have the input's shape (no broadcasting)."""

    calls = {
        "clamp": when(
            lambda t, min=None, max=None: any(tuple(b.shape) != tuple(t.shape) for b in _bounds(min, max)),
            raising(RuntimeError, "clamp: bounds must have the input's shape"),
        )
    }
    witness = staticmethod(lambda e: e.call("clamp", _ones(e, 2, 3), min=e.create("zeros", (3,))))
    control = staticmethod(lambda e: e.call("clamp", _ones(e, 2, 3), min=e.create("zeros", (2, 3))))


class ClampResultKeepsInputShape(Mutant):
    """clamp refuses bounds that broadcast the result beyond the input's shape (as an in-place op
    would) instead of returning the larger broadcast result."""

    calls = {
        "clamp": when(
            lambda t, min=None, max=None: (
                torch.broadcast_shapes(t.shape, *(_shapes(*_bounds(min, max)))) != t.shape
            ),
            raising(RuntimeError, "output with shape doesn't match the broadcast shape"),
        )
    }
    witness = staticmethod(lambda e: e.call("clamp", _ones(e, 3), min=e.create("zeros", (2, 3))))
    control = staticmethod(lambda e: e.call("clamp", _ones(e, 2, 3), min=e.create("zeros", (3,))))


def _sizes(args: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], tuple | list) else tuple(args)


class ExpandMinusOneInNewDim(Mutant):
    """expand with -1 in a new leading dim gives it size 1 instead of raising."""

    @staticmethod
    def _expand(run: Any, t: Any, *args: Any) -> Any:
        sizes = list(_sizes(args))
        lead = len(sizes) - t.dim()
        return run(t, *[1 if i < lead and s == -1 else s for i, s in enumerate(sizes)])

    methods = {"expand": _expand}
    witness = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 3), -1, 3)))
    control = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 3), 2, -1)))


class ExpandMinusOneOnSizeOneRaises(Mutant):
    """expand with -1 on an existing dim of size 1 raises instead of keeping the 1."""

    @staticmethod
    def _keeps_one(t: Any, *args: Any) -> bool:
        sizes = _sizes(args)
        lead = len(sizes) - t.dim()
        return any(s == -1 and i >= lead and t.shape[i - lead] == 1 for i, s in enumerate(sizes))

    methods = {
        "expand": when(_keeps_one, raising(RuntimeError, "expand: -1 is ambiguous on a dim of size 1"))
    }
    witness = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 1, 3), -1, 3)))
    control = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 1, 3), 2, -1)))


class ExpandToZeroRaises(Mutant):
    """expand of a size-1 dim to size 0 raises instead of giving an empty view."""

    @staticmethod
    def _to_zero(t: Any, *args: Any) -> bool:
        sizes = _sizes(args)
        lead = len(sizes) - t.dim()
        return any(s == 0 and i >= lead for i, s in enumerate(sizes))

    methods = {"expand": when(_to_zero, raising(RuntimeError, "expand: cannot expand to size 0"))}
    witness = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 1, 3), 0, 3)))
    control = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 1, 3), 2, 3)))


class ExpandNewZeroDimRaises(Mutant):
    """expand with a new leading dim of size 0 raises instead of giving an empty view."""

    @staticmethod
    def _new_zero(t: Any, *args: Any) -> bool:
        sizes = _sizes(args)
        return any(s == 0 for s in sizes[: len(sizes) - t.dim()])

    methods = {"expand": when(_new_zero, raising(RuntimeError, "expand: new dims must be positive"))}
    witness = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 3), 0, 3)))
    control = staticmethod(lambda e: e.shape(e.method("expand", _ones(e, 3), 2, 3)))


class BroadcastToMinusOneRaises(Mutant):
    """broadcast_to refuses -1 ("keep this dim") that expand accepts."""

    calls = {
        "broadcast_to": when(
            lambda t, shape: -1 in tuple(shape), raising(RuntimeError, "broadcast_to: invalid size -1")
        )
    }
    witness = staticmethod(lambda e: e.shape(e.call("broadcast_to", _ones(e, 3), (2, -1))))
    control = staticmethod(lambda e: e.shape(e.call("broadcast_to", _ones(e, 3), (2, 3))))
