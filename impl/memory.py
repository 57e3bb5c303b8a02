"""Views: what shares storage with what, and with which strides (one row per view op).

Every view op computes torch's (size, stride, storage_offset) for the same storage
(`Tensor.as_strided_view`, which checks that the view stays inside the storage), so strides
are exactly the ones torch reports, e.g. `unsqueeze(d)` gives the new dim stride
`size[d] * stride[d]`. `view` needs strides compatible with the new shape (torch's
computeStride); `reshape` is a view when `view` would succeed and a contiguous copy otherwise.
The copies (clone, contiguous, to) are in impl/copies.py, indexing in impl/indexing.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from impl import autograd, copies, dtypes
from impl.arguments import int_arg, int_list, invalid_combination, is_int, sizes_arg
from impl.autograd.formulas import (
    AS_STRIDED,
    AsStridedFormula,
    Formula,
    MultiOutputFormula,
    Overloads,
    identity,
    reshape_back,
)
from impl.dtypes import dtype
from impl.layout import contiguous_strides
from impl.rows import VIEW, become_view, op, record
from impl.tensor import Tensor, wrap_dim

# --- shapes -------------------------------------------------------------------------------------


def infer_view_size(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """torch's infer_size for view/reshape: resolve one -1 so that the shape holds `numel` elements."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for index, size in enumerate(shape):
        if size < -1:
            raise RuntimeError(f"invalid shape dimension {size} at index {index} of shape {list(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the unspecified "
                "dimension size -1 can be any value and is ambiguous"
            )
        if numel % known == 0:
            return tuple(numel // known if s == -1 else s for s in shape)
    elif known == numel:
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def compute_stride(
    old_shape: tuple[int, ...], old_strides: tuple[int, ...], new_shape: tuple[int, ...]
) -> tuple[int, ...] | None:
    """torch's computeStride: strides viewing old memory as new_shape, or None when impossible.

    Old dims are grouped into chunks that are contiguous with each other; each
    chunk must be split/merged into whole new dims.
    """
    if not old_shape:
        return (1,) * len(new_shape)
    numel = math.prod(old_shape)
    if numel == 0 and old_shape == new_shape:
        return old_strides
    if numel == 0:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        chunk_ends = tensor_d == 0 or (
            old_shape[tensor_d - 1] != 1 and old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride
        )
        if chunk_ends:
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    return tuple(new_strides) if view_d == -1 else None


# --- view, reshape, as_strided --------------------------------------------------------------------


@op(function=False, derivative=Formula("ViewBackward0", self=("", reshape_back)))
def view(self: Tensor, *shape: Any) -> Tensor:
    """Tensor.view(*shape) (a view with computeStride's strides) or view(dtype) (reinterpret bits)."""
    if len(shape) == 1 and isinstance(shape[0], dtype):
        return _view_dtype(self, shape[0])
    if not shape or not (
        all(is_int(s) for s in shape) or (len(shape) == 1 and isinstance(shape[0], tuple | list))
    ):
        raise invalid_combination("view", shape)
    size = infer_view_size(int_list(shape, "view"), self.numel())
    strides = compute_stride(self._data.shape, self._strides, size)
    if strides is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        )
    out = self.as_strided_view(size, strides, self._offset)
    record("view", out, (self,), size=size)
    return out


