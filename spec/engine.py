"""The engine protocol: everything a scenario may ask of an engine, in torch's names.

Scenarios in spec/ talk to an engine only through this protocol, so that any
tensor library can be checked against torch by writing one adapter (see
docs/adapters.md). Tensors are opaque handles (`T`): the scenario never looks
inside them, it only passes them back to the engine or observes them through
`to_numpy`, `dtype`, `shape`, `strides`, ...

Meanings are torch's: `engine.call("add", a, b)` means `torch.add(a, b)`,
`engine.method("add_", a, b)` means `a.add_(b)`, dtype names are torch's
(`"float32"`, `"bfloat16"`, `"bool"`...). What an engine cannot do at all is
declared by leaving a Capability out; scenarios that need it are reported
*unsupported* for that engine, never passed.

What the scenarios ask for (an adapter maps each to its library, or raises like torch):
- call: add sub mul div floor_divide remainder pow eq lt maximum minimum atan2 bitwise_and where
  clamp(min=, max=: Python scalars or tensors) broadcast_shapes broadcast_tensors broadcast_to
  exp log sqrt sin cos tanh sigmoid relu neg abs, reductions sum mean prod (dim=, keepdim=,
  dtype=) amax amin (dim=, keepdim=) max min (full, or dim= giving (values, indices)),
  matmul cat stack;
- method: add sub mul div floor_divide remainder pow bitwise_and, in place add_ sub_ mul_ div_
  floor_divide_ remainder_ pow_ bitwise_and_ copy_ fill_ zero_ requires_grad_ (with a bool),
  operators __add__ __sub__ __mul__ __truediv__ __floordiv__ __mod__ __pow__ __and__ __eq__
  __gt__, reflected __radd__ __rsub__ __rmul__ __rtruediv__ __rfloordiv__ __rmod__ __rpow__
  __rand__, augmented __iadd__ __isub__ __imul__ __itruediv__ __ifloordiv__ __imod__ __ipow__
  __iand__, indexing __getitem__ __setitem__, views and layout: view reshape flatten t
  transpose permute squeeze unsqueeze narrow select diagonal unfold expand detach contiguous
  clone to (dtype=, copy=) float, autograd: retain_grad;
- create: zeros ones full empty eye arange linspace rand randn randint zeros_like ones_like
  empty_like full_like rand_like randn_like randint_like (shapes as tuples, lists or varargs;
  NumPy scalars may stand for Python numbers in every argument).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

import numpy as np

DTYPES: tuple[str, ...] = (
    "bool",
    "uint8",
    "int8",
    "int16",
    "int32",
    "int64",
    "float16",
    "bfloat16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)
"""torch's dtype names covered by the suite, in torch's promotion order within each category."""

AREAS: tuple[str, ...] = ("creation", "promotion", "broadcasting", "memory", "autograd")


class Capability(StrEnum):
    """What an engine can do. A scenario lists the capabilities it needs."""

    AUTOGRAD = "autograd"  # requires_grad, backward(), .grad, grad_fn, no_grad
    GRAD_ACCUMULATION = "grad_accumulation"  # .grad of a leaf accumulates over backward calls
    RETAIN_GRAPH = "retain_graph"  # saved tensors freed after backward; second backward raises
    CUSTOM_FUNCTION = "custom_function"  # autograd.Function with ctx.save_for_backward
    VERSION_COUNTER = "version_counter"  # in-place change of a saved tensor is caught
    INPLACE = "inplace"  # in-place methods (add_, ...) and __setitem__
    VIEWS = "views"  # view ops share storage with their base
    STRIDES = "strides"  # stride() and storage_offset() are observable
    NUMPY_SHARING = "numpy_sharing"  # from_numpy / as_tensor / numpy() share memory
    DEFAULT_DTYPE = "default_dtype"  # set_default_dtype changes the dtype of Python floats
    ERROR_MESSAGES = "error_messages"  # messages are meant to match torch's (key compared)


@runtime_checkable
class Engine(Protocol):
    """An engine under test (or the oracle). `T` below is the engine's tensor type."""

    name: str  # registry name, e.g. "impl", "torch"
    version: str  # the engine library's version
    device: str  # "cpu", "cuda", ...
    capabilities: frozenset[Capability]
    dtypes: frozenset[str]  # subset of DTYPES the engine supports on this device

    # --- creation: torch.<factory>(...) ---------------------------------------
    def tensor(self, data: Any, *, dtype: str | None = None, requires_grad: bool = False) -> Any:
        """torch.tensor(data, dtype=..., requires_grad=...): always copies; infers dtype as torch."""

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Any:
        """torch.as_tensor: shares memory with a NumPy array when dtype and device allow."""

    def from_numpy(self, array: np.ndarray) -> Any:
        """torch.from_numpy: always shares memory; refuses what torch refuses."""

    def create(self, factory: str, *args: Any, **kwargs: Any) -> Any:
        """torch.<factory>(*args, **kwargs) for zeros, ones, full, empty, eye, arange,
        linspace, rand, randn, randint and their *_like forms (first arg a tensor).
        kwargs use torch's names; `dtype` is a dtype name string."""

    # --- operations -----------------------------------------------------------
    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        """torch.<op>(*args, **kwargs): function form. Tensors, Python scalars and
        tuples/lists of tensors may appear in args; dtype kwargs are names."""

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        """self_.<op>(*args, **kwargs): method form; a trailing '_' is the in-place form.
        Python operators are methods too: '__add__', '__radd__', '__iadd__', '__getitem__',
        '__setitem__', '__neg__', '__matmul__', ... A `dtype` kwarg is a name, as for call
        (e.g. method("to", t, dtype="float64")). Indexes are Python's (ints, slices, None,
        Ellipsis, tuples of those). Returns what torch returns (self for in-place ops)."""

    # --- observation ----------------------------------------------------------
    def to_numpy(self, t: Any) -> np.ndarray:
        """A *copy* of t's values as NumPy (bfloat16 as ml_dtypes.bfloat16), detached."""

    def numpy(self, t: Any) -> np.ndarray:
        """t.numpy(): shares memory with t where NUMPY_SHARING; raises where torch raises."""

    def dtype(self, t: Any) -> str:
        """t.dtype as a torch dtype name."""

    def shape(self, t: Any) -> tuple[int, ...]:
        """tuple(t.shape)."""

    def strides(self, t: Any) -> tuple[int, ...]:
        """t.stride(), in elements."""

    def storage_offset(self, t: Any) -> int:
        """t.storage_offset(), in elements."""

    def shares_memory(self, a: Any, b: Any) -> bool:
        """Whether a and b (tensors or NumPy arrays) overlap in memory."""

    def is_tensor(self, x: Any) -> bool:
        """torch.is_tensor(x)."""

    def item(self, t: Any) -> Any:
        """t.item(): a Python scalar."""

    # --- dtypes -----------------------------------------------------------------
    def get_default_dtype(self) -> str:
        """torch.get_default_dtype() as a name."""

    def set_default_dtype(self, dtype: str) -> None:
        """torch.set_default_dtype(...)."""

    def promote_types(self, a: str, b: str) -> str:
        """torch.promote_types(a, b) as a name."""

    # --- autograd ---------------------------------------------------------------
    def requires_grad(self, t: Any) -> bool:
        """t.requires_grad."""

    def grad(self, t: Any) -> Any | None:
        """t.grad (None when absent)."""

    def set_grad(self, t: Any, value: Any | None) -> None:
        """t.grad = value (None clears it)."""

    def grad_fn(self, t: Any) -> str | None:
        """type(t.grad_fn).__name__ (e.g. 'MulBackward0'), None for leaves."""

    def is_leaf(self, t: Any) -> bool:
        """t.is_leaf."""

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        """t.backward(gradient, retain_graph=...)."""

    def autograd_grad(
        self,
        outputs: Any,
        inputs: Any,
        grad_outputs: Any | None = None,
        retain_graph: bool | None = None,
        allow_unused: bool = False,
    ) -> tuple[Any | None, ...]:
        """torch.autograd.grad(...)."""

    def no_grad(self) -> AbstractContextManager[None]:
        """torch.no_grad()."""

    def set_grad_enabled(self, mode: bool) -> AbstractContextManager[None]:
        """torch.set_grad_enabled(mode) used as a context manager."""

    def custom_function(
        self, forward: Callable[..., Any], backward: Callable[..., Any]
    ) -> Callable[..., Any]:
        """A torch.autograd.Function with these static forward(ctx, *args) and
        backward(ctx, *grads); returns its `.apply`. Inside them, `ctx` offers
        save_for_backward(*tensors), saved_tensors and needs_input_grad, and
        tensors are the engine's own."""
