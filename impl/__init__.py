"""impl: a compact reference implementation of torch's tensor semantics on NumPy.

`import impl as torch` runs programs that stay in this subset. Where to find a rule:

| rule | module |
|---|---|
| what a tensor is (storage, strides, version counter, requires_grad) | tensor.py |
| strided memory: bounds, contiguity, result layout | layout.py |
| dtypes, the promotion table, a Scalar's checked conversion | dtypes.py, promotion.py |
| creating tensors, the NumPy bridge | creation.py, bridge.py |
| random numbers: generators, rand & co, uniform_ and normal_ | random.py |
| broadcasting and expand | broadcasting.py |
| views; copies; indexing | memory.py; copies.py; indexing.py |
| elementwise ops (one row each), the TensorIterator path | ops.py, elementwise.py |
| reductions; matmul, addmm and co | reductions.py; linalg.py |
| the row format; where rows become Tensor methods | rows.py; methods.py |
| argument checks (torch's TypeErrors) | arguments.py |
| autograd: derivative formulas, graph, engine | autograd/ |
| torch.nn (Module, layers, losses, init), torch.optim, torch.utils.data | nn/, optim/, utils/ |

Every op's torch.<name> function is exported from its row (impl/rows.py); the rest is listed here.
"""

# ruff: noqa: F401 - this module re-exports torch's public names
from __future__ import annotations

import builtins
from typing import TYPE_CHECKING

from impl import autograd
from impl.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from impl.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from impl.dtypes import (
    bfloat16,
    bool,
    can_cast,
    complex32,
    complex64,
    complex128,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from impl.methods import functions
from impl.promotion import result_type
from impl.random import (
    Generator,
    manual_seed,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from impl.tensor import Device, Size, Tensor, device, is_tensor

if TYPE_CHECKING:  # what the next line exports, declared for type checkers (generated: functions.pyi)
    from impl.functions import *  # noqa: F403
globals().update(functions())  # torch.add, torch.sum, torch.matmul, ...: one per op row

from impl import nn, optim, utils  # noqa: E402 - built on the ops above

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128
chalf = complex32

__version__ = "0.1.0"


def is_floating_point(input: Tensor) -> builtins.bool:
    return input.is_floating_point()


def is_complex(input: Tensor) -> builtins.bool:
    return input.is_complex()


def numel(input: Tensor) -> builtins.int:
    return input.numel()
