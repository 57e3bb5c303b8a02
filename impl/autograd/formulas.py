"""Derivative formulas: what an op row declares about its backward (impl's derivatives.yaml entries).

A row's `derivative` is one of:

- `Formula(node, **inputs)`: torch's grad_fn class name (checked against torch 2.13 with
  `type(y.grad_fn).__name__` in tests/impl/test_autograd.py) and, per input in torch's argument
  order, the saved values its vector-Jacobian product reads and the product itself,
  `vjp(grad, s) -> ndarray` on NumPy arrays (None: the input is not differentiable). `s` gives
  the saved values by name (`s.self`, `s.other`, `s.result`), the op's attributes (`s.dim`,
  `s.alpha`, ...) and the input sizes (`s.self_sizes`).
- `Overloads(select, {aten overload: Formula})`: ops whose node depends on the overload
  (sum vs sum.dim_IntList, pow's three forms), `select(inputs, attrs)` names the overload.
- `TensorListFormula(node, split)`: cat/stack (a list of tensors in, one gradient each).
- `MultiOutputFormula(node, join)`: unbind/split (several outputs, one input).
- `AS_STRIDED`: as_strided (the gradient scatters back through the storage positions).

A row without a derivative records no history: its results are not floating (comparisons,
argmax) or torch records none. `not_implemented(op)` is torch's marker for a derivative it
lacks: the node exists and its backward raises.

A value listed as saved is what torch saves as a tensor (a Python-scalar operand counts: torch
wraps it): it is released after a backward without retain_graph, and a second backward through
the node then raises. Sizes and attributes are not tensors and survive. Gradients are summed
back over broadcast dimensions and cast to the input's dtype by the engine, not here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from impl.autograd.graph import (
    VJP,
    Attrs,
    Edge,
    FormulaNode,
    Meta,
    MultiOutputNode,
    Node,
    SavedValue,
    TensorListNode,
    gradient_edge,
    meta,
    node_class,
    positions_within,
    scatter_add,
)
from impl.tensor import Tensor

NO_EDGE = (None, 0)


class InputGrad(NamedTuple):
    """The saved values one input's VJP reads (names) and the VJP itself."""

    saves: tuple[str, ...]
    vjp: VJP


class Formula:
    """One aten overload's derivative: node name, input names, per-input saved values and VJPs."""

    __slots__ = ("cls", "grads", "inputs", "node", "outputs", "plan", "sources", "vjps")

    def __init__(
        self, node: str, /, *, outputs: tuple[str, ...] = ("result",), **inputs: tuple[str, VJP] | None
    ) -> None:
        """`Formula("MulBackward0", self=("other", vjp), other=("self", vjp))`; None: not differentiable.
        outputs: the names of the op's outputs a VJP may read (max.dim: values, indices)."""
        self.node = node
        self.inputs = tuple(inputs)
        self.grads = {k: InputGrad(tuple(v[0].split()), v[1]) for k, v in inputs.items() if v is not None}
        self.vjps = tuple(g.vjp for g in self.grads.values())
        self.outputs = outputs
        self.cls = node_class(node, FormulaNode)
        # per input, in order: its name, the attribute its sizes are kept under, its InputGrad (or None)
        self.plan = tuple((name, name + "_sizes", self.grads.get(name)) for name in self.inputs)
        # where each saved name comes from: an output, an input (by position), or the op's attributes
        self.sources: dict[str, tuple[str, int]] = {}
        for grad in self.grads.values():
            for name in grad.saves:
                if name in outputs:
                    self.sources[name] = ("output", outputs.index(name))
                elif name in self.inputs:
                    self.sources[name] = ("input", self.inputs.index(name))
                else:
                    self.sources[name] = ("attribute", 0)

    def make_node(
        self, out: Any, inputs: Sequence[Any], attrs: dict[str, Any], overwritten: Tensor | None
    ) -> Node:
        """The node for one call. `overwritten`: an input an in-place op is about to write, whose
        original values a saving VJP needs (torch's original_self): it is saved as a copy."""
        values = dict(attrs)  # the node's attributes: the op's, plus input sizes and scalar operands
        edges: list[Edge] = []
        input_meta: list[Meta] = []
        saves: list[str] = []
        for (name, sizes, grad), x in zip(self.plan, inputs, strict=False):  # trailing inputs may be left out
            if isinstance(x, Tensor):
                values[sizes] = x._data.shape
                if grad is not None:
                    input_meta.append((x._data.shape, x._dtype.np))
                    if x._requires_grad:
                        edges.append(gradient_edge(x))
                        saves += grad.saves
                    else:
                        edges.append(NO_EDGE)
            else:
                values[name] = x  # a Python scalar (torch's Scalar argument) or None
                if grad is not None:  # a number has no gradient: no edge
                    input_meta.append(None)
                    edges.append(NO_EDGE)
        for _, _, grad in self.plan[len(inputs) :]:
            if grad is not None:
                input_meta.append(None)
                edges.append(NO_EDGE)
        node: Node = self.cls(self.vjps, tuple(edges), values, input_meta)
        for name in dict.fromkeys(saves) if len(saves) > 1 else saves:
            node._saved[name] = self._saved_value(name, inputs, out, attrs, overwritten)
        return node

    def _saved_value(
        self, name: str, inputs: Sequence[Any], out: Any, attrs: dict[str, Any], overwritten: Tensor | None
    ) -> SavedValue:
        """Save one value as torch does: outputs and inputs with their versions, scalars as they are."""
        kind, index = self.sources[name]
        if kind == "output":
            return SavedValue(None, out[index] if isinstance(out, tuple) else out, is_output=True)
        if kind == "attribute":
            return SavedValue(attrs[name])  # an attribute torch saves as a tensor (an indexing key)
        x = inputs[index]
        if isinstance(x, Tensor):
            return SavedValue(x._data.copy() if x is overwritten else None, x)
        return SavedValue(x)  # a Python scalar operand, wrapped and saved by torch

    def node_names(self) -> Iterator[str]:
        yield self.node


