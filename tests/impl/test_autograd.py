"""impl.autograd against live torch: each program runs once with `torch` and once with `impl`,
and the two observations (values, dtypes, grad_fn names, error types and messages) must agree.

Hand-written expectations are marked with their source (torch docs or observed torch 2.13).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import impl

ENGINES = {"torch": torch, "impl": impl}


# --- observing and comparing results ---------------------------------------------------------------


def _values(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.to(torch.complex128) if t.is_complex() else t.to(torch.float64)).numpy()
    return np.asarray(t._data).astype(np.complex128 if t.dtype.is_complex else np.float64)


def observe(x: Any) -> Any:
    """An engine-free picture of a program's result: tensors as (dtype, shape, values, flags, grad_fn)."""
    if isinstance(x, (torch.Tensor, impl.Tensor)):
        grad_fn = None if x.grad_fn is None else type(x.grad_fn).__name__
        return ("tensor", str(x.dtype), tuple(x.shape), _values(x), x.requires_grad, x.is_leaf, grad_fn)
    if isinstance(x, BaseException):
        return ("error", type(x).__name__, str(x))
    if isinstance(x, (list, tuple)):
        return [observe(i) for i in x]
    if isinstance(x, dict):
        return {k: observe(v) for k, v in x.items()}
    if type(x).__name__.endswith(("Backward", "Backward0", "Backward1", "Backward2", "Grad", "Slices")):
        return ("node", type(x).__name__)
    return x


def run(program: Callable[..., Any], engine: Any, *args: Any) -> Any:
    try:
        return observe(program(engine, *args))
    except (RuntimeError, TypeError, ValueError, IndexError, NotImplementedError) as err:
        return observe(err)


