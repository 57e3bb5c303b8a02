"""impl.autograd: torch's reverse-mode autograd on NumPy (torch.autograd's names).

The forward ops in impl call four hooks (the contract with impl/tensor.py and impl/ops.py):
`record(op, out, inputs, **attrs)` after computing a result, `check_inplace(t)` before
writing into `t`, `rebase(t, result)` after an in-place op wrote `result` into `t`, and
`set_requires_grad(t, flag)` for the requires_grad setter, requires_grad_() and factories.
Tensor.backward and Tensor.retain_grad delegate to `backward` and `retain_grad` here.

Modules: derivatives.py (the op -> node name / saved values / VJP table), graph.py (nodes,
saved values, the engine), grad_mode.py (no_grad & co), function.py (autograd.Function).
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from impl.autograd import derivatives, grad_mode
from impl.autograd.function import Function, FunctionCtx
from impl.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from impl.autograd.graph import (
    AsStridedBackward0,
    CopySlices,
    ListNode,
    MultiOutputNode,
    Node,
    gradient_edge,
    make_op_node,
    node_class,
    positions_within,
    run_backward,
)

__all__ = [
    "Function",
    "FunctionCtx",
    "Node",
    "backward",
    "check_inplace",
    "enable_grad",
    "grad",
    "is_grad_enabled",
    "no_grad",
    "rebase",
    "record",
    "retain_grad",
    "set_grad_enabled",
    "set_requires_grad",
]

_FLOATING = 2  # dtype categories: BOOL < INTEGRAL < FLOATING < COMPLEX (impl/dtypes.py)
_ATTR_DEFAULTS: dict[str, Any] = {"alpha": 1}
_inplace_target: Any = None  # the tensor check_inplace cleared for writing; record() copies it if saved


def _is_tensor(x: Any) -> bool:
    return hasattr(x, "_vc")


# --- recording ---------------------------------------------------------------------------------


def record(op: str, out: Any, inputs: tuple[Any, ...], **attrs: Any) -> None:
    """Attach torch's grad_fn for `op` to `out` when grad mode is on and a tensor input requires grad.

    Only floating and complex results get history (an int result of a float op is a leaf).
    An op with no row in the derivative table raises NotImplementedError rather than
    silently producing a tensor that does not require grad.
    """
    outs = out if isinstance(out, tuple) else (out,)
    if grad_mode._enabled:
        for o in outs:
            if o._base is not None:
                _register_view(o)
    if not any(getattr(x, "_requires_grad", False) for x in inputs):  # only tensors have the field
        return
    if not grad_mode._enabled:  # torch: a view made under no_grad still requires grad (with no history)
        if _is_tensor(out) and out._base is not None:
            out._requires_grad = True
        return
    if not any(o._dtype.category >= _FLOATING for o in outs):
        return
    if op in derivatives.TENSOR_LIST_RULES:
        node = _list_node(op, inputs, attrs)
    elif op in derivatives.MULTI_OUTPUT_RULES:
        node = _multi_output_node(op, inputs[0], outs, attrs)
    elif op == "as_strided":
        node = _as_strided_node(inputs[0], out)
    else:
        node = _op_node(op, out, inputs, attrs)
    for nr, o in enumerate(outs):
        if o._dtype.category >= _FLOATING:
            o.grad_fn, o._output_nr, o._requires_grad = node, nr, True
    _clear_inplace_target()


def _clear_inplace_target() -> None:
    global _inplace_target
    _inplace_target = None


def _views_of(base: Any) -> dict[int, weakref.ref]:
    """The live views of `base` made in grad mode, by id: their grad_fn is regenerated when an
    in-place op gives the base new history (torch regenerates them lazily; the result is the same)."""
    views = base.__dict__.get("_autograd_views")
    if views is None:
        views = base._autograd_views = {}
    return views


def _register_view(view: Any) -> None:
    views, key = _views_of(view._base), id(view)
    views[key] = weakref.ref(view, lambda _, views=views, key=key: views.pop(key, None))


def _meta(t: Any) -> tuple[tuple[int, ...], np.dtype]:
    return tuple(t.shape), t.dtype.np


def _as_strided_node(t: Any, out: Any) -> Node:
    positions = positions_within(out, t)
    if (positions < 0).any():
        raise NotImplementedError("impl.autograd: as_strided reaching outside its input is not modelled")
    return AsStridedBackward0(gradient_edge(t), positions, _meta(t))


def _op_node(op: str, out: Any, inputs: tuple[Any, ...], attrs: dict[str, Any]) -> Node:
    key = derivatives.lookup(op, inputs, attrs)
    rule = derivatives.RULES.get(key)
    if rule is None:
        raise NotImplementedError(f"impl.autograd has no derivative for '{op}' (aten '{key}')")
    named = dict(zip(rule.inputs, inputs, strict=False))
    values = {**_ATTR_DEFAULTS, **attrs, "op": op}
    edges, meta, saves = [], [], []
    for name in rule.inputs:
        x = named.get(name)
        is_tensor = _is_tensor(x)
        if is_tensor:  # input sizes; Python scalars are attributes (torch's Scalar args)
            values[f"{name}_sizes"] = x._data.shape
        elif name in named:
            values[name] = x
        input_rule = rule.grads.get(name)
        if input_rule is None:  # not differentiable: no edge
            continue
        meta.append((x._data.shape, x._dtype.np) if is_tensor else None)
        if is_tensor and x._requires_grad:
            edges.append(gradient_edge(x))
            saves.extend(input_rule.saves)
        else:
            edges.append((None, 0))
    node = make_op_node(rule, tuple(edges), values)
    node.input_meta = meta
    for saved in dict.fromkeys(saves):
        _save(node, saved, named, out, values)
    return node


def _save(node: Node, name: str, named: dict[str, Any], out: Any, attrs: dict[str, Any]) -> None:
    """Save one value as torch does: outputs and inputs with their versions, scalars as they are."""
    if name == "result":
        node.save(name, None, out[0] if isinstance(out, tuple) else out, is_output=True)
    elif name in named and _is_tensor(named[name]):
        t = named[name]
        # about to be overwritten in place: keep a copy of the original values (torch: original_self)
        node.save(name, t._data.copy() if t is _inplace_target else None, t)
    elif name in named:
        node.save(name, named[name])  # a Python scalar operand, wrapped and saved by torch
    elif name in attrs:  # an indexing key: its tensors are saved
        from impl.memory import _expand_key, _numpy_key

        node.save(name, _numpy_key(_expand_key(attrs[name])))
    else:  # max/min along a dim save their indices output
        node.save(name, None, out[1], is_output=True)


def _list_node(op: str, tensors: Sequence[Any], attrs: dict[str, Any]) -> Node:
    edges = tuple(gradient_edge(t) if _is_tensor(t) and t._requires_grad else (None, 0) for t in tensors)
    node = node_class(derivatives.TENSOR_LIST_RULES[op], ListNode)(
        edges, {**attrs, "op": op, "tensors_sizes": [tuple(t.shape) for t in tensors]}
    )
    node.input_meta = [(tuple(t.shape), t.dtype.np) for t in tensors]
    return node


def _multi_output_node(op: str, t: Any, outs: tuple[Any, ...], attrs: dict[str, Any]) -> Node:
    node = node_class(derivatives.MULTI_OUTPUT_RULES[op], MultiOutputNode)(
        (gradient_edge(t),), {**attrs, "op": op}, [tuple(o.shape) for o in outs]
    )
    node.input_meta = [(tuple(t.shape), t.dtype.np)]
    return node


# --- in-place ops --------------------------------------------------------------------------------


def check_inplace(t: Any) -> None:
    """torch's checks before writing into `t` in place (grad mode on): not a leaf that requires grad,
    nor a view of one."""
    global _inplace_target
    _inplace_target = None
    if not grad_mode._enabled:
        return
    if t.grad_fn is None and t._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = t._base
    if base is not None and base.grad_fn is None and base._requires_grad and t._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    _inplace_target = t


def rebase(t: Any, result: Any) -> None:
    """After an in-place op wrote `result`'s values into `t`: `t` takes `result`'s history.

    torch's rules: the node's saved result is now `t` at its new version. When `t` is a view,
    its base takes a CopySlices node wrapping the op's node and `t` becomes an
    AsStridedBackward0 of the base; every other live view of the base with history is
    regenerated the same way (torch does it lazily; the result is the same).
    """
    _clear_inplace_target()
    node = result.grad_fn
    if not grad_mode._enabled or node is None:
        return
    for saved in node._saved.values():
        if saved.is_output:  # the op's result is now t itself, at its new version
            saved.data, saved.vc, saved.version = t._data, t._vc, t._vc.value
        elif saved.vc is t._vc and saved.data is not t._data:  # the copy of t's original values
            saved.vc = None
    base = t._base
    if base is None:
        _set_history(t, node)
        _regenerate_views(t)
        return
    _set_history(base, CopySlices(gradient_edge(base), node, positions_within(t, base), _meta(base)))
    _register_view(t)
    _regenerate_views(base)


def _set_history(t: Any, node: Node) -> None:
    """t's history becomes output 0 of `node`; a retain_grad() hook moves along (as torch's)."""
    if t._retains_grad and t.grad_fn is not None:
        t.grad_fn.unretain(t.__dict__.get("_output_nr", 0))
        node.retain(0, t)
    t.grad_fn, t._output_nr, t._requires_grad = node, 0, True


def _regenerate_views(base: Any) -> None:
    """Give each live view of `base` the history AsStridedBackward0(base's current history)."""
    views = _views_of(base)
    for key, ref in list(views.items()):
        view = ref()
        if view is None or view._base is not base:
            del views[key]
            continue
        _set_history(view, AsStridedBackward0(gradient_edge(base), positions_within(view, base), _meta(base)))


# --- requires_grad, retain_grad ---------------------------------------------------------------

_DTYPE_MESSAGES = {
    "setter": "only Tensors of floating point and complex dtype can require gradients",
    "requires_grad_": "only Tensors of floating point dtype can require gradients",
    "factory": "Only Tensors of floating point and complex dtype can require gradients",
}
_DETACH_HINT = (
    " If you want to use a computed variable in a subgraph that doesn't require differentiation use "
    "var_no_grad = var.detach()."
)


_CALLERS = {"requires_grad": "setter", "requires_grad_": "requires_grad_"}  # caller's function name


def set_requires_grad(t: Any, flag: bool, source: str | None = None) -> None:
    """t.requires_grad = flag with torch's checks: only floating/complex dtypes may require grad,
    only leaves may change the flag (a non-leaf may be set to True by requires_grad_()).

    source: "setter" (t.requires_grad = ...), "requires_grad_" or "factory"; torch's messages
    differ. When not given it is read from the caller's name (Tensor.requires_grad's setter,
    Tensor.requires_grad_, anything else is a factory's requires_grad=True).
    """
    if source is None:
        source = _CALLERS.get(sys._getframe(1).f_code.co_name, "factory")
    if flag and t.dtype.category < _FLOATING:
        raise RuntimeError(_DTYPE_MESSAGES[source])
    if t.grad_fn is not None:
        if not flag:
            raise RuntimeError("you can only change requires_grad flags of leaf variables." + _DETACH_HINT)
        if source == "setter":
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        return
    t._requires_grad = bool(flag)


def retain_grad(t: Any) -> None:
    """t.retain_grad(): a non-leaf keeps its .grad after backward; no-op on leaves."""
    if not t._requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t.grad_fn is None or t._retains_grad:
        return
    t._retains_grad = True
    t.grad_fn.retain(t.__dict__.get("_output_nr", 0), t)


# --- running backward --------------------------------------------------------------------------


def _as_list(x: Any) -> list[Any]:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _size(shape: tuple[int, ...]) -> str:
    return f"torch.Size([{', '.join(map(str, shape))}])"


def _root_grads(outputs: list[Any], grad_outputs: list[Any]) -> list[np.ndarray]:
    """torch's _make_grads: ones for scalar outputs, else the given gradients, shape-checked."""
    if len(grad_outputs) < len(outputs):  # torch's engine; extra gradients are ignored (zip)
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs[: len(outputs)], strict=True)):
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out.dtype.is_complex:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype!r}"
                )
            grads.append(np.ones(out._data.shape, out.dtype.np))
            continue
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {_size(tuple(g.shape))} and "
                f"output[{i}] has a shape of {_size(tuple(out.shape))}."
            )
        grads.append(np.asarray(g._data, dtype=out.dtype.np))
    return grads


