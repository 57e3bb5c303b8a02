"""Seeded bugs in creation: arange's length, NumPy scalars, Python numbers out of range, as_tensor."""

# ruff: noqa: RUF012 - the replacement tables (calls, methods, creates) are class constants, never mutated

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from tests.mutation.base import Mutant, raising, when


def _float_arange(*args: Any, **kwargs: Any) -> bool:
    return any(isinstance(a, float) for a in args) and kwargs.get("dtype") is None


def _arange_args(args: tuple[Any, ...]) -> tuple[float, float, float]:
    start, end, step = {1: (0, args[0], 1), 2: (*args, 1), 3: args}[len(args)]
    return float(start), float(end), float(step)


def _arange_of_length(length: int, args: tuple[Any, ...]) -> torch.Tensor:
    start, _, step = _arange_args(args)
    values = start + step * torch.arange(length, dtype=torch.float64)
    return values.to(torch.get_default_dtype())


class ArangeLengthFloors(Mutant):
    """arange with a float step has floor((end - start) / step) elements instead of ceil: the last
    element goes missing when the range does not divide evenly."""

    creates = {
        "arange": when(
            _float_arange,
            lambda run, *a, **k: _arange_of_length(
                math.floor((_arange_args(a)[1] - _arange_args(a)[0]) / _arange_args(a)[2]), a
            ),
        )
    }
    witness = staticmethod(lambda e: e.create("arange", 0, 1, 0.3))
    control = staticmethod(lambda e: e.create("arange", 0, 1, 0.25))


class ArangeLengthInFloat32(Mutant):
    """arange computes its length in float32 instead of double: arange(-1, 1.1, 0.3) has 7
    elements instead of 8."""

    @staticmethod
    def _length(args: tuple[Any, ...]) -> int:
        start, end, step = (np.float32(x) for x in _arange_args(args))
        return int(np.ceil((end - start) / step))

    creates = {
        "arange": when(
            _float_arange, lambda run, *a, **k: _arange_of_length(ArangeLengthInFloat32._length(a), a)
        )
    }
    witness = staticmethod(lambda e: e.create("arange", -1, 1.1, 0.3))
    control = staticmethod(lambda e: e.create("arange", 0, 1, 0.25))


class ArangeIntegerDtypeKeepsFloatStep(Mutant):
    """arange with float arguments and an integer dtype computes in double and truncates the
    values, instead of converting the arguments first (a step of 0.5 becomes 0: an error)."""

    creates = {
        "arange": when(
            lambda *a, **k: (
                any(isinstance(x, float) for x in a) and k.get("dtype") in (torch.int64, torch.int32)
            ),
            lambda run, *a, dtype, **k: run(*a, dtype=torch.float64, **k).to(torch.int64),
        )
    }
    witness = staticmethod(lambda e: e.create("arange", 0, 2.5, 0.5, dtype="int64"))
    control = staticmethod(lambda e: e.create("arange", 0, 2.5, 0.5))


class ArangeSmallDtypeSaturates(Mutant):
    """arange into uint8 saturates at 255 instead of wrapping (arange(250, 260, 3) ends 0, 3)."""

    creates = {
        "arange": when(
            lambda *a, **k: k.get("dtype") is torch.uint8,
            lambda run, *a, dtype, **k: run(*a, dtype=torch.int64, **k).clamp(0, 255).to(torch.uint8),
        )
    }
    witness = staticmethod(lambda e: e.create("arange", 250, 260, 3, dtype="uint8"))
    control = staticmethod(lambda e: e.create("arange", 0, 10, 3, dtype="uint8"))


def _unwrap_numpy(data: Any, kinds: tuple[type, ...]) -> Any:
    """NumPy scalars of the given kinds inside nested lists replaced by the Python numbers they hold."""
    if isinstance(data, list | tuple):
        return type(data)(_unwrap_numpy(x, kinds) for x in data)
    return data.item() if isinstance(data, kinds) else data


