"""Linear algebra: dot, mv, mm, bmm, addmm and matmul (`@`).

These never promote: the operands must have the same dtype (torch's RuntimeError
names them). matmul dispatches on the operands' dims as torch's _matmul_impl
does: 1-d @ 1-d is dot, 2-d @ 1-d mv, 2-d @ 2-d mm, a batch @ a matrix folds
the batch into the rows of one mm, and batches broadcast into bmm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from impl import dtypes
from impl.arguments import invalid_combination
from impl.autograd import no_grad
from impl.autograd.formulas import Formula, conj, maybe_multiply
from impl.broadcasting import broadcast_pair, expand
from impl.dtypes import dtype
from impl.elementwise import check_tensors, not_implemented, opmath, result_tensor
from impl.memory import reshape, squeeze, unsafe_view, unsqueeze, view
from impl.promotion import checked_convert, is_scalar
from impl.rows import check_writable, op, record, write_into
from impl.tensor import Tensor


def _mm_self(grad: np.ndarray, s: Any) -> np.ndarray:
    return grad @ conj(np.swapaxes(s.mat2, -1, -2))


def _mm_mat2(grad: np.ndarray, s: Any) -> np.ndarray:
    return conj(np.swapaxes(s.self, -1, -2)) @ grad


def _check_matmul_dtypes(a: Tensor, b: Tensor, kernel: str) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_cname(a.dtype)} != {_cname(b.dtype)}"
        )
    _check_kernel(kernel, a.dtype)


def _check_kernel(kernel: str, d: dtype) -> None:
    """The CPU kernels of dot, mv (addmv_impl_cpu), mm and addmm (addmm_impl_cpu_) and bmm have no
    bool or complex32 version."""
    if d in (dtypes.bool, dtypes.complex32):
        raise not_implemented(kernel, d)


def _cname(d: dtype) -> str:
    """C++ type names torch uses in matmul dtype errors."""
    return dtypes.C_TYPE_NAMES[d.name]


def _check_ranks(*expected: tuple[Tensor, int, str]) -> None:
    """Each operand has the number of dims its op needs, else torch's message for it."""
    for t, ndim, message in expected:
        if t.ndim != ndim:
            raise RuntimeError(message)


def _product(
    name: str, a: Tensor, b: Tensor, fn: Callable[..., np.ndarray], shape: tuple[int, ...]
) -> Tensor:
    """fn(a, b) in the dtypes' opmath type, as a result of `shape` recorded as op `name`."""
    compute = opmath(a.dtype)
    values = fn(dtypes.cast(a._data, compute), dtypes.cast(b._data, compute)).reshape(shape)
    out = result_tensor(values, shape, a.dtype)
    record(name, out, (a, b))
    return out


@op(derivative=Formula("MmBackward0", self=("mat2", _mm_self), mat2=("self", _mm_mat2)))
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """torch.mm: 2-d by 2-d, same dtypes, inner sizes equal."""
    check_tensors("mm", 1, input=input, mat2=mat2)
    _check_ranks((input, 2, "self must be a matrix"), (mat2, 2, "mat2 must be a matrix"))
    _check_inner_sizes(input, mat2)
    _check_matmul_dtypes(input, mat2, "addmm_impl_cpu_")
    shape = (input.shape[0], mat2.shape[1])
    return _product("mm", input, mat2, np.matmul, shape)


def _check_inner_sizes(mat1: Tensor, mat2: Tensor) -> None:
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x{mat1.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"
        )


def _addmm_(self: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """Tensor.addmm_: self must already have the product's shape (no broadcasting into self)."""
    check_writable(self)
    result = addmm(self, mat1, mat2, beta=beta, alpha=alpha)
    if result.shape != self.shape:
        raise RuntimeError(
            f"Bad in-place call: input tensor size {list(self.shape)} and output tensor size "
            f"{list(result.shape)} should match"
        )
    return write_into(self, result)


@op(
    derivative=Formula(
        "AddmmBackward0",
        self=("", lambda g, s: maybe_multiply(g, conj(s.beta))),
        mat1=("mat2", lambda g, s: maybe_multiply(_mm_self(g, s), conj(s.alpha))),
        mat2=("mat1", lambda g, s: maybe_multiply(conj(np.swapaxes(s.mat1, -1, -2)) @ g, conj(s.alpha))),
    ),
    inplace=_addmm_,
)
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """torch.addmm: beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape; one
    dtype for all three (self, then mat1, against mat2's), beta and alpha converted to it (checked;
    integers truncate); beta == 0 ignores input, alpha == 0 the product (their NaNs do not propagate)."""
    check_tensors("addmm", 1, input=input, mat1=mat1, mat2=mat2)
    if not (is_scalar(beta) and is_scalar(alpha)):
        given = {k: v for k, v in (("beta", beta), ("alpha", alpha)) if not (type(v) is int and v == 1)}
        raise invalid_combination("addmm", (input, mat1, mat2), given)
    _check_ranks(
        (mat1, 2, f"mat1 must be a matrix, got {mat1.ndim}-D tensor"),
        (mat2, 2, f"mat2 must be a matrix, got {mat2.ndim}-D tensor"),
    )
    for name, t in (("self", input), ("mat1", mat1)):
        if t.dtype is not mat2.dtype:
            raise RuntimeError(
                f"{name} and mat2 must have the same dtype, but got {t.dtype.scalar_type} and "
                f"{mat2.dtype.scalar_type}"
            )
    _check_inner_sizes(mat1, mat2)
    shape = (mat1.shape[0], mat2.shape[1])
    with no_grad():  # the broadcast is part of the op (its gradient is summed back), not a recorded view
        bias = expand(input, shape)._data
    _check_kernel("addmm_impl_cpu_", mat2.dtype)
    for scalar in (beta, alpha):
        checked_convert(scalar, mat2.dtype)
    compute = opmath(mat2.dtype)
    b, a = (np.asarray(x).astype(compute.np) for x in (beta, alpha))
    values = np.zeros(shape, compute.np)
    if alpha != 0:
        values = a * (dtypes.cast(mat1._data, compute) @ dtypes.cast(mat2._data, compute))
    if beta != 0:
        values = values + b * dtypes.cast(bias, compute)
    out = result_tensor(values, shape, mat2.dtype)
    record("addmm", out, (input, mat1, mat2), beta=beta, alpha=alpha)
    return out


@op(derivative=Formula("BmmBackward0", self=("mat2", _mm_self), mat2=("self", _mm_mat2)))
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """torch.bmm: batches of matrices, equal batch sizes."""
    check_tensors("bmm", 1, input=input, mat2=mat2)
    _check_ranks((input, 3, "batch1 must be a 3D tensor"), (mat2, 3, "batch2 must be a 3D tensor"))
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] "
            f"but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    if input.dtype is not mat2.dtype:  # bmm words the dtype check its own way
        raise RuntimeError(
            f"expected scalar type {input.dtype.scalar_type} but found {mat2.dtype.scalar_type}"
        )
    _check_matmul_dtypes(input, mat2, "bmm")
    shape = (input.shape[0], input.shape[1], mat2.shape[2])
    return _product("bmm", input, mat2, np.matmul, shape)


