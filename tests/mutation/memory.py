"""Seeded bugs in memory: views of non-contiguous bases, reshape's rule, sharing, *_like layouts."""

# ruff: noqa: RUF012 - the replacement tables (calls, methods, creates) are class constants, never mutated

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from tests.mutation.base import Mutant, when


def _strided(t: Any) -> bool:
    return isinstance(t, torch.Tensor) and not t.is_contiguous()


def _offset(t: Any) -> bool:
    return isinstance(t, torch.Tensor) and t.storage_offset() > 0


def _expanded(t: Any) -> bool:
    return isinstance(t, torch.Tensor) and 0 in t.stride() and t.numel() > 1


def _dense(t: torch.Tensor) -> bool:
    """Non-overlapping and dense: some permutation of t is contiguous."""
    order = sorted(range(t.dim()), key=lambda d: t.stride(d), reverse=True)
    return t.permute(order).is_contiguous()


def _copy(run: Any, t: Any, *args: Any, **kwargs: Any) -> Any:
    return run(t, *args, **kwargs).clone()


def _sliced_base(e: Any) -> Any:
    return e.method(
        "__getitem__",
        e.method("reshape", e.create("arange", 48, dtype="float32"), 2, 3, 8),
        (Ellipsis, slice(None, None, 2)),
    )


def _offset_base(e: Any) -> Any:
    base = e.method("reshape", e.create("arange", 60, dtype="float32"), 3, 4, 5)
    return e.method("__getitem__", base, (slice(1, None), slice(1, None), slice(1, None)))


def _expanded_base(e: Any) -> Any:
    return e.method("expand", e.method("reshape", e.create("arange", 12, dtype="float32"), 1, 3, 4), 2, 3, 4)


def _transposed(e: Any) -> Any:
    return e.method("t", e.method("reshape", e.create("arange", 6, dtype="float32"), 3, 2))


def _contiguous(e: Any) -> Any:
    return e.method("reshape", e.create("arange", 6, dtype="float32"), 2, 3)


def _sharing(e: Any, make: Any, op: Any) -> Any:
    """(result, whether it shares the input's memory) of op applied to make(e)."""
    t = make(e)
    result = op(e, t)
    return result, e.shares_memory(t, result), result is t


class ReshapeCopiesNonContiguous(Mutant):
    """reshape of a non-contiguous tensor always copies, even where torch's stride rule allows a
    view (a step-sliced base reshaped to (6, 4))."""

    methods = {"reshape": when(lambda t, *a: _strided(t), _copy)}
    witness = staticmethod(lambda e: _sharing(e, _sliced_base, lambda e, t: e.method("reshape", t, 6, 4)))
    control = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("reshape", t, 3, 2)))


class ReshapeOfExpandedCopies(Mutant):
    """reshape of an expanded tensor (a stride 0) always copies, even where only untouched dims are
    split (a view in torch)."""

    methods = {"reshape": when(lambda t, *a: _expanded(t), _copy)}
    witness = staticmethod(
        lambda e: _sharing(e, _expanded_base, lambda e, t: e.method("reshape", t, 2, 3, 2, 2))
    )
    control = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("reshape", t, 3, 2)))


class FlattenCopiesNonContiguous(Mutant):
    """flatten of a non-contiguous tensor always copies, even where the flattened dims can merge
    (a view in torch)."""

    methods = {"flatten": when(lambda t, *a: _strided(t), _copy)}
    witness = staticmethod(lambda e: _sharing(e, _sliced_base, lambda e, t: e.method("flatten", t)))
    control = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("flatten", t)))


class ViewOfExpandedRaises(Mutant):
    """view() of an expanded tensor raises even where the stride rule allows it (splitting a dim
    that is not expanded)."""

    @staticmethod
    def _refuse(run: Any, t: Any, *args: Any) -> Any:
        raise RuntimeError("view size is not compatible with input tensor's size and stride")

    methods = {"view": when(lambda t, *a: _expanded(t), _refuse)}
    witness = staticmethod(lambda e: e.method("view", _expanded_base(e), 2, 3, 2, 2))
    control = staticmethod(lambda e: e.method("view", _contiguous(e), 3, 2))


class ContiguousAlwaysCopies(Mutant):
    """contiguous() of a tensor that is already contiguous returns a copy instead of itself."""

    methods = {"contiguous": when(lambda t: t.is_contiguous(), _copy)}
    witness = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("contiguous", t)))
    control = staticmethod(lambda e: _sharing(e, _transposed, lambda e, t: e.method("contiguous", t)))


