"""The autograd graph: nodes and the values they save.

torch's model (torch/csrc/autograd): every differentiable result points to the node that
made it (`grad_fn`, plus which output of that node it is, `_output_nr`); a node has
`next_functions`, one edge per input (`(None, 0)` for inputs that need no gradient); a
leaf that requires grad is reached through its `AccumulateGrad` node. A node keeps what
its VJP needs as saved values, each remembering the version of the tensor it came from;
running the node checks those versions, and a backward without retain_graph releases
them, so a second run raises. impl/autograd/engine.py runs the graph.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from impl.tensor import Tensor, VersionCounter, strided

if TYPE_CHECKING:
    from impl.dtypes import dtype

Grads = list[np.ndarray | None]
Edge = tuple["Node | None", int]
Meta = tuple[tuple[int, ...], np.dtype] | None  # an input's (shape, NumPy dtype): its gradient's form
VJP = Callable[[np.ndarray, Any], Any]

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they "
    "have already been freed). Saved intermediate values of the graph are freed when you call .backward() "
    "or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time "
    "or if you need to access saved tensors after calling backward."
)
_HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
    "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
)

_sequence = itertools.count()
CPP_NODES = frozenset({"CopySlices", "CopyBackwards"})  # torch's hand-written nodes (not generated ones)


def forward_op_name(node: Node) -> str:
    """torch's Node::forward_op_name, which the version-counter message prints: node.name() without a
    'Backward<digits>' suffix, keeping digits other than 0 ('ExpBackward0' -> 'Exp', 'FillBackward2'
    -> 'Fill2'); a name without that suffix unchanged ('torch::autograd::CopySlices')."""
    return re.sub(r"Backward(\d*)$", lambda m: "" if m[1] in ("", "0") else m[1], node.name())


class SavedValue:
    """One value a node saved: the array (a live view for tensors), and the version it had then.

    torch's SavedVariable: for a saved *output* the node is the one that produced it;
    for a saved input the message names the input's current grad_fn.
    """

    __slots__ = ("data", "dtype", "is_output", "tensor", "vc", "version")

    def __init__(self, value: Any, tensor: Tensor | None = None, is_output: bool = False) -> None:
        """value: a Python scalar operand (no tensor; torch wraps it, it has no version counter),
        or None to save `tensor`'s live elements, or a copy of them (`tensor` still versioned)."""
        self.tensor = None if is_output else tensor  # an output would make a reference cycle
        self.is_output = is_output
        self.vc: VersionCounter | None
        self.dtype: dtype | None
        if tensor is None:
            self.data, self.vc, self.version, self.dtype = value, None, 0, None
        else:
            data = tensor._data if value is None else value
            self.data, self.vc, self.version, self.dtype = data, tensor._vc, tensor._vc.value, tensor._dtype

    def unpack(self, node: Node) -> Any:
        """The saved array, after torch's version check."""
        if self.vc is not None and self.vc.value != self.version:
            assert self.dtype is not None
            shape = ", ".join(map(str, self.data.shape))
            where = ""
            source = node if self.is_output else (self.tensor.grad_fn if self.tensor is not None else None)
            if source is not None:
                where = f", which is output 0 of {forward_op_name(source)},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: [torch.{self.dtype.scalar_type}Tensor [{shape}]]{where} is at version "
                f"{self.vc.value}; expected version {self.version} instead. {_HINT}"
            )
        return self.data


