"""Indexing: `t[key]` and `t[key] = value`.

Basic indexing (ints, slices with step > 0, None, Ellipsis, 0-d integer tensors) is a chain of
select / slice / unsqueeze views (torch's applySlicing, left to right). Indexing with tensors or
lists ("advanced indexing", aten::index) copies, as NumPy does; bool and uint8 tensors are masks.
`t[key] = value` copies value into the basic view (expanded to it), or is index_put_ for an
advanced key.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from impl import autograd, dtypes
from impl.autograd.formulas import Formula
from impl.autograd.graph import sum_to
from impl.broadcasting import expand
from impl.copies import as_operand, copy_
from impl.memory import alias, selected, sliced, unsqueeze
from impl.rows import Row, check_writable, op, record, register
from impl.tensor import Tensor

_VALID_KEYS = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
    "(got {})"
)


def _is_basic(item: Any) -> bool:
    if isinstance(item, Tensor):
        return item.ndim == 0 and item.dtype.category == dtypes.INTEGRAL
    return item is None or item is Ellipsis or isinstance(item, int | slice | np.integer)


def _check_item(item: Any) -> None:
    """What may appear in a key: basic items, tensors of integers or bools, and (nested) lists of ints."""
    if _is_basic(item) or isinstance(item, list | tuple):
        return
    if isinstance(item, Tensor):
        if item.dtype.category not in (dtypes.BOOL, dtypes.INTEGRAL):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return
    if isinstance(item, np.ndarray) and item.dtype.kind in "biu":
        return
    if isinstance(item, str):  # torch tries to make a tensor of the key
        raise TypeError("new(): invalid data type 'str'")
    raise IndexError(_VALID_KEYS.format(type(item).__name__))


def _items(key: Any) -> tuple[Any, ...]:
    items = key if isinstance(key, tuple) else (key,)
    for item in items:
        _check_item(item)
    return items


def _slice_dim(self: Tensor, dim: int, item: slice) -> Tensor:
    bounds = [b if b is None else int(b) for b in (item.start, item.stop, item.step)]
    step = 1 if bounds[2] is None else bounds[2]
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    start, end, _ = slice(bounds[0], bounds[1], 1).indices(self._data.shape[dim])
    return sliced(self, dim, start, max(start, end), step)


def _basic_index(self: Tensor, key: tuple[Any, ...]) -> Tensor:
    """torch's applySlicing: left to right, ints select, slices slice, None unsqueezes."""
    consumed = sum(1 for k in key if k is not None and k is not Ellipsis)
    if self.ndim == 0 and consumed:  # torch's messages for indexing a 0-d tensor
        if isinstance(next(k for k in key if k is not None and k is not Ellipsis), slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
            "convert a 0-dim tensor to a number"
        )
    if consumed > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim}")
    if not key or key == (Ellipsis,):
        return alias(self)
    out, dim, dropped = self, 0, 0  # dim: in `out`; dropped: dims selected away before it
    for item in key:
        if item is Ellipsis:
            dim += self.ndim - consumed
        elif item is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif isinstance(item, slice):
            out = _slice_dim(out, dim, item)
            dim += 1
        else:
            index, size, prev = int(item), out._data.shape[dim], out
            where = f"dimension {dim + dropped} with size {size}"
            out = selected(prev, dim, index, f"index {index} is out of bounds for {where}")
            record("select", out, (prev,), dim=dim, index=index % size)
            dropped += 1
    return out


def numpy_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """An advanced-indexing key for NumPy: tensors become arrays; bool and uint8 tensors are masks."""

    def convert(k: Any) -> Any:
        if isinstance(k, Tensor):
            return k._data.astype(bool) if k.dtype is dtypes.uint8 else k._data
        return np.asarray(k) if isinstance(k, list) else k

    return tuple(convert(k) for k in key)


def _advanced(data: np.ndarray, key: tuple[Any, ...]) -> Any:
    """data[key] for an advanced key, with torch's IndexError wording for bad positions and masks."""
    try:
        return data[key]
    except IndexError as err:
        text = str(err)
        if "boolean index did not match" in text:
            raise IndexError(
                f"The shape of the mask does not match the shape of the indexed tensor: {text}"
            ) from None
        if "out of bounds" in text:
            raise IndexError(text.replace("axis", "dimension")) from None
        raise IndexError(text) from None
    except (TypeError, ValueError) as err:
        raise IndexError(f"invalid index: {err}") from None


