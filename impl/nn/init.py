"""torch.nn.init's uniform_ and kaiming_uniform_ (what nn.Linear's default initialisation uses).

They fill a tensor in place under no_grad with values drawn from impl's default generator (so the
values differ from torch's; their distribution is torch's). impl.rand takes no `generator`, so
neither do these.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

from impl.autograd import no_grad
from impl.creation import rand
from impl.tensor import Tensor

__all__ = ["calculate_gain", "kaiming_uniform_", "uniform_"]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
# torch.nn.init.calculate_gain's table: nonlinearity -> gain(param)
_GAINS: dict[str, Callable[[float], float]] = {
    **dict.fromkeys((*_LINEAR, "sigmoid"), lambda _: 1),
    "tanh": lambda _: 5.0 / 3,
    "relu": lambda _: math.sqrt(2.0),
    "leaky_relu": lambda slope: math.sqrt(2.0 / (1 + slope**2)),
    "selu": lambda _: 3.0 / 4,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch.nn.init.calculate_gain: the table above; leaky_relu's param is its negative slope
    (0.01 when None)."""
    if nonlinearity not in _GAINS:
        raise ValueError(f"Unsupported nonlinearity {nonlinearity}")
    if nonlinearity == "leaky_relu":
        if param is None:
            param = 0.01
        elif isinstance(param, bool) or not isinstance(param, int | float):
            raise ValueError(f"negative_slope {param} not a valid number")
    return _GAINS[nonlinearity](param)


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """torch's rule: fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the
    receptive field is the product of the sizes after the first two; at least 2 dims."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """torch.nn.init.uniform_: fill with values from U(a, b), in place, under no_grad."""
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    with no_grad():
        return tensor.copy_(rand(tuple(tensor.shape), dtype=tensor.dtype) * (b - a) + a)


def kaiming_uniform_(
    tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """torch.nn.init.kaiming_uniform_: U(-bound, bound), bound = sqrt(3) * gain / sqrt(fan), fan the
    fan_in or fan_out, gain = calculate_gain(nonlinearity, a); a zero-element tensor is left alone,
    with a warning."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    modes = ["fan_in", "fan_out"]
    if mode.lower() not in modes:
        raise ValueError(f"Mode {mode.lower()} not supported, please use one of {modes}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode.lower() == "fan_in" else fan_out
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound)


_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out  # torch's own (private) name for it
