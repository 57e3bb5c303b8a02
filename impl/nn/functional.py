"""torch.nn.functional's linear, activations and the MSE and L1 losses, composed from impl's ops.

Each function is a formula over impl's public ops, so its gradient is impl's autograd of that
formula: no backward code here. Where torch runs one fused kernel, impl's graph holds the composed
nodes instead (linear: AddBackward0 where torch has AddmmBackward0; mse_loss: MeanBackward0 or
SumBackward0 where torch has MseLossBackward0); values and gradients agree, grad_fn names do not.
l1_loss is composite in torch too, so there even the names agree.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from impl import dtypes, ops
from impl.broadcasting import broadcast_tensors
from impl.linalg import matmul
from impl.ops import sigmoid, tanh
from impl.promotion import result_type
from impl.reductions import mean, sum
from impl.tensor import Tensor

__all__ = ["l1_loss", "linear", "mse_loss", "relu", "sigmoid", "tanh"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """torch.nn.functional.linear: input @ weight.T + bias, input (*, in_features), weight
    (out_features, in_features); both at least 1-d and of one dtype (RuntimeError otherwise)."""
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError(
            "both arguments to linear need to be at least 1D, "
            f"but they are {input.dim()}D and {weight.dim()}D"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            "mat1 and mat2 must have the same dtype, but got "
            f"{input.dtype.scalar_type} and {weight.dtype.scalar_type}"
        )
    output = matmul(input, weight.t())
    return output if bias is None else output + bias


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """torch.nn.functional.relu: max(input, 0), in place when inplace=True (F.sigmoid and F.tanh are
    torch.sigmoid and torch.tanh)."""
    return input.relu_() if inplace else ops.relu(input)


# --- losses -----------------------------------------------------------------------------------


REDUCTIONS: dict[str, Callable[[Tensor], Tensor]] = {"none": lambda errors: errors, "mean": mean, "sum": sum}


def legacy_reduction(size_average: bool | None, reduce: bool | None) -> str:
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
    input: Tensor, target: Tensor, size_average: bool | None, reduce: bool | None, reduction: str
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


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """torch.nn.functional.mse_loss: (input - target)**2, reduced; operands of different sizes
    broadcast, with a warning. torch's kernel takes floating dtypes only (NotImplementedError)."""
    input, target, reduction = _pointwise(input, target, size_average, reduce, reduction)
    computed = result_type(input, target)
    if computed.category != dtypes.FLOATING:
        raise NotImplementedError(f"\"mse_cpu\" not implemented for '{computed.scalar_type}'")
    return REDUCTIONS[reduction]((input - target) ** 2)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """torch.nn.functional.l1_loss: |input - target|, reduced; operands of different sizes broadcast,
    with a warning (composite in torch too: integer inputs fail only where mean does)."""
    input, target, reduction = _pointwise(input, target, size_average, reduce, reduction)
    return REDUCTIONS[reduction](ops.abs(input - target))