def _check_masks(self: Tensor, items: tuple[Any, ...]) -> None:
    """A bool (or uint8) mask must have the shape of the dims it indexes (torch's message)."""
    consumed = sum(k.ndim if _is_mask(k) else 1 for k in items if k is not None and k is not Ellipsis)
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += self.ndim - consumed
        elif _is_mask(item):
            for j, (n, size) in enumerate(zip(item.shape, self.shape[dim:], strict=False)):
                if n != size:
                    raise IndexError(
                        f"The shape of the mask {list(item.shape)} at index {j} does not match the shape "
                        f"of the indexed tensor {list(self.shape)} at index {dim + j}"
                    )
            dim += item.ndim
        elif item is not None:
            dim += 1


def _is_mask(item: Any) -> bool:
    return isinstance(item, Tensor) and item.dtype in (dtypes.bool, dtypes.uint8)


def _getitem(self: Tensor, key: Any) -> Tensor:
    """Tensor.__getitem__: views for basic keys, copies (aten::index) for tensor/list keys."""
    key_items = _items(key)
    if all(_is_basic(k) for k in key_items):
        return _basic_index(self, key_items)
    for k in key_items:
        if isinstance(k, slice) and k.step is not None and k.step < 0:
            raise ValueError("step must be greater than zero")
    _check_masks(self, key_items)
    indices = numpy_key(key_items)
    out = Tensor.wrap(np.array(_advanced(self._data, indices)), self.dtype)
    record("index", out, (self,), indices=indices)
    return out


def _scatter(g: np.ndarray, s: Any) -> np.ndarray:
    """index's backward: zeros of the input's shape with the gradient added at the key's positions."""
    out = np.zeros(s.self_sizes, dtype=g.dtype)
    np.add.at(out, s.indices, g)
    return out


register(
    Row("index", None, Formula("IndexBackward0", self=("indices", _scatter)), extra={"__getitem__": _getitem})
)


def _index_put_self(g: np.ndarray, s: Any) -> np.ndarray:
    """index_put: written positions do not reach self (unless accumulating)."""
    out = np.array(g)
    if not s.accumulate:
        out[s.indices] = 0
    return out


@op(
    derivative=Formula(
        "IndexPutBackward0",
        self=("indices", _index_put_self),
        values=("indices", lambda g, s: sum_to(np.asarray(g)[s.indices], s.values_sizes)),
    ),
    inplace=lambda self, indices, values, accumulate=False: _index_put_(self, indices, values, accumulate),
)
def index_put(self: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    """torch.index_put (out of place): a copy of self with values written at an advanced-indexing key."""
    if not isinstance(values, Tensor):
        raise TypeError(
            f"index_put(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}"
        )
    if values.dtype is not self.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{self.dtype.scalar_type} for the destination and {values.dtype.scalar_type} for the source."
        )
    key = numpy_key(_items(indices))
    data = self._data.copy()
    target_shape = np.shape(_advanced(data, key))
    try:
        source = np.broadcast_to(dtypes.cast(values._data, self.dtype), target_shape)
    except ValueError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to indexing "
            f"result of shape {list(target_shape)}"
        ) from None
    if accumulate:
        np.add.at(data, key, source)
    else:
        data[key] = source
    out = Tensor.wrap(data, self.dtype)
    record("index_put", out, (self, values), indices=key, accumulate=accumulate)
    return out


def _index_put_(self: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:
    check_writable(self)
    result = index_put(self, indices, values, accumulate)
    self._data[...] = result._data
    self._vc.bump()
    autograd.rebase(self, result)
    return self


def _setitem(self: Tensor, key: Any, value: Any) -> None:
    """Tensor.__setitem__: basic keys copy_ into the view (torch's copy_to: value expanded to the view
    first); advanced keys are index_put_."""
    key_items = _items(key)
    if not isinstance(value, Tensor) and not isinstance(
        value, bool | int | float | complex | np.number | np.bool_
    ):
        raise TypeError(f"can't assign a {type(value).__name__} to a torch.{self.dtype.scalar_type}Tensor")
    source = value if isinstance(value, Tensor) else as_operand(value, self.dtype)
    if all(_is_basic(k) for k in key_items):
        target = _basic_index(self, key_items)
        copy_(target, expand(source, target._data.shape))
        return
    _index_put_(self, key, source)


register(Row("setitem", None, extra={"__setitem__": _setitem}, function=False, method=False))
