"""impl.autograd -- STUB with the contract between impl's forward ops and autograd.

The autograd helper replaces this file (and adds modules beside it). The names
and signatures below are the contract that impl/tensor.py and impl/ops.py call.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    global _grad_enabled
    prev, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = prev


def record(op: str, out: Any, inputs: tuple[Any, ...], **attrs: Any) -> None:
    """Attach a grad_fn for `op` to `out` when grad mode is on and a tensor input requires grad.

    op: torch's (aten) op name, e.g. "add", "mul", "sum", "view", "expand", "mm".
    out: the result tensor (or tuple of tensors for multi-output ops).
    inputs: the positional operands as passed (Tensors or Python scalars).
    attrs: the op's parameters (dim, keepdim, alpha, shape, ...).
    """


def check_inplace(t: Any) -> None:
    """Raise torch's error if `t` may not be modified in place (leaf requiring grad in grad mode)."""


def rebase(t: Any, result: Any) -> None:
    """After an in-place op wrote `result`'s values into `t`: give `t` the history of `result`."""


def set_requires_grad(t: Any, flag: bool) -> None:
    """t.requires_grad = flag, with torch's checks (floating/complex dtypes only, leaves only)."""
    t._requires_grad = flag


def backward(t: Any, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    raise NotImplementedError("autograd is being written")


def retain_grad(t: Any) -> None:
    raise NotImplementedError("autograd is being written")
