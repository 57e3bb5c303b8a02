"""torch.optim.Optimizer: parameter groups, per-parameter state, and the step loop.

torch's rules modelled:
- params: an iterable of tensors, or of dicts (parameter groups: {"params": ..., option: value});
  a tensor itself, an empty list, a non-tensor, a non-leaf, a set as a group's params, and a
  parameter in two groups are refused with torch's errors; a group's missing options come from
  the optimizer's defaults.
- step(closure=None) calls the closure (if any) with grad enabled, then, under no_grad, updates
  each parameter whose .grad is not None, group by group, with the subclass's `_update`. Before
  that, shared by all three optimizers: `maximize` negates the gradient, and a nonzero
  weight_decay adds weight_decay * param to it (L2; Adam's decoupled form is Adam's own).
- zero_grad(set_to_none=True) is Module.zero_grad's rule.
- state_dict(): {"state": {index: state}, "param_groups": [options..., "params": [indices]]}, the
  parameters numbered in order across the groups.
impl runs torch's single-tensor (for-loop) formulas, the ones torch picks on the CPU. `foreach` and
`fused` choose between torch's implementations of the same formula, so they are kept (for repr and
state_dict) and have no effect; `differentiable` and `capturable` are refused (NotImplementedError).
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from impl.autograd import enable_grad, no_grad
from impl.nn.module import typename, zero_grads
from impl.tensor import Tensor

# how torch's "Invalid ...: value" messages name each hyper-parameter
_LABELS = {
    "lr": "learning rate",
    "eps": "epsilon value",
    "momentum": "momentum value",
    "weight_decay": "weight_decay value",
    "alpha": "alpha value",
}


def check_nonnegative(nan_ok: bool = False, **values: float) -> None:
    """torch's hyper-parameter checks, in the order given: each must be >= 0 (ValueError "Invalid
    learning rate: -1"). torch writes them `not 0.0 <= value`, but SGD `value < 0.0`, which NaN passes
    (nan_ok); a value that does not compare with floats fails as the comparison does (TypeError)."""
    for name, value in values.items():
        if value < 0.0 if nan_ok else not 0.0 <= value:  # noqa: SIM300 - torch's form, for its TypeError
            raise ValueError(f"Invalid {_LABELS[name]}: {value}")


class Optimizer:
    """torch.optim.Optimizer(params, defaults); subclasses define `_update(param, grad, group)`."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        for flag in ("differentiable", "capturable"):
            if defaults.get(flag):
                raise NotImplementedError(f"impl's optimizers step under no_grad: {flag}=True is unsupported")
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {typename(params)}"
            )
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        params = param_group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is " + typename(p)
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will "
                "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is None:
                        continue
                    grad = -param.grad if group["maximize"] else param.grad
                    if group["weight_decay"] != 0 and not group.get("decoupled_weight_decay"):
                        grad = grad.add(param, alpha=group["weight_decay"])
                    self._update(param, grad, group)
        return loss

    def _update(self, param: Tensor, grad: Tensor, group: dict[str, Any]) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {key: value for key, value in group.items() if key != "params"}
            groups.append({**packed, "params": [index[id(p)] for p in group["params"]]})
        return {"state": {index[id(p)]: state for p, state in self.state.items()}, "param_groups": groups}

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            text += "".join(f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params")
        return text + ")"
