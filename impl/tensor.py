"""The Tensor: a strided view of a flat storage, plus the fields autograd reads and writes.

Storage model (torch's): every tensor is `(storage, size, stride, storage_offset)`.
Here `_storage` is a flat 1-D NumPy array shared by all views of one tensor, and
`_data` is the NumPy view of it that those three numbers describe (built with
`as_strided`, so NumPy keeps torch's strides even for size-1 dims). Strides and
offsets are in elements, as torch reports them. All views of a storage share one
`VersionCounter` (`_vc`), which in-place writes bump.

Operations live in impl/ops.py, impl/memory.py and impl/creation.py; they
attach their methods to `Tensor` at import time (see the tables at the end of
those modules).
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np

from impl import autograd, dtypes
from impl.dtypes import dtype


class VersionCounter:
    """torch's version counter: shared by a tensor and its views, bumped by every in-place write."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


class Size(tuple):
    """torch.Size: a tuple of ints that prints as `torch.Size([3, 4])`."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class Device(NamedTuple):
    """torch.device: impl has only the CPU."""

    type: str = "cpu"
    index: int | None = None

    def __repr__(self) -> str:
        return f"device(type='{self.type}')"

    def __str__(self) -> str:
        return self.type


CPU = Device()
_DEVICE_TYPES = (
    "cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, mps, meta, "
    "hpu, mtia, privateuseone"
)


def device(spec: str | Device | None) -> Device:
    """torch.device(spec), accepting only the CPU: other known devices raise a clear RuntimeError."""
    if spec is None or isinstance(spec, Device):
        name = "cpu" if spec is None else spec.type
    else:
        name = str(spec).split(":")[0]
    if name == "cpu":
        return CPU
    if name in _DEVICE_TYPES.split(", "):
        raise RuntimeError(f"impl runs on the CPU only; device '{spec}' is not available")
    raise RuntimeError(f"Expected one of {_DEVICE_TYPES} device type at start of device string: {spec}")


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """torch's row-major strides: stride[i] = stride[i+1] * max(size[i+1], 1), the last one 1."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


# contiguous_strides memoised for NumPy array shapes (tuples of Python ints): a hot path of every result
_array_contiguous_strides = functools.lru_cache(maxsize=512)(contiguous_strides)


