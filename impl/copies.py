"""Copies: clone, contiguous, to(dtype), type() and the cast methods (float(), long(), ...), and the
in-place writes of values: fill_, zero_, copy_.

torch's memory_format=preserve (clone's and to's default): a copy keeps a dense layout's
strides (a transposed matrix stays transposed), any other layout becomes TensorIterator's
(impl/layout.py output_strides). `contiguous()` and `to()` return self when nothing changes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from impl import autograd, dtypes
from impl.arguments import dtype_arg, invalid_combination
from impl.autograd.formulas import Formula, Overloads, identity, zeros
from impl.broadcasting import check_inplace_shape
from impl.dtypes import dtype
from impl.elementwise import Operand, result_tensor
from impl.layout import contiguous_strides, extent, is_non_overlapping_and_dense, output_strides
from impl.promotion import fill_convert, is_scalar, scalar_argument
from impl.rows import Row, check_writable, op, record, register
from impl.tensor import Device, Tensor, device


def preserved_strides(t: Tensor) -> tuple[int, ...]:
    """torch's memory_format=preserve: keep a dense layout's strides, else TensorIterator's."""
    shape, strides = t._data.shape, t._strides
    if is_non_overlapping_and_dense(shape, strides):
        return strides
    return output_strides(shape, [(shape, strides)])


def copy_with_strides(t: Tensor, to: dtype, strides: tuple[int, ...]) -> Tensor:
    """A new storage holding t's values cast to `to`, laid out with `strides`."""
    out = Tensor(np.zeros(extent(t._data.shape, strides), dtype=to.np), to, t._data.shape, strides)
    out._data[...] = dtypes.cast(t._data, to)
    return out


def _memory_format(value: Any, fn: str) -> str:
    """torch.preserve_format / torch.contiguous_format, given as impl's strings (or their names)."""
    name = str(value).removeprefix("torch.")
    if name not in ("preserve_format", "contiguous_format"):
        raise TypeError(
            f"{fn}(): argument 'memory_format' must be torch.memory_format, not {type(value).__name__}"
        )
    return name


@op(derivative=Formula("CloneBackward0", self=("", identity)))
def clone(self: Tensor, *, memory_format: Any = "preserve_format") -> Tensor:
    """Tensor.clone: a copy with preserved (or contiguous) layout; recorded as "clone"."""
    if _memory_format(memory_format, "clone") == "preserve_format":
        strides = preserved_strides(self)
    else:
        strides = contiguous_strides(self._data.shape)
    out = copy_with_strides(self, self.dtype, strides)
    record("clone", out, (self,))
    return out


@op(function=False)
def contiguous(self: Tensor, memory_format: Any = "contiguous_format") -> Tensor:
    """Tensor.contiguous: self when already contiguous, else a contiguous clone."""
    _memory_format(memory_format, "contiguous")
    return self if self.is_contiguous() else clone(self, memory_format="contiguous_format")


@op(name="_to_copy", function=False, method=False, derivative=Formula("ToCopyBackward0", self=("", identity)))
def to_copy(self: Tensor, dtype_: dtype) -> Tensor:
    """aten's _to_copy: a copy cast to dtype_, with the preserved layout."""
    out = copy_with_strides(self, dtype_, preserved_strides(self))
    record("_to_copy", out, (self,), dtype=dtype_)
    return out


@op(function=False)
def to(
    self: Tensor,
    *args: Any,
    dtype: Any = None,
    device: Any = None,
    copy: bool = False,
    non_blocking: bool = False,
) -> Tensor:
    """Tensor.to(dtype) / to('cpu') / to(other): self when nothing changes, else a cast copy."""
    target = dtype_arg(dtype, "to")
    for arg in args:
        if isinstance(arg, dtypes.dtype | type):
            target = dtype_arg(arg, "to")
        elif isinstance(arg, Tensor):
            target = arg.dtype
        elif isinstance(arg, str | Device):
            parse_device(arg)
        elif isinstance(arg, int) and not isinstance(arg, bool):  # a device index: an accelerator's
            raise RuntimeError("Cannot access accelerator device when none is available.")
        else:
            raise invalid_combination("to", args)
    if device is not None:
        parse_device(device)
    if (target is None or target is self.dtype) and not copy:
        return self
    return to_copy(self, target or self.dtype)


