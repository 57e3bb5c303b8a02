"""The Tensor: a strided view of a flat storage, plus the fields autograd reads and writes.

Storage model (torch's): every tensor is `(storage, size, stride, storage_offset)`.
Here `_storage` is a flat 1-D NumPy array shared by all views of one tensor, and
`_data` is the NumPy view of it that those three numbers describe (built by `strided`,
which first checks, as torch does, that the view stays inside the storage). Strides and
offsets are in elements, as torch reports them. All views of a storage share one
`VersionCounter` (`_vc`), which in-place writes bump.

This module holds what a tensor *is*: its fields, metadata, conversions and the
requires_grad / retain_grad rules. What a tensor can *do* (every op, its method,
operator and in-place spellings, and `backward`) is declared as one row per op in the
op modules and bound onto Tensor by impl/methods.py; impl/tensor_methods.pyi
gives their signatures to type checkers.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from impl import dtypes
from impl.dtypes import dtype
from impl.layout import array_contiguous_strides, check_in_bounds, contiguous_strides, is_contiguous
from impl.printing import tensor_repr
from impl.tensor_methods import TensorMethods

if TYPE_CHECKING:
    from impl.autograd.graph import AccumulateGrad, Node


class VersionCounter:
    """torch's version counter: shared by a tensor and its views, bumped by every in-place write."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0

    def bump(self) -> None:
        self.value += 1


class Size(tuple[int, ...]):
    """torch.Size: a tuple of ints that prints as `torch.Size([3, 4])`."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


@dataclass(frozen=True)
class Device:
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
    elif isinstance(spec, str):
        name, colon, index = spec.partition(":")
        if colon and not (index.isdigit() and str(int(index)) == index):
            raise RuntimeError(f"Invalid device string: '{spec}'")
        if not name.isidentifier():
            raise RuntimeError(f"Invalid device string: '{spec}'")
    else:
        raise TypeError(
            f"device() received an invalid combination of arguments - got ({type(spec).__name__})"
        )
    if name == "cpu":
        return CPU
    if name in _DEVICE_TYPES.split(", "):
        raise RuntimeError(f"impl runs on the CPU only; device '{spec}' is not available")
    raise RuntimeError(f"Expected one of {_DEVICE_TYPES} device type at start of device string: {spec}")


def strided(storage: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...], offset: int) -> np.ndarray:
    """The NumPy view of `storage` with torch's (size, stride, storage_offset), all in elements,
    after torch's bounds check (impl/layout.py): no view reads or writes outside its storage."""
    if offset == 0 and storage.size == _numel(shape) and strides == contiguous_strides(shape):
        return storage.reshape(shape)  # the common case: a fresh contiguous tensor
    if len(shape) != len(strides):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in strides):
        raise RuntimeError(
            f"as_strided: Negative strides are not supported at the moment, got strides: {list(strides)}"
        )
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    itemsize = storage.itemsize
    check_in_bounds(shape, strides, offset, itemsize, storage.size * itemsize)
    if 0 in shape:  # no elements: any offset and strides are valid, and NumPy needs none of them
        return np.lib.stride_tricks.as_strided(storage[:0], shape, (0,) * len(shape))
    # a size-1 dim is never stepped along: its stride (which may be huge) is not NumPy's business
    steps = tuple(s * itemsize if n > 1 else 0 for n, s in zip(shape, strides, strict=True))
    return np.lib.stride_tricks.as_strided(storage[offset:], shape, steps)


def _numel(shape: tuple[int, ...]) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


