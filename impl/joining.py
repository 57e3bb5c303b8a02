"""Joining tensors: cat and stack (dtypes promote, one gradient per input), and nonzero.

torch's rules modelled: cat joins along an existing dim (other dims must match; a legacy empty
1-d tensor is skipped), stack along a new dim (all shapes equal); both refuse empty lists and
promote the inputs' dtypes (computing in opmath); nonzero gives int64 indices.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from impl import dtypes
from impl.arguments import int_arg
from impl.autograd.formulas import TensorListFormula
from impl.dtypes import dtype
from impl.elementwise import check_tensors, opmath, result_tensor
from impl.rows import op, record
from impl.tensor import Tensor, wrap_dim


def _tensor_list(tensors: Any, name: str) -> tuple[Tensor, ...]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, Sequence) or isinstance(tensors, str):
        raise TypeError(
            f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
            f"not {type(tensors).__name__}"
        )
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tuple(tensors)


def _promoted(tensors: tuple[Tensor, ...]) -> dtype:
    common = tensors[0].dtype
    for t in tensors[1:]:
        common = dtypes.promote(common, t.dtype)
    return common


def _joined(
    name: str,
    join: Callable[..., np.ndarray],
    parts: Sequence[Tensor],
    inputs: tuple[Tensor, ...],
    common: dtype,
    dim: int,
) -> Tensor:
    """cat / stack: the parts' values joined along dim in the promoted dtype, recorded with every input."""
    values = join([dtypes.cast(t._data, opmath(common)) for t in parts], axis=dim)
    out = result_tensor(values, values.shape, common)
    record(name, out, inputs, dim=dim)
    return out


def _split_cat_grad(grad: np.ndarray, s: Any) -> list[np.ndarray]:
    """cat: each input's slice of the output gradient along dim (a skipped legacy empty 1-d input: empty)."""
    dim = s.dim % grad.ndim
    sizes = [shape[dim] if len(shape) == grad.ndim else 0 for shape in s.tensors_sizes]
    parts = np.split(grad, np.cumsum(sizes)[:-1], axis=dim)
    return [
        part if len(shape) == grad.ndim else np.zeros(shape, grad.dtype)
        for part, shape in zip(parts, s.tensors_sizes, strict=True)
    ]


@op(
    derivative=TensorListFormula("CatBackward0", _split_cat_grad),
    aliases=("concat", "concatenate"),
    method=False,
)
def cat(tensors: Any, dim: int = 0) -> Tensor:
    """torch.cat: join along dim; dtypes promote; other dims must match (legacy empty 1-d skipped)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    dim = int_arg(dim, "cat", "dim", 2)
    common = _promoted(tensors)
    joined = [t for t in tensors if not (t.ndim == 1 and t.numel() == 0)] or [tensors[0]]
    first = joined[0]
    dim = wrap_dim(dim, first.ndim)
    for i, t in enumerate(tensors):
        if t.ndim == 1 and t.numel() == 0:
            continue
        if t.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {first.ndim} and {t.ndim}")
        for d in range(first.ndim):
            if d != dim and t.shape[d] != first.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. "
                    f"Expected size {first.shape[d]} but "
                    f"got size {t.shape[d]} for tensor number {i} in the list."
                )
    return _joined("cat", np.concatenate, joined, tensors, common, dim)


@op(
    derivative=TensorListFormula(
        "StackBackward0", lambda grad, s: [np.take(grad, i, axis=s.dim) for i in range(len(s.tensors_sizes))]
    ),
    method=False,
)
def stack(tensors: Any, dim: int = 0) -> Tensor:
    """torch.stack: join equal-shaped tensors along a new dim; dtypes promote."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                "stack expects each tensor to be equal size, "
                f"but got {list(tensors[0].shape)} at entry 0 and "
                f"{list(t.shape)} at entry {i}"
            )
    dim = wrap_dim(int_arg(dim, "stack", "dim", 2), tensors[0].ndim + 1)
    common = _promoted(tensors)
    return _joined("stack", np.stack, tensors, tensors, common, dim)


@op()
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """torch.nonzero: int64 indices of nonzero elements, (n, ndim) or a tuple of 1-d tensors."""
    check_tensors("nonzero", 1, input=input)
    found = np.nonzero(input._data if input.ndim else input._data.reshape(1))
    if as_tuple:
        return tuple(Tensor.wrap(i.astype(np.int64), dtypes.int64) for i in found)
    stacked = np.stack(found, axis=1) if input.ndim else np.zeros((int(input._data != 0), 0), np.int64)
    return Tensor.wrap(stacked.astype(np.int64), dtypes.int64)
