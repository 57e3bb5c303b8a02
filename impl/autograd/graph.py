"""The autograd graph: nodes, saved values, and the engine that runs backward.

torch's model (torch/csrc/autograd): every differentiable result points to the
node that made it (`grad_fn`, plus which output of that node it is); a node has
`next_functions`, one edge per input (None for inputs that need no gradient);
a leaf that requires grad is reached through its `AccumulateGrad` node. A node
keeps what its VJP needs as saved values, each remembering the version of the
tensor it came from; running the node checks those versions, and a backward
without retain_graph releases them, so a second run raises. The engine runs the
nodes reachable from the roots in dependency order (ties: newest node first, as
torch's sequence numbers do), summing the gradients that reach each input.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from impl.autograd import derivatives
from impl.autograd.derivatives import Rule

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


def type_string(t: Any) -> str:
    """torch's legacy type name used in messages: torch.FloatTensor, torch.DoubleTensor, ..."""
    return f"torch.{t.dtype.scalar_type}Tensor"


def short_name(node: Any) -> str:
    """The node name torch 2.13 prints in the version-counter message: 'ExpBackward0' -> 'Exp'."""
    return re.sub(r"Backward\d*$", "", type(node).__name__)


class SavedValue:
    """One value a node saved: the array (a live view for tensors), and the version it had then.

    torch's SavedVariable: for a saved *output* the node is the one that produced it;
    for a saved input the message names the input's current grad_fn.
    """

    __slots__ = ("data", "dtype", "is_output", "tensor", "vc", "version")

    def __init__(self, value: Any, tensor: Any = None, is_output: bool = False) -> None:
        """value: a Python scalar operand (no tensor; torch wraps it, it has no version counter),
        or None to save `tensor`'s live elements, or a copy of them (`tensor` still versioned)."""
        self.tensor = None if is_output else tensor  # an output would make a reference cycle
        self.is_output = is_output
        if tensor is None:
            self.data, self.vc, self.version, self.dtype = value, None, 0, None
        else:
            data = tensor._data if value is None else value
            self.data, self.vc, self.version, self.dtype = data, tensor._vc, tensor._vc.value, tensor._dtype

    def unpack(self, node: Node) -> Any:
        """The saved array, after torch's version check."""
        if self.vc is not None and self.vc.value != self.version:
            shape = ", ".join(map(str, self.data.shape))
            where = ""
            source = node if self.is_output else (self.tensor.grad_fn if self.tensor is not None else None)
            if source is not None:
                where = f", which is output 0 of {short_name(source)},"
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

    def __init__(self, next_functions: tuple[tuple[Node | None, int], ...], num_outputs: int = 1) -> None:
        self.next_functions = next_functions
        self.num_outputs = num_outputs
        self._saved: dict[str, SavedValue] = {}
        self._released = False
        self._sequence_nr = next(_sequence)
        self._retained: dict[int, Any] | None = None  # output_nr -> tensor whose .grad retain_grad() fills
        self.input_meta: list[tuple[tuple[int, ...], Any] | None] = []  # (shape, np dtype) per edge

    def retain(self, output_nr: int, t: Any) -> None:
        """retain_grad(): fill `t.grad` with the gradient of this node's output `output_nr`."""
        if self._retained is None:
            self._retained = {}
        self._retained[output_nr] = t

    def unretain(self, output_nr: int) -> None:
        if self._retained:
            self._retained.pop(output_nr, None)

    def name(self) -> str:
        return type(self).__name__

    def save(self, name: str, value: Any, tensor: Any = None, is_output: bool = False) -> None:
        self._saved[name] = SavedValue(value, tensor, is_output)

    def unpack_saved(self, into: dict[str, Any] | None = None) -> dict[str, Any]:
        """The saved arrays by name (added to `into` when given); torch's error if a backward
        without retain_graph freed them."""
        if self._released:
            raise RuntimeError(FREED_MESSAGE)
        unpacked = {} if into is None else into
        for name, saved in self._saved.items():
            unpacked[name] = saved.unpack(self)
        return unpacked

    def release(self) -> None:
        """Free the saved values (backward without retain_graph). A node that saved nothing stays usable."""
        if self._saved:
            self._saved = {}
            self._released = True

    def apply(self, grads: list[np.ndarray | None]) -> list[np.ndarray | None]:
        """The gradients for each next edge, given the gradients of this node's outputs."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"


_NODE_CLASSES: dict[tuple[str, type], type] = {}


def node_class(name: str, base: type = Node) -> type:
    """The Node subclass named as torch names the node (so `type(t.grad_fn).__name__` matches)."""
    cls = _NODE_CLASSES.get((name, base))
    if cls is None:
        namespace = {"__module__": "impl.autograd", "__slots__": ()}
        cls = _NODE_CLASSES[(name, base)] = type(name, (base,), namespace)
    return cls


class _Attrs:
    """What a VJP reads as `s.<name>`: saved arrays, op attributes, input sizes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values  # taken over, not copied: callers pass a dict of their own

    def __getattr__(self, name: str) -> Any:  # attributes the op did not pass default to None
        return None