class Node:
    """A grad_fn. Subclasses exist per torch name (MulBackward0, ...), made by `node_class`."""

    __slots__ = (
        "__weakref__",
        "_released",
        "_retained",
        "_saved",
        "_sequence_nr",
        "input_meta",
        "next_functions",
        "num_outputs",
    )

    def __init__(self, next_functions: tuple[Edge, ...], num_outputs: int = 1) -> None:
        self.next_functions = next_functions
        self.num_outputs = num_outputs
        self._saved: dict[str, SavedValue] = {}
        self._released = False
        self._sequence_nr: float = next(_sequence)
        self._retained: dict[int, Tensor] | None = None  # output_nr -> tensor whose .grad retain_grad() fills
        self.input_meta: list[Meta] = []  # per edge: the form its gradient is fitted to

    def retain(self, output_nr: int, t: Tensor) -> None:
        """retain_grad(): fill `t.grad` with the gradient of this node's output `output_nr`."""
        if self._retained is None:
            self._retained = {}
        self._retained[output_nr] = t

    def unretain(self, output_nr: int) -> None:
        if self._retained:
            self._retained.pop(output_nr, None)

    def name(self) -> str:
        """torch's Node::name(): the class name; a node torch writes by hand in C++ (CopySlices,
        CopyBackwards) reports its qualified C++ name."""
        name = type(self).__name__
        return f"torch::autograd::{name}" if name in CPP_NODES else name

    def save(self, name: str, value: Any, tensor: Tensor | None = None, is_output: bool = False) -> None:
        self._saved[name] = SavedValue(value, tensor, is_output)

    def unpack_saved(self, into: dict[str, Any]) -> dict[str, Any]:
        """The saved arrays by name, added to `into`; torch's error if a backward without
        retain_graph freed them."""
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        for name, saved in self._saved.items():
            into[name] = saved.unpack(self)
        return into

    def release(self) -> None:
        """Free the saved values (backward without retain_graph). A node that saved nothing stays usable."""
        if self._saved:
            self._saved = {}
            self._released = True

    def apply(self, grads: Grads) -> Grads:
        """The gradients for each next edge, given the gradients of this node's outputs."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"


_NODE_CLASSES: dict[tuple[str, type], type] = {}


def node_class(name: str, base: type[Node] = Node) -> Any:
    """The Node subclass named as torch names the node (so `type(t.grad_fn).__name__` matches)."""
    cls = _NODE_CLASSES.get((name, base))
    if cls is None:
        namespace = {"__module__": "impl.autograd", "__slots__": ()}
        cls = _NODE_CLASSES[(name, base)] = type(name, (base,), namespace)
    return cls


class Attrs:
    """What a VJP reads as `s.<name>`: saved arrays, op attributes, input sizes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values  # taken over, not copied: callers pass a dict of their own

    def __getattr__(self, name: str) -> Any:  # attributes the op did not pass default to None
        return None


class FormulaNode(Node):
    """A node for a built-in op: one VJP per differentiable input (a Formula's, see formulas.py)."""

    __slots__ = ("attrs", "vjps")

    def __init__(
        self,
        vjps: tuple[VJP, ...],
        next_functions: tuple[Edge, ...],
        attrs: dict[str, Any],
        input_meta: list[Meta],
    ) -> None:
        Node.__init__(self, next_functions)
        self.vjps = vjps
        self.attrs = attrs
        self.input_meta = input_meta

    def apply(self, grads: Grads) -> Grads:
        s = Attrs(self.unpack_saved(dict(self.attrs)))
        grad = grads[0]
        assert grad is not None  # the engine applies a node only when a gradient reached it
        return [
            vjp(grad, s) if edge[0] is not None else None
            for vjp, edge in zip(self.vjps, self.next_functions, strict=True)
        ]


class TensorListNode(Node):
    """cat/stack: one gradient per tensor of the input list, cut from the output's by `split`."""

    __slots__ = ("attrs", "split")

    def __init__(
        self,
        split: Callable[[np.ndarray, Attrs], list[np.ndarray]],
        next_functions: tuple[Edge, ...],
        attrs: dict[str, Any],
    ) -> None:
        super().__init__(next_functions)
        self.split = split
        self.attrs = attrs

    def apply(self, grads: Grads) -> Grads:
        assert grads[0] is not None
        parts = self.split(grads[0], Attrs(dict(self.attrs)))
        return [
            p if edge[0] is not None else None for p, edge in zip(parts, self.next_functions, strict=True)
        ]


class MultiOutputNode(Node):
    """unbind/split: several outputs; missing output gradients count as zeros, `join` makes the input's."""

    __slots__ = ("attrs", "join", "out_shapes")

    def __init__(
        self,
        join: Callable[[list[np.ndarray], Attrs], np.ndarray],
        next_functions: tuple[Edge, ...],
        attrs: dict[str, Any],
        out_shapes: list[tuple[int, ...]],
    ) -> None:
        super().__init__(next_functions, num_outputs=len(out_shapes))
        self.join = join
        self.attrs = attrs
        self.out_shapes = out_shapes

    def apply(self, grads: Grads) -> Grads:
        dtype = next(g.dtype for g in grads if g is not None)
        full = [
            np.zeros(shape, dtype) if g is None else g
            for g, shape in zip(grads, self.out_shapes, strict=True)
        ]
        return [self.join(full, Attrs(dict(self.attrs)))]


