"""NumPyEngine: the engine protocol over NumPy itself, with NumPy's own semantics.

torch's names are mapped to NumPy's (`add` -> `np.add`, `dim=` -> `axis=`,
`unsqueeze` -> `np.expand_dims`); the *behaviour* stays NumPy's: NEP 50
promotion, float64 as the default float, real views and memory sharing,
`ValueError` where torch raises `RuntimeError`. Those differences are findings,
listed in conformance/manifests/numpy.toml with a reason, never papered over.
NumPy has no autograd, so the AUTOGRAD capabilities are left out.

`ArrayEngine` is written against an array namespace `xp` (NumPy's API) so that
the JAX adapter (jax_engine.py) reuses the mapping with `jax.numpy`.
"""

from __future__ import annotations

import contextlib
import math
import operator
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

import ml_dtypes
import numpy as np

from spec.engine import DTYPES, Capability

NP_DTYPES: dict[str, np.dtype] = {
    name: np.dtype(ml_dtypes.bfloat16 if name == "bfloat16" else name) for name in DTYPES
}
"""torch dtype name -> NumPy dtype (NumPy's names are torch's, bfloat16 through ml_dtypes)."""

RENAMED: dict[str, str] = {
    "sub": "subtract",
    "mul": "multiply",
    "div": "true_divide",
    "divide": "true_divide",
    "pow": "power",
    "neg": "negative",
    "eq": "equal",
    "ne": "not_equal",
    "lt": "less",
    "le": "less_equal",
    "gt": "greater",
    "ge": "greater_equal",
    "clamp": "clip",
    "clip": "clip",
    "atan2": "arctan2",
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
    "cat": "concatenate",
    "concat": "concatenate",
    "movedim": "moveaxis",
    "unsqueeze": "expand_dims",
    "broadcast_tensors": "broadcast_arrays",
    "bitwise_not": "invert",
    "mm": "matmul",
    "bmm": "matmul",
    "amax": "max",
    "amin": "min",
}
"""torch function name -> the array namespace's name for the same operation."""

KWARGS: dict[str, str] = {"dim": "axis", "keepdim": "keepdims"}
"""torch keyword -> NumPy keyword."""

CASTS: dict[str, str] = {
    "bool": "bool",
    "byte": "uint8",
    "char": "int8",
    "short": "int16",
    "int": "int32",
    "long": "int64",
    "half": "float16",
    "bfloat16": "bfloat16",
    "float": "float32",
    "double": "float64",
    "cfloat": "complex64",
    "cdouble": "complex128",
}
"""torch's conversion methods (t.float(), ...) -> the dtype they convert to."""


def _sizes(args: tuple[Any, ...]) -> tuple[int, ...]:
    """torch's size arguments: `f(2, 3)` or `f((2, 3))` or `f([2, 3])`."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def _expand_sizes(shape: tuple[int, ...], sizes: tuple[int, ...]) -> tuple[int, ...]:
    """torch.expand's sizes with -1 ('keep this dimension') resolved against `shape`."""
    lead = len(sizes) - len(shape)
    return tuple(shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes))


def _flatten_shape(shape: tuple[int, ...], start: int = 0, end: int = -1) -> tuple[int, ...]:
    """The shape torch.flatten(start_dim, end_dim) asks for (a 0-dim tensor flattens to (1,))."""
    if not shape:
        return (1,)
    start, end = start % len(shape), end % len(shape)
    return (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])


