"""The engine: torch.autograd.backward / grad, and running a graph from its roots.

torch's engine (torch/csrc/autograd/engine.cpp), in two steps:

1. plan: find the nodes reachable from the roots that lead to a target (every leaf for
   backward(), the requested tensors for grad() and backward(inputs=...)), and count, for
   each, how many of those nodes feed it a gradient;
2. run: start from the roots; a node runs once every gradient it waits for has arrived
   (ties: newest node first, torch's sequence numbers; AccumulateGrad as soon as it is ready);
   its VJPs' outputs are fitted to each input (summed over broadcast dims, cast) and added
   into the input's buffer.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

import numpy as np

from impl.autograd.graph import AccumulateGrad, Edge, Grads, Node, fit_gradient, gradient_edge
from impl.tensor import Size, Tensor

# --- planning --------------------------------------------------------------------------------------


def _children_first(roots: list[Node]) -> list[Node]:
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
    """The nodes reachable from `roots`, each once, in breadth-first order."""
    found = list(dict.fromkeys(roots))
    seen = set(found)
    for node in found:  # grows while iterating
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                found.append(child)
    return found


def plan(roots: list[Node], targets: set[Node] | None) -> tuple[set[Node], dict[Node, int]]:
    """The nodes that must run (those on a path to a target; every reachable one when targets is
    None), and for each how many of them feed it a gradient."""
    if targets is None:
        needed = set(_reachable(roots))
    else:
        needed = set()
        for node in _children_first(roots):  # a parent sees its children's verdict
            if node in targets or any(c in needed for c, _ in node.next_functions):
                needed.add(node)
    waiting: dict[Node, int] = dict.fromkeys(needed, 0)
    for node in needed:
        for child, _ in node.next_functions:
            if child in needed:
                waiting[child] += 1
    return needed, waiting


# --- running -----------------------------------------------------------------------------------------


def _add(buffers: dict[Node, Grads], node: Node, nr: int, grad: np.ndarray) -> None:
    """Sum a gradient into output `nr` of the node's input buffer."""
    buffer = buffers.get(node)
    if buffer is None:
        buffer = buffers[node] = [None] * node.num_outputs
    current = buffer[nr]
    buffer[nr] = grad if current is None else current + grad


def run_backward(
    root_edges: list[Edge],
    root_grads: list[np.ndarray],
    retain_graph: bool,
    capture: list[Edge] | None = None,
    accumulate_into: set[Node] | None = None,
) -> list[np.ndarray | None]:
    """Run the graph from the roots; return the gradients reaching the `capture` edges.

    accumulate_into: the AccumulateGrad nodes to write into (None: every leaf reached);
    autograd.grad passes an empty set and reads `capture` instead.
    """
    roots = [node for node, _ in root_edges if node is not None]
    targets = None
    if capture is not None or accumulate_into is not None:
        targets = {node for node, _ in capture or () if node is not None} | (accumulate_into or set())
    needed, waiting = plan(roots, targets)
    buffers: dict[Node, Grads] = {}
    for (root, nr), grad in zip(root_edges, root_grads, strict=True):
        if root is not None and root in needed:
            _add(buffers, root, nr, grad)
    watched = set(capture or ())
    captured: dict[Edge, np.ndarray | None] = {}
    tie = itertools.count()  # heap order: newest node first, then first in first out
    ready = [(-node._sequence_nr, next(tie), node) for node, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    while ready:
        node = heapq.heappop(ready)[2]
        grads = buffers.pop(node, None)  # None: no gradient reached the node
        if grads is not None and (watched or node._retained):
            _observe(node, grads, watched, captured)
        if type(node) is AccumulateGrad:
            if (
                grads is not None
                and grads[0] is not None
                and (accumulate_into is None or node in accumulate_into)
            ):
                node.accumulate(grads[0])
            continue
        outputs = node.apply(grads) if grads is not None else [None] * len(node.next_functions)
        if grads is not None and not retain_graph:
            node.release()
        for (child, nr), output, meta in zip(node.next_functions, outputs, node.input_meta, strict=False):
            if child is None or child not in needed:
                continue
            if output is not None:
                _add(buffers, child, nr, fit_gradient(output, meta))
            count = waiting[child] = waiting[child] - 1
            if count == 0:
                heapq.heappush(ready, (-child._sequence_nr, next(tie), child))
    return [captured.get(edge) for edge in capture or ()]


def _observe(node: Node, grads: Grads, watched: set[Edge], captured: dict[Edge, np.ndarray | None]) -> None:
    """The gradients of a node's outputs that grad() asked for, or that retain_grad() keeps."""
    for nr, grad in enumerate(grads):
        if (node, nr) in watched:
            captured[(node, nr)] = grad
        retained = (node._retained or {}).get(nr)
        if retained is not None and grad is not None:
            accumulate_non_leaf(retained, grad)


def accumulate_non_leaf(t: Tensor, grad: np.ndarray) -> None:
    """A non-leaf's .grad (retain_grad(), backward(inputs=...)): a new tensor the first time, then
    `grad + new` (out of place, unlike a leaf's)."""
    total = grad if t.grad is None else t.grad._data + grad
    t.grad = Tensor.wrap(np.array(total, dtype=t.dtype.np), t.dtype)


# --- torch.autograd.backward and grad ------------------------------------------------------------


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, list | tuple) else [x]