def assert_close(expected: Any, actual: Any, rtol: float, atol: float, where: str = "result") -> None:
    if isinstance(expected, tuple) and expected and expected[0] == "tensor":
        assert isinstance(actual, tuple) and actual[0] == "tensor", f"{where}: {actual!r} is not a tensor"
        assert expected[1:3] == actual[1:3], f"{where}: dtype/shape {actual[1:3]} != torch's {expected[1:3]}"
        np.testing.assert_allclose(actual[3], expected[3], rtol=rtol, atol=atol, err_msg=where)
        assert expected[4:] == actual[4:], f"{where}: (requires_grad, is_leaf, grad_fn) differ"
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_close(e, a, rtol, atol, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{where}: {actual!r}"
        for k in expected:
            assert_close(expected[k], actual[k], rtol, atol, f"{where}[{k!r}]")
    else:
        assert actual == expected, f"{where}: impl gave {actual!r}, torch {expected!r}"


_rng = np.random.default_rng(20261129)


def rand(*shape: int, dtype: Any = np.float32) -> np.ndarray:
    """Random inputs; `same` restarts the generator so that both engines draw the same values."""
    return _rng.standard_normal(shape).astype(dtype)


def same(program: Callable[..., Any], *args: Any, rtol: float = 1e-5, atol: float = 1e-6) -> Any:
    """Run `program(engine, *args)` on torch and impl; assert they agree; return torch's observation."""
    global _rng
    _rng = np.random.default_rng(1)
    expected = run(program, torch, *args)
    _rng = np.random.default_rng(1)
    actual = run(program, impl, *args)
    assert_close(expected, actual, rtol, atol)
    return expected


def leaf(T: Any, array: np.ndarray) -> Any:
    return T.tensor(array, requires_grad=True)


# --- grad_fn names and vector-Jacobian products, op by op -------------------------------------------

A23, B23, C3, P23 = rand(2, 3), rand(2, 3), rand(3), np.abs(rand(2, 3)) + 0.5
RNG_TIES = np.array([[True, False, True], [False, False, True]])

# name -> (function of (T, a, b), inputs as arrays); a and b require grad
OPS: dict[str, tuple[Callable[..., Any], tuple[np.ndarray, ...]]] = {
    "add": (lambda T, a, b: a + b, (A23, B23)),
    "add_alpha": (lambda T, a, b: T.add(a, b, alpha=2.5), (A23, B23)),
    "add_broadcast": (lambda T, a, b: a + b, (rand(3, 1), rand(1, 4))),
    "add_scalar": (lambda T, a: a + 2, (A23,)),
    "radd": (lambda T, a: 1 + a, (A23,)),
    "sub": (lambda T, a, b: a - b, (A23, B23)),
    "sub_broadcast": (lambda T, a, b: a - b, (rand(2, 1, 3), rand(4, 1))),
    "rsub": (lambda T, a: 1 - a, (A23,)),
    "mul": (lambda T, a, b: a * b, (A23, B23)),
    "mul_broadcast": (lambda T, a, b: a * b, (rand(2, 3), rand(3))),
    "mul_scalar": (lambda T, a: a * 2, (A23,)),
    "rmul": (lambda T, a: 2.5 * a, (A23,)),
    "div": (lambda T, a, b: a / b, (A23, P23)),
    "div_scalar": (lambda T, a: a / 2, (A23,)),
    "rdiv": (lambda T, a: 2 / a, (P23,)),
    "div_rounding": (lambda T, a, b: T.div(a, b, rounding_mode="floor"), (A23, P23)),
    "floor_divide": (lambda T, a: a // 2, (A23,)),
    "remainder": (lambda T, a, b: a % b, (A23, P23)),
    "remainder_scalar": (lambda T, a: a % 2, (A23,)),
    "maximum": (lambda T, a, b: T.maximum(a, b), (A23, B23)),
    "minimum_ties": (lambda T, a, b: T.minimum(a, b), (A23, np.where(RNG_TIES, A23, B23))),
    "neg": (lambda T, a: -a, (A23,)),
    "pow_scalar": (lambda T, a: a**2, (A23,)),
    "pow_method": (lambda T, a: a.pow(3), (A23,)),
    "pow_float": (lambda T, a: a**2.5, (P23,)),
    "pow_tensor": (lambda T, a, b: a**b, (P23, B23)),
    "rpow": (lambda T, a: 2**a, (A23,)),
    "square": (lambda T, a: T.square(a), (A23,)),
    "exp": (lambda T, a: a.exp(), (A23,)),
    "log": (lambda T, a: T.log(a), (P23,)),
    "log1p": (lambda T, a: a.log1p(), (P23,)),
    "sin": (lambda T, a: T.sin(a), (A23,)),
    "cos": (lambda T, a: T.cos(a), (A23,)),
    "sqrt": (lambda T, a: a.sqrt(), (P23,)),
    "abs": (lambda T, a: a.abs(), (A23,)),
    "relu": (lambda T, a: a.relu(), (A23,)),
    "sigmoid": (lambda T, a: a.sigmoid(), (A23,)),
    "tanh": (lambda T, a: T.tanh(a), (A23,)),
    "clamp": (lambda T, a: a.clamp(-0.5, 0.5), (A23,)),
    "clamp_min": (lambda T, a: a.clamp(min=0.1), (A23,)),
    "clamp_tensor": (lambda T, a, b: a.clamp(b, b + 1), (A23, B23)),
    "where_scalar": (lambda T, a: T.where(a > 0, a, 0.0), (A23,)),
    "where": (lambda T, a, b: T.where(a > 0, a, b), (A23, B23)),
    "sum": (lambda T, a: a.sum(), (A23,)),
    "sum_dim": (lambda T, a: a.sum(0), (A23,)),
    "sum_keepdim": (lambda T, a: a.sum(1, keepdim=True), (A23,)),
    "sum_dims": (lambda T, a: a.sum((0, 1)), (A23,)),
    "mean": (lambda T, a: a.mean(), (A23,)),
    "mean_dim": (lambda T, a: a.mean(-1), (A23,)),
    "mean_keepdim": (lambda T, a: a.mean(0, keepdim=True), (A23,)),
    "max": (lambda T, a: a.max(), (A23,)),
    "min": (lambda T, a: a.min(), (A23,)),
    "max_ties": (lambda T, a: a.max(), (np.float32([[1, 3, 3], [0, 3, 2]]),)),
    "max_dim": (lambda T, a: a.max(1)[0], (A23,)),
    "min_dim_keepdim": (lambda T, a: a.min(0, keepdim=True).values, (A23,)),
    "prod": (lambda T, a: a.prod(), (A23,)),
    "prod_zero": (lambda T, a: a.prod(), (np.float32([[2, 0, 3], [1, -1, 4]]),)),
    "prod_dim": (lambda T, a: T.prod(a, 1), (A23,)),
    "prod_dim_zeros": (lambda T, a: a.prod(0, keepdim=True), (np.float32([[2, 0, 3], [0, -1, 4]]),)),
    "amax": (lambda T, a: a.amax(), (A23,)),
    "amax_ties": (lambda T, a: T.amax(a, 1), (np.float32([[1, 3, 3], [2, 2, 2]]),)),
    "amin_dims": (lambda T, a: a.amin((0, 1), keepdim=True), (np.float32([[1, 0, 3], [0, 2, 0]]),)),
    "view": (lambda T, a: a.view(3, 2), (A23,)),
    "view_infer": (lambda T, a: a.view(-1), (A23,)),
    "reshape_view": (lambda T, a: a.reshape(6), (A23,)),
    "reshape_copy": (lambda T, a: a.t().reshape(6), (A23,)),
    "flatten": (lambda T, a: a.flatten(), (A23,)),
    "t": (lambda T, a: a.t(), (A23,)),
    "transpose": (lambda T, a: a.transpose(0, 1), (A23,)),
    "permute": (lambda T, a: a.view(1, 2, 3).permute(2, 0, 1), (A23,)),
    "expand": (lambda T, a: a.expand(4, 3), (rand(1, 3),)),
    "expand_new_dims": (lambda T, a: a.expand(2, 4, 3), (rand(3),)),
    "unsqueeze": (lambda T, a: a.unsqueeze(1), (A23,)),
    "squeeze": (lambda T, a: a.squeeze(), (rand(1, 3, 1),)),
    "squeeze_dim": (lambda T, a: a.squeeze(0), (rand(1, 3, 1),)),
    "select": (lambda T, a: a[1], (A23,)),
    "select_chain": (lambda T, a: a[0, 1], (A23,)),
    "slice": (lambda T, a: a[:, 1:], (A23,)),
    "slice_step": (lambda T, a: a[:, ::2], (A23,)),
    "slice_then_select": (lambda T, a: a[1:, 0], (A23,)),
    "none_index": (lambda T, a: a[None], (A23,)),
    "ellipsis_index": (lambda T, a: a[..., 1], (A23,)),
    "alias": (lambda T, a: a[...], (A23,)),
    "as_strided": (lambda T, a: a.as_strided((2, 2), (1, 2)), (A23,)),
    "split_sizes": (lambda T, a: a.split([1, 2], 1)[1], (A23,)),
    "index_list": (lambda T, a: a[[0, 0, 1]], (A23,)),
    "index_mask": (lambda T, a: a[a > 0], (A23,)),
    "narrow": (lambda T, a: a.narrow(1, 1, 2), (A23,)),
    "clone": (lambda T, a: a.clone(), (A23,)),
    "contiguous_copy": (lambda T, a: a.t().contiguous(), (A23,)),
    "to_double": (lambda T, a: a.double(), (A23,)),
    "to_dtype": (lambda T, a: a.to(T.float64), (A23,)),
    "mm": (lambda T, a, b: T.mm(a, b), (A23, rand(3, 4))),
    "matmul_2d": (lambda T, a, b: a @ b, (A23, rand(3, 4))),
    "matmul_dot": (lambda T, a, b: a @ b, (C3, rand(3))),
    "matmul_mv": (lambda T, a, b: a @ b, (A23, C3)),
    "cat": (lambda T, a, b: T.cat([a, b], 1), (A23, B23)),
    "cat_dim0": (lambda T, a, b: T.cat((a, b)), (A23, rand(1, 3))),
    "stack": (lambda T, a, b: T.stack([a, b]), (A23, B23)),
    "unbind": (lambda T, a: a.unbind(0)[1], (A23,)),
    "split": (lambda T, a: a.split(2, 1)[0], (A23,)),
    "chunk": (lambda T, a: a.chunk(2)[1], (rand(4, 3),)),
    "mixed_dtypes": (lambda T, a, b: a * b.double(), (A23, B23)),
    "half": (lambda T, a: a.half() * 2, (A23,)),
    "bfloat16_sum": (lambda T, a: a.bfloat16().sum(), (A23,)),
    "float64": (lambda T, a, b: (a * b).exp(), (A23.astype(np.float64), B23.astype(np.float64))),
    "bmm": (lambda T, a, b: T.bmm(a, b), (rand(2, 2, 3), rand(2, 3, 2))),
    "mv": (lambda T, a, b: T.mv(a, b), (A23, C3)),
    "addmm": (lambda T, a, b, c: T.addmm(a, b, c), (C3, A23.T.copy(), B23)),
    "addmm_scaled": (lambda T, a, b, c: T.addmm(a, b, c, beta=0.5, alpha=-2), (rand(2, 1), A23, rand(3, 4))),
    "linear": (lambda T, x, w, b: T.nn.functional.linear(x, w, b), (rand(4, 3), A23, rand(2))),
    "linear_3d": (lambda T, x, w, b: T.nn.functional.linear(x, w, b), (rand(2, 4, 3), A23, rand(2))),
    "lerp": (lambda T, a, b: T.lerp(a, b, 0.3), (A23, B23)),
    "lerp_large_weight": (lambda T, a, b: a.lerp(b, -1.5), (A23, B23)),
    "lerp_tensor": (lambda T, a, b, c: T.lerp(a, b, c), (A23, rand(3), rand(2, 1))),
    "addcmul": (lambda T, a, b, c: T.addcmul(a, b, c, value=-0.5), (A23, rand(3), rand(2, 1))),
    "addcdiv": (lambda T, a, b, c: T.addcdiv(a, b, c, value=2), (C3, A23, P23)),
    "mse_loss": (lambda T, a, b: T.nn.functional.mse_loss(a, b), (A23, B23)),
    "mse_loss_sum": (lambda T, a, b: T.nn.functional.mse_loss(a, b, reduction="sum"), (A23, B23)),
    "mse_loss_none": (lambda T, a, b: T.nn.functional.mse_loss(a, b, reduction="none"), (A23, B23)),
    "dot": (lambda T, a, b: T.dot(a, b), (C3, rand(3))),
    "chain": (lambda T, a, b: ((a * b).exp() + a.sigmoid() * 3).sum(1) / 4, (A23, B23)),
    "rsub_tensor": (lambda T, a, b: T.rsub(a, b, alpha=2), (A23, B23)),
    "atan2": (lambda T, a, b: T.atan2(a, b), (A23, B23)),
    "squeeze_dims": (lambda T, a: a.squeeze((0, 2)), (rand(1, 3, 1),)),
    "diagonal": (lambda T, a: a.diagonal(), (rand(3, 3),)),
    "diagonal_offset": (lambda T, a: a.diagonal(1), (rand(3, 4),)),
    "diagonal_dims": (lambda T, a: a.diagonal(-1, 0, 2), (rand(2, 3, 4),)),
    "unfold": (lambda T, a: a.unfold(1, 2, 1), (A23,)),
    "unfold_step": (lambda T, a: a.unfold(0, 2, 2), (rand(5, 2),)),
    "as_strided_": (lambda T, a: (a * 1).as_strided_((2, 2), (1, 2)), (A23,)),
    "fill_": (lambda T, a: (a * 1).fill_(2.0), (A23,)),
    "fill_tensor": (lambda T, a, b: (a * 1).fill_(b[0, 0]), (A23, B23)),
    "zero_": (lambda T, a: (a * 1).zero_(), (A23,)),
    "uniform_": (lambda T, a: (a * 1).uniform_(2, 2), (A23,)),  # a zero-width range: no randomness
    "normal_": (lambda T, a: (a * 1).normal_(-1, 0), (A23,)),
    "copy_": (lambda T, a, b: (a * 1).copy_(b), (A23, B23)),
    "index_put": (lambda T, a, b: a.index_put((T.tensor([0, 1]),), b[0]), (A23, B23)),
    "index_put_accumulate": (
        lambda T, a, b: a.index_put((T.tensor([1, 1]),), b[0], accumulate=True),
        (A23, B23),
    ),
}


def _op_program(name: str) -> Callable[..., Any]:
    fn, arrays = OPS[name]

    def program(T: Any, cotangent_seed: int) -> Any:
        inputs = [leaf(T, x) for x in arrays]
        out = fn(T, *inputs)
        cotangent = np.random.default_rng(cotangent_seed).standard_normal(tuple(out.shape))
        try:
            out.backward(T.tensor(cotangent.astype(np.float32)).to(out.dtype))
        except RuntimeError as err:  # e.g. floor_divide: torch records a node that refuses backward
            return {"out": out, "backward": err}
        return {"out": out, "grads": [x.grad for x in inputs], "next": len(out.grad_fn.next_functions)}

    return program


@pytest.mark.parametrize("name", list(OPS))
def test_op_grad_fn_and_vjp_match_torch(name: str) -> None:
    """grad_fn class name, number of next edges, and the VJP with a random cotangent, as torch."""
    observed = same(_op_program(name), 7, rtol=1e-4, atol=1e-5)
    assert observed["out"][6] is not None  # the op recorded history in torch


@pytest.mark.parametrize("name", ["mul", "exp", "sigmoid", "mm", "sum_dim", "add_broadcast", "index_list"])
@pytest.mark.parametrize("k", [2, 3])
def test_k_backward_calls_accumulate_k_times_one_grad(name: str, k: int) -> None:
    """.grad accumulates: k backward calls (retain_graph) give k times one call's gradient, as torch."""
    fn, arrays = OPS[name]

    def program(T: Any, calls: int) -> Any:
        inputs = [leaf(T, x) for x in arrays]
        out = fn(T, *inputs)
        cotangent = T.tensor(np.random.default_rng(3).standard_normal(tuple(out.shape)).astype(np.float32))
        for _ in range(calls):
            out.backward(cotangent, retain_graph=True)
        return [x.grad for x in inputs]

    once = same(program, 1, rtol=1e-4, atol=1e-5)
    k_times = same(program, k, rtol=1e-4, atol=1e-5)
    for one, many in zip(once, k_times, strict=True):
        np.testing.assert_allclose(many[3], k * one[3], rtol=1e-5, atol=1e-6)


COMPLEX_PROGRAMS: dict[str, Callable[..., Any]] = {
    "mul_abs": lambda T, a, b: (a * b).abs().sum(),
    "exp": lambda T, a, b: (a.exp() * b).abs().sum(),
    "div": lambda T, a, b: (a / b).abs().sum(),
    "pow": lambda T, a, b: (a**2 + b).abs().sum(),
    "mm": lambda T, a, b: a.view(3, 1).mm(b.view(1, 3)).abs().sum(),
    "sigmoid": lambda T, a, b: (a.sigmoid() * b).abs().sum(),
    "implicit_complex_scalar": lambda T, a, b: (a * b).sum(),
}


@pytest.mark.parametrize("name", list(COMPLEX_PROGRAMS))
def test_complex_gradients_follow_torch_conjugate_convention(name: str) -> None:
    """Complex inputs: torch's gradients are conjugate Wirtinger derivatives (saved values conjugated)."""

    def program(T: Any) -> Any:
        a, b = (T.tensor(rand(3) + 1j * rand(3), dtype=T.complex64, requires_grad=True) for _ in range(2))
        COMPLEX_PROGRAMS[name](T, a, b).backward()
        return [a.grad, b.grad]

    same(program)


# --- requires_grad, leaves, grad_fn --------------------------------------------------------------


def test_seed_snippet_add_mul_backward_with_vector() -> None:
    """Seed 000: y = x + 2 (AddBackward0), z = y*y*2 (MulBackward0), z.backward(v), x.grad."""

    def program(T: Any) -> Any:
        x = leaf(T, rand(3))
        y = x + 2
        z = y * y * 2
        v = T.tensor([0.1, 1.0, 0.001], dtype=T.float32)
        z.backward(v)
        return [y, z, x.grad]

    same(program)


def test_seed_snippet_scalar_linear_grads() -> None:
    """Seed 001: y = w*x + b with x not requiring grad: dy/dx None, dy/dw = x, dy/db = 1."""

    def program(T: Any) -> Any:
        x = T.tensor(3.0)
        w = T.tensor(4.0, requires_grad=True)
        b = T.tensor(5.0, requires_grad=True)
        y = w * x + b
        y.backward()
        return [y, x.grad, w.grad, b.grad]

    observed = same(program)
    assert observed[2][3] == 3.0 and observed[3][3] == 1.0  # the seed's printed values


def test_seed_snippet_practice_pow() -> None:
    """Seed 000 practice example: loss = (w*x - y)**2 is PowBackward0; dloss/dw = -2 at w=1, x=1, y=2."""

    def program(T: Any) -> Any:
        x, y = T.tensor(1.0), T.tensor(2.0)
        w = T.tensor(1.0, requires_grad=True)
        loss = (w * x - y) ** 2
        loss.backward()
        return [loss, w.grad]

    observed = same(program)
    assert observed[1][3] == -2.0  # the seed's pen-and-paper value


@pytest.mark.parametrize(
    "program",
    [
        pytest.param(lambda T: T.tensor([1, 2]).requires_grad_(), id="int_requires_grad_"),
        pytest.param(lambda T: T.zeros(2, dtype=T.int64, requires_grad=True), id="int_factory"),
        pytest.param(lambda T: T.tensor([1, 2], requires_grad=True), id="int_tensor_factory"),
        pytest.param(lambda T: setattr(T.tensor([True]), "requires_grad", True), id="bool_setter"),
        pytest.param(lambda T: T.zeros(2, dtype=T.int64).requires_grad_(False), id="int_false_ok"),
        pytest.param(lambda T: T.zeros(2, dtype=T.complex64).requires_grad_(), id="complex_ok"),
        pytest.param(lambda T: T.zeros(2, dtype=T.float16, requires_grad=True), id="half_ok"),
    ],
)
def test_requires_grad_dtypes(program: Callable[..., Any]) -> None:
    """Only floating and complex tensors may require grad; torch's three messages differ by entry point."""
    same(program)


def _nonleaf(T: Any) -> Any:
    return leaf(T, rand(3)) * 2


@pytest.mark.parametrize(
    "program",
    [
        pytest.param(lambda T: setattr(_nonleaf(T), "requires_grad", False), id="setter_false"),
        pytest.param(lambda T: setattr(_nonleaf(T), "requires_grad", True), id="setter_true"),
        pytest.param(lambda T: _nonleaf(T).requires_grad_(False), id="method_false"),
        pytest.param(lambda T: _nonleaf(T).requires_grad_(True), id="method_true_ok"),
    ],
)
def test_only_leaves_change_requires_grad(program: Callable[..., Any]) -> None:
    same(program)


def test_leaves_and_non_leaves() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        c = T.tensor(rand(3))
        y = a * c
        d = c * 2
        return {
            "flags": [(t.is_leaf, t.requires_grad, t.grad_fn is None) for t in (a, c, y, d)],
            "next": [type(n).__name__ if n is not None else None for n, _ in y.grad_fn.next_functions],
        }

    same(program)


def test_no_grad_results_are_leaves() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        with T.no_grad():
            y = a * 2
            v = a.view(3)
            s = a[1:]
        return [y, v, s, T.is_grad_enabled()]

    same(program)


def test_integer_results_of_float_ops_have_no_history() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(2, 3))
        return [a > 0, a.argmax(), a.long(), (a > 0).sum()]

    same(program)


# --- backward(): roots, gradients, errors ----------------------------------------------------------


@pytest.mark.parametrize(
    "program",
    [
        pytest.param(lambda T: (leaf(T, rand(3)) * 2).backward(), id="non_scalar"),
        pytest.param(lambda T: (leaf(T, rand(3)) * 2).backward(T.ones(2)), id="shape_mismatch"),
        pytest.param(lambda T: (leaf(T, rand(2, 3)) * 2).backward(T.ones(3, 2)), id="shape_mismatch_2d"),
        pytest.param(lambda T: (T.tensor(rand(3)) * 2).sum().backward(), id="no_grad_required"),
        pytest.param(lambda T: T.tensor(1.0).backward(), id="leaf_no_grad"),
        pytest.param(
            lambda T: T.autograd.backward([leaf(T, rand(3)) * 2], [T.ones(3), T.ones(3)]), id="count"
        ),
        pytest.param(lambda T: (leaf(T, rand(3)) * 2).sum().backward(create_graph=False), id="ok"),
    ],
)
def test_backward_errors(program: Callable[..., Any]) -> None:
    same(program)


def test_backward_on_leaf_and_gradient_dtype() -> None:
    """A leaf's own backward(g) sets .grad = g; an int64 gradient is cast to the output's dtype."""

    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        a.backward(T.tensor([1.0, 2.0, 3.0]))
        b = leaf(T, rand(3))
        (b * 2).backward(T.tensor([1, 2, 3]))
        c = leaf(T, rand(3).astype(np.float64))
        (c.float() * 3).sum().backward()
        return [a.grad, b.grad, c.grad]

    same(program)


def test_autograd_backward_several_roots() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        T.autograd.backward([(a * 2).sum(), (a * a).sum()])
        first = a.grad.clone()
        T.autograd.backward([a * 3, (a * 3).sum()], [T.tensor(rand(3)), None])
        return [first, a.grad]

    same(program)


def test_backward_inputs_argument() -> None:
    def program(T: Any) -> Any:
        a, b = leaf(T, rand(3)), leaf(T, rand(3))
        y = a * 2
        (y * b).sum().backward(inputs=[a])
        first = [a.grad, b.grad, y.grad]
        a.grad = None
        (y * b).sum().backward(inputs=[y, b])
        return [*first, a.grad, b.grad, y.grad]

    same(program)
    same(lambda T: (leaf(T, rand(3)) * 2).sum().backward(inputs=[]))


# --- .grad accumulation ------------------------------------------------------------------------------


def test_grad_accumulates_in_place_same_object() -> None:
    """torch adds later gradients into the existing .grad tensor (same object) until zero_() / None."""

    def program(T: Any) -> Any:
        x = leaf(T, rand(3))
        (x * 2).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        same_after_add = g is x.grad
        x.grad.zero_()
        (x * 5).sum().backward()
        same_after_zero = g is x.grad
        x.grad = None
        (x * 7).sum().backward()
        return [same_after_add, same_after_zero, g, x.grad, g is x.grad]

    observed = same(program)
    assert observed[:2] == [True, True]  # torch 2.13: in-place accumulation


def test_seed_snippet_accumulation_and_retain_graph() -> None:
    """Seed 004: backward twice accumulates; the graph is freed; retain_graph=True allows a second pass."""

    def program(T: Any) -> Any:
        w, b, x = leaf(T, np.array([0.5])), leaf(T, np.array([2.0])), T.tensor(np.array([0.5]))
        ystar = T.tensor(np.array([-0.3]))

        def fun() -> Any:
            return T.sum((T.exp(w * x + b) - ystar) ** 2)

        fun().backward()
        first = [w.grad.clone(), b.grad.clone()]
        loss = fun()
        loss.backward()
        second = [w.grad.clone(), b.grad.clone()]
        try:
            loss.backward()
            error = None
        except RuntimeError as err:
            error = str(err)
        w.grad.zero_()
        b.grad.zero_()
        loss = fun()
        loss.backward(retain_graph=True)
        loss.backward()
        return [first, second, error, w.grad, b.grad]

    observed = same(program, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(observed[1][0][3], 2 * observed[0][0][3])


# --- retain_graph: which nodes free saved tensors ------------------------------------------------

SECOND_BACKWARD = [
    "add", "sub", "add_scalar", "rsub", "neg", "sum", "sum_dim", "mean", "mean_dim", "view", "t",
    "permute", "expand", "unsqueeze", "squeeze", "select", "slice", "clone", "to_double", "cat",
    "stack", "unbind", "mul", "mul_scalar", "rmul", "div", "div_scalar", "rdiv", "exp", "pow_scalar",
    "pow_tensor", "rpow", "relu", "sigmoid", "tanh", "log", "sin", "sqrt", "mm", "matmul_dot",
    "max", "index_list", "where", "clamp",
]  # fmt: skip


@pytest.mark.parametrize("name", SECOND_BACKWARD)
def test_second_backward_raises_exactly_when_torch_does(name: str) -> None:
    """A node that saved tensors frees them after backward; a node that saved none can run again."""
    fn, arrays = OPS[name]

    def program(T: Any) -> Any:
        inputs = [leaf(T, x) for x in arrays]
        out = fn(T, *inputs).sum()
        out.backward()
        try:
            out.backward()
        except RuntimeError as err:
            return ["raised", str(err), [x.grad for x in inputs]]
        return ["ok", [x.grad for x in inputs]]

    same(program, rtol=1e-4, atol=1e-5)


def test_retain_graph_then_free() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        y = (a * a).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=False)
        try:
            y.backward()
        except RuntimeError as err:
            return [a.grad, str(err)]
        return [a.grad, None]

    assert same(program)[1] is not None


def test_reusing_a_freed_subgraph_raises() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        y = a.exp()
        y.sum().backward()
        (y + 1).sum().backward()

    same(program)


# --- retain_grad ---------------------------------------------------------------------------------


def test_retain_grad_on_non_leaf() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        y = a * 2
        z = a * 3
        y.retain_grad()
        y.retain_grad()
        (y * y + z).sum().backward(retain_graph=True)
        g = y.grad
        (y * y + z).sum().backward()
        return [y.grad, z.grad, y.retains_grad, z.retains_grad, a.retains_grad, g is y.grad]

    same(program)


@pytest.mark.parametrize("where", ["self", "view", "base"])
def test_retain_grad_follows_inplace_history(where: str) -> None:
    """retain_grad() survives an in-place op: .grad is the gradient of the tensor's new value."""

    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        y = a * 2
        v = y[1:]
        kept = v if where == "base" else y
        kept.retain_grad()
        (v if where == "view" else y).mul_(3)
        (kept * T.tensor(rand(*tuple(kept.shape)))).sum().backward()
        return [kept.grad, a.grad, kept.grad_fn]

    same(program)


def test_retain_grad_errors_and_leaf_noop() -> None:
    same(lambda T: T.tensor(rand(3)).retain_grad())

    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        a.retain_grad()
        return a.retains_grad

    same(program)


# --- grad mode ---------------------------------------------------------------------------------------


def test_grad_mode_context_managers_and_decorators() -> None:
    def program(T: Any) -> Any:
        seen = []

        @T.no_grad()
        def f() -> bool:
            return T.is_grad_enabled()

        @T.no_grad
        def g() -> bool:
            return T.is_grad_enabled()

        @T.enable_grad()
        def h() -> bool:
            return T.is_grad_enabled()

        @T.set_grad_enabled(False)
        def k() -> bool:
            return T.is_grad_enabled()

        seen += [f(), g(), k(), T.is_grad_enabled()]
        with T.no_grad():
            seen += [h(), T.is_grad_enabled()]
            with T.enable_grad():
                seen.append(T.is_grad_enabled())
            with T.set_grad_enabled(True):
                seen.append(T.is_grad_enabled())
        with T.set_grad_enabled(False):
            seen.append(T.is_grad_enabled())
        seen.append(T.is_grad_enabled())
        T.set_grad_enabled(False)
        seen.append(T.is_grad_enabled())
        T.set_grad_enabled(True)
        seen.append(T.is_grad_enabled())
        return seen

    same(program)


def test_grad_mode_generator_and_exceptions() -> None:
    def program(T: Any) -> Any:
        @T.no_grad()
        def gen() -> Any:
            yield T.is_grad_enabled()
            yield T.is_grad_enabled()

        it = gen()
        seen = [next(it), T.is_grad_enabled(), next(it)]
        try:
            with T.no_grad():
                raise KeyError
        except KeyError:
            seen.append(T.is_grad_enabled())
        return seen

    same(program)
    same(lambda T: T.set_grad_enabled("yes"))


def test_detach_and_requires_grad_() -> None:
    """Seed 000: requires_grad_(False/True), detach() and no_grad() stop history."""

    def program(T: Any) -> Any:
        t = leaf(T, rand(3))
        t.requires_grad_(False)
        off = t.requires_grad
        t.requires_grad_(True)
        o = t.detach()
        with T.no_grad():
            y = t + 2
        z = (t * 2).detach()
        o[0] = 5.0  # shares memory with t; bumps the shared version
        return [off, t, o, y, z, o._base is t, t._version, o.requires_grad_()]

    same(program)


# --- in-place ops and the version counter --------------------------------------------------------


@pytest.mark.parametrize(
    "program",
    [
        pytest.param(lambda T: leaf(T, rand(3)).add_(1), id="leaf"),
        pytest.param(lambda T: leaf(T, rand(3)).mul_(2), id="leaf_mul"),
        pytest.param(lambda T: leaf(T, rand(3))[0].add_(1), id="view_of_leaf"),
        pytest.param(lambda T: leaf(T, rand(3)).view(3).zero_(), id="view_of_leaf_zero"),
        pytest.param(lambda T: leaf(T, rand(3)).detach().add_(1), id="detached"),
    ],
)
def test_inplace_on_leaf_requiring_grad(program: Callable[..., Any]) -> None:
    same(program)


def test_inplace_under_no_grad_is_allowed() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        with T.no_grad():
            a.add_(1)
            a -= 0.5
        return [a, a._version, a.is_leaf]

    same(program)


# forward(a, b) with a requiring grad, then modify(y, b) in place, then backward: torch's outcome
MODIFY_SAVED: dict[str, tuple[Callable, Callable]] = {
    "exp_output": (lambda a, b: a.exp(), lambda y, b: y.add_(1)),
    "sigmoid_output": (lambda a, b: a.sigmoid(), lambda y, b: y.mul_(2)),
    "relu_output": (lambda a, b: a.relu(), lambda y, b: y.add_(2)),
    "mul_input": (lambda a, b: a * b, lambda y, b: b.add_(1)),
    "version_2": (lambda a, b: a * b, lambda y, b: b.add_(1).add_(1)),
    "through_view": (lambda a, b: a * b, lambda y, b: b[0].fill_(1)),
    "through_detach": (lambda a, b: a * b, lambda y, b: b.detach().zero_()),
    "add_saves_nothing": (lambda a, b: a + b, lambda y, b: b.add_(1)),
    "unsaved_operand": (lambda a, b: (a * 1) * 2 + b, lambda y, b: b.add_(1)),
}


@pytest.mark.parametrize("case", list(MODIFY_SAVED))
def test_version_counter_catches_modified_saved_tensors(case: str) -> None:
    forward, modify = MODIFY_SAVED[case]
    same(lambda T: _modify_then_backward(T, forward, modify))


def test_version_counter_names_the_non_leaf_and_skips_leaves() -> None:
    same(_nonleaf_saved_modified)
    same(_leaf_saved_modified_no_grad)


def _modify_then_backward(T: Any, forward: Callable, modify: Callable) -> Any:
    a, b = leaf(T, rand(3)), T.tensor(rand(3))
    y = forward(a, b)
    modify(y, b)
    y.sum().backward()
    return a.grad


def _nonleaf_saved_modified(T: Any) -> Any:
    a, b = leaf(T, rand(3)), leaf(T, rand(3))
    y = a * 1
    z = y * b
    y.add_(1)
    z.sum().backward()


def _leaf_saved_modified_no_grad(T: Any) -> Any:
    a = leaf(T, rand(2, 3))
    z = a * a
    with T.no_grad():
        a.add_(1)
    z.sum().backward()


@pytest.mark.parametrize(
    "op",
    [
        pytest.param(lambda y, b: y.mul_(b), id="mul_"),
        pytest.param(lambda y, b: y.div_(b), id="div_"),
        pytest.param(lambda y, b: y.add_(b), id="add_"),
        pytest.param(lambda y, b: y.sub_(b, alpha=2), id="sub_"),
        pytest.param(lambda y, b: y.exp_(), id="exp_"),
        pytest.param(lambda y, b: y.pow_(2), id="pow_"),
        pytest.param(lambda y, b: y.relu_(), id="relu_"),
        pytest.param(lambda y, b: y.sigmoid_(), id="sigmoid_"),
        pytest.param(lambda y, b: y.zero_(), id="zero_"),
        pytest.param(lambda y, b: y.copy_(b), id="copy_"),
        pytest.param(lambda y, b: y.__imul__(b), id="imul"),
    ],
)
def test_inplace_history_and_gradients(op: Callable) -> None:
    """An in-place op on a non-leaf gives it the op's node (torch's names) and correct gradients,
    using the values from before the write (torch saves the original self where needed)."""

    def program(T: Any) -> Any:
        a, b = leaf(T, rand(2, 3)), leaf(T, np.abs(rand(2, 3)) + 0.5)
        y = a * 1.5
        r = op(y, b)
        y.backward(T.tensor(rand(2, 3)))
        return [r is y, y, a.grad, b.grad, y._version]

    same(program, rtol=1e-4, atol=1e-5)


def test_failed_inplace_op_leaves_version_tracking_intact() -> None:
    """A failed y.add_() must not change what later nodes save: modifying y afterwards is still caught;
    and the original values an in-place op saved are not affected by later writes (torch clones them)."""

    def program(T: Any) -> Any:
        a, b = leaf(T, rand(3)), leaf(T, rand(3))
        y = a * 1
        try:
            y.add_(T.ones(5))
        except RuntimeError as err:
            failed = str(err)
        z = y * b
        y.add_(1)
        try:
            z.sum().backward()
        except RuntimeError as err:
            caught = str(err)
        w = a * 1
        w.mul_(b)
        w.add_(1)
        w.sum().backward()
        return [failed, caught, a.grad, b.grad]

    same(program)


def test_inplace_with_grad_requiring_operand_gives_history() -> None:
    def program(T: Any) -> Any:
        x = T.zeros(3)
        a = leaf(T, rand(3))
        x.add_(a)
        x.mul_(a)
        x.sum().backward()
        return [x, a.grad]

    same(program)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda T, y, b: y.__setitem__(0, 0.0), id="setitem_row"),
        pytest.param(lambda T, y, b: y.__setitem__((0, 1), b[0, 0]), id="setitem_from_grad"),
        pytest.param(lambda T, y, b: y[:, 1:].mul_(b[:, :2]), id="view_mul_"),
        pytest.param(lambda T, y, b: y[1].exp_(), id="view_exp_"),
        pytest.param(lambda T, y, b: y.__setitem__([0], b[1:]), id="index_put"),
        pytest.param(lambda T, y, b: y.__setitem__(y > 0, 0.0), id="mask_put"),
    ],
)
def test_inplace_into_views_of_non_leaves(write: Callable) -> None:
    """Writing into a view: the base gets torch's CopySlices (or IndexPutBackward0); grads as torch."""

    def program(T: Any) -> Any:
        a, b = leaf(T, rand(2, 3)), leaf(T, rand(2, 3))
        y = a * 2
        view = y[1]
        write(T, y, b)
        out = [y, view]
        (y * T.tensor(rand(2, 3))).sum().backward(retain_graph=True)
        return [*out, a.grad, b.grad]

    same(program, rtol=1e-4, atol=1e-5)