@op(
    derivative=Formula(
        "DotBackward0",
        self=("tensor", lambda g, s: g * conj(s.tensor)),
        tensor=("self", lambda g, s: g * conj(s.self)),
    )
)
def dot(input: Tensor, other: Tensor) -> Tensor:
    """torch.dot: 1-d vectors of equal length and dtype."""
    check_tensors("dot", 1, input=input, tensor=other)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {input.dtype.scalar_type} and "
            f"{other.dtype.scalar_type}"
        )
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] to "
            f"have the same number of elements, but got {input.shape[0]} and {other.shape[0]} elements "
            "respectively"
        )
    _check_kernel("dot", input.dtype)
    return _product("dot", input, other, np.dot, ())


@op(
    derivative=Formula(
        "MvBackward0",
        self=("vec", lambda g, s: np.outer(g, conj(s.vec))),
        vec=("self", lambda g, s: conj(np.transpose(s.self)) @ g),
    )
)
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """torch.mv: matrix times vector."""
    check_tensors("mv", 1, input=input, vec=vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x{input.shape[1]}), "
            f"vec ({vec.shape[0]})"
        )
    if input.dtype is not vec.dtype:
        names = (vec.dtype.scalar_type, input.dtype.scalar_type, vec.dtype.scalar_type)
        raise RuntimeError(
            "addmv input tensors must have the same dtype, but got {}, {}, and {}".format(*names)
        )
    _check_matmul_dtypes(input, vec, "addmv_impl_cpu")
    shape = (input.shape[0],)
    return _product("mv", input, vec, np.matmul, shape)


def _rmatmul(self: Tensor, other: Tensor) -> Tensor:
    return matmul(other, self)


@op(dunder="matmul", reflected=_rmatmul, numbers=False)
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """torch.matmul (`@`), decomposed as torch's _matmul_impl does into dot / mv / mm / bmm and views."""
    check_tensors("matmul", 1, input=input, other=other)
    dim1, dim2 = input.ndim, other.ndim
    if dim1 == 0 or dim2 == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {dim1}D and {dim2}D"
        )
    if dim1 == 1 and dim2 == 1:
        return dot(input, other)
    if dim1 == 2 and dim2 == 1:
        return mv(input, other)
    if dim1 == 1 and dim2 == 2:
        return squeeze(mm(unsqueeze(input, 0), other), 0)
    if dim1 == 2 and dim2 == 2:
        return mm(input, other)
    if dim1 >= 3 and dim2 <= 2:  # fold input's batch dims into the rows of one mm (mv for a vector)
        rows = reshape(input, -1, input.shape[-1])
        product = mv(rows, other) if dim2 == 1 else mm(rows, other)
        shape = (*input.shape[:-1], *([] if dim2 == 1 else [other.shape[-1]]))
        return unsafe_view(product, shape)
    return _batched_matmul(input, other)


def _batched_matmul(input: Tensor, other: Tensor) -> Tensor:
    """Broadcast the batch dims, reshape both to 3-d, bmm, and view as the output shape."""
    left = unsqueeze(input, 0) if input.ndim == 1 else input
    right = unsqueeze(other, -1) if other.ndim == 1 else other
    n, m1 = left.shape[-2], left.shape[-1]
    m2, p = right.shape[-2], right.shape[-1]
    batch = broadcast_pair(tuple(left.shape[:-2]), tuple(right.shape[:-2]))
    count = int(np.prod(batch, dtype=np.int64))
    left3 = reshape(expand(left, (*batch, n, m1)), count, n, m1)
    right3 = reshape(expand(right, (*batch, m2, p)), count, m2, p)
    if m1 != m2:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{count}, {m1}] but got: "
            f"[{count}, {m2}]."
        )
    product = bmm(left3, right3)
    shape = (*batch, *([n] if input.ndim > 1 else []), *([p] if other.ndim > 1 else []))
    return view(product, shape)