class ArrayEngine:
    """The protocol over a NumPy-API namespace `xp`; subclasses choose xp and the tensor handle."""

    capabilities = frozenset(
        {Capability.INPLACE, Capability.VIEWS, Capability.STRIDES, Capability.NUMPY_SHARING}
    )

    def __init__(self, xp: ModuleType, name: str, version: str, dtypes: frozenset[str]) -> None:
        self.xp = xp
        self.name = name
        self.version = version
        self.device = "cpu"
        self.dtypes = dtypes
        self.signatures: dict[str, Callable[..., Any]] = self._signatures()

    # --- hooks: how handles wrap arrays and how operations run ----------------------------
    def _apply(self, op: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run fn (computing torch's `op`) on the arrays behind the handles in args; wrap its results."""
        return _as_array(fn(*args, **kwargs))

    def _array(self, t: Any) -> Any:
        """The engine array behind a handle."""
        return t

    def _dtype(self, name: str | None) -> np.dtype | None:
        return None if name is None else NP_DTYPES[name]

    def _kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        out = {KWARGS.get(k, k): v for k, v in kwargs.items()}
        if isinstance(out.get("dtype"), str):
            out["dtype"] = self._dtype(out["dtype"])
        return out

    # --- torch signatures that differ from the namespace's ----------------------------------
    def _signatures(self) -> dict[str, Callable[..., Any]]:
        """torch op -> function of (arrays..., **NumPy kwargs) computing it with xp's semantics."""
        xp = self.xp
        return {
            "add": lambda a, b, alpha=1, **kw: xp.add(a, b if alpha == 1 else b * alpha, **kw),
            "sub": lambda a, b, alpha=1, **kw: xp.subtract(a, b if alpha == 1 else b * alpha, **kw),
            "div": self._div,
            "floor_divide": xp.floor_divide,
            "transpose": lambda a, d0, d1: xp.swapaxes(a, d0, d1),
            "swapaxes": lambda a, d0, d1: xp.swapaxes(a, d0, d1),
            "permute": lambda a, *dims: xp.transpose(a, _sizes(dims)),
            "t": lambda a: xp.transpose(a),
            "reshape": lambda a, *shape: xp.reshape(a, _sizes(shape)),
            "view": lambda a, *shape: self._view(a, _sizes(shape)),
            "expand": lambda a, *sizes: xp.broadcast_to(a, _expand_sizes(a.shape, _sizes(sizes))),
            "expand_as": lambda a, b: xp.broadcast_to(a, b.shape),
            "broadcast_to": lambda a, shape: xp.broadcast_to(a, _sizes((shape,))),
            "broadcast_shapes": lambda *shapes: xp.broadcast_shapes(*shapes),
            "flatten": lambda a, start_dim=0, end_dim=-1: xp.reshape(
                a, _flatten_shape(a.shape, start_dim, end_dim)
            ),
            "squeeze": lambda a, axis=None: xp.squeeze(a, axis=axis),
            "contiguous": self._contiguous,
            "clone": lambda a: xp.array(a, copy=True),
            "detach": self._detach,
            "to": self._to,
            "type": lambda a, dtype: a.astype(dtype),
            "type_as": lambda a, b: a.astype(b.dtype),
            "numel": lambda a: int(a.size),
            "dim": lambda a: int(a.ndim),
            "size": lambda a, axis=None: tuple(a.shape) if axis is None else a.shape[axis],
            "narrow": lambda a, axis, start, length: _take(a, axis, slice(start, start + length)),
            "select": lambda a, axis, index: _take(a, axis, index),
            "diagonal": lambda a, offset=0, dim1=0, dim2=1: xp.diagonal(a, offset, dim1, dim2),
            "unfold": self._unfold,
            "is_contiguous": self._is_contiguous,
            "clamp": lambda a, min=None, max=None: xp.clip(a, min, max),
            "max": lambda a, axis=None, keepdims=False: self._extreme(a, axis, keepdims, largest=True),
            "min": lambda a, axis=None, keepdims=False: self._extreme(a, axis, keepdims, largest=False),
            "addcmul": lambda a, b, c, value=1: a + value * b * c,
            "sigmoid": lambda a: 1 / (1 + xp.exp(-a)),
            "relu": lambda a: xp.maximum(a, 0),
            "item": lambda a: a.item(),
            "tolist": lambda a: a.tolist(),
            "__getitem__": operator.getitem,
            **{
                cast: (lambda a, _d=dtype: a.astype(self._dtype(_d), copy=False))
                for cast, dtype in CASTS.items()
            },
        }

    def _div(self, a: Any, b: Any, rounding_mode: str | None = None, **kw: Any) -> Any:
        """torch.div's rounding modes as the namespace's divisions."""
        if rounding_mode == "floor":
            return self.xp.floor_divide(a, b, **kw)
        quotient = self.xp.true_divide(a, b, **kw)
        return quotient if rounding_mode is None else self.xp.trunc(quotient).astype(quotient.dtype)

    def _unfold(self, a: Any, axis: int, size: int, step: int) -> Any:
        """t.unfold(dim, size, step): NumPy's sliding_window_view along axis, every step-th window
        (writeable, as torch's unfold view is; NumPy makes it read-only unless asked)."""
        windows = np.lib.stride_tricks.sliding_window_view(a, size, axis=axis, writeable=True)
        return _take(windows, axis, slice(None, None, step))

    def _is_contiguous(self, a: Any) -> bool:
        return bool(a.flags.c_contiguous)

    def _extreme(self, a: Any, axis: int | None, keepdims: bool, largest: bool) -> Any:
        """torch.max(t) / torch.min(t) is the extreme; with dim it is (values, indices)."""
        reduce, arg = (self.xp.max, self.xp.argmax) if largest else (self.xp.min, self.xp.argmin)
        if axis is None:
            return reduce(a)
        return reduce(a, axis=axis, keepdims=keepdims), arg(a, axis=axis, keepdims=keepdims)

    def _view(self, a: Any, shape: tuple[int, ...]) -> Any:
        """NumPy's reshape that refuses to copy (ValueError where torch raises RuntimeError)."""
        return self.xp.reshape(a, shape, copy=False)

    def _contiguous(self, a: Any) -> Any:
        return self.xp.ascontiguousarray(a)

    def _detach(self, a: Any) -> Any:
        return a.view()  # a new array over the same memory, as torch's detach

    def _to(self, a: Any, *args: Any, copy: bool = False, **kwargs: Any) -> Any:
        """t.to(dtype, copy=...) / t.to(other) / t.to('cpu'): only dtype changes exist here;
        like torch, a copy only when asked for or when the dtype changes."""
        target = kwargs.get("dtype") or next((x for x in args if not isinstance(x, str)), None)
        if target is None:
            return a.copy() if copy else a
        return a.astype(target if isinstance(target, (np.dtype, type)) else target.dtype, copy=copy)

    def _function(self, op: str) -> Callable[..., Any]:
        """The namespace function computing torch.<op>."""
        if op in self.signatures:
            return self.signatures[op]
        name = RENAMED.get(op, op)
        if hasattr(self.xp, name):
            return getattr(self.xp, name)
        raise AttributeError(f"{self.name} has no counterpart of torch.{op}")

    # --- creation ------------------------------------------------------------------------------
    def tensor(self, data: Any, *, dtype: str | None = None, requires_grad: bool = False) -> Any:
        arrays = _map_handles(self._array, data)
        return self._leaf(self.xp.array(arrays, dtype=self._dtype(dtype)), requires_grad)

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Any:
        return self._leaf(self.xp.asarray(_map_handles(self._array, data), dtype=self._dtype(dtype)), False)

    def from_numpy(self, array: np.ndarray) -> Any:
        return array.view()  # a new array object over the NumPy array's memory

    def _leaf(self, array: Any, requires_grad: bool) -> Any:
        if requires_grad:
            raise NotImplementedError(f"{self.name} has no autograd: requires_grad=True is not available")
        return _as_array(array)

    def create(self, factory: str, *args: Any, **kwargs: Any) -> Any:
        kwargs = self._kwargs(kwargs)
        requires_grad = kwargs.pop("requires_grad", False)
        if kwargs.pop("device", "cpu") not in ("cpu", None):
            raise RuntimeError(f"{self.name} runs on the CPU only")
        return self._leaf(self._create(factory, *args, **kwargs), requires_grad)

    def _create(self, factory: str, *args: Any, dtype: Any = None, **kw: Any) -> Any:
        xp = self.xp
        if factory.endswith("_like"):
            like = self._array(args[0])
            if factory in ("zeros_like", "ones_like", "empty_like", "full_like"):
                return getattr(xp, factory)(like, *args[1:], dtype=dtype, **kw)
            # rand_like(t) is rand(t.shape); randint_like(t, [low,] high) is randint([low,] high, t.shape)
            return self._create(
                factory.removesuffix("_like"), *args[1:], like.shape, dtype=dtype or like.dtype, **kw
            )
        if factory in ("zeros", "ones", "empty"):
            return getattr(xp, factory)(_sizes(args), dtype=dtype)
        if factory == "full":
            return xp.full(_sizes((args[0],)), args[1], dtype=dtype)
        if factory == "linspace":
            start, end, steps = (*args, kw.pop("steps", None))[:3]
            return xp.linspace(start, end, num=steps, dtype=dtype)
        if factory in ("rand", "randn", "randint"):
            return self._random(factory, *args, dtype=dtype, **kw)
        return getattr(xp, factory)(*args, dtype=dtype, **kw)  # arange, eye

    def _random(self, factory: str, *args: Any, dtype: Any = None, **kw: Any) -> Any:
        """NumPy's Generator: rand -> random, randn -> standard_normal, randint -> integers."""
        rng = np.random.default_rng(kw.pop("generator", None))
        if factory == "randint":
            low, high, size = (0, *args) if len(args) == 2 else args
            return rng.integers(low, high, size=_sizes((kw.get("size", size),)), dtype=dtype or np.int64)
        draw = rng.random if factory == "rand" else rng.standard_normal
        return draw(_sizes(args), dtype=dtype or np.float64)  # NumPy draws float32 and float64 only

    # --- operations ------------------------------------------------------------------------------
    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return self._apply(op, self._function(op), args, self._kwargs(kwargs))

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs = self._kwargs(kwargs)
        if op.startswith("__") and op not in self.signatures:  # Python operators: the array's own
            return self._apply(op, lambda a, *rest, **kw: getattr(a, op)(*rest, **kw), (self_, *args), kwargs)
        if op.endswith("_") and not op.startswith("_"):
            return self._inplace(op[:-1], self_, *args, **kwargs)
        return self._apply(op, self._function(op), (self_, *args), kwargs)

    def _inplace(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        """t.<op>_(...): NumPy's ufunc with out=t (same_kind casting), or a write through t[...]."""
        a = self._array(self_)
        ufunc = getattr(np, RENAMED.get(op, op), None)
        if isinstance(ufunc, np.ufunc):
            ufunc(a, *map(self._array, args), out=a, **kwargs)
        elif op in ("fill", "zero"):
            a.fill(self._array(args[0]) if args else 0)
        elif op == "copy":
            np.copyto(a, self._array(args[0]))
        else:
            a[...] = self._function(op)(a, *map(self._array, args), **kwargs)
        return self_

    # --- observation --------------------------------------------------------------------------------
    def to_numpy(self, t: Any) -> np.ndarray:
        return np.array(self._array(t), copy=True)

    def numpy(self, t: Any) -> np.ndarray:
        return self._array(t)

    def dtype(self, t: Any) -> str:
        return np.dtype(self._array(t).dtype).name

    def shape(self, t: Any) -> tuple[int, ...]:
        return tuple(self._array(t).shape)

    def strides(self, t: Any) -> tuple[int, ...]:
        a = self._array(t)
        return tuple(s // a.itemsize for s in a.strides)

    def storage_offset(self, t: Any) -> int:
        """Elements between the start of the owning array's memory and t's first element."""
        a = self._array(t)
        root = a
        while True:  # views chain through .base; as_strided's go through a DummyArray holding it
            base = getattr(root, "base", None)
            base = base if isinstance(base, np.ndarray) else getattr(base, "base", None)
            if not isinstance(base, np.ndarray):
                break
            root = base
        return (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // a.itemsize

    def shares_memory(self, a: Any, b: Any) -> bool:
        return bool(np.shares_memory(np.asarray(self._array(a)), np.asarray(self._array(b))))

    def is_tensor(self, x: Any) -> bool:
        return isinstance(x, np.ndarray)

    def item(self, t: Any) -> Any:
        return self._array(t).item()

    # --- dtypes ----------------------------------------------------------------------------------------
    def get_default_dtype(self) -> str:
        """The dtype of a Python float made into an array (NumPy: float64)."""
        return np.dtype(self.xp.asarray(1.0).dtype).name

    def set_default_dtype(self, dtype: str) -> None:
        raise NotImplementedError(f"{self.name} has no settable default dtype")

    def promote_types(self, a: str, b: str) -> str:
        return np.dtype(self.xp.promote_types(self._dtype(a), self._dtype(b))).name

    # --- autograd: NumPy has none; nothing requires grad, nothing is recorded ----------------------------
    def requires_grad(self, t: Any) -> bool:
        return False

    def grad(self, t: Any) -> Any | None:
        return None

    def set_grad(self, t: Any, value: Any | None) -> None:
        raise NotImplementedError(f"{self.name} has no autograd")

    def grad_fn(self, t: Any) -> str | None:
        return None

    def is_leaf(self, t: Any) -> bool:
        return True

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        raise NotImplementedError(f"{self.name} has no autograd")

    def autograd_grad(
        self,
        outputs: Any,
        inputs: Any,
        grad_outputs: Any | None = None,
        retain_graph: bool | None = None,
        allow_unused: bool = False,
    ) -> tuple[Any | None, ...]:
        raise NotImplementedError(f"{self.name} has no autograd")

    def no_grad(self) -> AbstractContextManager[None]:
        return contextlib.nullcontext()  # nothing is ever recorded

    def set_grad_enabled(self, mode: bool) -> AbstractContextManager[None]:
        return contextlib.nullcontext()

    def custom_function(
        self, forward: Callable[..., Any], backward: Callable[..., Any]
    ) -> Callable[..., Any]:
        raise NotImplementedError(f"{self.name} has no autograd")


def _take(a: Any, axis: int, index: int | slice) -> Any:
    """a[..., index, ...] with index at `axis` (basic indexing: a view in NumPy)."""
    return a[(slice(None),) * (axis % a.ndim) + (index,)]


def _as_array(x: Any) -> Any:
    """NumPy returns scalars (np.float32(3.0)) where torch returns 0-dim tensors: make them 0-dim arrays."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, (tuple, list)) and any(isinstance(v, np.generic) for v in x):
        return type(x)(_as_array(v) for v in x)
    return x


def _map_handles(fn: Callable[[Any], Any], data: Any) -> Any:
    """Apply fn to every item of nested lists/tuples (tensors inside torch.tensor([...]) data)."""
    if isinstance(data, (list, tuple)):
        return type(data)(_map_handles(fn, x) for x in data)
    return fn(data)


def make_numpy() -> ArrayEngine:
    """NumPy as an engine: its own promotion (NEP 50), default float64, views; no autograd."""
    return ArrayEngine(np, "numpy", np.__version__, frozenset(DTYPES))