parse_device = device  # `to` has a parameter named device


@op(name="type", function=False)
def type_(self: Tensor, dtype: Any = None) -> Tensor | str:
    """Tensor.type(): the legacy name ('torch.FloatTensor'); type(dtype): to(dtype)."""
    if dtype is None:
        return f"torch.{self.dtype.scalar_type}Tensor"
    if not isinstance(dtype, str | type | dtypes.dtype):
        raise TypeError("dtype must be a type, str, or dtype object")
    if isinstance(dtype, str):
        found = {f"torch.{d.scalar_type}Tensor": d for d in dtypes.ALL}.get(dtype)
        if found is None:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = found
    return to(self, dtype_arg(dtype, "type"))


def _cast(name: str, target: dtype) -> None:
    """The row of Tensor.<name>(): to(target) (a method only: torch.<name> is the dtype)."""

    def method(self: Tensor) -> Tensor:
        return to(self, target)

    op(name=name, doc=f"Tensor.{name}(): to({target!r})", function=False)(method)


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
    _cast(_name, _target)


# --- writing values in place: fill_, zero_, copy_ -----------------------------------------------


def as_operand(value: Any, like: dtype) -> Tensor:
    """A Python scalar as a 0-d tensor of dtype `like` (for copy_/fill_ sources)."""
    return Tensor.wrap(dtypes.cast(np.asarray(value), like), like)


def recorded_write(self: Tensor, op: str, inputs: tuple[Any, ...]) -> Tensor:
    """After fill_/zero_/copy_ (or a random fill) wrote self's new values: bump the version and give
    self the history of op `op` (torch's FillBackward2, ZeroBackward0, CopyBackwards, ...)."""
    self._vc.bump()
    result = result_tensor(self._data, self._data.shape, self.dtype)
    record(op, result, inputs)
    autograd.rebase(self, result)
    return self


@op()
def fill_(self: Tensor, value: Operand) -> Tensor:
    """Tensor.fill_: every element := value (allowed on expanded tensors); value a number (checked
    against self's dtype: fill_convert) or a 0-d tensor."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
        )
    if not isinstance(value, Tensor) and not is_scalar(value):
        raise invalid_combination("fill_", (value,))
    if not isinstance(value, Tensor):
        value = scalar_argument(value)
    autograd.check_inplace(self)
    if not isinstance(value, Tensor):
        fill_convert(value, self.dtype, self.numel())
    source = value._data if isinstance(value, Tensor) else np.asarray(value)
    self._data[...] = dtypes.cast(source, self.dtype)
    return recorded_write(self, "fill", (self, value))


register(
    Row(
        "fill",
        None,
        Overloads(
            lambda inputs, attrs: "fill.Scalar" if is_scalar(inputs[1]) else "fill.Tensor",
            {
                "fill.Scalar": Formula("FillBackward2", self=("", zeros), value=None),
                "fill.Tensor": Formula("FillBackward3", self=("", zeros), value=("", lambda g, s: np.sum(g))),
            },
        ),
    )
)
register(Row("zero", None, Formula("ZeroBackward0", self=("", zeros))))
register(Row("copy", None, Formula("CopyBackwards", self=("", zeros), src=("", identity))))


@op()
def zero_(self: Tensor) -> Tensor:
    """Tensor.zero_: every element := 0."""
    autograd.check_inplace(self)
    self._data[...] = 0
    return recorded_write(self, "zero", (self,))


@op(function=False)
def copy_(self: Tensor, src: Operand, non_blocking: bool = False) -> Tensor:
    """Tensor.copy_: src broadcast to self's shape, cast to self's dtype (any dtype is allowed)."""
    check_writable(self)
    source = src if isinstance(src, Tensor) else as_operand(src, self.dtype)
    check_inplace_shape(self._data.shape, source._data.shape)
    self._data[...] = dtypes.cast(np.broadcast_to(source._data, self._data.shape), self.dtype)
    return recorded_write(self, "copy", (self, src))