def test_write_into_view_of_plain_tensor_from_grad_tensor() -> None:
    def program(T: Any) -> Any:
        x = T.zeros(2, 3)
        a = leaf(T, rand(3))
        x[1] = a * 2
        x[0, :2].add_(a[1:])
        (x * T.tensor(rand(2, 3))).sum().backward()
        return [x, a.grad]

    same(program)


def test_views_made_before_the_base_had_history_are_regenerated() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        x = T.zeros(3)
        v = x[0:2]
        v2 = x[1:]
        v2.mul_(a[:2])
        y = T.zeros(3)
        u = y[:2]
        y[2] = a[0] * 2
        (v * T.tensor(rand(2))).sum().backward()
        return [v, x, u, a.grad]

    same(program)


def test_base_inplace_regenerates_views() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(2, 3))
        y = a * 1
        v = y[0]
        y.mul_(2)
        (v * T.tensor(rand(3))).sum().backward()
        return [v, a.grad, v._version]

    same(program)


# --- torch.autograd.grad -----------------------------------------------------------------------------


def test_autograd_grad_values_and_no_accumulation() -> None:
    def program(T: Any) -> Any:
        a, b = leaf(T, rand(3)), leaf(T, rand(3))
        y = (a * b).sum()
        ga = T.autograd.grad(y, a, retain_graph=True)
        gab = T.autograd.grad([y], [a, b])
        v = a * b
        gv = T.autograd.grad(v, [b], grad_outputs=T.tensor(rand(3)))
        return [ga, gab, gv, a.grad, b.grad, type(ga).__name__]

    same(program)