class Overloads:
    """An op whose node depends on the aten overload that the call resolves to."""

    __slots__ = ("formulas", "select")

    def __init__(
        self, select: Callable[[Sequence[Any], dict[str, Any]], str], formulas: dict[str, Formula]
    ) -> None:
        self.select = select
        self.formulas = formulas

    def make_node(
        self, out: Any, inputs: Sequence[Any], attrs: dict[str, Any], overwritten: Tensor | None
    ) -> Node:
        return self.formulas[self.select(inputs, attrs)].make_node(out, inputs, attrs, overwritten)

    def node_names(self) -> Iterator[str]:
        for formula in self.formulas.values():
            yield formula.node


class TensorListFormula:
    """cat/stack: the inputs are one list of tensors; `split(grad, s)` cuts each one's gradient."""

    __slots__ = ("node", "split")

    def __init__(self, node: str, split: Callable[[np.ndarray, Attrs], list[np.ndarray]]) -> None:
        self.node = node
        self.split = split

    def make_node(
        self, out: Any, inputs: Sequence[Any], attrs: dict[str, Any], overwritten: Tensor | None
    ) -> Node:
        edges = tuple(gradient_edge(t) if t._requires_grad else NO_EDGE for t in inputs)
        node: Node = node_class(self.node, TensorListNode)(
            self.split, edges, {**attrs, "tensors_sizes": [t._data.shape for t in inputs]}
        )
        node.input_meta = [meta(t) for t in inputs]
        return node

    def node_names(self) -> Iterator[str]:
        yield self.node


class MultiOutputFormula:
    """unbind/split: one input, several outputs; `join(grads, s)` makes the input's gradient."""

    __slots__ = ("join", "node")

    def __init__(self, node: str, join: Callable[[list[np.ndarray], Attrs], np.ndarray]) -> None:
        self.node = node
        self.join = join

    def make_node(
        self, out: Any, inputs: Sequence[Any], attrs: dict[str, Any], overwritten: Tensor | None
    ) -> Node:
        node: Node = node_class(self.node, MultiOutputNode)(
            self.join, (gradient_edge(inputs[0]),), attrs, [o._data.shape for o in out]
        )
        node.input_meta = [meta(inputs[0])]
        return node

    def node_names(self) -> Iterator[str]:
        yield self.node


class AsStridedFormula:
    """as_strided: the gradient of each storage position the view reads goes back to the input's
    element at that position (torch's AsStridedBackward0; AsStridedBackward1 for as_strided_)."""

    __slots__ = ("node",)

    def __init__(self, node: str) -> None:
        self.node = node

    def make_node(
        self, out: Any, inputs: Sequence[Any], attrs: dict[str, Any], overwritten: Tensor | None
    ) -> Node:
        (t,) = inputs
        positions = positions_within(out, t)
        if (positions < 0).any():
            raise NotImplementedError("impl.autograd: as_strided reaching outside its input is not modelled")
        shape = t._data.shape
        return Formula(self.node, self=("", lambda g, s: scatter_add(g, positions, shape))).make_node(
            out, inputs, attrs, overwritten
        )

    def node_names(self) -> Iterator[str]:
        yield self.node


AS_STRIDED = AsStridedFormula("AsStridedBackward0")
Derivative = Formula | Overloads | TensorListFormula | MultiOutputFormula | AsStridedFormula


def not_implemented(op: str) -> VJP:
    """torch's not_implemented("op") formula: the node is recorded and its backward raises."""

    def vjp(grad: np.ndarray, s: Any) -> np.ndarray:
        raise RuntimeError(f"derivative for aten::{op} is not implemented")

    return vjp


# --- helpers that formulas share (on NumPy arrays) --------------------------------------------------


def conj(x: Any) -> Any:
    """x.conj() for complex values; real values unchanged (torch's formulas conjugate saved values)."""
    dtype = getattr(x, "dtype", None)
    is_complex = dtype.kind == "c" if dtype is not None else isinstance(x, complex)
    return np.conj(x) if is_complex else x


def maybe_multiply(g: np.ndarray, alpha: Any) -> np.ndarray:
    """torch's maybe_multiply: g * alpha, skipped when alpha is a real (non-complex) 1."""
    return g if not isinstance(alpha, complex) and alpha == 1 else g * alpha


def identity(g: np.ndarray, s: Any) -> np.ndarray:
    return g


def zeros(g: np.ndarray, s: Any) -> np.ndarray:
    return np.zeros_like(g)


def reshape_back(g: np.ndarray, s: Any) -> np.ndarray:
    """The gradient of a view that only regroups elements: reshaped to the input's sizes."""
    return np.reshape(g, s.self_sizes)
