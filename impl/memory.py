"""Views, copies and indexing: what shares storage with what, and with which strides.

Every view op computes torch's (size, stride, storage_offset) for the same
storage (`Tensor.as_strided_view`), so strides are exactly the ones torch
reports, e.g. `unsqueeze(d)` gives the new dim stride `size[d] * stride[d]`.
`view` needs strides compatible with the new shape (torch's computeStride);
`reshape` is a view when `view` would succeed and a contiguous copy otherwise.
Basic indexing (ints, slices with step > 0, None, Ellipsis, 0-d integer
tensors) is a chain of select / slice / unsqueeze views; indexing with
tensors or lists ("advanced indexing") copies, as NumPy does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from impl import autograd, dtypes
from impl.broadcasting import check_no_internal_overlap, expand
from impl.dtypes import dtype
from impl.tensor import Tensor, contiguous_strides, wrap_dim

# --- shapes -------------------------------------------------------------------------------------


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Shape as varargs `(2, 3)` or one sequence `((2, 3),)`."""
    if len(shape) == 1 and not isinstance(shape[0], int | np.integer | Tensor):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def infer_size(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """torch's infer_size: resolve one -1 so that the shape holds `numel` elements."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for size in shape:
        if size < -1:
            raise RuntimeError(
                f"invalid shape dimension {size} at index {shape.index(size)} of shape {list(shape)}"
            )
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


# --- view ops -------------------------------------------------------------------------------------


def view(self: Tensor, *shape: Any) -> Tensor:
    """Tensor.view(*shape) (a view with computeStride's strides) or view(dtype) (reinterpret bits)."""
    if len(shape) == 1 and isinstance(shape[0], dtype):
        return _view_dtype(self, shape[0])
    size = infer_size(_shape_args(shape), self.numel())
    strides = compute_stride(tuple(self.shape), self.stride(), size)
    if strides is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        )
    out = self.as_strided_view(size, strides, self.storage_offset())
    autograd.record("view", out, (self,), size=size)
    return out


def _view_dtype(self: Tensor, to: dtype) -> Tensor:
    """Tensor.view(dtype): same bytes, the last dim rescaled by the itemsize ratio."""
    if dtypes.complex32 in (self.dtype, to):
        raise RuntimeError("impl stores complex32 as complex64, so view(dtype) cannot reinterpret its bytes")
    old, new = self.dtype.itemsize, to.itemsize
    shape, strides = list(self.shape), list(self.stride())
    if old != new:
        if self.ndim == 0 or strides[-1] != 1:
            raise RuntimeError(
                "self.stride(-1) must be 1 to view " + f"{self.dtype.scalar_type} as {to.scalar_type}"
                " (different element sizes), but got " + str(strides[-1] if strides else "a 0-d tensor")
            )
        if (shape[-1] * old) % new:
            raise RuntimeError(
                f"self.size(-1) must be divisible by {new // old if new > old else 1} to view "
                f"{self.dtype.scalar_type} as {to.scalar_type} (different element sizes), but got {shape[-1]}"
            )
        shape[-1] = shape[-1] * old // new
        strides = [s * old // new for s in strides[:-1]] + [1]
    storage = self._storage.view(np.uint8).view(to.np) if self._storage.nbytes % new == 0 else None
    if storage is None:
        raise RuntimeError("impl: storage size is not a multiple of the new element size")
    out = Tensor(storage, to, tuple(shape), tuple(strides), self.storage_offset() * old // new, base=self)
    return out


def as_strided(self: Tensor, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
    """torch.as_strided: any (size, stride, offset) on the same storage."""
    offset = self.storage_offset() if storage_offset is None else storage_offset
    out = self.as_strided_view(tuple(size), tuple(stride), offset)
    autograd.record("as_strided", out, (self,), size=tuple(size), stride=tuple(stride), storage_offset=offset)
    return out


def reshape(self: Tensor, *shape: Any) -> Tensor:
    """Tensor.reshape: `view` when the strides allow it, else a contiguous copy (clone + _unsafe_view)."""
    size = infer_size(_shape_args(shape), self.numel())
    if compute_stride(tuple(self.shape), self.stride(), size) is not None:
        return view(self, size)
    copy = clone(self, memory_format="contiguous_format")
    out = copy.as_strided_view(size, contiguous_strides(size), 0)
    out._base = None  # torch's _unsafe_view: the result is not a view of the temporary copy
    autograd.record("_unsafe_view", out, (copy,), size=size)
    return out


def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, other.shape)


def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, other.shape)


def _permuted(self: Tensor, order: tuple[int, ...]) -> Tensor:
    shape, strides = self.shape, self.stride()
    return self.as_strided_view(
        tuple(shape[d] for d in order), tuple(strides[d] for d in order), self.storage_offset()
    )


def transpose(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """Tensor.transpose: swap two dims (their sizes and strides)."""
    dim0, dim1 = wrap_dim(dim0, self.ndim), wrap_dim(dim1, self.ndim)
    order = list(range(self.ndim))
    order[dim0], order[dim1] = dim1, dim0
    out = _permuted(self, tuple(order)) if self.ndim else self.as_strided_view((), (), self.storage_offset())
    autograd.record("transpose", out, (self,), dim0=dim0, dim1=dim1)
    return out


def t(self: Tensor, *, _name: str = "t") -> Tensor:
    """Tensor.t: transpose of a matrix; 0-d and 1-d tensors are returned as (views of) themselves."""
    if self.ndim > 2:
        raise RuntimeError(f"{_name}() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    order = tuple(reversed(range(self.ndim)))
    out = _permuted(self, order)
    autograd.record("t", out, (self,))
    return out


def permute(self: Tensor, *dims: Any) -> Tensor:
    """Tensor.permute: reorder dims; the order must name every dim once."""
    dims = _shape_args(dims)
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
    autograd.record("permute", out, (self,), dims=order)
    return out


def squeeze(self: Tensor, dim: int | tuple[int, ...] | None = None) -> Tensor:
    """Tensor.squeeze: drop size-1 dims (all, or those named that have size 1)."""
    if dim is None:
        drop = {d for d, n in enumerate(self.shape) if n == 1}
    else:
        named = (dim,) if isinstance(dim, int) else tuple(dim)
        drop = {
            wrap_dim(d, self.ndim) for d in named if self.ndim and self.shape[wrap_dim(d, self.ndim)] == 1
        }
        for d in named:
            wrap_dim(d, self.ndim)
    keep = [d for d in range(self.ndim) if d not in drop]
    out = self.as_strided_view(
        tuple(self.shape[d] for d in keep), tuple(self.stride(d) for d in keep), self.storage_offset()
    )
    if dim is None:
        autograd.record("squeeze", out, (self,))
    else:
        autograd.record("squeeze", out, (self,), dim=dim if isinstance(dim, int) else tuple(dim))
    return out


def unsqueeze(self: Tensor, dim: int) -> Tensor:
    """Tensor.unsqueeze: a new size-1 dim at `dim`, stride size[dim] * stride[dim] (1 at the end)."""
    dim = wrap_dim(dim, self.ndim + 1)
    out = _unsqueezed(self, dim)
    autograd.record("unsqueeze", out, (self,), dim=dim)
    return out


def _unsqueezed(self: Tensor, dim: int) -> Tensor:
    shape, strides = list(self.shape), list(self.stride())
    new_stride = shape[dim] * strides[dim] if dim < self.ndim else 1
    shape.insert(dim, 1)
    strides.insert(dim, new_stride)
    return self.as_strided_view(tuple(shape), tuple(strides), self.storage_offset())


def flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Tensor.flatten: reshape dims start_dim..end_dim into one (self when nothing to merge)."""
    if self.ndim == 0:
        return reshape(self, 1)
    start, end = wrap_dim(start_dim, self.ndim), wrap_dim(end_dim, self.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return self
    shape = tuple(self.shape)
    return reshape(self, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def unflatten(self: Tensor, dim: int, sizes: Any) -> Tensor:
    dim = wrap_dim(dim, self.ndim)
    sizes = infer_size(tuple(sizes), self.shape[dim])
    return view(self, (*self.shape[:dim], *sizes, *self.shape[dim + 1 :]))


def _sliced(self: Tensor, dim: int, start: int, end: int, step: int) -> Tensor:
    """A view of positions start, start+step, ... < end along dim (bounds already clamped)."""
    shape, strides = list(self.shape), list(self.stride())
    shape[dim] = max(0, (end - start + step - 1) // step)
    offset = self.storage_offset() + start * strides[dim]
    strides[dim] *= step
    return self.as_strided_view(tuple(shape), tuple(strides), offset)


def narrow(self: Tensor, dim: int, start: int, length: int) -> Tensor:
    """Tensor.narrow: `length` positions from `start` (negative start counts from the end)."""
    if self.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, self.ndim)
    size = self.shape[dim]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    start = start % size if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    out = _sliced(self, dim, start, start + length, 1)
    autograd.record("slice", out, (self,), dim=dim, start=start, end=start + length, step=1)
    return out


def select(self: Tensor, dim: int, index: int) -> Tensor:
    """Tensor.select: drop `dim`, keeping position `index` (negative counts from the end)."""
    if self.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, self.ndim)
    out = _selected(
        self,
        dim,
        index,
        f"select(): index {index} out of range for tensor of size {list(self.shape)} at dimension {dim}",
    )
    autograd.record("select", out, (self,), dim=dim, index=int(index))
    return out


def _selected(self: Tensor, dim: int, index: int, message: str) -> Tensor:
    size = self.shape[dim]
    if not -size <= index < size:
        raise IndexError(message)
    index %= size
    shape, strides = list(self.shape), list(self.stride())
    offset = self.storage_offset() + index * strides[dim]
    del shape[dim], strides[dim]
    return self.as_strided_view(tuple(shape), tuple(strides), offset)


def unbind(self: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.unbind: every select along dim, as one multi-output op."""
    if self.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, self.ndim)
    outs = tuple(_selected(self, dim, i, "") for i in range(self.shape[dim]))
    autograd.record("unbind", outs, (self,), dim=dim)
    return outs


def split(self: Tensor, split_size_or_sections: int | list[int], dim: int = 0) -> tuple[Tensor, ...]:
    """torch.split: pieces of `split_size` along dim (the last may be smaller), or the given sizes."""
    dim = wrap_dim(dim, self.ndim)
    size = self.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [min(step, size - start) for start in range(0, size, step)] if step else [0]
        op = "split"
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                f"dimension {dim}), but got split_sizes={sizes}"
            )
        op = "split_with_sizes"
    starts = np.cumsum([0, *sizes[:-1]]).tolist()
    outs = tuple(_sliced(self, dim, s, s + n, 1) for s, n in zip(starts, sizes, strict=True))
    autograd.record(op, outs, (self,), split_size=split_size_or_sections, dim=dim)
    return outs


def chunk(self: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """torch.chunk: split into pieces of ceil(size / chunks)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = self.shape[wrap_dim(dim, self.ndim)]
    return split(self, max(1, -(-size // chunks)), dim)


def diagonal(self: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """Tensor.diagonal: a view along the diagonal of dims (dim1, dim2), appended as the last dim
    with stride stride[dim1] + stride[dim2]."""
    dim1, dim2 = wrap_dim(dim1, self.ndim), wrap_dim(dim2, self.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape, strides = list(self.shape), list(self.stride())
    if offset >= 0:
        size = max(min(shape[dim1], shape[dim2] - offset), 0)
        start = offset * strides[dim2] if size else 0
    else:
        size = max(min(shape[dim1] + offset, shape[dim2]), 0)
        start = -offset * strides[dim1] if size else 0
    step = strides[dim1] + strides[dim2]
    for d in sorted((dim1, dim2), reverse=True):
        del shape[d], strides[d]
    out = self.as_strided_view((*shape, size), (*strides, step), self.storage_offset() + start)
    autograd.record("diagonal", out, (self,), offset=offset, dim1=dim1, dim2=dim2)
    return out


def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: windows of `size` every `step` along `dimension`, as a new last dim (a view)."""
    dim = wrap_dim(dimension, self.ndim)
    length = self.shape[dim] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    shape, strides = list(self.shape), list(self.stride())
    if not shape:
        shape, strides = [1], [1]
    inner = strides[dim]
    shape[dim] = (length - size) // step + 1
    strides[dim] *= step
    out = self.as_strided_view((*shape, size), (*strides, inner), self.storage_offset())
    autograd.record("unfold", out, (self,), dimension=dim, size=size, step=step)
    return out


def detach(self: Tensor) -> Tensor:
    """Tensor.detach: same storage and version counter, no history, requires_grad False, no _base."""
    out = self.as_strided_view(tuple(self.shape), self.stride(), self.storage_offset())
    out._base = None
    return out


def detach_(self: Tensor) -> Tensor:
    self.grad_fn = None
    self._requires_grad = False
    return self


def alias(self: Tensor) -> Tensor:
    out = self.as_strided_view(tuple(self.shape), self.stride(), self.storage_offset())
    autograd.record("alias", out, (self,))
    return out


def _inplace_view(name: str, view_op: Any) -> Any:
    """t_, transpose_, squeeze_, unsqueeze_: self takes the view's sizes and strides (same storage);
    torch bumps the version and, under autograd, gives self the view op's history."""

    def op(self: Tensor, *args: Any) -> Tensor:
        autograd.check_inplace(self)
        result = view_op(self, *args)
        self._strides, self._data = result._strides, result._data
        self._vc.bump()
        autograd.rebase(self, result)
        return self

    op.__name__ = name
    op.__doc__ = f"Tensor.{name}: {name[:-1]} in place (a metadata change, no data moves)."
    return op


# --- copies -------------------------------------------------------------------------------------


def is_non_overlapping_and_dense(t: Tensor) -> bool:
    """torch's check: contiguous (empty tensors are), or some permutation of the dims with size >= 2
    makes the strides contiguous."""
    if t.is_contiguous():
        return True
    dims = sorted((d for d in range(t.ndim) if t.shape[d] >= 2), key=lambda d: t.stride(d))
    expected = 1
    for d in dims:
        if t.stride(d) != expected:
            return False
        expected *= t.shape[d]
    return True


def preserved_strides(t: Tensor) -> tuple[int, ...]:
    """torch's memory_format=preserve: keep a dense layout's strides, else row-major."""
    if is_non_overlapping_and_dense(t):
        return t.stride()
    from impl.broadcasting import output_strides

    return output_strides(tuple(t.shape), (t,))


def _copy_with_strides(t: Tensor, to: dtype, strides: tuple[int, ...]) -> Tensor:
    """A new storage holding t's values cast to `to`, laid out with `strides`."""
    shape = tuple(t.shape)
    extent = 1 + sum((n - 1) * s for n, s in zip(shape, strides, strict=True)) if t.numel() else 0
    out = Tensor(np.zeros(max(extent, 0), dtype=to.np), to, shape, strides)
    out._data[...] = dtypes.cast(t._data, to)
    return out


def clone(self: Tensor, *, memory_format: str = "preserve_format") -> Tensor:
    """Tensor.clone: a copy with preserved (or contiguous) layout; recorded as "clone"."""
    strides = contiguous_strides(tuple(self.shape))
    if memory_format == "preserve_format":
        strides = preserved_strides(self)
    out = _copy_with_strides(self, self.dtype, strides)
    autograd.record("clone", out, (self,))
    return out


def contiguous(self: Tensor, memory_format: str = "contiguous_format") -> Tensor:
    """Tensor.contiguous: self when already contiguous, else a contiguous clone."""
    return self if self.is_contiguous() else clone(self, memory_format="contiguous_format")


def to(
    self: Tensor, *args: Any, dtype: dtype | None = None, device: Any = None, copy: bool = False
) -> Tensor:
    """Tensor.to(dtype) / to('cpu') / to(other): self when nothing changes, else a cast copy."""
    from impl.tensor import device as parse_device

    for arg in args:
        if isinstance(arg, dtypes.dtype):
            dtype = arg
        elif isinstance(arg, Tensor):
            dtype = arg.dtype
        else:
            parse_device(arg)
    if device is not None:
        parse_device(device)
    if (dtype is None or dtype is self.dtype) and not copy:
        return self
    target = dtype or self.dtype
    out = _copy_with_strides(self, target, preserved_strides(self))
    autograd.record("_to_copy", out, (self,), dtype=target)
    return out


def type_(self: Tensor, dtype: dtype | str | None = None) -> Tensor | str:
    """Tensor.type(): the legacy name ('torch.FloatTensor'); type(dtype): to(dtype)."""
    if dtype is None:
        return f"torch.{self.dtype.scalar_type}Tensor"
    if isinstance(dtype, str):
        found = {f"torch.{d.scalar_type}Tensor": d for d in dtypes.ALL}.get(dtype)
        if found is None:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = found
    return to(self, dtype)


def _cast_method(target: dtype) -> Any:
    def method(self: Tensor) -> Tensor:
        return to(self, target)

    method.__doc__ = f"Tensor.{target.name}(): to({target!r})"
    return method


# --- indexing -----------------------------------------------------------------------------------


def _is_basic(item: Any) -> bool:
    if isinstance(item, Tensor):
        return item.ndim == 0 and item.dtype.category == dtypes.INTEGRAL
    return item is None or item is Ellipsis or isinstance(item, int | slice | np.integer)


def _expand_key(key: Any) -> tuple[Any, ...]:
    return key if isinstance(key, tuple) else (key,)


def _basic_index(self: Tensor, key: tuple[Any, ...]) -> Tensor:
    """torch's applySlicing: left to right, ints select, slices slice, None unsqueezes."""
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if consumed > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
    out, dim = self, 0
    if not key or key == (Ellipsis,):
        return alias(self)
    for item in key:
        if item is Ellipsis:
            dim += self.ndim - consumed
        elif item is None:
            prev, out = out, _unsqueezed(out, dim)
            autograd.record("unsqueeze", out, (prev,), dim=dim)
            dim += 1
        elif isinstance(item, slice):
            out = _slice_dim(out, dim, item)
            dim += 1
        else:
            index = int(item)
            size = out.shape[dim]
            prev = out
            out = _selected(
                out, dim, index, f"index {index} is out of bounds for dimension {dim} with size {size}"
            )
            autograd.record("select", out, (prev,), dim=dim, index=index)
    return out


def _slice_dim(self: Tensor, dim: int, item: slice) -> Tensor:
    step = 1 if item.step is None else int(item.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    size = self.shape[dim]
    start, end, _ = slice(item.start, item.stop, 1).indices(size)
    end = max(start, end)
    out = _sliced(self, dim, start, end, step)
    autograd.record("slice", out, (self,), dim=dim, start=start, end=end, step=step)
    return out


def _numpy_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """An advanced-indexing key for NumPy: tensors become arrays; bool and uint8 tensors are masks."""

    def convert(k: Any) -> Any:
        if isinstance(k, Tensor):
            return k._data.astype(bool) if k.dtype is dtypes.uint8 else k._data
        return np.asarray(k) if isinstance(k, list) else k

    return tuple(convert(k) for k in key)


def getitem(self: Tensor, key: Any) -> Tensor:
    """Tensor.__getitem__: views for basic keys, copies (aten::index) for tensor/list keys."""
    items = _expand_key(key)
    if all(_is_basic(k) for k in items):
        return _basic_index(self, items)
    for k in items:
        if isinstance(k, slice) and k.step is not None and k.step < 0:
            raise ValueError("step must be greater than zero")
    try:
        values = self._data[_numpy_key(items)]
    except IndexError as err:
        raise IndexError(str(err)) from None
    out = Tensor.wrap(np.array(values), self.dtype)
    autograd.record("index", out, (self,), indices=key)
    return out


def setitem(self: Tensor, key: Any, value: Any) -> None:
    """Tensor.__setitem__: basic keys copy_ into the view; tensor keys are index_put_."""
    from impl import ops

    items = _expand_key(key)
    if all(_is_basic(k) for k in items):  # torch's copy_to: expand the value to the view, then copy_
        target = _basic_index(self, items)
        source = value if isinstance(value, Tensor) else ops.as_operand(value, self.dtype)
        ops.copy_(target, expand(source, tuple(target.shape)))
        return
    autograd.check_inplace(self)
    check_no_internal_overlap(self)
    source = value if isinstance(value, Tensor) else ops.as_operand(value, self.dtype)
    result = ops.index_put(self, key, source)
    self._data[...] = result._data
    self._vc.bump()
    autograd.rebase(self, result)


# --- methods ------------------------------------------------------------------------------------

_METHODS = {
    "view": view,
    "view_as": view_as,
    "reshape": reshape,
    "reshape_as": reshape_as,
    "as_strided": as_strided,
    "transpose": transpose,
    "swapaxes": transpose,
    "swapdims": transpose,
    "t": t,
    "permute": permute,
    "squeeze": squeeze,
    "unsqueeze": unsqueeze,
    "flatten": flatten,
    "unflatten": unflatten,
    "narrow": narrow,
    "select": select,
    "unbind": unbind,
    "split": split,
    "chunk": chunk,
    "t_": _inplace_view("t_", lambda self: t(self, _name="t_")),
    "transpose_": _inplace_view("transpose_", transpose),
    "squeeze_": _inplace_view("squeeze_", squeeze),
    "unsqueeze_": _inplace_view("unsqueeze_", unsqueeze),
    "diagonal": diagonal,
    "unfold": unfold,
    "detach": detach,
    "detach_": detach_,
    "clone": clone,
    "contiguous": contiguous,
    "to": to,
    "type": type_,
    "__getitem__": getitem,
    "__setitem__": setitem,
}
for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
for _name, _target in {
    "float": dtypes.float32,
    "double": dtypes.float64,
    "half": dtypes.float16,
    "bfloat16": dtypes.bfloat16,
    "long": dtypes.int64,
    "int": dtypes.int32,
    "short": dtypes.int16,
    "char": dtypes.int8,
    "byte": dtypes.uint8,
    "bool": dtypes.bool,
    "cfloat": dtypes.complex64,
    "cdouble": dtypes.complex128,
}.items():
    setattr(Tensor, _name, _cast_method(_target))
Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.ndim)))))
Tensor.mT = property(lambda self: transpose(self, -2, -1))


def _set_data(self: Tensor, new: Tensor) -> None:
    """`t.data = other`: t now uses other's storage, shape and dtype (its autograd fields stay)."""
    self._storage, self._dtype, self._offset, self._data = new._storage, new.dtype, new._offset, new._data
    self._strides = new._strides
    self._vc = new._vc


Tensor.data = property(detach, _set_data)
