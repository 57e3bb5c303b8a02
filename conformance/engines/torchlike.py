"""TorchLikeEngine: the engine protocol over any module with torch's API (torch itself, impl).

Every protocol method is the obvious torch call: `call` is `getattr(module, op)`,
`method` is `getattr(tensor, op)`, dtype names are `getattr(module, name)`.
Tensors are created on `device` and come back to the CPU only in `to_numpy`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

import ml_dtypes
import numpy as np

from spec.engine import DTYPES, Capability

_MISSING_ON_DEVICE: dict[str, frozenset[str]] = {"mps": frozenset({"float64", "complex128"})}
"""dtypes a device type lacks (torch's MPS backend has no 64-bit floats)."""


class TorchLikeEngine:
    """An engine whose module offers torch's functions, tensor methods and dtype objects."""

    def __init__(self, module: ModuleType, name: str, device: str = "cpu") -> None:
        self.module = module
        self.name = name
        self.device = device
        self.version = str(getattr(module, "__version__", "unknown"))
        self.capabilities = frozenset(Capability)
        self.dtypes = frozenset(DTYPES) - _MISSING_ON_DEVICE.get(device.split(":")[0], frozenset())

    # --- dtype names <-> dtype objects -----------------------------------------
    def _dtype(self, name: str | None) -> Any:
        return None if name is None else getattr(self.module, name)

    def _kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        if isinstance(kwargs.get("dtype"), str):
            kwargs = {**kwargs, "dtype": self._dtype(kwargs["dtype"])}
        return kwargs

    def _on_device(self, t: Any) -> Any:
        return t if self.device == "cpu" else t.to(self.device)

    # --- creation ------------------------------------------------------------------
    def tensor(self, data: Any, *, dtype: str | None = None, requires_grad: bool = False) -> Any:
        kwargs = {"requires_grad": True} if requires_grad else {}
        return self.module.tensor(data, dtype=self._dtype(dtype), device=self.device, **kwargs)

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Any:
        return self.module.as_tensor(data, dtype=self._dtype(dtype), device=self.device)

    def from_numpy(self, array: np.ndarray) -> Any:
        return self._on_device(self.module.from_numpy(array))

    def create(self, factory: str, *args: Any, **kwargs: Any) -> Any:
        if not factory.endswith("_like"):
            kwargs = {"device": self.device, **kwargs}
        return getattr(self.module, factory)(*args, **self._kwargs(kwargs))

    # --- operations ----------------------------------------------------------------
    def call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        function = functools.reduce(getattr, op.split("."), self.module)
        return function(*args, **self._kwargs(kwargs))

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(self_, op)(*args, **self._kwargs(kwargs))

    # --- observation ---------------------------------------------------------------
    def _host_view(self, t: Any) -> np.ndarray | None:
        """A NumPy view of t's memory (no copy), or None where none exists (other devices)."""
        if isinstance(t, np.ndarray):
            return t
        if str(t.device) != "cpu":
            return None
        t = t.detach()
        if getattr(t, "is_conj", lambda: False)():
            t = t.conj()  # a view with the conjugate bit cleared: same memory
        try:
            return t.numpy()
        except TypeError:  # NumPy has no bfloat16 (view its bits) or complex32 (no view exists)
            if self.dtype(t) != "bfloat16":
                return None
            return t.view(self.module.int16).numpy().view(ml_dtypes.bfloat16)

    def to_numpy(self, t: Any) -> np.ndarray:
        t = t.detach()
        if str(t.device) != "cpu":
            t = t.cpu()
        if hasattr(t, "resolve_conj"):
            t = t.resolve_conj().resolve_neg()
        view = self._host_view(t)
        if view is None:  # complex32: widen exactly to complex64
            view = t.to(self.module.complex64).numpy()
        return np.array(view, copy=True)

    def numpy(self, t: Any) -> np.ndarray:
        return t.numpy()

    def dtype(self, t: Any) -> str:
        return str(t.dtype).rsplit(".", 1)[-1]

    def shape(self, t: Any) -> tuple[int, ...]:
        return tuple(t.shape)

    def strides(self, t: Any) -> tuple[int, ...]:
        return tuple(t.stride())

    def storage_offset(self, t: Any) -> int:
        return int(t.storage_offset())

    def shares_memory(self, a: Any, b: Any) -> bool:
        """Exact element overlap, through NumPy views of both sides (False across devices)."""
        views = self._host_view(a), self._host_view(b)
        if views[0] is not None and views[1] is not None:
            return bool(np.shares_memory(*views))
        if self.is_tensor(a) and self.is_tensor(b) and a.device == b.device:
            return _byte_extent_overlap(a, b)
        return False

    def is_tensor(self, x: Any) -> bool:
        return bool(self.module.is_tensor(x))

    def item(self, t: Any) -> Any:
        return t.item()

    # --- dtypes ----------------------------------------------------------------------
    def get_default_dtype(self) -> str:
        return str(self.module.get_default_dtype()).rsplit(".", 1)[-1]

    def set_default_dtype(self, dtype: str) -> None:
        self.module.set_default_dtype(self._dtype(dtype))

    def promote_types(self, a: str, b: str) -> str:
        return str(self.module.promote_types(self._dtype(a), self._dtype(b))).rsplit(".", 1)[-1]

    # --- autograd --------------------------------------------------------------------
    def requires_grad(self, t: Any) -> bool:
        return bool(t.requires_grad)

    def grad(self, t: Any) -> Any | None:
        return t.grad

    def set_grad(self, t: Any, value: Any | None) -> None:
        t.grad = value

    def grad_fn(self, t: Any) -> str | None:
        return None if t.grad_fn is None else type(t.grad_fn).__name__

    def is_leaf(self, t: Any) -> bool:
        return bool(t.is_leaf)

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        t.backward(gradient, retain_graph=retain_graph)

    def autograd_grad(
        self,
        outputs: Any,
        inputs: Any,
        grad_outputs: Any | None = None,
        retain_graph: bool | None = None,
        allow_unused: bool = False,
    ) -> tuple[Any | None, ...]:
        return tuple(
            self.module.autograd.grad(
                outputs, inputs, grad_outputs, retain_graph=retain_graph, allow_unused=allow_unused
            )
        )

    def no_grad(self) -> AbstractContextManager[None]:
        return self.module.no_grad()

    def set_grad_enabled(self, mode: bool) -> AbstractContextManager[None]:
        return self.module.set_grad_enabled(mode)

    def custom_function(
        self, forward: Callable[..., Any], backward: Callable[..., Any]
    ) -> Callable[..., Any]:
        members = {"forward": staticmethod(forward), "backward": staticmethod(backward)}
        return type("CustomFunction", (self.module.autograd.Function,), members).apply


def _byte_extent_overlap(a: Any, b: Any) -> bool:
    """Whether the byte ranges spanned by two same-device tensors intersect (non-CPU devices)."""

    def extent(t: Any) -> tuple[int, int]:
        start = t.data_ptr()
        span = sum((size - 1) * stride for size, stride in zip(t.shape, t.stride(), strict=True))
        return start, start + (span + 1) * t.element_size()

    if a.numel() == 0 or b.numel() == 0:
        return False
    (a0, a1), (b0, b1) = extent(a), extent(b)
    return a0 < b1 and b0 < a1


def make_torch(device: str = "cpu") -> TorchLikeEngine:
    """The oracle: PyTorch itself on `device`."""
    import torch

    return TorchLikeEngine(torch, "torch", device)


def make_impl() -> TorchLikeEngine:
    """The reference implementation (impl/, NumPy-backed, CPU only)."""
    import impl

    return TorchLikeEngine(impl, "impl", "cpu")
