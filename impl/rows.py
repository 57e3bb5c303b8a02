"""Op rows: one declarative record per op (the idea of torch's OpInfo and native_functions.yaml).

A `Row` holds everything about one op except its forward computation's body:

- `name`, `aliases`: torch.<name> and the other names of the same function and method;
- `impl`: the forward (built from a NumPy kernel and a dtype rule by impl/elementwise.py, or
  written by hand and registered with `@op(...)`);
- its spellings: `function` (torch.<name>), `method` (Tensor.<name>, or another callable when the
  method differs), `inplace` (Tensor.<name>_: the generic in-place form, or a hand-written one),
  `dunder` ("add" gives `__add__`, the reflected `__radd__` and `__iadd__` when in-place exists;
  a comparison has only `__lt__`),
  `reflected` (the reflected operator when it is not the flipped function), `also` (more Tensor
  names of the method: `__neg__`), `extra` (further Tensor attributes: properties such as `T`);
  `result_dtype` lets the generic in-place form check the cast before computing, as torch does;
- `derivative`: its backward (impl/autograd/formulas.py), or None where it records no history.

Registering a row is the only step that adds an op: impl/methods.py binds every row's spellings
onto Tensor, impl/__init__.py exports every row's function names, and the tests read the registry
(every derivative checked against torch, every torch.Tensor name of impl's subset bound).
Hand-written forwards record their history with `record(name, ...)`, which finds the row's
derivative by its (aten) name; rows without spellings exist for the aten ops that other
functions record (slice, _unsafe_view, ...).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from impl import autograd, dtypes
from impl.autograd.formulas import Derivative
from impl.bridge import tensor_from_array
from impl.promotion import check_inplace_cast, is_scalar
from impl.tensor import Tensor

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, eq=False)
class Row:
    """One op: its names, forward, spellings and derivative (see the module docstring)."""

    name: str
    impl: Callable[..., Any] | None
    derivative: Derivative | None = None
    aliases: tuple[str, ...] = ()
    function: bool = True
    method: bool | Callable[..., Any] = True
    inplace: bool | str | Callable[..., Any] = False
    dunder: str | None = None
    reflected: Callable[..., Any] | None = None
    result_dtype: Callable[..., dtypes.dtype | None] | None = None  # pre-checked by the in-place form
    arrays: bool = True  # the operators read an ndarray operand as a tensor
    numbers: bool = True  # the operators take a Python number operand (`t @ 2` is Python's TypeError)
    also: tuple[str, ...] = ()  # more Tensor names of the method itself (`__neg__` for neg)
    extra: dict[str, Any] = field(default_factory=dict)

    def functions(self) -> dict[str, Callable[..., Any]]:
        """torch.<name> for the name and each alias."""
        if not self.function or self.impl is None:
            return {}
        return dict.fromkeys((self.name, *self.aliases), self.impl)

    def methods(self) -> dict[str, Any]:
        """Every Tensor attribute this row provides: methods, in-place forms, operators, extras."""
        bound: dict[str, Any] = {}
        method = self.impl if self.method is True else self.method or None
        names = (self.name, *self.aliases)
        if method is not None:
            bound.update(dict.fromkeys((*names, *self.also), method))
        inplace = self.inplace
        if inplace is True:
            assert self.impl is not None
            inplace = inplace_form(self.name + "_", self.impl, self.result_dtype)
        elif inplace == VIEW:
            assert self.impl is not None
            inplace = inplace_view_form(self.name + "_", self.impl)
        if inplace:
            bound.update({f"{n}_": inplace for n in names})
        if self.dunder is not None:
            assert self.impl is not None
            bound[f"__{self.dunder}__"] = operator(self.impl, self.arrays, self.numbers)
            if self.dunder not in COMPARISONS:  # Python reflects a comparison by swapping it (a < b: b > a)
                reflected = self.reflected or flipped(self.impl)
                bound[f"__r{self.dunder}__"] = operator(reflected, self.arrays, self.numbers)
                if inplace:
                    bound[f"__i{self.dunder}__"] = inplace
        bound.update(self.extra)
        return bound


VIEW = "view"  # Row.inplace for view ops: Tensor.<name>_ makes self that view of itself
COMPARISONS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})  # operators with no reflected or in-place form
REGISTRY: dict[str, Row] = {}  # aten op name -> its row, in registration order


def register(row: Row) -> Row:
    if row.name in REGISTRY:
        raise ValueError(f"op {row.name!r} has two rows")
    REGISTRY[row.name] = row
    return row


def op(name: str | None = None, doc: str | None = None, **spellings: Any) -> Callable[[F], F]:
    """Register a hand-written forward as a row: `@op(derivative=...)` above the function (the row is
    named after it), or `op(name=..., doc=...)(fn)` for a function a builder made (fn is renamed)."""

    def decorate(fn: F) -> F:
        if name is not None:
            fn.__name__ = fn.__qualname__ = name
        if doc is not None:
            fn.__doc__ = doc
        register(Row(fn.__name__, fn, **spellings))
        return fn

    return decorate


def record(name: str, out: Any, inputs: tuple[Any, ...], **attrs: Any) -> None:
    """Give `out` the history of op `name` (its row's derivative), when autograd records it."""
    derivative = REGISTRY[name].derivative
    assert derivative is not None, f"op {name!r} records history but its row has no derivative"
    autograd.record(derivative, out, inputs, attrs)


# --- spellings derived from a row ----------------------------------------------------------------


def write_into(
    self: Tensor, result: Tensor, type_names: Callable[[dtypes.dtype], str] | None = None
) -> Tensor:
    """Store an out-of-place result into self (the in-place rule: the result's dtype must cast to
    self's, its shape must be self's), bump the version, give self the result's history."""
    check_inplace_cast(result.dtype, self.dtype, type_names)
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    self._data[...] = dtypes.cast(result._data, self.dtype)
    self._vc.bump()
    autograd.rebase(self, result)
    return self


def check_writable(self: Tensor) -> None:
    """Before an in-place write: autograd's leaf checks, then torch's assert_no_internal_overlap
    (a stride-0 dim of size > 1 would write several results into one element)."""
    autograd.check_inplace(self)
    if any(stride == 0 and size > 1 for size, stride in zip(self._data.shape, self._strides, strict=True)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )


def inplace_form(
    name: str, compute: Callable[..., Tensor], result_dtype: Callable[..., dtypes.dtype | None] | None = None
) -> Callable[..., Tensor]:
    """Tensor.<op>_: the out-of-place result, written into self (see write_into). torch checks that
    the result dtype casts to self's before it runs the kernel (which may refuse the dtype), so a
    row that knows its result dtype (`result_dtype`, None for operands the op itself refuses) has it
    checked first."""

    def inplace(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        check_writable(self)
        expected = result_dtype(self, *args, **kwargs) if result_dtype is not None else None
        if expected is not None:
            check_inplace_cast(expected, self.dtype)
        return write_into(self, compute(self, *args, **kwargs))

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"Tensor.{name}: in-place {name[:-1]}; the result must cast to self's dtype and shape."
    inplace.__signature__ = inspect.signature(compute)  # type: ignore[attr-defined]
    return inplace


def inplace_view_form(name: str, view: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """Tensor.<view>_ (t_, transpose_, squeeze_, ...): self takes the view's sizes, strides and offset
    (same storage); torch bumps the version and, under autograd, gives self the view op's history."""

    def inplace(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        autograd.check_inplace(self)
        return become_view(self, view(self, *args, **kwargs))

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"Tensor.{name}: {name[:-1]} in place (a metadata change, no data moves)."
    inplace.__signature__ = inspect.signature(view)  # type: ignore[attr-defined]
    return inplace


def become_view(self: Tensor, view: Tensor) -> Tensor:
    """Self takes `view`'s geometry on their shared storage, a new version and its history."""
    self._strides, self._data, self._offset = view._strides, view._data, view._offset
    self._vc.bump()
    autograd.rebase(self, view)
    return self


def flipped(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
    """The reflected operator `other OP self` as fn(other, self)."""

    def reflected(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    reflected.__name__ = reflected.__qualname__ = f"r{fn.__name__}"
    return reflected


def operator(fn: Callable[..., Any], arrays: bool = True, numbers: bool = True) -> Callable[..., Any]:
    """A Python operator: an ndarray operand becomes a tensor (unless `arrays` is False); anything
    else that is neither a tensor nor a number (nor a number when `numbers` is False) gives
    NotImplemented, so that Python raises its TypeError."""

    def method(self: Tensor, other: Any) -> Any:
        if arrays and isinstance(other, np.ndarray):
            try:
                other = tensor_from_array(other)
            except (TypeError, ValueError):  # an array torch cannot read: NumPy's operator decides
                return NotImplemented
        if not isinstance(other, Tensor) and not (numbers and is_scalar(other)):
            return NotImplemented
        return fn(self, other)

    method.__name__ = method.__qualname__ = getattr(fn, "__name__", "operator")
    return method