def _root_grads(outputs: list[Tensor], grad_outputs: list[Any]) -> list[np.ndarray]:
    """torch's _make_grads: ones for scalar outputs, else the given gradients, shape-checked."""
    if len(grad_outputs) < len(outputs):  # torch's engine; extra gradients are ignored (zip)
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs[: len(outputs)], strict=True)):
        if not isinstance(out, Tensor):
            raise TypeError(
                "backward(): argument 'tensors' must be a Tensor or a sequence of Tensors, "
                f"not {type(out).__name__}"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out.dtype.is_complex:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype!r}"
                )
            grads.append(np.ones(out._data.shape, out.dtype.np))
            continue
        if not isinstance(g, Tensor):
            raise TypeError(f"gradient must be a Tensor or None, not {type(g).__name__}")
        if g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {Size(g.shape)} and "
                f"output[{i}] has a shape of {Size(out.shape)}."
            )
        grads.append(np.asarray(g._data, dtype=out.dtype.np))
    return grads


def _root_edges(outputs: list[Tensor]) -> list[Edge]:
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
    return [gradient_edge(out) for out in outputs]


def _no_create_graph(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError("impl.autograd does not support create_graph=True (higher-order gradients)")


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """torch.autograd.backward / Tensor.backward: accumulate d(tensors)/d(leaf) into each leaf's .grad.

    With `inputs`, only those tensors' .grad are written (non-leaves included) and only the part of
    the graph leading to them runs.
    """
    _no_create_graph(create_graph)
    outputs = _as_list(tensors)
    grads = [None] * len(outputs) if grad_tensors is None else _as_list(grad_tensors)
    root_grads = _root_grads(outputs, grads)
    edges = _root_edges(outputs)
    retain = bool(create_graph if retain_graph is None else retain_graph)
    if inputs is None:
        run_backward(edges, root_grads, retain)
        return
    requested = _tensors(inputs, "backward")
    leaves = {node for t in requested if t.grad_fn is None and (node := gradient_edge(t)[0]) is not None}
    non_leaves = [t for t in requested if t.grad_fn is not None]
    captured = run_backward(
        edges, root_grads, retain, capture=[gradient_edge(t) for t in non_leaves], accumulate_into=leaves
    )
    for t, g in zip(non_leaves, captured, strict=True):
        if g is not None:
            accumulate_non_leaf(t, g)


def _tensors(inputs: Any, caller: str) -> list[Tensor]:
    found = _as_list(inputs)
    if not found:
        raise RuntimeError(f"`inputs` argument to `{caller}()` cannot be empty.")
    for t in found:
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{caller}(): argument 'inputs' must be a Tensor or a sequence of Tensors, "
                f"not {type(t).__name__}"
            )
    return found


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """torch.autograd.grad: the gradients of `outputs` w.r.t. `inputs`, returned, not accumulated."""
    _no_create_graph(create_graph)
    roots = _as_list(outputs)
    requested = _tensors(inputs, "grad")
    grads = [None] * len(roots) if grad_outputs is None else _as_list(grad_outputs)
    root_grads = _root_grads(roots, grads)
    edges = _root_edges(roots)
    if any(not t._requires_grad for t in requested):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    retain = bool(create_graph if retain_graph is None else retain_graph)
    captured = run_backward(
        edges, root_grads, retain, capture=[gradient_edge(t) for t in requested], accumulate_into=set()
    )
    return tuple(
        _returned_grad(i, t, g, allow_unused, materialize_grads)
        for i, (t, g) in enumerate(zip(requested, captured, strict=True))
    )


def _returned_grad(
    i: int, t: Tensor, g: np.ndarray | None, allow_unused: bool | None, materialize: bool
) -> Tensor | None:
    if g is not None:
        return Tensor.wrap(np.array(g, dtype=t.dtype.np), t.dtype)
    if materialize:
        return Tensor.wrap(np.zeros(t._data.shape, t.dtype.np), t.dtype)
    if not allow_unused:
        raise RuntimeError(
            f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
            "Set allow_unused=True if this is the desired behavior."
        )
    return None
