"""impl: a compact reference implementation of torch's tensor semantics on NumPy.

`import impl as torch` runs programs that stay in this subset. One module per
area: dtypes and promotion, creation, broadcasting, memory (views and shared
storage), ops (arithmetic, reductions, linear algebra) and autograd.
"""

# ruff: noqa: F401 - this module re-exports torch's public names
from __future__ import annotations

from impl import autograd, nn, optim, utils
from impl.autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from impl.broadcasting import broadcast_shapes, broadcast_tensors, broadcast_to
from impl.creation import (
    Generator,
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
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
from impl.linalg import bmm, dot, matmul, mm, mv
from impl.memory import (
    as_strided,
    chunk,
    clone,
    detach,
    diagonal,
    flatten,
    narrow,
    permute,
    reshape,
    select,
    split,
    squeeze,
    t,
    transpose,
    unbind,
    unsqueeze,
)
from impl.ops import (
    abs,
    add,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    cat,
    clamp,
    clip,
    cos,
    div,
    eq,
    equal,
    exp,
    floor_divide,
    ge,
    gt,
    le,
    log,
    logical_not,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    nonzero,
    pow,
    reciprocal,
    relu,
    remainder,
    rsub,
    sigmoid,
    sin,
    sqrt,
    square,
    stack,
    sub,
    tanh,
    true_divide,
    where,
)
from impl.promotion import result_type
from impl.reductions import all, any, argmax, argmin, max, mean, min, sum
from impl.tensor import Device, Size, Tensor, device, is_tensor

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128
chalf = complex32
multiply, subtract, divide, negative, absolute = mul, sub, div, neg, abs

__version__ = "0.1.0"


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def is_complex(input: Tensor) -> bool:
    return input.is_complex()


def numel(input: Tensor) -> int:
    return input.numel()
