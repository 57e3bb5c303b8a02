"""impl.autograd: torch's reverse-mode autograd on NumPy (torch.autograd's names).

The forward ops call three hooks (recording.py): `record(derivative, out, inputs, attrs)` after
computing a result, `check_inplace(t)` before writing into `t`, `rebase(t, result)` after an
in-place op wrote `result` into `t`. Tensor.backward is `backward` here; the requires_grad and
retain_grad rules are Tensor's own (impl/tensor.py).

Modules: formulas.py (what an op row declares about its derivative: node name, saved values,
VJPs), graph.py (nodes and saved values), recording.py (the hooks), engine.py (backward and
grad), grad_mode.py (no_grad & co), function.py (autograd.Function).
"""

from __future__ import annotations

from impl.autograd.engine import backward, grad
from impl.autograd.function import Function, FunctionCtx
from impl.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from impl.autograd.graph import Node
from impl.autograd.recording import check_inplace, rebase, record

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
    "set_grad_enabled",
]
