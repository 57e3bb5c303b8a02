"""JaxEngine: the engine protocol over jax.numpy on the CPU, x64 off ("jax") or on ("jax64").

JAX is functional: arrays are immutable (no in-place writes, no views, no
memory shared with NumPy to write through) and gradients come from
transformations, not from a graph recorded on the tensors. The adapter maps
what JAX has under another name and leaves the rest out of its capabilities:

- torch's names map to jax.numpy's through numpy_engine.ArrayEngine (same
  NumPy-API table); promotion, default dtypes and errors stay JAX's.
- Autograd through a small tape: a `Traced` handle remembers the function and
  inputs that computed it when an input requires grad. `backward` and
  `autograd_grad` replay that recorded function of the chosen inputs under
  `jax.vjp`, so every gradient is JAX's own VJP. `.grad` is set on leaves
  (overwritten, not accumulated: GRAD_ACCUMULATION is left out), nothing is
  freed (RETAIN_GRAPH left out), no custom Function, no version counter.
- x64: `jax_enable_x64` is process-global as a flag but JAX offers the
  thread-local context manager `jax.enable_x64(bool)`. Every protocol method
  runs inside `jax.enable_x64(self.x64)`, so "jax" and "jax64" are honest,
  separate configurations even within one process (arrays keep the dtype they
  were made with; the flag decides what new arrays and promotions produce).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from conformance.engines.numpy_engine import ArrayEngine
from spec.engine import DTYPES, Capability, Engine


@dataclass(eq=False)
class Traced:
    """A tensor handle: the JAX array, and how it was computed when that matters for gradients."""

    value: jax.Array
    requires_grad: bool = False
    recipe: tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None = None  # fn, args, kwargs
    index: int | None = None  # which output of a recipe returning a tuple
    grad: Traced | None = None
    op: str | None = None  # the recorded operation's torch name (reported as grad_fn)


def _is_handle(x: Any) -> bool:
    return isinstance(x, Traced)


def _handles(tree: Any) -> list[Traced]:
    return [x for x in jax.tree_util.tree_leaves(tree, is_leaf=_is_handle) if _is_handle(x)]


def _unwrap(tree: Any) -> Any:
    return jax.tree_util.tree_map(lambda x: x.value if _is_handle(x) else x, tree, is_leaf=_is_handle)


class JaxEngine(ArrayEngine):
    """JAX on the CPU; `x64` chooses the configuration (see the module docstring)."""

    capabilities = frozenset({Capability.AUTOGRAD})

    def __init__(self, x64: bool = False) -> None:
        super().__init__(jnp, "jax64" if x64 else "jax", jax.__version__, frozenset(DTYPES))
        self.x64 = x64
        self._recording = True

    # --- handles and the tape ---------------------------------------------------------------
    def _array(self, t: Any) -> Any:
        return t.value if _is_handle(t) else t

    def _leaf(self, array: Any, requires_grad: bool) -> Traced:
        if requires_grad and not jnp.issubdtype(array.dtype, jnp.inexact):
            raise TypeError(f"grad requires real- or complex-valued inputs, but got {array.dtype.name}")
        return Traced(jnp.asarray(array), requires_grad=requires_grad)

    def _apply(self, op: str, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run fn on the arrays; record it on the outputs when an input requires grad."""
        result = fn(*_unwrap(args), **_unwrap(kwargs))
        record = self._recording and any(h.requires_grad for h in _handles((args, kwargs)))
        recipe = (fn, args, kwargs) if record else None

        def wrap(value: Any, index: int | None = None) -> Any:
            if not isinstance(value, jax.Array):
                return value
            return Traced(value, requires_grad=record, recipe=recipe, index=index, op=op if record else None)

        if isinstance(result, (tuple, list)):
            return type(result)(wrap(v, i) for i, v in enumerate(result))
        return wrap(result)

    def _replay(self, t: Traced, env: dict[int, Any], memo: dict[int, Any]) -> Any:
        """t's value as a function of the arrays in env (keyed by handle id), JAX-traceable."""
        if id(t) in env:
            return env[id(t)]
        if t.recipe is None:
            return t.value
        fn, args, kwargs = t.recipe
        key = id(t.recipe)
        if key not in memo:

            def again(x: Any) -> Any:
                return self._replay(x, env, memo) if _is_handle(x) else x

            memo[key] = fn(
                *jax.tree_util.tree_map(again, args, is_leaf=_is_handle),
                **jax.tree_util.tree_map(again, kwargs, is_leaf=_is_handle),
            )
        out = memo[key]
        return out if t.index is None else out[t.index]

    def _vjp(self, outputs: list[Traced], inputs: list[Traced], cotangents: list[Any]) -> tuple[Any, ...]:
        """jax.vjp of the recorded function inputs -> outputs, pulled back from the cotangents."""

        def function(*values: Any) -> tuple[Any, ...]:
            env, memo = {id(h): v for h, v in zip(inputs, values, strict=True)}, {}
            return tuple(self._replay(o, env, memo) for o in outputs)

        _, pullback = jax.vjp(function, *(h.value for h in inputs))
        return pullback(tuple(cotangents))

    def _cotangents(self, outputs: list[Traced], grad_outputs: list[Any] | None) -> list[Any]:
        """The seed of the pullback: given, or 1 for a scalar output as jax.grad requires."""
        if grad_outputs is not None:
            return [self._array(g) for g in grad_outputs]
        for o in outputs:
            if o.value.shape != ():
                raise TypeError(
                    f"Gradient only defined for scalar-output functions. Output had shape: {o.value.shape}."
                )
        return [jnp.ones_like(o.value) for o in outputs]

    def _leaves_of(self, t: Traced) -> list[Traced]:
        """The leaves requiring grad that t was computed from, in first-use order."""
        found: dict[int, Traced] = {}
        seen: set[int] = set()

        def visit(h: Traced) -> None:
            if id(h) in seen:
                return
            seen.add(id(h))
            if h.recipe is None:
                if h.requires_grad:
                    found.setdefault(id(h), h)
                return
            for x in _handles(h.recipe[1:]):
                visit(x)

        visit(t)
        return list(found.values())

    # --- JAX specifics of the NumPy-API mapping ---------------------------------------------------
    def _signatures(self) -> dict[str, Callable[..., Any]]:
        """JAX's own relu (gradient 0 at 0, as torch's) rather than NumPy's maximum(a, 0), whose
        gradient JAX splits at the tie."""
        return {**super()._signatures(), "relu": jax.nn.relu}

    def _view(self, a: Any, shape: tuple[int, ...]) -> Any:
        return jnp.reshape(a, shape)

    def _contiguous(self, a: Any) -> Any:
        return a

    def _is_contiguous(self, a: Any) -> bool:
        return True  # a JAX array is a dense value; it has no layout to be non-contiguous in

    def _unfold(self, a: Any, axis: int, size: int, step: int) -> Any:
        """t.unfold(dim, size, step) as a stack of slices (JAX has no sliding-window view)."""
        starts = range(0, a.shape[axis] - size + 1, step)
        windows = [jnp.moveaxis(jax.lax.slice_in_dim(a, s, s + size, axis=axis), axis, -1) for s in starts]
        return jnp.stack(windows, axis=axis)

    def _detach(self, a: Any) -> Any:
        return jax.lax.stop_gradient(a)

    def _inplace(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"JAX arrays are immutable: there is no in-place {op}_")

    def method(self, op: str, self_: Any, *args: Any, **kwargs: Any) -> Any:
        if op == "requires_grad_":
            wanted = args[0] if args else kwargs.get("requires_grad", True)
            self_.requires_grad = self._leaf(self_.value, wanted).requires_grad  # jax.grad's dtype rule
            return self_
        if op == "detach":
            return Traced(jax.lax.stop_gradient(self_.value))
        return super().method(op, self_, *args, **kwargs)

    def from_numpy(self, array: np.ndarray) -> Traced:
        return self._leaf(jnp.asarray(array), False)  # a JAX array never writes through to NumPy

    def _random(self, factory: str, *args: Any, dtype: Any = None, **kw: Any) -> Any:
        key = jax.random.key(np.random.default_rng().integers(2**31))
        if factory == "randint":
            low, high, size = (0, *args) if len(args) == 2 else args
            return jax.random.randint(key, tuple(size), low, high, dtype=dtype or jnp.int_)
        draw = jax.random.uniform if factory == "rand" else jax.random.normal
        return draw(
            key,
            tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args,
            dtype=dtype or float,
        )

    # --- observation -----------------------------------------------------------------------------
    def numpy(self, t: Any) -> np.ndarray:
        return np.asarray(t.value)

    def strides(self, t: Any) -> tuple[int, ...]:
        raise NotImplementedError("JAX arrays expose no strides")

    def storage_offset(self, t: Any) -> int:
        raise NotImplementedError("JAX arrays expose no storage")

    def shares_memory(self, a: Any, b: Any) -> bool:
        """Overlap of the host buffers NumPy sees (read-only, zero-copy views of CPU arrays)."""
        return bool(np.shares_memory(np.asarray(self._array(a)), np.asarray(self._array(b))))

    def is_tensor(self, x: Any) -> bool:
        return _is_handle(x)

    # --- autograd ----------------------------------------------------------------------------------
    def requires_grad(self, t: Any) -> bool:
        return t.requires_grad

    def grad(self, t: Any) -> Any | None:
        return t.grad

    def set_grad(self, t: Any, value: Any | None) -> None:
        t.grad = value

    def grad_fn(self, t: Any) -> str | None:
        return t.op if t.recipe is not None else None

    def is_leaf(self, t: Any) -> bool:
        return t.recipe is None

    def backward(self, t: Any, gradient: Any | None = None, retain_graph: bool | None = None) -> None:
        leaves = self._leaves_of(t)
        if not leaves:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        cotangents = self._cotangents([t], None if gradient is None else [gradient])
        for leaf, g in zip(leaves, self._vjp([t], leaves, cotangents), strict=True):
            leaf.grad = Traced(g)

    def autograd_grad(
        self,
        outputs: Any,
        inputs: Any,
        grad_outputs: Any | None = None,
        retain_graph: bool | None = None,
        allow_unused: bool = False,
    ) -> tuple[Any | None, ...]:
        """The VJP of outputs w.r.t. inputs (leaves or intermediates); unused inputs get JAX's zeros."""
        outputs = [outputs] if _is_handle(outputs) else list(outputs)
        inputs = [inputs] if _is_handle(inputs) else list(inputs)
        if grad_outputs is not None and _is_handle(grad_outputs):
            grad_outputs = [grad_outputs]
        cotangents = self._cotangents(outputs, grad_outputs)
        return tuple(Traced(g) for g in self._vjp(outputs, inputs, cotangents))

    @contextlib.contextmanager
    def set_grad_enabled(self, mode: bool) -> Iterator[None]:
        """Recording on or off (JAX's counterpart: jax.lax.stop_gradient on what is computed)."""
        before, self._recording = self._recording, mode
        try:
            yield
        finally:
            self._recording = before

    def no_grad(self) -> AbstractContextManager[None]:
        return self.set_grad_enabled(False)


def _under_x64(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def run(self: JaxEngine, *args: Any, **kwargs: Any) -> Any:
        with jax.enable_x64(self.x64):
            return method(self, *args, **kwargs)

    return run


for _name in [n for n in dir(Engine) if not n.startswith("_") and callable(getattr(Engine, n, None))]:
    if _name not in ("no_grad", "set_grad_enabled"):
        setattr(JaxEngine, _name, _under_x64(getattr(JaxEngine, _name)))


def make_jax(x64: bool = False) -> JaxEngine:
    """JAX on the CPU with its default 32-bit types (x64 off)."""
    return JaxEngine(x64=x64)


def make_jax64() -> JaxEngine:
    """JAX on the CPU with 64-bit types (jax_enable_x64 on, per call)."""
    return JaxEngine(x64=True)
