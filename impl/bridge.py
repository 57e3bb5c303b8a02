"""The NumPy bridge: which arrays torch accepts, and tensors over an array's memory.

torch refuses, when converting an ndarray: dtypes it lacks (uint16..uint64 aside from uint8,
ml_dtypes' bfloat16, object, strings), non-native byte order, negative strides and strides that
are not a multiple of the item size. A tensor made from an array (`from_numpy`, `as_tensor`)
shares its memory: its storage starts at the array's first element, with the array's strides.
"""

from __future__ import annotations

import numpy as np

from impl import dtypes
from impl.layout import extent
from impl.tensor import Tensor

BFLOAT16_REFUSED = (
    "can't convert np.ndarray of type ml_dtypes.bfloat16. The only supported types are: float64, "
    "float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, "
    "uint8, and bool."
)


def refuse_bfloat16(np_dtype: np.dtype) -> None:
    """torch does not read ml_dtypes' bfloat16 arrays or scalars."""
    if np_dtype == dtypes.bfloat16.np:
        raise TypeError(BFLOAT16_REFUSED)


def qualified_name(kind: type) -> str:
    """A type's name as torch prints it: builtins bare, others with their module (numpy.bool)."""
    module = "numpy" if kind.__module__.startswith("numpy") else kind.__module__
    return kind.__name__ if module == "builtins" else f"{module}.{kind.__name__}"


def check_array(array: np.ndarray) -> np.ndarray:
    """What torch refuses in an ndarray it converts (see the module docstring); the array otherwise."""
    if not array.dtype.isnative:
        raise ValueError(
            "given numpy array has byte order different from the native byte order. "
            "Conversion between byte orders is currently not supported."
        )
    refuse_bfloat16(array.dtype)
    dtypes.from_numpy_dtype(array.dtype)
    if any(s < 0 for s in array.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with negative strides "
            "are not currently supported. (You can probably work around this by making a copy of your "
            "array  with array.copy().) "
        )
    if any(s % array.itemsize for s in array.strides):
        raise ValueError(
            "given numpy array strides not a multiple of the element byte size. "
            "Copy the numpy array to reallocate the memory."
        )
    return array


def share(array: np.ndarray) -> Tensor:
    """A tensor over a checked array's memory: its storage starts at the array's first element."""
    dtype_ = dtypes.from_numpy_dtype(array.dtype)
    item = array.itemsize
    strides = tuple(s // item for s in array.strides)
    size = extent(array.shape, strides)
    storage = np.lib.stride_tricks.as_strided(array, (size,), (item,), writeable=array.flags.writeable)
    return Tensor(storage, dtype_, array.shape, strides)


def tensor_from_array(array: np.ndarray) -> Tensor:
    """torch.tensor(array) for an operator's operand: a copy in the array's memory order."""
    return share(np.array(check_array(array), order="K", copy=True))