@pytest.mark.parametrize(
    "program",
    [
        pytest.param(
            lambda T: T.autograd.grad((leaf(T, rand(3)) * 2).sum(), [leaf(T, rand(2))]), id="unused"
        ),
        pytest.param(
            lambda T: T.autograd.grad((leaf(T, rand(3)) * 2).sum(), [leaf(T, rand(2))], allow_unused=True),
            id="allow_unused",
        ),
        pytest.param(
            lambda T: T.autograd.grad((leaf(T, rand(3)) * 2).sum(), [T.ones(2)]), id="no_grad_input"
        ),
        pytest.param(lambda T: T.autograd.grad(T.ones(2).sum(), [leaf(T, rand(2))]), id="no_grad_output"),
        pytest.param(lambda T: T.autograd.grad((leaf(T, rand(3)) * 2).sum(), []), id="empty"),
        pytest.param(lambda T: T.autograd.grad(leaf(T, rand(3)) * 2, [leaf(T, rand(3))]), id="non_scalar"),
        pytest.param(lambda T: _grad_twice(T), id="second_time"),
        pytest.param(lambda T: _grad_non_leaf(T), id="non_leaf_input"),
    ],
)
def test_autograd_grad_errors_and_cases(program: Callable[..., Any]) -> None:
    same(program)