class OpNode(Node):
    """A node for a built-in op, driven by its row of the derivative table."""

    __slots__ = ("attrs", "rule")

    def __init__(self, rule: Rule, next_functions: tuple, attrs: dict[str, Any]) -> None:
        Node.__init__(self, next_functions)
        self.rule = rule
        self.attrs = attrs

    def apply(self, grads: list[np.ndarray | None]) -> list[np.ndarray | None]:
        s = _Attrs(self.unpack_saved(into=dict(self.attrs)))
        grad = grads[0]
        return [
            input_rule.vjp(grad, s) if edge[0] is not None else None
            for input_rule, edge in zip(self.rule.grads.values(), self.next_functions, strict=True)
        ]


class ListNode(Node):
    """cat/stack: one gradient per tensor of the input list (tensor-list ops)."""

    __slots__ = ("attrs",)

    def __init__(self, next_functions: tuple, attrs: dict[str, Any]) -> None:
        super().__init__(next_functions)
        self.attrs = attrs

    def apply(self, grads: list[np.ndarray | None]) -> list[np.ndarray | None]:
        parts = derivatives._split_grads(grads[0], _Attrs(dict(self.attrs)))
        return [
            p if edge[0] is not None else None for p, edge in zip(parts, self.next_functions, strict=True)
        ]


class MultiOutputNode(Node):
    """unbind/split: outputs are slices along `dim`; missing output gradients count as zeros."""

    __slots__ = ("attrs", "out_shapes")

    def __init__(
        self, next_functions: tuple, attrs: dict[str, Any], out_shapes: list[tuple[int, ...]]
    ) -> None:
        super().__init__(next_functions, num_outputs=len(out_shapes))
        self.attrs = attrs
        self.out_shapes = out_shapes

    def apply(self, grads: list[np.ndarray | None]) -> list[np.ndarray | None]:
        dtype = next(g.dtype for g in grads if g is not None)
        full = [
            np.zeros(shape, dtype) if g is None else g
            for g, shape in zip(grads, self.out_shapes, strict=True)
        ]
        dim = self.attrs.get("dim", 0)
        if self.attrs["op"] == "unbind":
            return [np.stack(full, axis=dim)]
        return [np.concatenate(full, axis=dim)]


def storage_positions(t: Any) -> np.ndarray:
    """For each element of `t`, its index in the flat storage (from size, stride, storage_offset)."""
    from impl.tensor import strided

    return strided(np.arange(t._storage.size), tuple(t.shape), t.stride(), t.storage_offset())


def positions_within(view: Any, base: Any) -> np.ndarray:
    """For each element of `view`, the flat (row-major) index of the same element in `base`."""
    inverse = np.full(base._storage.size, -1, dtype=np.int64)
    inverse[storage_positions(base).reshape(-1)] = np.arange(base.numel())
    return inverse[storage_positions(view)]