def strided(storage: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> np.ndarray:
    """The NumPy view of `storage` with torch's (size, stride, storage_offset), all in elements."""
    if offset == 0 and storage.size == math.prod(shape) and tuple(strides) == contiguous_strides(shape):
        return storage.reshape(shape)  # the common case: a fresh contiguous tensor
    item = storage.itemsize
    start = storage[offset:] if offset <= storage.size else storage[storage.size :]
    return np.lib.stride_tricks.as_strided(start, shape, tuple(s * item for s in strides))


class Tensor:
    """torch.Tensor on NumPy. Create tensors through impl.tensor / factories / ops, not directly."""

    __array_priority__ = 1000  # numpy scalars and arrays defer to Tensor's reflected operators

    def __init__(
        self,
        storage: np.ndarray,
        dtype_: dtype,
        shape: tuple[int, ...],
        strides: tuple[int, ...],
        offset: int = 0,
        *,
        base: Tensor | None = None,
    ) -> None:
        self._storage = storage
        self._dtype = dtype_
        self._offset = offset
        self._strides = tuple(strides)  # in elements, exactly as torch reports them
        self._data = strided(storage, shape, strides, offset)
        self._base = None if base is None else (base if base._base is None else base._base)
        self._vc = base._vc if base is not None else VersionCounter()
        self._requires_grad = False
        self._retains_grad = False
        self.grad: Tensor | None = None
        self.grad_fn: Any = None

    # --- construction helpers used by every module ----------------------------------------
    @classmethod
    def fresh(cls, array: np.ndarray, dtype_: dtype) -> Tensor:
        """A new tensor taking over `array`, a C-contiguous array that owns its memory and holds
        dtype_'s storage type: `Tensor(array.reshape(-1), dtype_, shape, contiguous_strides(shape))`
        without re-deriving what the caller guarantees (the hot path of every op's result)."""
        t = cls.__new__(cls)
        t._storage, t._dtype, t._offset = array.reshape(-1), dtype_, 0
        t._strides, t._data = _array_contiguous_strides(array.shape), array
        t._base, t._vc, t._requires_grad, t._retains_grad = None, VersionCounter(), False, False
        t.grad = t.grad_fn = None
        return t

    @classmethod
    def wrap(cls, array: Any, dtype_: dtype | None = None) -> Tensor:
        """A new tensor owning a contiguous copy-or-reuse of `array` (a fresh result, not a view)."""
        dtype_ = dtype_ or dtypes.from_numpy_dtype(np.asarray(array).dtype)
        flat = np.ascontiguousarray(array, dtype=dtype_.np).reshape(-1)
        shape = np.shape(array)
        return cls(flat, dtype_, shape, contiguous_strides(shape))

    def as_strided_view(self, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> Tensor:
        """A view of this tensor's storage (torch.as_strided without autograd recording)."""
        return Tensor(self._storage, self._dtype, tuple(shape), tuple(strides), offset, base=self)

    # --- metadata ---------------------------------------------------------------------------
    @property
    def dtype(self) -> dtype:
        return self._dtype

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        return self.shape if dim is None else self._data.shape[wrap_dim(dim, self.ndim, scalar_ok=False)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    def stride(self, dim: int | None = None) -> tuple[int, ...] | int:
        return self._strides if dim is None else self._strides[wrap_dim(dim, self.ndim, scalar_ok=False)]

    def storage_offset(self) -> int:
        return self._offset

    def is_contiguous(self) -> bool:
        """torch's rule: strides equal row-major strides, ignoring size-1 dims; empty tensors are."""
        if self._data.size == 0:
            return True
        expected = 1
        for size, stride in zip(reversed(self._data.shape), reversed(self._strides), strict=True):
            if size != 1:
                if stride != expected:
                    return False
                expected *= size
        return True

    @property
    def device(self) -> Device:
        return CPU

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return self._dtype.is_complex

    @property
    def _version(self) -> int:
        return self._vc.value

    # --- autograd fields (the contract with impl.autograd) ------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        autograd.set_requires_grad(self, flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        autograd.set_requires_grad(self, requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        autograd.retain_grad(self)

    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    # --- conversion to Python / NumPy ---------------------------------------------------------
    def item(self) -> bool | int | float | complex:
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return _python_scalar(self._data.reshape(-1)[0], self._dtype)

    def tolist(self) -> Any:
        if self._dtype is dtypes.bfloat16:
            return self._data.astype(np.float32).tolist()
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """Shares memory with the tensor; torch refuses tensors that require grad and bfloat16."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if self._dtype in (dtypes.bfloat16, dtypes.complex32):
            raise TypeError(f"Got unsupported ScalarType {self._dtype.scalar_type}")
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        array = self._data if self._dtype is not dtypes.bfloat16 else self._data.astype(np.float32)
        return array if dtype is None else array.astype(dtype)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            which = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {which} is ambiguous")
        return bool(self._data.reshape(-1)[0])

    def _one_element(self) -> Any:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self._data.reshape(-1)[0]

    def _real_element(self, c_type: str) -> Any:
        value = self._one_element()
        if self._dtype.is_complex and value.imag != 0:
            raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")
        return value.real if self._dtype.is_complex else value

    def __float__(self) -> float:
        return float(self._real_element("double"))

    def __int__(self) -> int:
        return int(self._real_element("int64_t"))

    def __complex__(self) -> complex:
        return complex(self._one_element())

    def __index__(self) -> int:
        if self._dtype.category not in (dtypes.BOOL, dtypes.INTEGRAL) or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(-1)[0])

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        """torch formats 0-d tensors as their item (f"{loss:.3f}"), others as repr."""
        return self.item().__format__(spec) if self.ndim == 0 else object.__format__(self, spec)

    def __repr__(self) -> str:
        from impl.printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__


def _python_scalar(value: Any, dtype_: dtype) -> bool | int | float | complex:
    """torch's item(): bool, int, float or complex by category."""
    return (bool, int, float, complex)[dtype_.category](value)


def wrap_dim(dim: int, ndim: int, scalar_ok: bool = True) -> int:
    """torch's dim wrapping: -ndim <= dim < ndim (a 0-d tensor accepts 0 and -1 where scalar_ok)."""
    if ndim == 0 and not scalar_ok:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-bound}, {bound - 1}], but got {dim})"
        )
    return dim % bound


def is_tensor(obj: Any) -> bool:
    """torch.is_tensor."""
    return isinstance(obj, Tensor)