class NumpyIntegersInListsArePythonInts(Mutant):
    """NumPy integer scalars in torch.tensor's data count as Python ints (int64) instead of keeping
    their dtype: tensor([np.int32(3)]) is int64 instead of int32."""

    def tensor(self, data: Any, **kwargs: Any) -> Any:
        return super().tensor(
            _unwrap_numpy(data, (np.integer,)) if isinstance(data, list) else data, **kwargs
        )

    witness = staticmethod(lambda e: e.tensor([np.int32(3)]))
    control = staticmethod(lambda e: e.tensor([np.float32(1.5), 2]))


class NumpyFloatInListsFirstWins(Mutant):
    """NumPy float scalars in a list take the first one's dtype: tensor([np.float32(1.5),
    np.float64(2.5)]) is float32 instead of float64."""

    def tensor(self, data: Any, **kwargs: Any) -> Any:
        first = data[0] if isinstance(data, list) and data else None
        if (
            isinstance(first, np.floating)
            and kwargs.get("dtype") is None
            and all(isinstance(x, np.floating) for x in data)
        ):
            return super().tensor(
                [float(x) for x in data],
                dtype=str(first.dtype),
                **{k: v for k, v in kwargs.items() if k != "dtype"},
            )
        return super().tensor(data, **kwargs)

    witness = staticmethod(lambda e: e.tensor([np.float32(1.5), np.float64(2.5)]))
    control = staticmethod(lambda e: e.tensor([np.float64(1.5), np.float64(2.5)]))


class FullKeepsNumpyScalarDtype(Mutant):
    """full(shape, np.float64(v)) takes the NumPy scalar's dtype instead of treating it as a Python
    float (the default dtype)."""

    creates = {
        "full": when(
            lambda size, fill, **k: isinstance(fill, np.floating) and k.get("dtype") is None,
            lambda run, size, fill, **k: run(size, fill, dtype=str(fill.dtype), **k),
        )
    }
    witness = staticmethod(lambda e: e.create("full", (2,), np.float64(1.5)))
    control = staticmethod(lambda e: e.create("full", (2,), 1.5))


class FullNumpyBoolIsBool(Mutant):
    """full(shape, np.bool_(True)) gives a bool tensor instead of the default float dtype."""

    creates = {
        "full": when(
            lambda size, fill, **k: isinstance(fill, np.bool_) and k.get("dtype") is None,
            lambda run, size, fill, **k: run(size, bool(fill), **k),
        )
    }
    witness = staticmethod(lambda e: e.create("full", (2,), np.bool_(True)))
    control = staticmethod(lambda e: e.create("full", (2,), True))


class NumpyIntegerSizesRefused(Mutant):
    """zeros(np.int64(2), np.int32(3)) raises TypeError instead of taking NumPy integers as sizes."""

    creates = {
        "zeros": when(
            lambda *a, **k: any(isinstance(x, np.integer) for x in a),
            raising(TypeError, "zeros(): argument 'size' must be tuple of ints"),
        )
    }
    witness = staticmethod(lambda e: e.create("zeros", np.int64(2), np.int32(3)))
    control = staticmethod(lambda e: e.create("zeros", 2, 3))


def _full_out_of_range(size: Any, fill: Any, dtype: Any = None, **kwargs: Any) -> bool:
    if type(fill) is not int or dtype not in (torch.int8, torch.int16, torch.int32):
        return False
    info = torch.iinfo(dtype)
    return not info.min <= fill <= info.max


class FullOutOfRangeWraps(Mutant):
    """full(shape, 300, dtype=int8) wraps the fill value (44) instead of raising."""

    creates = {
        "full": when(
            _full_out_of_range,
            lambda run, size, fill, dtype, **k: run(size, fill, dtype=torch.int64, **k).to(dtype),
        )
    }
    witness = staticmethod(lambda e: e.create("full", (2,), 300, dtype="int8"))
    control = staticmethod(lambda e: e.create("full", (2,), 100, dtype="int8"))


