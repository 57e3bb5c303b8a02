"""TinygradEngine: the engine protocol over tinygrad's Tensor (lazy, compiled per kernel).

tinygrad's API is torch-like, so most of torch's names are tinygrad's own
methods; the table below maps the rest (`remainder` -> `mod`, `to(dtype)` ->
`cast`, `dim=` -> `axis=` for reductions, `t.add_(x)` -> `t.assign(t.add(x))`).
The behaviour stays tinygrad's, and these differences from torch are findings:

- no requires_grad flag: every floating tensor takes part in autograd and
  `backward` fills `.grad` of every floating tensor in the graph, so
  `requires_grad(t)` reports tinygrad's rule (floating point) and `is_leaf` /
  `grad_fn` report whether t is a stored buffer / the UOp that computes it;
- weak dtypes (JAX-style): a Python scalar, and an integer tensor combined with
  a Python float, are "weak"; `dtype` reports the dtype they are stored as;
- int32 is the default integer dtype; there are no complex dtypes.

Capabilities: AUTOGRAD, GRAD_ACCUMULATION (`.grad` accumulates over backward
calls), INPLACE (`assign`, `__setitem__`, `+=`), VIEWS (movement ops share
their base buffer), DEFAULT_DTYPE (tinygrad's DEFAULT_FLOAT). Not: strides,
NumPy sharing (tensors are copies; `Tensor(ndarray)` reads the array lazily),
retain_graph (nothing is freed), custom Functions, version counters.

On the CPU device tinygrad compiles C with clang; clang < 15 has no `__bf16` on
this target, so when a bfloat16 kernel fails to compile the engine switches on
tinygrad's own bfloat16 emulation (EMULATED_DTYPES) and says so in `notes`.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import ml_dtypes
import numpy as np
import tinygrad
from tinygrad import Tensor, dtypes
from tinygrad.dtype import DType, least_upper_dtype, strong_dtype
from tinygrad.helpers import DEFAULT_FLOAT, EMULATED_DTYPES

from spec.engine import DTYPES, Capability

TG_DTYPES: dict[str, DType] = {name: getattr(dtypes, name) for name in DTYPES if hasattr(dtypes, name)}
"""torch dtype name -> tinygrad DType (tinygrad has no complex dtypes)."""
NAMES: dict[DType, str] = {dt: name for name, dt in TG_DTYPES.items()}

RENAMED: dict[str, str] = {
    "remainder": "mod",
    "floor_divide": "__floordiv__",
    "true_divide": "div",
    "divide": "div",
    "lt": "__lt__",
    "le": "__le__",
    "gt": "__gt__",
    "ge": "__ge__",
    "clip": "clamp",
    "concat": "cat",
    "bitwise_not": "__invert__",
    "mm": "matmul",
    "bmm": "matmul",
    "dim": "ndim",
    "amax": "max",
    "amin": "min",
    "type": "cast",
    "broadcast_to": "expand",
}
"""torch name -> tinygrad Tensor method computing the same operation."""

CASTS: dict[str, str] = {
    "byte": "uint8",
    "char": "int8",
    "short": "int16",
    "cfloat": "complex64",
    "cdouble": "complex128",
}
"""torch's conversion methods tinygrad lacks -> the dtype they cast to."""

REDUCTIONS = frozenset(
    {"sum", "mean", "max", "min", "amax", "amin", "prod", "any", "all", "argmax", "argmin", "std", "var"}
)
"""Methods whose `dim=` is tinygrad's `axis=`."""

STORED = frozenset({"BUFFER", "COPY", "CONST", "UNIQUE", "DEVICE"})
"""UOp ops of a tensor that is an input (a leaf) rather than computed from other tensors."""