class ToSameDtypeCopies(Mutant):
    """t.to(t.dtype) returns a copy instead of t itself."""

    methods = {"to": when(lambda t, *a, **k: k.get("dtype") is t.dtype and not k.get("copy"), _copy)}
    witness = staticmethod(
        lambda e: _sharing(e, _contiguous, lambda e, t: e.method("to", t, dtype="float32"))
    )
    control = staticmethod(
        lambda e: _sharing(e, _contiguous, lambda e, t: e.method("to", t, dtype="float64"))
    )


class ToCopyTrueShares(Mutant):
    """t.to(t.dtype, copy=True) returns t itself instead of a copy."""

    methods = {
        "to": when(lambda t, *a, **k: k.get("dtype") is t.dtype and k.get("copy"), lambda run, t, *a, **k: t)
    }
    witness = staticmethod(
        lambda e: _sharing(e, _contiguous, lambda e, t: e.method("to", t, dtype="float32", copy=True))
    )
    control = staticmethod(
        lambda e: _sharing(e, _contiguous, lambda e, t: e.method("to", t, dtype="float32"))
    )


class FloatOfFloat32Copies(Mutant):
    """t.float() of a float32 tensor returns a copy instead of t itself."""

    methods = {"float": _copy}
    witness = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("float", t)))
    control = staticmethod(
        lambda e: _sharing(e, _contiguous, lambda e, t: e.method("to", t, dtype="float32"))
    )


class AsTensorOfTensorCopies(Mutant):
    """as_tensor(t) of a tensor returns a copy instead of t itself."""

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Any:
        result = super().as_tensor(data, dtype=dtype)
        return result.clone() if result is data else result

    witness = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.as_tensor(t)))
    control = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.as_tensor(t, dtype="float64")))


class DetachCopies(Mutant):
    """detach() returns a copy instead of a tensor sharing the input's memory."""

    methods = {"detach": _copy}
    witness = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("detach", t)))
    control = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("clone", t)))


class TensorOfTensorContiguous(Mutant):
    """torch.tensor(t) of a transposed tensor gives a contiguous copy instead of keeping its strides
    (torch.tensor of a tensor is clone().detach(): preserve_format)."""

    def tensor(self, data: Any, **kwargs: Any) -> Any:
        result = super().tensor(data, **kwargs)
        return result.contiguous() if isinstance(data, torch.Tensor) else result

    witness = staticmethod(lambda e: e.strides(e.tensor(_transposed(e))))
    control = staticmethod(lambda e: e.strides(e.tensor(_contiguous(e))))


class CloneOfTransposedContiguous(Mutant):
    """clone() of a transposed tensor is contiguous instead of keeping the input's strides."""

    methods = {"clone": lambda run, t, *a, **k: run(t, *a, **k).contiguous()}
    witness = staticmethod(lambda e: e.strides(e.method("clone", _transposed(e))))
    control = staticmethod(lambda e: e.strides(e.method("clone", _contiguous(e))))


class ZerosLikeContiguous(Mutant):
    """zeros_like of a transposed tensor is contiguous instead of keeping the input's strides."""

    creates = {"zeros_like": lambda run, t, *a, **k: run(t, *a, **k).contiguous()}
    witness = staticmethod(lambda e: e.strides(e.create("zeros_like", _transposed(e))))
    control = staticmethod(lambda e: e.strides(e.create("zeros_like", _contiguous(e))))


class EmptyLikeKeepsNonDenseStrides(Mutant):
    """empty_like of a step-sliced (non-dense) tensor copies its strides instead of being
    contiguous."""

    creates = {
        "empty_like": when(
            lambda t, *a, **k: not _dense(t),
            lambda run, t, *a, **k: torch.empty_strided(t.shape, t.stride(), dtype=k.get("dtype") or t.dtype),
        )
    }
    witness = staticmethod(lambda e: e.strides(e.create("empty_like", _sliced_base(e))))
    control = staticmethod(lambda e: e.strides(e.create("empty_like", _transposed(e))))


def _strided_array() -> np.ndarray:
    return np.arange(24.0).reshape(4, 6)[:, ::2]