def _grad_twice(T: Any) -> Any:
    a = leaf(T, rand(3))
    y = (a * a).sum()
    T.autograd.grad(y, a)
    return T.autograd.grad(y, a)


def _grad_non_leaf(T: Any) -> Any:
    a = leaf(T, rand(3))
    y = a * 2
    y.retain_grad()
    return [T.autograd.grad((y * y).sum(), y), y.grad, a.grad]


# --- autograd.Function ------------------------------------------------------------------------------


def _square_function(T: Any) -> Any:
    class Square(T.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any, k: float) -> Any:
            ctx.save_for_backward(x)
            ctx.k = k
            ctx.seen = [ctx.needs_input_grad, T.is_grad_enabled()]
            return x * x * k

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (x,) = ctx.saved_tensors
            ctx.seen.append(T.is_grad_enabled())
            return 2 * x * grad * ctx.k, None

    return Square


def test_function_forward_backward_and_node_name() -> None:
    def program(T: Any) -> Any:
        square = _square_function(T)
        a = leaf(T, rand(3))
        y = square.apply(a, 3.0)
        node = y.grad_fn
        y.backward(T.tensor(rand(3)))
        ctx_seen = node.seen if hasattr(node, "seen") else None
        c = T.tensor(rand(3))
        plain = square.apply(c, 2.0)
        with T.no_grad():
            off = square.apply(a, 2.0)
        return [y, a.grad, type(node).__name__, ctx_seen, plain, off]

    same(program)


