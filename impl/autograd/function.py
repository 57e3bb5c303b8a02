"""torch.autograd.Function: user-defined forward/backward pairs.

torch's rules modelled (torch/autograd/function.py): `Fn.apply(*args)` runs the
static `forward(ctx, *args)` with grad mode off; if grad mode is on and a tensor
argument requires grad, each tensor output gets a node named `<Fn>Backward`
whose `backward(ctx, *grads)` (run with grad mode off) must return one gradient
per forward argument (None allowed), each shaped like its input. An output that
*is* an input is returned as a view of it, as torch does. `ctx.save_for_backward`
keeps tensors with their versions; `ctx.saved_tensors` checks them and raises
torch's error once a backward without retain_graph has freed them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from impl.autograd.grad_mode import is_grad_enabled, no_grad
from impl.autograd.graph import FREED_MESSAGE, Grads, Meta, Node, SavedValue, gradient_edge, node_class
from impl.dtypes import FLOATING, dtype
from impl.tensor import Tensor


class FunctionCtx:
    """The `ctx` passed to forward and backward (torch.autograd.function.FunctionCtx)."""

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self._to_save: tuple[Any, ...] = ()
        self._node: BackwardNode | None = None
        self.materialize_grads = True
        self.non_differentiable: set[int] = set()  # ids of outputs marked non-differentiable

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or None) for backward; their versions are checked when they are read."""
        self._to_save = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self.non_differentiable = {id(t) for t in tensors}

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        node = self._node
        if node is None:  # read inside forward: torch returns what was given
            return tuple(self._to_save)
        if node._released:
            raise RuntimeError(FREED_MESSAGE)
        return tuple(node.saved_tensor(i) for i in range(len(node.saved_list)))


class BackwardNode(Node):
    """The node of one Function.apply call: calls the user's backward on Tensors."""

    def __init__(self, function: type[Function], ctx: FunctionCtx, edges: tuple, num_outputs: int) -> None:
        super().__init__(edges, num_outputs)
        self.function = function  # the Function subclass (per node: classes may share a name)
        self.ctx = ctx
        self.arg_is_tensor: list[bool] = []
        self.arg_meta: list[Meta] = []  # per forward argument; None for non-tensors
        self.out_meta: list[tuple[tuple[int, ...], dtype | None]] = []
        self.saved_list: list[tuple[SavedValue, Tensor] | None] = []

    def __getattr__(self, name: str) -> Any:
        """torch's node *is* the ctx: attributes set on ctx (and saved_tensors) read through the node."""
        if name == "ctx":
            raise AttributeError(name)
        return getattr(self.ctx, name)

    def saved_tensor(self, i: int) -> Any:
        entry = self.saved_list[i]
        if entry is None:
            return None
        saved, tensor = entry
        saved.unpack(self)
        return tensor

    def release(self) -> None:
        if self.saved_list:
            self.saved_list = []
            self._released = True

    def _grad_tensor(
        self, grad: np.ndarray | None, meta: tuple[tuple[int, ...], dtype | None]
    ) -> Tensor | None:
        """An output's gradient as a Tensor; a missing one is zeros unless set_materialize_grads(False)."""
        shape, dtype = meta
        if grad is None:
            if dtype is None or not self.ctx.materialize_grads:
                return None
            grad = np.zeros(shape, dtype.np)
        return Tensor.wrap(grad, dtype)

    def apply(self, grads: Grads) -> Grads:
        grad_tensors = [self._grad_tensor(g, meta) for g, meta in zip(grads, self.out_meta, strict=True)]
        name = type(self).__name__
        with no_grad():
            result = self.function.backward(self.ctx, *grad_tensors)
        result = result if isinstance(result, tuple) else (result,)
        if len(result) != len(self.arg_is_tensor):
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients "
                f"(expected {len(self.arg_is_tensor)}, got {len(result)})"
            )
        out: Grads = []
        for i, (grad, meta) in enumerate(zip(result, self.arg_meta, strict=True)):
            if meta is None:
                continue  # not a tensor argument: no edge
            if grad is None:
                out.append(None)
                continue
            shape = meta[0]
            if tuple(grad.shape) != shape and not _expandable(shape, tuple(grad.shape)):
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {i} - got "
                    f"{list(grad.shape)} but expected shape compatible with {list(shape)}"
                )
            out.append(grad._data)
        return out


def _expandable(shape: tuple[int, ...], grad_shape: tuple[int, ...]) -> bool:
    """Whether a gradient of `grad_shape` can be summed back to `shape` (torch's is_expandable_to)."""
    if len(shape) > len(grad_shape):
        return False
    return all(s == g or s == 1 for s, g in zip(reversed(shape), reversed(grad_shape), strict=False))


class Function:
    """torch.autograd.Function: subclass with static `forward(ctx, ...)` and `backward(ctx, ...)`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all static, so you "
            "should invoke them on the class itself. Instantiating an autograd function will raise an error "
            "in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function "
            "to use it with backward mode AD."
        )

    @classmethod
    def apply(cls, *args: Any) -> Any:
        ctx = FunctionCtx()
        is_tensor = [isinstance(a, Tensor) for a in args]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = is_grad_enabled() and any(ctx.needs_input_grad)
        with no_grad():
            output = cls.forward(ctx, *args)
        outputs = output if isinstance(output, tuple) else (output,)
        # an output that is an input comes back as a view of it (torch)
        outputs = tuple(
            o.as_strided_view(tuple(o.shape), o.stride(), o.storage_offset())
            if isinstance(o, Tensor) and any(o is a for a in args)
            else o
            for o in outputs
        )
        if record:
            non_diff = ctx.non_differentiable
            edges = tuple(gradient_edge(a) for a, t in zip(args, is_tensor, strict=True) if t)
            node = node_class(f"{cls.__name__}Backward", BackwardNode)(cls, ctx, edges, len(outputs))
            node.arg_is_tensor = is_tensor
            node.arg_meta = [
                (tuple(a.shape), a.dtype.np) if t else None for a, t in zip(args, is_tensor, strict=True)
            ]
            node.input_meta = [m for m in node.arg_meta if m is not None]
            node.out_meta = [
                (tuple(o.shape), o.dtype) if isinstance(o, Tensor) else ((), None) for o in outputs
            ]
            ctx._node = node
            node.saved_list = [
                None if t is None else (SavedValue(None, t, is_output=any(t is o for o in outputs)), t)
                for t in ctx._to_save
            ]
            for nr, o in enumerate(outputs):
                if isinstance(o, Tensor) and id(o) not in non_diff and o.dtype.category >= FLOATING:
                    o.grad_fn, o._output_nr, o._requires_grad = node, nr, True
        return outputs if isinstance(output, tuple) else outputs[0]


__all__ = ["Function", "FunctionCtx"]
