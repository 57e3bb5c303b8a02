"""torch.nn.init's calculate_gain, uniform_, normal_ and kaiming_uniform_ (nn.Linear's default
initialisation).

Each fills a tensor in place under no_grad with Tensor.uniform_ / normal_ (impl/random.py), from
`generator` or the default generator: the values are impl's, their distribution is torch's.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

from impl.autograd import no_grad
from impl.random import Generator
from impl.tensor import Tensor

__all__ = ["calculate_gain", "kaiming_uniform_", "normal_", "uniform_"]

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
    return _GAINS[nonlinearity](0 if param is None else param)


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """torch's rule: fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the
    receptive field is the product of the sizes after the first two; at least 2 dims."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out  # torch's own (private) name for it


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Generator | None = None) -> Tensor:
    """torch.nn.init.uniform_: tensor.uniform_(a, b) under no_grad."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(
    tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> Tensor:
    """torch.nn.init.normal_: tensor.normal_(mean, std) under no_grad."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Generator | None = None,
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
    return uniform_(tensor, -bound, bound, generator)