def test_function_saved_tensors_freed_and_retained() -> None:
    def program(T: Any) -> Any:
        square = _square_function(T)
        a = leaf(T, rand(3))
        y = square.apply(a, 3.0)
        y.sum().backward(retain_graph=True)
        y.sum().backward()
        try:
            y.sum().backward()
        except RuntimeError as err:
            return [a.grad, str(err)]

    same(program)


def test_function_errors() -> None:
    def program(T: Any, bad: str) -> Any:
        class Bad(T.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * 2

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return (g, g) if bad == "count" else g[:2]

        Bad.apply(leaf(T, rand(3))).sum().backward()

    same(program, "count")
    same(program, "shape")


def test_function_identity_output_is_a_view_and_multiple_outputs() -> None:
    def program(T: Any) -> Any:
        class Ident(T.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return g

        class Two(T.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any, y: Any) -> Any:
                ctx.save_for_backward(x, y)
                return x * y, x + y

            @staticmethod
            def backward(ctx: Any, g1: Any, g2: Any) -> Any:
                x, y = ctx.saved_tensors
                return g1 * y + g2, g1 * x + g2

        a, b = leaf(T, rand(3)), T.tensor(rand(3))
        y = Ident.apply(a)
        y.sum().backward()
        p, q = Two.apply(a, b)
        p.sum().backward()  # q's gradient is materialized as zeros
        return [y is a, y._base is a, type(y.grad_fn).__name__, a.grad, b.grad, q]

    same(program)


def test_function_non_differentiable_outputs_and_unmaterialized_grads() -> None:
    def program(T: Any) -> Any:
        seen = []

        class SortLike(T.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.set_materialize_grads(False)
                doubled, flags = x * 2, x * 0
                ctx.mark_non_differentiable(flags)
                ctx.save_for_backward(None, x)
                return doubled, flags

            @staticmethod
            def backward(ctx: Any, g: Any, g_flags: Any) -> Any:
                none, x = ctx.saved_tensors
                seen.extend([none, g_flags, x])
                return g * 2

        a = leaf(T, rand(3))
        doubled, flags = SortLike.apply(a)
        doubled.sum().backward()
        return [flags, doubled, a.grad, seen]

    same(program)


def test_function_classes_sharing_a_name_keep_their_own_backward() -> None:
    def make(T: Any, factor: float) -> Any:
        class Scale(T.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                return x * factor

            @staticmethod
            def backward(ctx: Any, g: Any) -> Any:
                return g * factor

        return Scale

    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        y = make(T, 2.0).apply(a) + make(T, 5.0).apply(a)
        y.sum().backward()
        return [a.grad, y.grad_fn.next_functions[0][0]]

    same(program)


# --- hand-written cases (sources named) --------------------------------------------------------------


def test_hand_written_polynomial_gradient() -> None:
    """d/dx (x^3 + 2x) = 3x^2 + 2 (calculus), at x = 2: 14."""
    x = impl.tensor(2.0, requires_grad=True)
    (x**3 + 2 * x).backward()
    assert x.grad.item() == pytest.approx(14.0)


def test_hand_written_broadcast_gradient_sums() -> None:
    """torch docs (Broadcasting semantics, "in-place semantics" / autograd notes): a gradient flowing
    into a broadcast input is summed over the broadcast dims: d/db sum(a + b) = a.shape[0] per element."""
    a = impl.ones(4, 3, requires_grad=True)
    b = impl.zeros(3, requires_grad=True)
    (a + b).sum().backward()
    np.testing.assert_array_equal(b.grad._data, np.full(3, 4.0, np.float32))
    assert b.grad.dtype is impl.float32


def test_hand_written_exp_second_backward_message() -> None:
    """Seed 004 shows torch's message for a second backward without retain_graph (verbatim)."""
    w = impl.tensor([0.5], requires_grad=True)
    loss = impl.exp(w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph a second time"):
        loss.backward()


def test_grad_dtype_follows_input_dtype() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3).astype(np.float64))
        b = leaf(T, rand(3))
        h = T.tensor(rand(3), dtype=T.float16, requires_grad=True)
        (a * b + h).sum().backward()
        return [a.grad, b.grad, h.grad]

    same(program, rtol=1e-3, atol=1e-3)


def test_create_graph_is_reported_unsupported() -> None:
    a = impl.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph"):
        (a * a).sum().backward(create_graph=True)


def test_deep_chain_runs_without_recursion_limit() -> None:
    def program(T: Any) -> Any:
        a = leaf(T, rand(3))
        y = a
        for _ in range(3000):
            y = y * 1.0001
        y.sum().backward()
        return a.grad

    same(program, rtol=1e-4)
