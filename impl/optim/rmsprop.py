"""torch.optim.RMSprop: gradient steps scaled by a running root mean square of the gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from impl.creation import zeros, zeros_like
from impl.optim.optimizer import Optimizer, check_nonnegative
from impl.tensor import Tensor


class RMSprop(Optimizer):
    """torch.optim.RMSprop. With g the gradient (after maximize and weight decay): v = α v + (1 - α) g²;
    centered: g_avg = α g_avg + (1 - α) g and ṽ = v - g_avg², else ṽ = v; with momentum μ > 0:
    b = μ b + g / (sqrt(ṽ) + ε) and θ = θ - γ b, else θ = θ - γ g / (sqrt(ṽ) + ε). The state holds
    "step", "square_avg" (v), "momentum_buffer" (b) and "grad_avg" (g_avg), all starting at zero."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state, alpha, momentum = self.state[param], group["alpha"], group["momentum"]
        if not state:
            state["step"] = zeros(())
            state["square_avg"] = zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = zeros_like(param)
        state["step"] += 1
        square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(group["eps"])
        if momentum > 0:
            buf = state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            param.add_(buf, alpha=-group["lr"])
        else:
            param.addcdiv_(grad, avg, value=-group["lr"])