class Tensor(TensorMethods):
    """torch.Tensor on NumPy. Create tensors through impl.tensor / factories / ops, not directly."""

    __array_priority__ = 1000  # numpy scalars and arrays defer to Tensor's reflected operators

    # storage
    _storage: np.ndarray  # flat, shared by every view
    _data: np.ndarray  # the strided NumPy view this tensor is
    _dtype: dtype
    _strides: tuple[int, ...]  # in elements, exactly as torch reports them
    _offset: int
    _base: Tensor | None  # the tensor this is a view of (None: not a view)
    _vc: VersionCounter  # shared with every view of the storage
    # autograd (impl/autograd reads and writes these; torch keeps them in AutogradMeta). The class
    # values are every new tensor's: a leaf that does not require grad
    grad: Tensor | None = None
    grad_fn: Node | None = None  # the node that made this tensor (None: a leaf)
    _output_nr: int = 0  # which output of grad_fn this tensor is
    _requires_grad: bool = False
    _retains_grad: bool = False
    _grad_accumulator: AccumulateGrad | None = None  # a leaf's node, made on first use and kept
    _views: dict[int, weakref.ref[Tensor]] | None = (
        None  # live views made in grad mode (they follow our history)
    )

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
        self._strides = tuple(strides)
        self._data = strided(storage, tuple(shape), self._strides, offset)
        self._base = None if base is None else (base if base._base is None else base._base)
        self._vc = base._vc if base is not None else VersionCounter()

    # --- construction helpers used by every module ----------------------------------------
    @classmethod
    def fresh(cls, array: np.ndarray, dtype_: dtype) -> Tensor:
        """A new tensor taking over `array`, a C-contiguous array that owns its memory and holds
        dtype_'s storage type: `Tensor(array.reshape(-1), dtype_, shape, contiguous_strides(shape))`
        without re-deriving what the caller guarantees (the hot path of every op's result)."""
        t = cls.__new__(cls)
        t._storage, t._dtype, t._offset = array.reshape(-1), dtype_, 0
        t._strides, t._data = array_contiguous_strides(array.shape), array
        t._base, t._vc = None, VersionCounter()
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

    def size(self, dim: int | None = None) -> Any:
        """Tensor.size(): the Size, or one dim's size (an int)."""
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

    def stride(self, dim: int | None = None) -> Any:
        """Tensor.stride(): all strides (a tuple), or one dim's stride (an int)."""
        return self._strides if dim is None else self._strides[wrap_dim(dim, self.ndim, scalar_ok=False)]

    def storage_offset(self) -> int:
        return self._offset

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """torch's rule (impl/layout.py): row-major strides, ignoring size-1 dims; empty tensors are."""
        return is_contiguous(self._data.shape, self._strides)

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

    # --- autograd: the flags and their rules ----------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.require_grad(flag, source="setter")

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.require_grad(requires_grad, source="requires_grad_")
        return self

    def require_grad(self, flag: bool, source: str = "factory") -> None:
        """Set requires_grad with torch's checks: only floating and complex dtypes may require grad,
        only leaves may change the flag (requires_grad_() on a non-leaf may set it to True).

        source: "setter" (t.requires_grad = ...), "requires_grad_" or "factory" (requires_grad=True
        of a factory); torch's messages differ between them.
        """
        if not isinstance(flag, bool):
            raise TypeError(f"requires_grad must be a bool, not {type(flag).__name__}")
        if flag and self._dtype.category < dtypes.FLOATING:
            raise RuntimeError(_DTYPE_MESSAGES[source])
        if self.grad_fn is not None:
            if not flag:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables." + _DETACH_HINT
                )
            if source == "setter":
                raise RuntimeError("you can only change requires_grad flags of leaf variables.")
            return
        self._requires_grad = flag

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """t.retain_grad(): a non-leaf keeps its .grad after backward; a no-op on leaves."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self.grad_fn.retain(self._output_nr, self)

    # --- conversion to Python / NumPy ---------------------------------------------------------
    def item(self) -> bool | int | float | complex:
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return python_scalar(self._data.reshape(-1)[0], self._dtype)

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
        return int(self._data.shape[0])

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

    __hash__ = object.__hash__  # the comparison operators bound by impl/methods.py would drop it

    def __format__(self, spec: str) -> str:
        """torch formats 0-d tensors as their item (f"{loss:.3f}"), others as repr."""
        return self.item().__format__(spec) if self.ndim == 0 else object.__format__(self, spec)

    def __repr__(self) -> str:
        return tensor_repr(self)

    __str__ = __repr__


_DTYPE_MESSAGES = {
    "setter": "only Tensors of floating point and complex dtype can require gradients",
    "requires_grad_": "only Tensors of floating point dtype can require gradients",
    "factory": "Only Tensors of floating point and complex dtype can require gradients",
}
_DETACH_HINT = (
    " If you want to use a computed variable in a subgraph that doesn't require differentiation use "
    "var_no_grad = var.detach()."
)


def python_scalar(value: Any, dtype_: dtype) -> bool | int | float | complex:
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
