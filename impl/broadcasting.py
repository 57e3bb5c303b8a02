"""Broadcasting: how shapes combine, expand views, and the in-place restrictions.

torch's rule (the same as NumPy's): align shapes at the right; two sizes are
compatible when equal or when one is 1; missing leading dims count as 1.
`expand` realises a broadcast as a view with stride 0 along the new or
size-1 dims, so the expanded tensor has several elements at one address;
writing into such a tensor (add_, copy_, ...) is refused (rows.check_writable),
while fill_/zero_ are allowed. An in-place op may not grow `self`: the broadcast shape of all
operands must equal self's shape.
"""

from __future__ import annotations

from typing import Any

from impl.arguments import int_list
from impl.autograd.formulas import Formula
from impl.autograd.graph import sum_to
from impl.rows import op, record
from impl.tensor import Size, Tensor


def broadcast_pair(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape of two operands (torch's at::infer_size), with torch's error message."""
    ndim = max(len(a), len(b))
    out = []
    for dim in reversed(range(ndim)):  # from the right, as torch reports the last mismatch it meets
        offset = ndim - 1 - dim
        size_a = a[len(a) - 1 - offset] if offset < len(a) else 1
        size_b = b[len(b) - 1 - offset] if offset < len(b) else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                f"at non-singleton dimension {dim}"
            )
        out.append(size_b if size_a == 1 else size_a)
    return tuple(reversed(out))


def broadcast_shape_of(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """broadcast_pair folded over several shapes (the operands of one op)."""
    if shapes and shapes.count(shapes[0]) == len(shapes):  # all the same shape
        return tuple(shapes[0])
    out: tuple[int, ...] = ()
    for shape in shapes:
        out = broadcast_pair(out, tuple(shape))
    return out


@op(method=False)
def broadcast_shapes(*shapes: Any) -> Size:
    """torch.broadcast_shapes: its own message names the first argument that does not fit."""
    shapes = tuple((s,) if isinstance(s, int) else tuple(s) for s in shapes)
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i in range(-1, -len(shape) - 1, -1):
            if shape[i] in (1, out[i]):
                continue
            if out[i] != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {shape[i]} at {i}! Mismatching argument "
                    f"at index {shapes.index(shape)} had {shape}; but expected shape should be broadcastable "
                    f"to {out}"
                )
            out[i] = shape[i]
    return Size(out)


@op(function=False, derivative=Formula("ExpandBackward0", self=("", lambda g, s: sum_to(g, s.self_sizes))))
def expand(self: Tensor, *sizes: Any) -> Tensor:
    """Tensor.expand: a view with stride 0 along new leading dims and expanded size-1 dims; -1 keeps."""
    sizes = int_list(sizes, "expand")
    if len(sizes) < self.ndim:
        raise RuntimeError(
            f"expand(torch.{self.dtype.scalar_type}Tensor{{{list(self.shape)}}}, size={list(sizes)}): "
            "the number "
            f"of sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({self.ndim})"
        )
    new_leading = len(sizes) - self.ndim
    shape, strides = [0] * len(sizes), [0] * len(sizes)
    zero_dim = self.ndim == 0  # torch: every stride of an expanded 0-d tensor is 0
    for dim in reversed(range(len(sizes))):  # torch's inferExpandGeometry
        target = sizes[dim]
        if dim < new_leading:
            if target < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target}) isn't allowed in a leading, "
                    f"non-existing dimension {dim}"
                )
            size = 1  # a new dim, strided as if it already were there
            stride = 0 if zero_dim else (shape[dim + 1] * strides[dim + 1] if dim + 1 < len(sizes) else 1)
        else:
            size, stride = self.shape[dim - new_leading], self.stride(dim - new_leading)
        if target == -1:
            target = size
        if size != target:
            if size != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target}) must match the existing size ({size}) at "
                    f"non-singleton dimension {dim}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                    f"{list(self.shape)}"
                )
            stride = 0
        shape[dim], strides[dim] = target, stride
    out = self.as_strided_view(tuple(shape), tuple(strides), self.storage_offset())
    record("expand", out, (self,), size=tuple(sizes))
    return out


@op(function=False)
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return expand(self, other.shape)


@op()
def broadcast_to(t: Tensor, size: Any) -> Tensor:
    """torch.broadcast_to: expand to `size`."""
    return expand(t, tuple(size))


@op(method=False)
def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """torch.broadcast_tensors: expand every tensor to the common broadcast shape (one that has it
    already is returned itself, as torch's expand_outplace does)."""
    shape = broadcast_shape_of(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)


def check_inplace_shape(self_shape: tuple[int, ...], *other_shapes: tuple[int, ...]) -> None:
    """An in-place op writes into self, so the broadcast of all operands must be self's shape."""
    shape = broadcast_shape_of(tuple(self_shape), *other_shapes)
    if shape != tuple(self_shape):
        raise RuntimeError(
            f"output with shape {list(self_shape)} doesn't match the broadcast shape {list(shape)}"
        )
