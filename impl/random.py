"""Random numbers: torch.Generator and manual_seed, the random factories (rand, randn, randint,
randperm and their _like forms) and the in-place fills Tensor.uniform_ and Tensor.normal_.

impl draws from NumPy's PCG64, so its values differ from torch's; what torch's rules fix is modelled:
- every draw takes `generator=` (a Generator; None: the default generator, which manual_seed reseeds);
- rand and uniform_(from, to) draw U[from, to) (rand: [0, 1)), randn and normal_(mean, std) draw
  N(mean, std²); for complex dtypes the real and imaginary parts are drawn apart, each U[from, to) or
  N(mean, std²/2) (torch fills view_as_real with std/sqrt(2));
- only floating and complex dtypes (NotImplementedError naming torch's kernel: "check_uniform_bounds",
  "normal_kernel_cpu"); uniform_'s bounds must lie within the dtype and to - from must not overflow
  it; normal_'s std must be >= 0;
- the fills are in-place writes: autograd's leaf check and the overlap check first; under autograd
  self takes UniformBackward0 / NormalBackward0 (a zero gradient).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np

from impl import dtypes
from impl.arguments import dtype_arg, float_arg, int_arg, invalid_combination, is_int, type_name
from impl.autograd.formulas import Formula, zeros
from impl.copies import recorded_write
from impl.creation import check_device, factory_result, like, shape_of, size_arg, size_varargs
from impl.dtypes import dtype
from impl.rows import check_writable, op
from impl.tensor import Tensor


class Generator:
    """torch.Generator: impl's values come from NumPy's PCG64, so they differ from torch's."""

    def __init__(self, device: Any = "cpu") -> None:
        self.rng = np.random.default_rng(0)
        self._seed = 0

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self) -> int:
        return self._seed


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """torch.manual_seed: reseed the default generator."""
    return default_generator.manual_seed(seed)


def _rng(generator: Any, fn: str, args: tuple[Any, ...] | None = None) -> np.random.Generator:
    """The NumPy generator behind `generator` (None: the default one). Anything but a Generator is
    torch's TypeError: for a factory (`args`: its positional arguments) "invalid combination", for a
    method one naming the argument."""
    if generator is None:
        return default_generator.rng
    if not isinstance(generator, Generator):
        if args is not None:
            raise invalid_combination(fn, args, {"generator": generator})
        raise TypeError(f"{fn}(): argument 'generator' must be torch.Generator, not {type_name(generator)}")
    return generator.rng


def _floating(kernel: str, dtype_: dtype) -> None:
    """Random floats exist for floating and complex dtypes only."""
    if dtype_.category < dtypes.FLOATING:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dtype_.scalar_type}'")


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], dtype_: dtype, low: float, high: float) -> Any:
    """U[low, high) values for dtype_ (complex: each part), rounded into the range (a value that
    rounds up to `high` in a narrow dtype is redrawn as low)."""
    real = dtype_.to_real()

    def part() -> np.ndarray:
        values = low + (high - low) * rng.random(shape)
        return np.where(dtypes.cast(values, real).astype(np.float64) >= high, low, values)

    return part() + 1j * part() if dtype_.is_complex else part()


def _normal(rng: np.random.Generator, shape: tuple[int, ...], dtype_: dtype, mean: float, std: float) -> Any:
    """N(mean, std²) values (complex: each part N(mean, std²/2))."""
    if dtype_.is_complex:
        std /= math.sqrt(2)
        return (mean + std * rng.standard_normal(shape)) + 1j * (mean + std * rng.standard_normal(shape))
    return mean + std * rng.standard_normal(shape)


# --- factories ------------------------------------------------------------------------------------


def _drawn(values: Any, dtype_: dtype, requires_grad: bool) -> Tensor:
    return factory_result(Tensor.wrap(dtypes.cast(values, dtype_), dtype_), requires_grad)