class TinygradEngine:
    """tinygrad on one of its devices (`cpu` -> tinygrad's CPU device)."""

    capabilities = frozenset(
        {
            Capability.AUTOGRAD,
            Capability.GRAD_ACCUMULATION,
            Capability.INPLACE,
            Capability.VIEWS,
            Capability.DEFAULT_DTYPE,
        }
    )

    def __init__(self, device: str = "cpu") -> None:
        self.name = "tinygrad"
        self.version = getattr(tinygrad, "__version__", _version())
        self.device = device
        self._device = device.upper()
        self.dtypes = frozenset(TG_DTYPES)
        self.notes = self._check_bfloat16()

    def _check_bfloat16(self) -> str:
        """Compile one bfloat16 kernel; fall back to tinygrad's bfloat16 emulation if the compiler can't."""
        try:
            with _quiet_stderr():  # the compiler's own error lines
                (Tensor([1.5], dtype=dtypes.bfloat16, device=self._device) + 1).realize()
            return ""
        except Exception:  # a compiler failure of any kind
            EMULATED_DTYPES.value = ",".join(filter(None, [EMULATED_DTYPES.value, "bfloat16"]))
            return "bfloat16 emulated (the device's C compiler has no __bf16)"

    def _dtype(self, name: Any) -> Any:
        if not isinstance(name, str):
            return name
        if name not in TG_DTYPES:
            raise TypeError(f"tinygrad has no dtype {name}")
        return TG_DTYPES[name]

    def _kwargs(self, kwargs: dict[str, Any], op: str = "") -> dict[str, Any]:
        out = {("axis" if k == "dim" and op in REDUCTIONS else k): v for k, v in kwargs.items()}
        if "dtype" in out:
            out["dtype"] = self._dtype(out["dtype"])
        return out

    # --- creation ---------------------------------------------------------------------------
    def tensor(self, data: Any, *, dtype: str | None = None, requires_grad: bool = False) -> Tensor:
        """Tensor(data); requires_grad has no counterpart (floating tensors always take part)."""
        return Tensor(data, dtype=self._dtype(dtype), device=self._device)

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Tensor:
        if isinstance(data, Tensor):
            return data if dtype is None else data.cast(self._dtype(dtype))
        return self.tensor(data, dtype=dtype)

    def from_numpy(self, array: np.ndarray) -> Tensor:
        return Tensor(array, device=self._device)

    def create(self, factory: str, *args: Any, **kwargs: Any) -> Tensor:
        kwargs = self._kwargs(kwargs)
        kwargs.pop("requires_grad", None)
        kwargs.pop("device", None)
        if factory.endswith("_like"):
            return getattr(args[0], factory)(*args[1:], **kwargs)
        if factory == "full":
            return Tensor.full(tuple(args[0]), args[1], device=self._device, **kwargs)
        if factory == "randint":
            low, high, size = (0, *args) if len(args) == 2 else args
            return Tensor.randint(*size, low=low, high=high, device=self._device, **kwargs)
        if factory in ("linspace", "arange", "eye"):  # these take no device: made on the default, then moved
            return getattr(Tensor, factory)(*args, **kwargs).to(self._device)
        # zeros, ones, empty, rand, randn
        return getattr(Tensor, factory)(*args, device=self._device, **kwargs)

    # --- operations ---------------------------------------------------------------------------
    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        """torch.<op>(x, ...) is x.<op>(...) in tinygrad; list-taking functions take *tensors."""
        if op in (
            "cat",
            "concat",
            "stack",
        ):  # torch.cat(tensors, dim) is tensors[0].cat(*tensors[1:], dim=dim)
            first, *rest = args[0]
            dim = args[1] if len(args) > 1 else kwargs.pop("dim", 0)
            return getattr(first, RENAMED.get(op, op))(*rest, dim=dim, **self._kwargs(kwargs))
        if op == "broadcast_tensors":
            shape = _broadcast_shape(*(t.shape for t in args))
            return tuple(t.expand(shape) for t in args)
        if op == "broadcast_shapes":
            return _broadcast_shape(*args)
        first = args[0]
        if not isinstance(first, Tensor):  # torch.add(2, t): tinygrad's reverse= form of the method
            tensor = next(a for a in args if isinstance(a, Tensor))
            return self.method(op, tensor, first, *args[2:], reverse=True, **kwargs)
        return self.method(op, first, *args[1:], **kwargs)

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs = self._kwargs(kwargs, op)
        _refuse_integer_division_by_zero(op, self_, args, kwargs)
        _refuse_huge_integer_power(op, self_, args)
        if op == "requires_grad_":  # no flag to set: floating tensors always take part, others never
            return self_
        if op.endswith("_") and not op.startswith("_"):
            return self._inplace(op[:-1], self_, *args, **kwargs)
        return self._method(op, self_)(*args, **kwargs)

    def _method(self, op: str, t: Tensor) -> Callable[..., Any]:
        if op == "to":
            return lambda *a, **kw: self._to(t, *a, **kw)
        if op in CASTS:
            return lambda: t.cast(self._dtype(CASTS[op]))
        if op == "size":
            return lambda dim=None: tuple(t.shape) if dim is None else t.shape[dim]
        if op in ("ndim", "dim"):
            return lambda: t.ndim
        if op == "expand_as":
            return lambda other: t.expand(other.shape)
        if op == "type_as":
            return lambda other: t.cast(other.dtype)
        if op in ("narrow", "select"):  # basic indexing along one dimension
            return lambda dim, *at: t[(slice(None),) * (dim % t.ndim) + (_index(op, *at),)]
        if op == "movedim":
            return lambda source, destination: t.permute(_moved(t.ndim, source, destination))
        if op == "addcmul":
            return lambda a, b, value=1: t + value * a * b
        if op == "clamp":
            return lambda min=None, max=None: t.clamp(min, max)
        if op == "t":
            return lambda: t.T
        if op == "retain_grad":  # backward fills every floating tensor's .grad already
            return lambda: None
        if op in ("max", "min"):  # torch.max(t, dim) is (values, indices)
            return lambda axis=None, keepdim=False: _extreme(t, op, axis, keepdim)
        if op == "mean":  # torch's dtype= converts the input first; tinygrad's mean has none
            return lambda dtype=None, **kw: (t if dtype is None else t.cast(dtype)).mean(**kw)
        return getattr(t, RENAMED.get(op, op))

    def _to(self, t: Tensor, *args: Any, copy: bool = False, **kwargs: Any) -> Tensor:
        """t.to(dtype) is t.cast(dtype); t.to('cpu') is tinygrad's device move; copy=True clones."""
        target = kwargs.get("dtype") or next((a for a in args if not isinstance(a, str)), None)
        device = next((a for a in args if isinstance(a, str)), kwargs.get("device"))
        if device is not None:
            t = t.to(device.upper())
        if target is not None:
            t = t.cast(target.dtype if isinstance(target, Tensor) else self._dtype(target))
        return t.clone() if copy else t

    def _inplace(self, op: str, self_: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        """t.<op>_(...) as tinygrad's in-place primitive: t.assign(new value)."""
        if op == "zero":
            value = self_.zeros_like()
        elif op == "fill":
            value = self_.full_like(args[0])
        elif op == "copy":
            value = args[0]
        else:
            value = self._method(op, self_)(*args, **kwargs)
        return self_.assign(value)

    # --- observation ------------------------------------------------------------------------------
    def to_numpy(self, t: Any) -> np.ndarray:
        values = np.array(t.numpy(), copy=True)
        return values.astype(ml_dtypes.bfloat16) if t.dtype == dtypes.bfloat16 else values

    def numpy(self, t: Any) -> np.ndarray:
        return t.numpy()

    def dtype(self, t: Any) -> str:
        """The torch name of the dtype t is stored in (a weak dtype is stored in tinygrad's default)."""
        stored = strong_dtype(t.dtype)
        return NAMES.get(stored, stored.name)

    def shape(self, t: Any) -> tuple[int, ...]:
        return tuple(t.shape)

    def strides(self, t: Any) -> tuple[int, ...]:
        raise NotImplementedError("tinygrad exposes no strides")

    def storage_offset(self, t: Any) -> int:
        raise NotImplementedError("tinygrad exposes no storage offset")

    def shares_memory(self, a: Any, b: Any) -> bool:
        """Two tensors share memory when they are views of one base (buffer or computation) and
        both have elements (an empty view overlaps nothing). A tensor made from a Python scalar is
        a constant, deduplicated by value: it has no memory to share with another tensor."""
        if not (isinstance(a, Tensor) and isinstance(b, Tensor)) or 0 in (a.numel(), b.numel()):
            return False
        if a.uop.base.op.name == "CONST" and a is not b:
            return False
        return a.uop.base is b.uop.base

    def is_tensor(self, x: Any) -> bool:
        return isinstance(x, Tensor)

    def item(self, t: Any) -> Any:
        return t.item()

    # --- dtypes --------------------------------------------------------------------------------------
    def get_default_dtype(self) -> str:
        return NAMES[dtypes.default_float]

    def set_default_dtype(self, dtype: str) -> None:
        """tinygrad's DEFAULT_FLOAT (it accepts any floating dtype)."""
        if not dtypes.is_float(self._dtype(dtype)):
            raise TypeError("only floating-point types are supported as the default type")
        DEFAULT_FLOAT.value = dtype

    def promote_types(self, a: str, b: str) -> str:
        result = least_upper_dtype(self._dtype(a), self._dtype(b))
        return NAMES.get(result, result.name)

    # --- autograd ----------------------------------------------------------------------------------------
    def requires_grad(self, t: Any) -> bool:
        """tinygrad's rule: every floating tensor takes part in autograd."""
        return bool(t.is_floating_point())

    def grad(self, t: Any) -> Any | None:
        return t.grad

    def set_grad(self, t: Any, value: Any | None) -> None:
        t.grad = value

    def grad_fn(self, t: Any) -> str | None:
        """tinygrad has no grad_fn objects: the name of the UOp that computes t, None for inputs."""
        return None if self.is_leaf(t) else t.uop.op.name

    def is_leaf(self, t: Any) -> bool:
        return t.uop.base.op.name in STORED and t.uop.op.name in STORED

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        t.backward(gradient)

    def autograd_grad(
        self,
        outputs: Any,
        inputs: Any,
        grad_outputs: Any | None = None,
        retain_graph: bool | None = None,
        allow_unused: bool = False,
    ) -> tuple[Any | None, ...]:
        """Tensor.gradient: the VJP of one output with respect to the inputs."""
        (output,) = [outputs] if isinstance(outputs, Tensor) else outputs
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if grad_outputs is not None and not isinstance(grad_outputs, Tensor):
            (grad_outputs,) = grad_outputs
        return tuple(output.gradient(*inputs, gradient=grad_outputs))

    def no_grad(self) -> AbstractContextManager[None]:
        raise NotImplementedError("tinygrad has no no_grad mode")

    def set_grad_enabled(self, mode: bool) -> AbstractContextManager[None]:
        if mode:
            return contextlib.nullcontext()  # always enabled
        raise NotImplementedError("tinygrad cannot disable gradient tracking")

    def custom_function(
        self, forward: Callable[..., Any], backward: Callable[..., Any]
    ) -> Callable[..., Any]:
        raise NotImplementedError("tinygrad has no custom autograd Function")


def _broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape tinygrad's own broadcasting gives (of lazy, never realized bool zeros: no kernel runs)."""
    return functools.reduce(operator.add, (Tensor.zeros(*s, dtype=dtypes.bool) for s in shapes)).shape


INTEGER_DIVISIONS = frozenset(
    {
        "floor_divide",
        "remainder",
        "fmod",
        "mod",
        "div",
        "__floordiv__",
        "__mod__",
        "__ifloordiv__",
        "__imod__",
    }
)
"""Ops whose integer kernels divide; their reflected forms (`__rfloordiv__`...) divide by self."""


def _refuse_integer_division_by_zero(
    op: str, self_: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """tinygrad's CPU kernel for an integer division by a zero *tensor* element dies with SIGFPE,
    killing the whole process (docs/findings.md T6); raise instead, so only this case is lost."""
    reflected = op.startswith("__r") and op.removeprefix("__r").removesuffix("__") in ("floordiv", "mod")
    name = op.rstrip("_") if not op.startswith("__") else op
    if not reflected and (name not in INTEGER_DIVISIONS or not args):
        return
    if name == "div" and kwargs.get("rounding_mode") is None:
        return  # true division is floating
    dividend, divisor = (args[0], self_) if reflected else (self_, args[0])
    integral = [
        not dtypes.is_float(x.dtype) if isinstance(x, Tensor) else isinstance(x, int)
        for x in (dividend, divisor)
    ]
    if all(integral) and isinstance(divisor, Tensor) and bool((divisor == 0).any().item()):
        raise ZeroDivisionError(
            f"{op}: integer division by zero (tinygrad's kernel would kill the process with SIGFPE)"
        )


POWERS = frozenset({"pow", "pow_", "__pow__", "__ipow__"})
HUGE_EXPONENT = 2**16


def _refuse_huge_integer_power(op: str, self_: Any, args: tuple[Any, ...]) -> None:
    """tinygrad computes an integer tensor to a Python int power as the exact big-integer power
    before wrapping: time and memory grow with the exponent (2**24: 85 s; 2**31: minutes and
    gigabytes, docs/findings.md T9). Refuse exponents past 2**16 instead, so only this case is lost."""
    exponent = args[0] if args else None
    if op not in POWERS or not isinstance(self_, Tensor) or dtypes.is_float(self_.dtype):
        return
    if isinstance(exponent, int) and not isinstance(exponent, bool) and abs(exponent) > HUGE_EXPONENT:
        raise RuntimeError(
            f"{op}: integer power by {exponent} (tinygrad would compute the exact big-integer power: "
            "minutes and gigabytes, findings T9)"
        )


def _extreme(t: Tensor, op: str, axis: int | None, keepdim: bool) -> Any:
    """torch.max(t) / torch.min(t) is the extreme; with a dim it is (values, indices)."""
    values = getattr(t, op)(axis, keepdim)
    if axis is None:
        return values
    return values, getattr(t, f"arg{op}")(axis, keepdim)


def _index(op: str, start: int, length: int | None = None) -> int | slice:
    """select(dim, i) takes index i; narrow(dim, start, length) takes a slice."""
    return start if op == "select" else slice(start, start + length)


def _moved(ndim: int, source: int, destination: int) -> list[int]:
    """The permutation torch.movedim(t, source, destination) applies."""
    order = [d for d in range(ndim) if d != source % ndim]
    order.insert(destination % ndim, source % ndim)
    return order


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 (subprocesses included) for the block."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _version() -> str:
    from importlib.metadata import version

    return version("tinygrad")


def make_tinygrad(device: str = "cpu") -> TinygradEngine:
    """tinygrad on `device` ("cpu" is tinygrad's CPU device, clang-compiled)."""
    return TinygradEngine(device)
