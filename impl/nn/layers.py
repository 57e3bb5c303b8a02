"""torch.nn's Linear, Sequential, Flatten, ReLU, Sigmoid, Tanh, MSELoss and L1Loss: Modules whose
forward is one function of impl.nn.functional (or impl's ops), so autograd gives their gradients."""

from __future__ import annotations

import math
import operator
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from impl.creation import empty
from impl.dtypes import dtype as Dtype
from impl.nn.functional import l1_loss, legacy_reduction, linear, mse_loss, relu
from impl.nn.init import calculate_fan_in_and_fan_out, kaiming_uniform_, uniform_
from impl.nn.module import Module, Parameter
from impl.ops import sigmoid, tanh
from impl.tensor import Tensor


class Linear(Module):
    """torch.nn.Linear(in_features, out_features, bias=True): y = x A^T + b. torch's initialisation,
    drawn from impl's generator: weight from kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in_features),
    1/sqrt(in_features)), and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (all zero when fan_in is 0)."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        has_bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


class Sequential(Module):
    """torch.nn.Sequential(*modules) or Sequential(OrderedDict of name -> module): children named
    "0", "1", ... (or by the dict); forward feeds each child's output to the next. Indexing takes an
    int (negative from the end; IndexError beyond) or a slice (a new Sequential of the same children)."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        named = args[0].items() if len(args) == 1 and isinstance(args[0], OrderedDict) else enumerate(args)
        for name, module in named:
            self.add_module(str(name), module)

    def _layers(self) -> list[Module]:
        return [module for module in self._modules.values() if module is not None]

    def forward(self, input: Any) -> Any:
        for module in self._layers():
            input = module(input)
        return input

    def __getitem__(self, idx: int | slice) -> Module:
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        idx = operator.index(idx)
        if not -len(self) <= idx < len(self):
            raise IndexError(f"index {idx} is out of range")
        return self._layers()[idx]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._layers())


class Flatten(Module):
    """torch.nn.Flatten(start_dim=1, end_dim=-1): input.flatten(start_dim, end_dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class ReLU(Module):
    """torch.nn.ReLU(inplace=False): relu(input, inplace)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """torch.nn.Sigmoid: torch.sigmoid(input)."""

    def forward(self, input: Tensor) -> Tensor:
        return sigmoid(input)


class Tanh(Module):
    """torch.nn.Tanh: torch.tanh(input)."""

    def forward(self, input: Tensor) -> Tensor:
        return tanh(input)


class _Loss(Module):
    """torch's loss modules: `reduction` ('mean', 'sum' or 'none', checked when called), or named by the
    deprecated size_average and reduce flags (functional.legacy_reduction, with its warning)."""

    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        legacy = size_average is not None or reduce is not None
        self.reduction = legacy_reduction(size_average, reduce) if legacy else reduction


class MSELoss(_Loss):
    """torch.nn.MSELoss: mse_loss(input, target, reduction=self.reduction)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """torch.nn.L1Loss: l1_loss(input, target, reduction=self.reduction)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)