class FullNegativeIntoUint8Raises(Mutant):
    """full(shape, -1, dtype=uint8) raises instead of wrapping to 255."""

    creates = {
        "full": when(
            lambda size, fill, dtype=None, **k: type(fill) is int and fill < 0 and dtype is torch.uint8,
            raising(RuntimeError, "value cannot be converted to type uint8_t without overflow"),
        )
    }
    witness = staticmethod(lambda e: e.create("full", (2,), -1, dtype="uint8"))
    control = staticmethod(lambda e: e.create("full", (2,), 1, dtype="uint8"))


class FullFloatOverflowIsInf(Mutant):
    """full(shape, 1e300, dtype=float16) fills inf instead of raising."""

    creates = {
        "full": when(
            lambda size, fill, dtype=None, **k: (
                type(fill) is float and dtype is torch.float16 and abs(fill) > 65504
            ),
            lambda run, size, fill, dtype, **k: run(size, math.copysign(math.inf, fill), dtype=dtype, **k),
        )
    }
    witness = staticmethod(lambda e: e.create("full", (2,), 1e300, dtype="float16"))
    control = staticmethod(lambda e: e.create("full", (2,), 1e3, dtype="float16"))


class TensorBigIntIntoFloatRaises(Mutant):
    """tensor([2**63], dtype=float64) raises (the int is unpacked as int64 first) instead of giving
    9.2e18."""

    def tensor(self, data: Any, *, dtype: str | None = None, **kwargs: Any) -> Any:
        if (
            isinstance(data, list)
            and dtype in ("float32", "float64")
            and any(type(x) is int and abs(x) >= 2**63 for x in data)
        ):
            raise ValueError("Overflow when unpacking long long")
        return super().tensor(data, dtype=dtype, **kwargs)

    witness = staticmethod(lambda e: e.tensor([2**63], dtype="float64"))
    control = staticmethod(lambda e: e.tensor([2**62], dtype="float64"))


class TensorFloatOverflowRaises(Mutant):
    """tensor([70000], dtype=float16) raises instead of giving inf."""

    def tensor(self, data: Any, *, dtype: str | None = None, **kwargs: Any) -> Any:
        if (
            isinstance(data, list)
            and dtype == "float16"
            and any(isinstance(x, int | float) and abs(x) > 65504 for x in data)
        ):
            raise RuntimeError("value cannot be converted to type at::Half without overflow")
        return super().tensor(data, dtype=dtype, **kwargs)

    witness = staticmethod(lambda e: e.tensor([70000], dtype="float16"))
    control = staticmethod(lambda e: e.tensor([7000], dtype="float16"))


class AsTensorListOfFloatsIsFloat64(Mutant):
    """as_tensor of a list of Python floats gives float64 (as NumPy would) instead of the default
    dtype."""

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Any:
        if isinstance(data, list) and dtype is None and any(type(x) is float for x in data):
            return super().as_tensor(data, dtype="float64")
        return super().as_tensor(data, dtype=dtype)

    witness = staticmethod(lambda e: e.as_tensor([1, 2.5]))
    control = staticmethod(lambda e: e.tensor([1, 2.5]))


class AsTensorIgnoresDtypeForTensors(Mutant):
    """as_tensor(tensor, dtype=other) returns the tensor unconverted."""

    def as_tensor(self, data: Any, *, dtype: str | None = None) -> Any:
        if isinstance(data, torch.Tensor):
            return data
        return super().as_tensor(data, dtype=dtype)

    witness = staticmethod(lambda e: e.as_tensor(e.tensor([1, 2]), dtype="float64"))
    control = staticmethod(lambda e: e.as_tensor(e.tensor([1, 2])))


class LinspaceIntegerDtypeRounds(Mutant):
    """linspace(..., dtype=int64) rounds the points to the nearest integer instead of truncating."""

    creates = {
        "linspace": when(
            lambda *a, **k: k.get("dtype") is torch.int64,
            lambda run, *a, dtype, **k: run(*a, dtype=torch.float64, **k).round().to(torch.int64),
        )
    }
    witness = staticmethod(lambda e: e.create("linspace", 0, 10, 5, dtype="int64"))
    control = staticmethod(lambda e: e.create("linspace", 0, 8, 5, dtype="int64"))