class CopySlices(Node):
    """torch's CopySlices: the base's history after an in-place op wrote into one of its views.

    Backward: the base's gradient passes through unchanged outside the view; inside it, the
    in-place op's own node (`fn`) turns the view's part into gradients for the view's old
    values and for the op's other inputs.
    """

    __slots__ = ("fn", "positions")

    def __init__(self, base_edge: tuple, fn: Node, positions: np.ndarray, base_meta: tuple) -> None:
        super().__init__((base_edge, *fn.next_functions[1:]))
        self.fn = fn
        self.positions = positions
        self.input_meta = [base_meta, *fn.input_meta[1:]]

    def apply(self, grads: list[np.ndarray | None]) -> list[np.ndarray | None]:
        result = np.array(grads[0])
        flat = result.reshape(-1)
        res = self.fn.apply([flat[self.positions].copy()])
        own = fit_gradient(res[0], self.fn.input_meta[0]) if res[0] is not None else 0
        flat[self.positions] = own
        return [result, *res[1:]]

    def release(self) -> None:
        self.fn.release()

    @property
    def _released(self) -> bool:  # type: ignore[override]
        return self.fn._released

    @_released.setter
    def _released(self, value: bool) -> None:
        pass


class AsStridedBackward0(Node):
    """A view's history regenerated from its base's (torch names it AsStridedBackward0)."""

    __slots__ = ("positions",)

    def __init__(self, base_edge: tuple, positions: np.ndarray, base_meta: tuple) -> None:
        super().__init__((base_edge,))
        self.positions = positions
        self.input_meta = [base_meta]

    def apply(self, grads: list[np.ndarray | None]) -> list[np.ndarray | None]:
        shape = self.input_meta[0][0]
        out = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=grads[0].dtype)
        np.add.at(out, self.positions, grads[0])
        return [out.reshape(shape)]


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient into `variable.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        super().__init__(())
        self.variable = variable
        self._sequence_nr = float("inf")  # torch runs AccumulateGrad as soon as it is ready

    def accumulate(self, grad: np.ndarray) -> None:
        """torch: the first gradient becomes .grad (a new tensor); later ones are added in place."""
        t = self.variable
        if t.grad is None:
            t.grad = type(t).wrap(np.array(grad, dtype=t.dtype.np), t.dtype)
        else:
            t.grad._data[...] += grad.astype(t.grad._data.dtype, copy=False)
            t.grad._vc.bump()


def grad_accumulator(t: Any) -> AccumulateGrad:
    """The one AccumulateGrad node of leaf `t` (torch caches it on the tensor)."""
    node = t.__dict__.get("_grad_accumulator")
    if node is None:
        node = t._grad_accumulator = AccumulateGrad(t)
    return node


def gradient_edge(t: Any) -> tuple[Node | None, int]:
    """The edge a gradient for tensor `t` travels: its grad_fn output, or its leaf accumulator."""
    if t.grad_fn is not None:
        return t.grad_fn, t.__dict__.get("_output_nr", 0)
    if t.requires_grad:
        return grad_accumulator(t), 0
    return None, 0


def fit_gradient(grad: np.ndarray, meta: tuple[tuple[int, ...], Any] | None) -> np.ndarray:
    """torch's validate_outputs: sum a broadcast gradient to the input's shape, cast to its dtype."""
    if meta is None:
        return grad
    shape, dtype = meta
    grad = np.asarray(grad)
    if grad.shape != shape:
        grad = derivatives.sum_to(grad, shape)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _reachable_order(roots: list[Node]) -> list[Node]:
    """The nodes reachable from `roots`, children before parents (iterative post-order DFS)."""
    order: list[Node] = []
    seen: set[Node] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack: list[tuple[Node, Any]] = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child, _ in children:
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                order.append(node)
                stack.pop()
    return order


def _reachable(roots: list[Node]) -> list[Node]:
    """The nodes reachable from `roots`, each once, in discovery order (any order that
    _reachable_order's set of nodes would do: only the pruning pass needs children first)."""
    found = list(dict.fromkeys(roots))
    seen = set(found)
    for node in found:  # grows while iterating: a breadth-first walk
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                found.append(child)
    return found


def run_backward(
    root_edges: list[tuple[Node, int]],
    root_grads: list[np.ndarray],
    retain_graph: bool,
    capture: list[tuple[Node, int]] | None = None,
    accumulate_into: set[Node] | None = None,
) -> list[np.ndarray | None]:
    """Run the graph from the roots; return the gradients reaching the `capture` edges.

    accumulate_into: the AccumulateGrad nodes to write into (None = every leaf reached);
    autograd.grad passes an empty set and reads `capture` instead. With targets (capture or
    accumulate_into) only the nodes on a path to a target run, as torch prunes its graph.
    """
    roots = [node for node, _ in root_edges]
    if capture is None and accumulate_into is None:
        order = _reachable(roots)  # fast path: every reachable node runs, no pruning order needed
        needed = set(order)
    else:
        order = _reachable_order(roots)
        targets = {node for node, _ in capture or ()} | accumulate_into
        needed = set()
        for node in order:  # children first, so a parent sees its children's verdict
            if node in targets or any(c in needed for c, _ in node.next_functions):
                needed.add(node)
    deps: dict[Node, int] = {}
    for node in order:
        if node in needed:
            for child, _ in node.next_functions:
                if child in needed:
                    deps[child] = deps.get(child, 0) + 1

    buffers: dict[Node, list[np.ndarray | None]] = {}
    for (node, nr), grad in zip(root_edges, root_grads, strict=True):
        if node in needed:
            buffer = buffers.setdefault(node, [None] * node.num_outputs)
            buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad
    captured: dict[tuple[Node, int], np.ndarray | None] = {}
    capture_keys = set(capture or ())
    tie = itertools.count()  # heap order: newest node first (AccumulateGrad as soon as ready), then FIFO
    ready = [(-node._sequence_nr, next(tie), node) for node in order if node in needed and node not in deps]
    heapq.heapify(ready)
    while ready:
        node = heapq.heappop(ready)[2]
        grads = buffers.pop(node, None)  # None: no gradient reached the node (a buffer holds one)
        if grads is not None and (capture_keys or node._retained):
            for nr, grad in enumerate(grads):
                if (node, nr) in capture_keys:
                    captured[(node, nr)] = grad
                retained = (node._retained or {}).get(nr)
                if retained is not None and grad is not None:
                    _retain(retained, grad)
        if type(node) is AccumulateGrad:
            if grads is not None and (accumulate_into is None or node in accumulate_into):
                node.accumulate(grads[0])
            continue
        if grads is None:
            outputs: list[np.ndarray | None] = [None] * len(node.next_functions)
        else:
            outputs = node.apply(grads)
            if not retain_graph:
                node.release()
        for (child, nr), grad, meta in zip(node.next_functions, outputs, node.input_meta, strict=True):
            if child not in needed:
                continue
            if grad is not None:
                grad = fit_gradient(grad, meta)
                buffer = buffers.get(child)
                if buffer is None:
                    buffer = buffers[child] = [None] * child.num_outputs
                buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad
            deps[child] = waiting = deps[child] - 1
            if waiting == 0:
                heapq.heappush(ready, (-child._sequence_nr, next(tie), child))
    return [captured.get(edge) for edge in capture or ()]


def _retain(t: Any, grad: np.ndarray) -> None:
    """retain_grad(): a non-leaf's .grad is a new tensor the first time, then `grad + new` (out of place)."""
    total = grad if t.grad is None else t.grad._data + grad
    t.grad = type(t).wrap(np.array(total, dtype=t.dtype.np), t.dtype)


def make_op_node(rule: Rule, edges: tuple, attrs: dict[str, Any]) -> OpNode:
    return node_class(rule.name, OpNode)(rule, edges, attrs)


NodeFactory = Callable[..., Node]
