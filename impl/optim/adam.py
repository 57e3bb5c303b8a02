"""torch.optim.Adam: gradient steps from bias-corrected running moments of the gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from impl.creation import zeros, zeros_like
from impl.ops import maximum
from impl.optim.optimizer import Optimizer, check_nonnegative
from impl.tensor import Tensor


class Adam(Optimizer):
    """torch.optim.Adam. With g the gradient (after maximize and, unless decoupled, weight decay) and
    t the step: m = β1 m + (1 - β1) g, v = β2 v + (1 - β2) g²; amsgrad: v_max = max(v_max, v), used
    for v below; θ = θ - γ (m / (1 - β1^t)) / (sqrt(v) / sqrt(1 - β2^t) + ε). Decoupled weight decay
    (AdamW) scales θ by 1 - γλ first. The state holds "step", "exp_avg" (m), "exp_avg_sq" (v) and
    "max_exp_avg_sq" (v_max). Betas must be floats in [0, 1)."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_nonnegative(lr=lr, eps=eps)
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        check_nonnegative(weight_decay=weight_decay)
        if not all(isinstance(beta, float) for beta in betas):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self, param: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        state, (beta1, beta2), lr = self.state[param], group["betas"], group["lr"]
        if not state:
            state["step"] = zeros(())
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(param)
        state["step"] += 1
        if group["weight_decay"] != 0 and group["decoupled_weight_decay"]:
            param.mul_(1 - lr * group["weight_decay"])
        exp_avg = state["exp_avg"].lerp_(grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step = state["step"].item()
        bias_correction1, bias_correction2 = 1 - beta1**step, 1 - beta2**step
        if group["amsgrad"]:
            exp_avg_sq = state["max_exp_avg_sq"].copy_(maximum(state["max_exp_avg_sq"], exp_avg_sq))
        denom = (exp_avg_sq.sqrt() / bias_correction2**0.5).add_(group["eps"])
        param.addcdiv_(exp_avg, denom, value=-lr / bias_correction1)