def _view_dtype(self: Tensor, to: dtype) -> Tensor:
    """Tensor.view(dtype): same bytes, the last dim rescaled by the itemsize ratio."""
    if dtypes.complex32 in (self.dtype, to):
        raise RuntimeError("impl stores complex32 as complex64, so view(dtype) cannot reinterpret its bytes")
    old, new = self.dtype.itemsize, to.itemsize
    shape, strides = list(self.shape), list(self._strides)
    if old != new:
        if self.ndim == 0:
            raise RuntimeError(
                f"self.dim() cannot be 0 to view {self.dtype.scalar_type} as {to.scalar_type} "
                "(different element sizes)"
            )
        if strides[-1] != 1:
            raise RuntimeError(
                f"self.stride(-1) must be 1 to view {self.dtype.scalar_type} as {to.scalar_type}"
                f" (different element sizes), but got {strides[-1]}"
            )
        if (shape[-1] * old) % new:
            raise RuntimeError(
                f"self.size(-1) must be divisible by {new // old if new > old else 1} to view "
                f"{self.dtype.scalar_type} as {to.scalar_type} (different element sizes), but got {shape[-1]}"
            )
        shape[-1] = shape[-1] * old // new
        strides = [s * old // new for s in strides[:-1]] + [1]
    if self._storage.nbytes % new:
        raise RuntimeError("impl: storage size is not a multiple of the new element size")
    storage = self._storage.view(np.uint8).view(to.np)
    return Tensor(storage, to, tuple(shape), tuple(strides), self._offset * old // new, base=self)


@op(derivative=AS_STRIDED)
def as_strided(self: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    """torch.as_strided: any (size, stride, offset) on the same storage that stays inside it
    (checked as torch checks it: impl/layout.py)."""
    size = sizes_arg(size, "as_strided", "size", 1)
    stride = sizes_arg(stride, "as_strided", "stride", 2)
    offset = (
        self._offset if storage_offset is None else int_arg(storage_offset, "as_strided", "storage_offset", 3)
    )
    out = self.as_strided_view(size, stride, offset)
    record("as_strided", out, (self,), size=size, stride=stride, storage_offset=offset)
    return out


@op(
    name="_unsafe_view",
    function=False,
    method=False,
    derivative=Formula("UnsafeViewBackward0", self=("", reshape_back)),
)
def unsafe_view(self: Tensor, shape: tuple[int, ...]) -> Tensor:
    """aten's _unsafe_view: a contiguous tensor viewed as `shape`, recorded as a new tensor (not a view)."""
    out = self.as_strided_view(shape, contiguous_strides(shape), self._offset)
    out._base = None
    record("_unsafe_view", out, (self,), size=shape)
    return out


@op()
def reshape(self: Tensor, *shape: Any) -> Tensor:
    """Tensor.reshape: `view` when the strides allow it, else a contiguous copy (clone + _unsafe_view)."""
    size = infer_view_size(int_list(shape, "reshape", "shape"), self.numel())
    if compute_stride(self._data.shape, self._strides, size) is not None:
        return view(self, size)
    from_copy = copies.clone(self, memory_format="contiguous_format")
    return unsafe_view(from_copy, size)


@op(function=False)
def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, other.shape)


@op(function=False)
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other.shape)


# --- reordering dims -------------------------------------------------------------------------------


def _permuted(self: Tensor, order: tuple[int, ...]) -> Tensor:
    shape, strides = self._data.shape, self._strides
    return self.as_strided_view(
        tuple(shape[d] for d in order), tuple(strides[d] for d in order), self._offset
    )


def _transposed(self: Tensor, dim0: int, dim1: int) -> Tensor:
    order = list(range(self.ndim))
    order[dim0], order[dim1] = dim1, dim0
    return _permuted(self, tuple(order))


def _t_(self: Tensor) -> Tensor:
    """Tensor.t_: t() in place (its error names t_)."""
    autograd.check_inplace(self)
    return become_view(self, _t(self, "t_"))


def _matrix_transpose(self: Tensor) -> Tensor:
    """Tensor.mT: the last two dims swapped."""
    return transpose(self, -2, -1)


def _reversed_dims(self: Tensor) -> Tensor:
    """Tensor.T: every dim in reverse order."""
    return permute(self, tuple(reversed(range(self.ndim))))


def _data(self: Tensor) -> Tensor:
    """Tensor.data: a detached alias."""
    return detach(self)


@op(
    derivative=Formula("TransposeBackward0", self=("", lambda g, s: np.swapaxes(g, s.dim0, s.dim1))),
    aliases=("swapaxes", "swapdims"),
    inplace=VIEW,
    extra={"mT": property(_matrix_transpose)},
)
def transpose(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """Tensor.transpose: swap two dims (their sizes and strides)."""
    dim0 = wrap_dim(int_arg(dim0, "transpose", "dim0", 1), self.ndim)
    dim1 = wrap_dim(int_arg(dim1, "transpose", "dim1", 2), self.ndim)
    out = _transposed(self, dim0, dim1)
    record("transpose", out, (self,), dim0=dim0, dim1=dim1)
    return out


def _t(self: Tensor, name: str) -> Tensor:
    if self.ndim > 2:
        raise RuntimeError(f"{name}() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    out = _permuted(self, tuple(reversed(range(self.ndim))))
    record("t", out, (self,))
    return out


@op(
    derivative=Formula("TBackward0", self=("", lambda g, s: np.transpose(g))),
    inplace=_t_,
)
def t(self: Tensor) -> Tensor:
    """Tensor.t: transpose of a matrix; 0-d and 1-d tensors are returned as (views of) themselves."""
    return _t(self, "t")


@op(
    derivative=Formula("PermuteBackward0", self=("", lambda g, s: np.transpose(g, np.argsort(s.dims)))),
    extra={"T": property(_reversed_dims)},
)
def permute(self: Tensor, *dims: Any) -> Tensor:
    """Tensor.permute: reorder dims; the order must name every dim once."""
    dims = int_list(dims, "permute", "dims")
    if len(dims) != self.ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {self.ndim} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    order = tuple(wrap_dim(d, self.ndim) for d in dims)
    if len(set(order)) != len(order):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = _permuted(self, order)
    record("permute", out, (self,), dims=order)
    return out


# --- adding and removing dims ------------------------------------------------------------------------


def _squeeze_overload(inputs: Any, attrs: dict[str, Any]) -> str:
    dim = attrs.get("dim")
    return "squeeze" if dim is None else "squeeze.dims" if isinstance(dim, tuple) else "squeeze.dim"


@op(
    derivative=Overloads(
        _squeeze_overload,
        {
            "squeeze": Formula("SqueezeBackward0", self=("", reshape_back)),
            "squeeze.dim": Formula("SqueezeBackward1", self=("", reshape_back)),
            "squeeze.dims": Formula("SqueezeBackward2", self=("", reshape_back)),
        },
    ),
    inplace=VIEW,
)
def squeeze(self: Tensor, dim: int | tuple[int, ...] | None = None) -> Tensor:
    """Tensor.squeeze: drop size-1 dims (all, or those named that have size 1)."""
    if dim is None:
        drop = {d for d, n in enumerate(self._data.shape) if n == 1}
    else:
        if not is_int(dim) and not isinstance(dim, tuple | list):
            raise invalid_combination("squeeze", (dim,))
        named = (int(dim),) if is_int(dim) else int_list((tuple(dim),), "squeeze", "dim")  # type: ignore[arg-type]
        wrapped = [wrap_dim(d, self.ndim) for d in named]
        drop = {d for d in wrapped if self.ndim and self._data.shape[d] == 1}
        dim = named[0] if is_int(dim) else named
    keep = [d for d in range(self.ndim) if d not in drop]
    out = self.as_strided_view(
        tuple(self._data.shape[d] for d in keep), tuple(self._strides[d] for d in keep), self._offset
    )
    record("squeeze", out, (self,), dim=dim)
    return out


def _unsqueezed(self: Tensor, dim: int) -> Tensor:
    shape, strides = list(self._data.shape), list(self._strides)
    new_stride = shape[dim] * strides[dim] if dim < self.ndim else 1
    shape.insert(dim, 1)
    strides.insert(dim, new_stride)
    return self.as_strided_view(tuple(shape), tuple(strides), self._offset)


@op(
    derivative=Formula("UnsqueezeBackward0", self=("", reshape_back)),
    inplace=VIEW,
)
def unsqueeze(self: Tensor, dim: int) -> Tensor:
    """Tensor.unsqueeze: a new size-1 dim at `dim`, stride size[dim] * stride[dim] (1 at the end)."""
    dim = wrap_dim(int_arg(dim, "unsqueeze", "dim", 1), self.ndim + 1)
    out = _unsqueezed(self, dim)
    record("unsqueeze", out, (self,), dim=dim)
    return out


@op()
def flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Tensor.flatten: reshape dims start_dim..end_dim into one (self when nothing to merge)."""
    start_dim = int_arg(start_dim, "flatten", "start_dim", 1)
    end_dim = int_arg(end_dim, "flatten", "end_dim", 2)
    if self.ndim == 0:
        return reshape(self, 1)
    start, end = wrap_dim(start_dim, self.ndim), wrap_dim(end_dim, self.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return self
    shape = self._data.shape
    return reshape(self, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


@op()
def unflatten(self: Tensor, dim: int, sizes: Any) -> Tensor:
    """Tensor.unflatten: split one dim into `sizes` (one of them may be -1)."""
    dim = wrap_dim(int_arg(dim, "unflatten", "dim", 1), self.ndim)
    sizes = sizes_arg(sizes, "unflatten", "sizes", 2)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    length = self._data.shape[dim]
    if -1 not in sizes and math.prod(sizes) != length:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
            f"({length}) in the "
            "input tensor"
        )
    sizes = infer_view_size(sizes, length)
    return view(self, (*self._data.shape[:dim], *sizes, *self._data.shape[dim + 1 :]))


# --- selecting along a dim -----------------------------------------------------------------------------


def _slice_grad(g: np.ndarray, s: Any) -> np.ndarray:
    index = [slice(None)] * len(s.self_sizes)
    index[s.dim] = slice(s.start, s.end, s.step)
    out = np.zeros(s.self_sizes, dtype=g.dtype)
    out[tuple(index)] = g
    return out


def _select_grad(g: np.ndarray, s: Any) -> np.ndarray:
    out = np.zeros(s.self_sizes, dtype=g.dtype)
    out[(slice(None),) * s.dim + (s.index,)] = g
    return out


@op(name="slice", function=False, method=False, derivative=Formula("SliceBackward0", self=("", _slice_grad)))
def sliced(self: Tensor, dim: int, start: int, end: int, step: int) -> Tensor:
    """aten's slice: positions start, start+step, ... < end along dim (bounds already clamped)."""
    shape, strides = list(self._data.shape), list(self._strides)
    shape[dim] = max(0, (end - start + step - 1) // step)
    offset = self._offset + start * strides[dim]
    strides[dim] *= step
    out = self.as_strided_view(tuple(shape), tuple(strides), offset)
    record("slice", out, (self,), dim=dim, start=start, end=end, step=step)
    return out


@op()
def narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Tensor.narrow: `length` positions from `start` (negative start counts from the end)."""
    if not (is_int(dim) and is_int(start) and is_int(length)):
        raise invalid_combination("narrow", (dim, start, length))
    dim, start, length = int(dim), int(start), int(length)
    if self.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, self.ndim)
    size = self._data.shape[dim]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    start = start % size if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return sliced(self, dim, start, start + length, 1)


def selected(self: Tensor, dim: int, index: int, message: str) -> Tensor:
    """A view of position `index` along `dim` (dim dropped), or IndexError(message)."""
    size = self._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(message)
    index %= size
    shape, strides = list(self._data.shape), list(self._strides)
    offset = self._offset + index * strides[dim]
    del shape[dim], strides[dim]
    return self.as_strided_view(tuple(shape), tuple(strides), offset)


@op(derivative=Formula("SelectBackward0", self=("", _select_grad)))
def select(self: Tensor, dim: int, index: int) -> Tensor:
    """Tensor.select: drop `dim`, keeping position `index` (negative counts from the end)."""
    dim = int_arg(dim, "select", "dim", 1)
    index = int_arg(index, "select", "index", 2)
    if self.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, self.ndim)
    message = f"select(): index {index} out of range for tensor of size {list(self.shape)} at dimension {dim}"
    out = selected(self, dim, index, message)
    record("select", out, (self,), dim=dim, index=index % self._data.shape[dim])
    return out


def _iterate(self: Tensor) -> Any:
    """iter(t): the sub-tensors along dim 0 (torch iterates over unbind(0))."""
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return iter(unbind(self, 0))


@op(
    derivative=MultiOutputFormula("UnbindBackward0", lambda grads, s: np.stack(grads, axis=s.dim)),
    extra={"__iter__": _iterate},
)
def unbind(self: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.unbind: every select along dim, as one multi-output op."""
    dim = int_arg(dim, "unbind", "dim", 1)
    if self.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, self.ndim)
    outs = tuple(selected(self, dim, i, "") for i in range(self._data.shape[dim]))
    record("unbind", outs, (self,), dim=dim)
    return outs


def _join_pieces(grads: list[np.ndarray], s: Any) -> np.ndarray:
    return np.concatenate(grads, axis=s.dim)


@op(derivative=MultiOutputFormula("SplitWithSizesBackward0", _join_pieces))
def split_with_sizes(self: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.split_with_sizes: pieces of the given sizes along dim (they must sum to its size)."""
    sizes = list(sizes_arg(split_sizes, "split_with_sizes", "split_sizes", 1))
    dim = wrap_dim(int_arg(dim, "split_with_sizes", "dim", 2), self.ndim)
    size = self._data.shape[dim]
    if any(n < 0 for n in sizes):
        raise RuntimeError(
            "split_with_sizes expects split_sizes have only non-negative entries, "
            f"but got split_sizes={sizes}"
        )
    if sum(sizes) != size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
            f"dimension {dim}), but got split_sizes={sizes}"
        )
    outs = _pieces(self, sizes, dim)
    record("split_with_sizes", outs, (self,), split_size=sizes, dim=dim)
    return outs


def _pieces(self: Tensor, sizes: list[int], dim: int) -> tuple[Tensor, ...]:
    starts = np.cumsum([0, *sizes[:-1]]).tolist()
    return tuple(_piece(self, dim, s, n) for s, n in zip(starts, sizes, strict=True))


def _piece(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    shape, strides = list(self._data.shape), list(self._strides)
    shape[dim] = length
    return self.as_strided_view(tuple(shape), tuple(strides), self._offset + start * strides[dim])


@op(derivative=MultiOutputFormula("SplitBackward0", _join_pieces))
def split(self: Tensor, split_size_or_sections: int | list[int], dim: int = 0) -> tuple[Tensor, ...]:
    """torch.split: pieces of `split_size` along dim (the last may be smaller), or the given sizes."""
    dim = wrap_dim(int_arg(dim, "split", "dim", 2), self.ndim)
    size = self._data.shape[dim]
    if not is_int(split_size_or_sections):
        return split_with_sizes(self, split_size_or_sections, dim)
    step = int(split_size_or_sections)  # type: ignore[arg-type]
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
    if step == 0 and size != 0:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
        )
    outs = _pieces(self, [min(step, size - start) for start in range(0, size, step)] if step else [0], dim)
    record("split", outs, (self,), split_size=step, dim=dim)
    return outs


@op()
def chunk(self: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.chunk: split into pieces of ceil(size / chunks)."""
    chunks = int_arg(chunks, "chunk", "chunks", 1)
    dim = int_arg(dim, "chunk", "dim", 2)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if self.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = self._data.shape[wrap_dim(dim, self.ndim)]
    return split(self, max(1, -(-size // chunks)), dim)


# --- diagonal and unfold: views with a new last dim --------------------------------------------------


def _diagonal_grad(g: np.ndarray, s: Any) -> np.ndarray:
    """torch's diagonal_backward: zeros of the input's shape with the diagonal set to the gradient."""
    out = np.zeros(s.self_sizes, dtype=g.dtype)
    planes = np.moveaxis(out, (s.dim1, s.dim2), (-2, -1))  # a view: the diagonal's plane last
    n = g.shape[-1]
    rows = np.arange(n) + max(-s.offset, 0)
    planes[..., rows, rows + s.offset] = g
    return out


@op(derivative=Formula("DiagonalBackward0", self=("", _diagonal_grad)))
def diagonal(self: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """Tensor.diagonal: a view along the diagonal of dims (dim1, dim2), appended as the last dim
    with stride stride[dim1] + stride[dim2]."""
    offset = int_arg(offset, "diagonal", "offset", 1)
    dim1 = wrap_dim(int_arg(dim1, "diagonal", "dim1", 2), self.ndim)
    dim2 = wrap_dim(int_arg(dim2, "diagonal", "dim2", 3), self.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape, strides = list(self._data.shape), list(self._strides)
    if offset >= 0:
        size = max(min(shape[dim1], shape[dim2] - offset), 0)
        start = offset * strides[dim2] if size else 0
    else:
        size = max(min(shape[dim1] + offset, shape[dim2]), 0)
        start = -offset * strides[dim1] if size else 0
    step = strides[dim1] + strides[dim2]
    for d in sorted((dim1, dim2), reverse=True):
        del shape[d], strides[d]
    out = self.as_strided_view((*shape, size), (*strides, step), self._offset + start)
    record("diagonal", out, (self,), offset=offset, dim1=dim1, dim2=dim2)
    return out


def _unfold_grad(g: np.ndarray, s: Any) -> np.ndarray:
    """torch's unfold_backward: each window's gradient added back where the window was read."""
    out = np.zeros(s.self_sizes or (1,), dtype=g.dtype)
    along = np.moveaxis(out, s.dimension, -1)  # a view: the unfolded dim last
    windows = np.moveaxis(g, s.dimension, -2)  # (..., window, size)
    for w in range(windows.shape[-2]):
        along[..., w * s.step : w * s.step + s.size] += windows[..., w, :]
    return out.reshape(s.self_sizes)


@op(function=False, derivative=Formula("UnfoldBackward0", self=("", _unfold_grad)))
def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: windows of `size` every `step` along `dimension`, as a new last dim (a view)."""
    dimension = int_arg(dimension, "unfold", "dimension", 1)
    size = int_arg(size, "unfold", "size", 2)
    step = int_arg(step, "unfold", "step", 3)
    dim = wrap_dim(dimension, self.ndim)
    length = self._data.shape[dim] if self.ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    shape, strides = list(self._data.shape), list(self._strides)
    if not shape:
        shape, strides = [1], [1]
    inner = strides[dim]
    shape[dim] = (length - size) // step + 1
    strides[dim] *= step
    out = self.as_strided_view((*shape, size), (*strides, inner), self._offset)
    record("unfold", out, (self,), dimension=dim, size=size, step=step)
    return out


# --- aliases of the whole tensor ---------------------------------------------------------------------


def _set_data(self: Tensor, new: Tensor) -> None:
    """`t.data = other`: t now uses other's storage, shape and dtype (its autograd fields stay)."""
    self._storage, self._dtype, self._offset, self._data = new._storage, new._dtype, new._offset, new._data
    self._strides, self._vc = new._strides, new._vc


@op(extra={"data": property(_data, _set_data)})
def detach(self: Tensor) -> Tensor:
    """Tensor.detach: same storage and version counter, no history, requires_grad False, no _base."""
    out = self.as_strided_view(self._data.shape, self._strides, self._offset)
    out._base = None
    return out


@op()
def detach_(self: Tensor) -> Tensor:
    """Tensor.detach_: self loses its history and stops requiring grad."""
    self.grad_fn = None
    self._requires_grad = False
    return self


@op(function=False, method=False, derivative=Formula("AliasBackward0", self=("", identity)))
def alias(self: Tensor) -> Tensor:
    """aten's alias: a view of the whole tensor (what `t[...]` records)."""
    out = self.as_strided_view(self._data.shape, self._strides, self._offset)
    record("alias", out, (self,))
    return out


@op(name="as_strided_", derivative=AsStridedFormula("AsStridedBackward1"))
def as_strided_in_place(self: Tensor, size: Any, stride: Any, storage_offset: Any = None) -> Tensor:
    """Tensor.as_strided_: self takes the (size, stride, offset) view of its own storage."""
    size = sizes_arg(size, "as_strided_", "size", 1)
    stride = sizes_arg(stride, "as_strided_", "stride", 2)
    offset = (
        self._offset
        if storage_offset is None
        else int_arg(storage_offset, "as_strided_", "storage_offset", 3)
    )
    autograd.check_inplace(self)
    result = self.as_strided_view(size, stride, offset)
    record("as_strided_", result, (self,))
    return become_view(self, result)