class FromNumpyCopiesNonContiguous(Mutant):
    """from_numpy of a non-contiguous array copies it instead of sharing its memory."""

    def from_numpy(self, array: np.ndarray) -> Any:
        return super().from_numpy(np.ascontiguousarray(array))

    witness = staticmethod(lambda e: (lambda a: e.shares_memory(e.from_numpy(a), a))(_strided_array()))
    control = staticmethod(lambda e: (lambda a: e.shares_memory(e.from_numpy(a), a))(np.arange(4.0)))


class AsTensorCopiesNonContiguousArray(Mutant):
    """as_tensor of a non-contiguous array copies it instead of sharing its memory."""

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Any:
        if isinstance(data, np.ndarray) and not data.flags.c_contiguous:
            data = np.ascontiguousarray(data)
        return super().as_tensor(data, dtype=dtype)

    witness = staticmethod(lambda e: (lambda a: e.shares_memory(e.as_tensor(a), a))(_strided_array()))
    control = staticmethod(lambda e: (lambda a: e.shares_memory(e.as_tensor(a), a))(np.arange(4.0)))


class NumpyOfNonContiguousCopies(Mutant):
    """numpy() of a non-contiguous tensor returns a copy instead of a view of its memory."""

    def numpy(self, t: Any) -> np.ndarray:
        array = super().numpy(t)
        return array.copy() if not t.is_contiguous() else array

    witness = staticmethod(lambda e: (lambda t: e.shares_memory(e.numpy(t), t))(_transposed(e)))
    control = staticmethod(lambda e: (lambda t: e.shares_memory(e.numpy(t), t))(_contiguous(e)))


class UnsqueezeStrideOfNonContiguous(Mutant):
    """unsqueeze on a non-contiguous tensor gives the new dim stride 1 instead of
    size[d] * stride[d] (the same memory, another stride of a size-1 dim)."""

    @staticmethod
    def _unsqueeze(run: Any, t: Any, dim: int) -> Any:
        result = run(t, dim)
        strides = list(result.stride())
        strides[dim % result.dim()] = 1
        return result.as_strided(result.shape, strides, result.storage_offset())

    methods = {"unsqueeze": when(lambda t, dim: _strided(t), _unsqueeze)}
    witness = staticmethod(lambda e: e.strides(e.method("unsqueeze", _sliced_base(e), 1)))
    control = staticmethod(lambda e: e.strides(e.method("unsqueeze", _contiguous(e), 1)))


class NarrowIgnoresStorageOffset(Mutant):
    """narrow of a tensor with a storage offset starts from the storage's beginning, not from the
    base's first element (wrong values)."""

    @staticmethod
    def _narrow(run: Any, t: Any, dim: int, start: int, length: int) -> Any:
        result = run(t, dim, start, length)
        return result.as_strided(result.shape, result.stride(), start * t.stride(dim))

    methods = {"narrow": when(lambda t, *a: _offset(t), _narrow)}
    witness = staticmethod(lambda e: e.method("narrow", _offset_base(e), 2, 1, 2))
    control = staticmethod(lambda e: e.method("narrow", _contiguous(e), 1, 1, 2))


class SelectOfExpandedCopies(Mutant):
    """select on an expanded tensor returns a copy instead of a view."""

    methods = {"select": when(lambda t, *a: _expanded(t), _copy)}
    witness = staticmethod(lambda e: _sharing(e, _expanded_base, lambda e, t: e.method("select", t, 1, 1)))
    control = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("select", t, 1, 1)))


class ExpandOfNonContiguousCopies(Mutant):
    """expand of a non-contiguous tensor expands a contiguous copy instead of viewing the input."""

    methods = {"expand": when(lambda t, *a: _strided(t), lambda run, t, *a: run(t.contiguous(), *a))}
    witness = staticmethod(
        lambda e: _sharing(e, _sliced_base, lambda e, t: e.method("expand", t, 2, 2, 3, 4))
    )
    control = staticmethod(lambda e: _sharing(e, _contiguous, lambda e, t: e.method("expand", t, 2, 2, 3)))


class TransposeOfOffsetLosesOffset(Mutant):
    """transpose of a tensor with a storage offset views from offset 0 (wrong values)."""

    methods = {
        "transpose": when(
            lambda t, *a: _offset(t),
            lambda run, t, *a: (lambda r: r.as_strided(r.shape, r.stride(), 0))(run(t, *a)),
        )
    }
    witness = staticmethod(lambda e: e.method("transpose", _offset_base(e), 0, 2))
    control = staticmethod(lambda e: e.method("transpose", _contiguous(e), 0, 1))
