"""Strided memory geometry: (size, stride, storage_offset) triples and the rules torch applies to them.

Everything here works on tuples of Python ints (elements, not bytes, except where torch's own
check counts bytes), so that impl/tensor.py, the view ops and the result layout of elementwise
ops share one statement of each rule:

- `contiguous_strides`: row-major strides, stride[i] = stride[i+1] * max(size[i+1], 1).
- `check_in_bounds`: torch's checkInBoundsForStorage and computeStorageNbytes: a view may only
  reach elements inside its storage (in bytes: offset + 1 + sum((size - 1) * stride), times the
  item size, computed in uint64 with torch's overflow error); a view with a 0 size reaches none.
- `is_contiguous`, `is_non_overlapping_and_dense`: torch's TensorImpl queries.
- `output_strides`: TensorIterator's layout of an elementwise result (the operands' memory order).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

INT64_MAX = 2**63 - 1
_UINT64 = 2**64


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """torch's row-major strides: stride[i] = stride[i+1] * max(size[i+1], 1), the last one 1."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


# contiguous_strides memoised for shapes of NumPy arrays (tuples of Python ints): a hot path of every result
array_contiguous_strides = functools.lru_cache(maxsize=512)(contiguous_strides)


def extent(shape: Sequence[int], strides: Sequence[int]) -> int:
    """How many storage elements a view of this shape and these strides spans (0 when empty)."""
    if not all(shape):
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True))


def _storage_nbytes(shape: Sequence[int], strides: Sequence[int], itemsize: int, offset: int) -> int:
    """torch's computeStorageNbytes: bytes from the storage start to past the last element reached,
    in uint64 arithmetic; 0 when a size is 0; torch's RuntimeError when it overflows."""
    total, overflowed = offset + 1, False
    for n, s in zip(shape, strides, strict=True):
        if n == 0:
            return 0
        step = (s % _UINT64) * ((n - 1) % _UINT64)  # int64 operands read as uint64, as torch does
        overflowed |= step >= _UINT64
        total += step % _UINT64
        overflowed |= total >= _UINT64
        total %= _UINT64
    total *= itemsize
    if overflowed or total > INT64_MAX:
        raise RuntimeError(
            f"Storage size calculation overflowed with sizes={list(shape)} and strides={list(strides)}"
        )
    return total


def check_in_bounds(
    shape: Sequence[int], strides: Sequence[int], offset: int, itemsize: int, storage_nbytes: int
) -> None:
    """torch's checkInBoundsForStorage (then TensorImpl's numel check): every element the view
    reaches lies inside the storage; negative sizes cannot make a view with elements."""
    _storage_nbytes(shape, strides, itemsize, 0)
    needed = _storage_nbytes(shape, strides, itemsize, offset)
    if needed > storage_nbytes:
        raise RuntimeError(
            f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage offset {offset}, "
            "and itemsize "
            f"{itemsize} requiring a storage size of {needed} are out of bounds for storage of size "
            f"{storage_nbytes}"
        )
    if any(n < 0 for n in shape) or math.prod(shape) > INT64_MAX:
        if 0 in shape:  # torch keeps such a tensor (sizes like [0, -1]); NumPy has no negative sizes
            raise RuntimeError(f"impl (NumPy) cannot hold a tensor with a negative size: {list(shape)}")
        raise RuntimeError("numel: integer multiplication overflow")
    if any(n * itemsize > INT64_MAX for n in shape):  # torch keeps e.g. size [2**62] with stride 0
        raise RuntimeError(
            f"impl (NumPy) cannot hold a tensor of sizes {list(shape)}: a dim spans over 2**63 bytes"
        )


def is_contiguous(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """torch's rule: strides equal row-major strides, ignoring size-1 dims; empty tensors are."""
    if 0 in shape:
        return True
    expected = 1
    for size, stride in zip(reversed(shape), reversed(strides), strict=True):
        if size != 1:
            if stride != expected:
                return False
            expected *= size
    return True


def is_non_overlapping_and_dense(shape: Sequence[int], strides: Sequence[int]) -> bool:
    """torch's check: contiguous, or some permutation of the dims of size >= 2 makes it contiguous."""
    if is_contiguous(shape, strides):
        return True
    dims = sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: strides[d])
    expected = 1
    for d in dims:
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def output_strides(
    shape: tuple[int, ...], layouts: Sequence[tuple[tuple[int, ...], tuple[int, ...]]]
) -> tuple[int, ...]:
    """Strides of an elementwise op's result (TensorIterator's reorder_dimensions), given the
    (shape, strides) of its tensor operands in argument order.

    The result copies the operands' memory order: dims are sorted from fastest to slowest by the
    first operand whose strides tell them apart (broadcast dims, stride 0, tell nothing; equal
    strides put the smaller size first). Row-major inputs give row-major results; `x.t() + 1` is
    laid out like `x.t()`.
    """
    if layouts and all(s == shape for s, _ in layouts):  # TensorIterator's fast setup
        if all(is_contiguous(s, st) for s, st in layouts):
            return contiguous_strides(shape)
        first = layouts[0][1]
        if all(st == first and is_non_overlapping_and_dense(s, st) for s, st in layouts):
            return first
    ndim = len(shape)
    padded = []
    for op_shape, op_strides in layouts:
        if op_shape:
            pad = ndim - len(op_shape)
            padded.append(
                [0] * pad
                + [
                    0 if n == 1 and shape[pad + i] != 1 else s
                    for i, (n, s) in enumerate(zip(op_shape, op_strides, strict=True))
                ]
            )

    def should_swap(dim0: int, dim1: int) -> int:
        for strides in padded:
            s0, s1 = strides[dim0], strides[dim1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return -1 if s0 < s1 else 1
            if shape[dim0] > shape[dim1]:
                return 1
        return 0

    perm = list(reversed(range(ndim)))  # perm[0] is the innermost dim
    for i in range(1, ndim):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(perm[dim0], perm[dim1])
            if comparison > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    strides, step = [0] * ndim, 1
    for d in perm:
        strides[d] = step
        step *= max(shape[d], 1)
    return tuple(strides)
