"""Recording history: the three hooks every forward op calls.

- `record(derivative, out, inputs, attrs)` after computing a result: when grad mode is on and a
  tensor input requires grad, a floating or complex result gets the node its row's derivative
  makes (impl/autograd/formulas.py); an integer or bool result stays a leaf.
- `check_inplace(t)` before an op writes into `t`: torch refuses leaves that require grad and
  views of them.
- `rebase(t, result)` after an in-place op wrote `result`'s values into `t`: `t` takes `result`'s
  history; a view's base takes a CopySlices node, and every live view of that base is given
  AsStridedBackward0 of the base's new history (torch regenerates them lazily; the result is the same).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from impl.autograd.formulas import Derivative
from impl.autograd.grad_mode import MODE
from impl.autograd.graph import AsStridedBackward0, CopySlices, Node, gradient_edge, meta, positions_within
from impl.dtypes import FLOATING
from impl.tensor import Tensor


class _InplaceTarget:
    """The tensor check_inplace cleared for writing, until the op's record() or rebase() has run:
    if its original values are saved for backward they must be copied first."""

    tensor: Tensor | None = None


_INPLACE = _InplaceTarget()


def record(
    derivative: Derivative, out: Any, inputs: Sequence[Any], attrs: dict[str, Any] | None = None
) -> None:
    """Attach the node `derivative` makes to `out` (a tensor or a tuple of them) when grad mode is on
    and a tensor input requires grad; results that are views are registered with their base."""
    outs: tuple[Tensor, ...] = out if isinstance(out, tuple) else (out,)
    enabled = MODE.enabled
    if enabled:
        for o in outs:
            if o._base is not None:
                _register_view(o)
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:
            break
    else:
        return
    if not enabled:  # torch: a view made under no_grad still requires grad (with no history)
        for o in outs:
            if o._base is not None:
                o._requires_grad = True
        return
    if not any(o._dtype.category >= FLOATING for o in outs):
        return
    node = derivative.make_node(out, inputs, attrs or {}, _INPLACE.tensor)
    for nr, o in enumerate(outs):
        if o._dtype.category >= FLOATING:
            o.grad_fn, o._output_nr, o._requires_grad = node, nr, True
    _INPLACE.tensor = None


def _register_view(view: Tensor) -> None:
    """Remember a view made in grad mode on its base (weakly), so that an in-place op on the base
    can regenerate the view's history."""
    base = view._base
    assert base is not None
    if base._views is None:
        base._views = {}
    views, key = base._views, id(view)
    views[key] = weakref.ref(view, lambda _, views=views, key=key: views.pop(key, None))  # type: ignore[misc]


def check_inplace(t: Tensor) -> None:
    """torch's checks before writing into `t` in place (grad mode on): not a leaf that requires grad,
    nor a view of one."""
    _INPLACE.tensor = None
    if not MODE.enabled:
        return
    if t.grad_fn is None and t._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = t._base
    if base is not None and base.grad_fn is None and base._requires_grad and t._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation."
        )
    _INPLACE.tensor = t


def rebase(t: Tensor, result: Tensor) -> None:
    """After an in-place op wrote `result`'s values into `t`: `t` takes `result`'s history.

    torch's rules: the node's saved result is now `t` at its new version. When `t` is a view,
    its base takes a CopySlices node wrapping the op's node and `t` becomes an
    AsStridedBackward0 of the base; every other live view of the base with history is
    regenerated the same way.
    """
    _INPLACE.tensor = None
    node = result.grad_fn
    if not MODE.enabled or node is None:
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
    _set_history(base, CopySlices(gradient_edge(base), node, positions_within(t, base), meta(base)))
    _register_view(t)
    _regenerate_views(base)


def _set_history(t: Tensor, node: Node) -> None:
    """t's history becomes output 0 of `node`; a retain_grad() hook moves along (as torch's)."""
    if t._retains_grad and t.grad_fn is not None:
        t.grad_fn.unretain(t._output_nr)
        node.retain(0, t)
    t.grad_fn, t._output_nr, t._requires_grad = node, 0, True


def _regenerate_views(base: Tensor) -> None:
    """Give each live view of `base` the history AsStridedBackward0(base's current history)."""
    views = base._views or {}
    for key, ref in list(views.items()):
        view = ref()
        if view is None or view._base is not base:
            del views[key]
            continue
        _set_history(view, AsStridedBackward0(gradient_edge(base), positions_within(view, base), meta(base)))