def _root_edges(outputs: list[Any]) -> list[tuple[Node, int]]:
    edges = []
    for i, out in enumerate(outputs):
        if not out._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        edges.append(gradient_edge(out))
    return edges


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
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    leaves = {gradient_edge(t)[0] for t in inputs if t.grad_fn is None and t._requires_grad}
    non_leaves = [t for t in inputs if t.grad_fn is not None]
    captured = run_backward(
        edges, root_grads, retain, capture=[gradient_edge(t) for t in non_leaves], accumulate_into=leaves
    )
    for t, g in zip(non_leaves, captured, strict=True):
        if g is not None:
            graph_accumulate(t, g)


def graph_accumulate(t: Any, g: np.ndarray) -> None:
    """.grad of a non-leaf named in backward(inputs=...): new tensor, then summed (as retain_grad)."""
    total = g if t.grad is None else t.grad._data + g
    t.grad = type(t).wrap(np.array(total, dtype=t.dtype.np), t.dtype)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Any, ...]:
    """torch.autograd.grad: the gradients of `outputs` w.r.t. `inputs`, returned, not accumulated."""
    _no_create_graph(create_graph)
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    grads = [None] * len(outputs) if grad_outputs is None else _as_list(grad_outputs)
    root_grads = _root_grads(outputs, grads)
    edges = _root_edges(outputs)
    if any(not t._requires_grad for t in inputs):
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    retain = bool(create_graph if retain_graph is None else retain_graph)
    captured = run_backward(
        edges, root_grads, retain, capture=[gradient_edge(t) for t in inputs], accumulate_into=set()
    )
    result = []
    for i, (t, g) in enumerate(zip(inputs, captured, strict=True)):
        if g is None:
            if materialize_grads:
                result.append(type(t).wrap(np.zeros(t._data.shape, t.dtype.np), t.dtype))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(type(t).wrap(np.array(g, dtype=t.dtype.np), t.dtype))
    return tuple(result)
