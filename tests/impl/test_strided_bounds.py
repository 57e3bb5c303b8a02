"""Memory safety of strided views: as_strided with random (size, stride, storage_offset) against live
torch. impl must agree (same sizes, strides, offset and values, and the same elements written by
fill_) or raise torch's exception type, and never read or write outside its storage: the tensors
are views of the middle of a NumPy buffer whose guard elements on both sides must stay untouched.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
import torch

import impl

SWEEP = 3000  # random triples
GUARD = 8  # guard elements on each side of the storage
CANARY = -12345.0
HUGE = (2**31, 10**9, 2**40, 2**62, 2**63 - 1)


def _draw(rng: np.random.Generator, n: int) -> tuple[tuple[int, ...], tuple[int, ...], int | None]:
    """One (size, stride, storage_offset): mostly small values near the storage's bounds, some negative,
    some huge (overflow), some of mismatched lengths."""
    ndim = int(rng.integers(0, 4))
    sizes = [int(rng.choice(HUGE)) if rng.random() < 0.05 else int(rng.integers(-2, 6)) for _ in range(ndim)]
    strides = [
        int(rng.choice(HUGE)) if rng.random() < 0.05 else int(rng.integers(-2, 7)) for _ in range(ndim)
    ]
    if rng.random() < 0.03:
        strides.append(1)  # one stride too many
    offset = (
        None
        if rng.random() < 0.3
        else int(rng.choice(HUGE))
        if rng.random() < 0.03
        else int(rng.integers(-2, n + 3))
    )
    return tuple(sizes), tuple(strides), offset


def _storage_tensors(n: int) -> tuple[np.ndarray, Any, np.ndarray, Any]:
    """torch and impl tensors over the middle n elements of guarded buffers (storage exactly n)."""
    values = np.arange(1, n + 1, dtype=np.float32)
    buffers = []
    for _ in range(2):
        buffer = np.full(n + 2 * GUARD, CANARY, dtype=np.float32)
        buffer[GUARD : GUARD + n] = values
        buffers.append(buffer)
    return (
        buffers[0],
        torch.from_numpy(buffers[0][GUARD : GUARD + n]),
        buffers[1],
        impl.from_numpy(buffers[1][GUARD : GUARD + n]),
    )


def _view(t: Any, size: tuple[int, ...], stride: tuple[int, ...], offset: int | None) -> Any:
    return t.as_strided(size, stride) if offset is None else t.as_strided(size, stride, offset)


def _guards_intact(buffer: np.ndarray, n: int) -> bool:
    return bool(np.all(buffer[:GUARD] == CANARY) and np.all(buffer[GUARD + n :] == CANARY))


def _case(size: tuple[int, ...], stride: tuple[int, ...], offset: int | None, n: int) -> str:
    """Run one triple on both engines; return how they compared (raises on a disagreement)."""
    torch_buffer, theirs, impl_buffer, ours = _storage_tensors(n)
    try:
        their_view = _view(theirs, size, stride, offset)
        their_error = None
    except Exception as err:  # any refusal: compared by type
        their_view, their_error = None, err
    try:
        our_view = _view(ours, size, stride, offset)
        our_error = None
    except Exception as err:  # any refusal: compared by type
        our_view, our_error = None, err
    where = f"as_strided({size}, {stride}, {offset}) on a storage of {n}"
    assert _guards_intact(impl_buffer, n), f"{where}: impl touched memory outside its storage"
    if their_error is not None:
        assert our_error is not None, f"{where}: torch raised {their_error!r}, impl returned a view"
        assert type(our_error) is type(their_error), f"{where}: torch {their_error!r}, impl {our_error!r}"
        return f"both raise {type(their_error).__name__}"
    if any(s < 0 or s * 4 > 2**63 - 1 for s in their_view.shape):  # torch keeps e.g. [0, -1], [2**62]
        assert isinstance(our_error, RuntimeError), f"{where}: torch made size {list(their_view.shape)}"
        return "torch keeps sizes NumPy cannot hold, impl refuses (RuntimeError)"
    assert our_error is None, f"{where}: torch returned a view, impl raised {our_error!r}"
    assert tuple(our_view.shape) == tuple(their_view.shape), where
    assert (
        our_view.stride() == their_view.stride() and our_view.storage_offset() == their_view.storage_offset()
    )
    if their_view.numel() <= 4096:
        np.testing.assert_array_equal(np.asarray(our_view), their_view.numpy(), err_msg=where)
        their_view.fill_(7.0)
        our_view.fill_(7.0)
        np.testing.assert_array_equal(impl_buffer, torch_buffer, err_msg=f"{where}: fill_ wrote elsewhere")
    assert _guards_intact(impl_buffer, n), f"{where}: impl's fill_ wrote outside its storage"
    return "both give the same view"


def test_random_as_strided_triples_agree_with_torch_and_stay_in_bounds() -> None:
    rng = np.random.default_rng(20261201)
    outcomes: Counter[str] = Counter()
    for _ in range(SWEEP):
        n = int(rng.integers(0, 13))
        outcomes[_case(*_draw(rng, n), n)] += 1
    print(f"\nas_strided sweep, {SWEEP} random triples: {dict(outcomes)}")
    assert (
        outcomes["both give the same view"] > SWEEP // 10
        and outcomes["both raise RuntimeError"] > SWEEP // 10
    )


@pytest.mark.parametrize(
    ("size", "stride", "offset"),
    [
        ((10,), (1,), 0),  # reads past the end
        ((3,), (10**9,), 0),  # far past the end
        ((2,), (-1,), 1),  # a negative stride reads before the start
        ((2,), (1,), -1),  # a negative offset
        ((2, 2**62), (1, 2), 0),  # the size calculation overflows
        ((2,), (2**62,), 0),
        ((-1,), (1,), 0),
        ((2, -1), (1, 0), 0),  # a negative size with elements
        ((2, 3), (1,), 0),  # sizes and strides of different lengths
    ],
)
def test_issue_cases_raise_torchs_error(size: tuple[int, ...], stride: tuple[int, ...], offset: int) -> None:
    """The cases of issue 13 (as_strided(ones(4), (10,), (1,)) read past the buffer, fill_ wrote past
    it, huge strides crashed): torch's RuntimeError, and nothing outside the storage is touched."""
    assert _case(size, stride, offset, 4) == "both raise RuntimeError"


def test_internal_views_are_bounds_checked() -> None:
    """Every view goes through the same check (Tensor.as_strided_view and Tensor(...) itself)."""
    t = impl.ones(4)
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 16"):
        t.as_strided_view((5,), (1,), 0)
    with pytest.raises(RuntimeError, match="out of bounds"):
        t.as_strided_((2,), (1,), 3)
    with pytest.raises(RuntimeError, match="out of bounds"):
        t[1:].as_strided((4,), (1,))  # the storage, not the view, bounds an as_strided