def storage_positions(t: Tensor) -> np.ndarray:
    """For each element of `t`, its index in the flat storage (from size, stride, storage_offset)."""
    return strided(np.arange(t._storage.size), tuple(t.shape), t._strides, t._offset)


def positions_within(view: Tensor, base: Tensor) -> np.ndarray:
    """For each element of `view`, the flat (row-major) index of the same element in `base`;
    -1 where `view` reaches storage that `base` does not cover."""
    inverse = np.full(base._storage.size, -1, dtype=np.int64)
    inverse[storage_positions(base).reshape(-1)] = np.arange(base.numel())
    return inverse[storage_positions(view)]


def scatter_add(grad: np.ndarray, positions: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A gradient of `shape` holding `grad` summed at the flat `positions` (a view's backward)."""
    out = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=grad.dtype)
    np.add.at(out, positions, grad)
    return out.reshape(shape)


class CopySlices(Node):
    """torch's CopySlices: the base's history after an in-place op wrote into one of its views.

    Backward: the base's gradient passes through unchanged outside the view; inside it, the
    in-place op's own node (`fn`) turns the view's part into gradients for the view's old
    values and for the op's other inputs.
    """

    __slots__ = ("fn", "positions")

    def __init__(self, base_edge: Edge, fn: Node, positions: np.ndarray, base_meta: Meta) -> None:
        super().__init__((base_edge, *fn.next_functions[1:]))
        self.fn = fn
        self.positions = positions
        self.input_meta = [base_meta, *fn.input_meta[1:]]

    def apply(self, grads: Grads) -> Grads:
        result = np.array(grads[0])
        flat = result.reshape(-1)
        res = self.fn.apply([flat[self.positions].copy()])
        own = fit_gradient(res[0], self.fn.input_meta[0]) if res[0] is not None else 0
        flat[self.positions] = own
        return [result, *res[1:]]

    def release(self) -> None:
        self.fn.release()

    @property
    def _released(self) -> bool:
        return self.fn._released

    @_released.setter
    def _released(self, value: bool) -> None:
        pass


class AsStridedBackward0(Node):
    """A view's history regenerated from its base's (torch names it AsStridedBackward0)."""

    __slots__ = ("positions",)

    def __init__(self, base_edge: Edge, positions: np.ndarray, base_meta: Meta) -> None:
        super().__init__((base_edge,))
        self.positions = positions
        self.input_meta = [base_meta]

    def apply(self, grads: Grads) -> Grads:
        meta = self.input_meta[0]
        assert grads[0] is not None and meta is not None
        return [scatter_add(grads[0], self.positions, meta[0])]


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient into `variable.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        super().__init__(())
        self.variable = variable
        self._sequence_nr = float("inf")  # torch runs AccumulateGrad as soon as it is ready

    def accumulate(self, grad: np.ndarray) -> None:
        """torch: the first gradient becomes .grad (a new tensor); later ones are added in place."""
        t = self.variable
        if t.grad is None:
            t.grad = Tensor.wrap(np.array(grad, dtype=t.dtype.np), t.dtype)
        else:
            t.grad._data[...] += grad.astype(t.grad._data.dtype, copy=False)
            t.grad._vc.bump()


def gradient_edge(t: Tensor) -> Edge:
    """The edge a gradient for tensor `t` travels: its grad_fn output, or its leaf's accumulator
    (one per leaf, made on first use and kept on the tensor, as torch does)."""
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    if t._requires_grad:
        if t._grad_accumulator is None:
            t._grad_accumulator = AccumulateGrad(t)
        return t._grad_accumulator, 0
    return None, 0


def meta(t: Tensor) -> Meta:
    return t._data.shape, t._dtype.np


def fit_gradient(grad: np.ndarray, meta: Meta) -> np.ndarray:
    """torch's validate_outputs: sum a broadcast gradient to the input's shape, cast to its dtype."""
    if meta is None:
        return grad
    shape, dtype = meta
    if grad.shape != shape:
        grad = sum_to(np.asarray(grad), shape)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """torch's sum_to: reduce a broadcast gradient back to `shape` (leading dims, then size-1 dims)."""
    grad = np.asarray(grad)
    if grad.shape == tuple(shape):
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and grad.shape[lead + i] != 1
    )
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)