def _standard(name: str, kernel: str, sample: Callable[..., Any], doc: str) -> Callable[..., Tensor]:
    """torch.rand / torch.randn: `sample`'s standard form (U[0, 1), N(0, 1)) in a new tensor, the
    arguments checked in torch's order (`kernel`: the name torch's dtype error gives)."""

    def factory(
        *size: Any,
        generator: Generator | None = None,
        dtype: dtype | None = None,
        device: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        check_device(device)
        rng = _rng(generator, name, size)
        dtype_ = dtype_arg(dtype, name) or dtypes.get_default_dtype()
        shape = size_varargs(size, name)
        _floating(kernel, dtype_)
        return _drawn(sample(rng, shape, dtype_, 0.0, 1.0), dtype_, requires_grad)

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = doc
    return factory


rand = _standard(
    "rand", "check_uniform_bounds", _uniform, "torch.rand: U[0, 1), floating and complex dtypes."
)
randn = _standard("randn", "normal_kernel_cpu", _normal, "torch.randn: N(0, 1), floating and complex only.")


def randint(
    *args: Any,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """torch.randint(high, size) or randint(low, high, size): integers in [low, high), int64 default."""
    check_device(device)
    if len(args) not in (2, 3) or not all(is_int(a) for a in args[:-1]):
        raise invalid_combination("randint", args)
    rng = _rng(generator, "randint", args)
    low, high, size = (0, *args) if len(args) == 2 else args
    low, high = int(low), int(high)
    shape = size_arg(size, "randint")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dtype_ = dtype_arg(dtype, "randint") or dtypes.int64
    _check_random_bounds(low, high, dtype_)
    return _drawn(rng.integers(low, high, shape), dtype_, requires_grad)


# randperm's n must be exact in its dtype: n - 1 must fit an integer dtype (torch names its C type), a
# floating dtype must hold every integer below n (torch checks Half and Float; BFloat16 and Double not)
_RANDPERM_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int"}
_RANDPERM_FLOAT_LIMITS = {"float16": ("2049", 2049), "float32": ("2^24+1", 2**24 + 1)}


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """torch.randperm: a random permutation of 0..n-1 (int64 unless dtype is given); bool and complex
    dtypes refused."""
    check_device(device)
    n = int_arg(n, "randperm", "n", 1)
    rng = _rng(generator, "randperm", (n,))
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype_ = dtype or dtypes.int64
    if dtype_.category in (dtypes.BOOL, dtypes.COMPLEX):
        raise NotImplementedError(f"\"randperm\" not implemented for '{dtype_.scalar_type}'")
    if dtype_.name in _RANDPERM_C_TYPES and n - 1 > np.iinfo(dtype_.np).max:
        c_type = _RANDPERM_C_TYPES[dtype_.name]
        raise RuntimeError(f"value cannot be converted to type {c_type} without overflow")
    text, limit = _RANDPERM_FLOAT_LIMITS.get(dtype_.name, ("", n))
    if n > limit:
        raise RuntimeError(f"n cannot be greater than {text} for {dtype_.scalar_type} type.")
    return _drawn(rng.permutation(n), dtype_, requires_grad)


def _limits(dtype_: dtype) -> tuple[float, float]:
    """The lowest and highest values of a real dtype."""
    if dtype_ is dtypes.bool:
        return 0, 1
    if dtype_.is_floating_point:
        finfo = ml_dtypes.finfo(dtype_.np)
        return float(finfo.min), float(finfo.max)
    iinfo = np.iinfo(dtype_.np)
    return int(iinfo.min), int(iinfo.max)


def _check_random_bounds(low: int, high: int, dtype_: dtype) -> None:
    """torch's check_random_bounds: low and high - 1 must lie within the dtype's range."""
    if dtype_.is_complex:
        raise RuntimeError("check_random_bounds handles only integral, floating-point and boolean types")
    lowest, highest = _limits(dtype_)
    name = dtypes.C_TYPE_NAMES[dtype_.name]
    if not lowest <= low <= highest:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lowest <= high - 1 <= highest:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


def rand_like(
    t: Tensor, *, generator: Generator | None = None, dtype: dtype | None = None, **kw: Any
) -> Tensor:
    _rng(generator, "rand_like", (t,))
    return like(rand, t, shape_of(t), generator=generator, dtype=dtype, **kw)


def randn_like(
    t: Tensor, *, generator: Generator | None = None, dtype: dtype | None = None, **kw: Any
) -> Tensor:
    _rng(generator, "randn_like", (t,))
    return like(randn, t, shape_of(t), generator=generator, dtype=dtype, **kw)


def randint_like(
    t: Tensor,
    low: int,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    **kw: Any,
) -> Tensor:
    _rng(generator, "randint_like", (t, low) if high is None else (t, low, high))
    low, high = (0, low) if high is None else (low, high)
    return like(randint, t, low, high, shape_of(t), generator=generator, dtype=dtype, **kw)


# --- in-place fills -------------------------------------------------------------------------------


def _check_uniform_bounds(dtype_: dtype, low: float, high: float) -> None:
    """torch's check_uniform_bounds: from and to within the (real) dtype, from <= to, and to - from
    within its largest value."""
    real = dtype_.to_real()
    lowest, highest = _limits(real)
    for name, value in (("from", low), ("to", high)):
        if not lowest <= value <= highest:
            raise RuntimeError(f"{name} is out of bounds for {dtypes.C_TYPE_NAMES[real.name]}")
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}"
        )
    if high - low > highest:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{real.scalar_type}>::max(), but found "
            f"to={high:g} and from={low:g} which result in to-from to exceed the limit"
        )


def _fill(self: Tensor, values: Any, op: str) -> Tensor:
    self._data[...] = dtypes.cast(values, self.dtype)
    return recorded_write(self, op, (self,))


@op(function=False, derivative=Formula("UniformBackward0", self=("", zeros)))
def uniform_(self: Tensor, from_: float = 0, to: float = 1, *, generator: Generator | None = None) -> Tensor:
    """Tensor.uniform_(from=0, to=1, *, generator=None): fill with U[from, to) values, in place."""
    low, high = float_arg(from_, "uniform_", "from", 1), float_arg(to, "uniform_", "to", 2)
    rng = _rng(generator, "uniform_")
    check_writable(self)
    _floating("check_uniform_bounds", self.dtype)
    _check_uniform_bounds(self.dtype, low, high)
    return _fill(self, _uniform(rng, self._data.shape, self.dtype, low, high), "uniform_")


@op(function=False, derivative=Formula("NormalBackward0", self=("", zeros)))
def normal_(self: Tensor, mean: float = 0, std: float = 1, *, generator: Generator | None = None) -> Tensor:
    """Tensor.normal_(mean=0, std=1, *, generator=None): fill with N(mean, std²) values, in place."""
    mean, std = float_arg(mean, "normal_", "mean", 1), float_arg(std, "normal_", "std", 2)
    rng = _rng(generator, "normal_")
    check_writable(self)
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    _floating("normal_kernel_cpu", self.dtype)
    return _fill(self, _normal(rng, self._data.shape, self.dtype, mean, std), "normal_")
