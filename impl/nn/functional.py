"""torch.nn.functional's linear, activations and the MSE and L1 losses, from impl's ops.

Each function runs the ops torch runs, so its gradient is impl's autograd of them and its graph has
torch's nodes: linear is addmm (or matmul, then add_), l1_loss is composite in torch too, and
mse_loss, one fused kernel in torch, is one op here, its derivative (MseLossBackward0) a row.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from impl import dtypes, ops
from impl.autograd import no_grad
from impl.autograd.formulas import Formula
from impl.broadcasting import broadcast_tensors
from impl.elementwise import check_tensors
from impl.linalg import addmm, matmul
from impl.ops import sigmoid, tanh
from impl.promotion import result_type
from impl.reductions import mean, sum
from impl.rows import Row, record, register
from impl.tensor import Tensor

__all__ = ["l1_loss", "linear", "mse_loss", "relu", "sigmoid", "tanh"]

Flag = bool | None  # the deprecated size_average and reduce flags (None: not given)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """torch.nn.functional.linear: input @ weight.T + bias, input (*, in_features), weight
    (out_features, in_features), both at least 1-d. torch's choice of ops: a 2-d input with a bias is
    one addmm(bias, input, weight.t()); a contiguous input of other dims with a 1-d bias is flattened
    to 2-d for that addmm and its result viewed back; otherwise matmul, then the bias added in place
    (so the product keeps its dtype and shape)."""
    check_tensors("linear", 1, input=input, weight=weight, **({} if bias is None else {"bias": bias}))
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, "
            f"but they are {input.dim()}D and {weight.dim()}D"
        )
    if bias is not None and input.dim() == 2:
        return addmm(bias, input, weight.t())
    if bias is not None and bias.dim() == 1 and input.is_contiguous():
        *batch, features = input.shape
        output = addmm(bias, input.reshape(math.prod(batch), features), weight.t())
        return output.view(*batch, output.shape[1])
    output = matmul(input, weight.t())
    return output if bias is None else output.add_(bias)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """torch.nn.functional.relu: max(input, 0), in place when inplace=True (F.sigmoid and F.tanh are
    torch.sigmoid and torch.tanh)."""
    return input.relu_() if inplace else ops.relu(input)


# --- losses -----------------------------------------------------------------------------------


REDUCTIONS: dict[str, Callable[[Tensor], Tensor]] = {"none": lambda errors: errors, "mean": mean, "sum": sum}


def legacy_reduction(size_average: Flag, reduce: Flag) -> str:
    """torch's _Reduction.legacy_get_string: the deprecated flags (None meaning True) name a reduction,
    reduce=False -> 'none', else size_average -> 'mean', else 'sum'; it warns which to use instead."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
        stacklevel=3,
    )
    return reduction


def _reduction(reduction: str) -> str:
    """torch's _Reduction.get_enum: 'none', 'mean' or 'sum' ('elementwise_mean' warns and means 'mean')."""
    if reduction == "elementwise_mean":
        message = "reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead."
        warnings.warn(message, stacklevel=4)
        reduction = "mean"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _pointwise(
    input: Tensor, target: Tensor, size_average: Flag, reduce: Flag, reduction: str
) -> tuple[Tensor, Tensor, str]:
    """torch's pointwise losses, in torch's order: a target of another size warns (it will broadcast),
    the deprecated flags override `reduction`, input and target broadcast, the reduction is checked."""
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
            "This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce)
    expanded_input, expanded_target = broadcast_tensors(input, target)
    return expanded_input, expanded_target, _reduction(reduction)


def _mse_grad(grad: np.ndarray, s: Any) -> np.ndarray:
    """torch's mse_loss_backward: grad * norm * (self - target), norm = 2 / numel for 'mean', else 2."""
    norm = 2 / max(s.self.size, 1) if s.reduction == "mean" else 2
    return grad * norm * (s.self - s.target)


register(
    Row(
        "mse_loss",
        None,
        Formula(
            "MseLossBackward0",
            self=("self target", _mse_grad),
            target=("self target", lambda g, s: -_mse_grad(g, s)),
        ),
    )
)


def mse_loss(
    input: Tensor, target: Tensor, size_average: Flag = None, reduce: Flag = None, reduction: str = "mean"
) -> Tensor:
    """torch.nn.functional.mse_loss: (input - target)**2, reduced, as one op with one node
    (MseLossBackward0, as torch's fused kernel); operands of different sizes broadcast, with a
    warning. torch's kernel takes floating dtypes only (NotImplementedError)."""
    input, target, reduction = _pointwise(input, target, size_average, reduce, reduction)
    computed = result_type(input, target)
    if computed.category != dtypes.FLOATING:
        raise NotImplementedError(f"\"mse_cpu\" not implemented for '{computed.scalar_type}'")
    with no_grad():
        out = REDUCTIONS[reduction]((input - target) ** 2)
    record("mse_loss", out, (input, target), reduction=reduction)
    return out


def l1_loss(
    input: Tensor, target: Tensor, size_average: Flag = None, reduce: Flag = None, reduction: str = "mean"
) -> Tensor:
    """torch.nn.functional.l1_loss: |input - target|, reduced; operands of different sizes broadcast,
    with a warning (composite in torch too: integer inputs fail only where mean does)."""
    input, target, reduction = _pointwise(input, target, size_average, reduce, reduction)
    return REDUCTIONS[reduction](ops.abs(input - target))
