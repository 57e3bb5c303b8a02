"""The seed tutorials' programs as acceptance tests: each runs unchanged with `torch` and with `impl`
from the same initial values, and must print the same text (numbers within float32 tolerance) and end
with the same parameters. The programs live in tests/impl/seeds/ (one module per program, sources
named there). The seeds' smaller snippets are unit cases here (tensors, NumPy sharing, broadcasting,
dtypes) and in test_autograd.py (autograd, accumulation, retain_graph).

The printed grad_fn names are compared too: nn.Linear runs torch's addmm and mse_loss records torch's
MseLossBackward0 node in impl as well. A DataLoader's shuffle order is a random draw like the initial
values: torch's is replayed on impl.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

import impl

SEEDS = Path(__file__).parent / "seeds"
NUMBER = re.compile(r"-?\d+\.?\d*(?:e[+-]?\d+)?")


def load(name: str) -> ModuleType:
    """A program module from tests/impl/seeds/ (loaded by path: the tests are not a package)."""
    spec = importlib.util.spec_from_file_location(f"seed_{name}", SEEDS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def execute(engine: Any, name: str, *args: Any) -> tuple[str, Any]:
    """Run one seed program with `engine` as its torch; return what it printed and returned."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = load(name).run(engine, *args)
    return out.getvalue(), result


def values(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().to(torch.float64).numpy()
    return np.asarray(t._data, dtype=np.float64)


def assert_same_output(expected: str, actual: str, rtol: float, atol: float) -> None:
    """Same text with every number replaced by '#', and the numbers close."""
    assert NUMBER.sub("#", actual) == NUMBER.sub("#", expected)
    want = np.array([float(x) for x in NUMBER.findall(expected)])
    got = np.array([float(x) for x in NUMBER.findall(actual)])
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def assert_same_run(name: str, *args: Any, rtol: float = 1e-4, atol: float = 1e-4) -> tuple[str, str]:
    """Run on both and compare the printed text and the returned tensors."""
    expected_text, expected = execute(torch, name, *args)
    actual_text, actual = execute(impl, name, *args)
    assert_same_output(expected_text, actual_text, rtol, atol)
    if not isinstance(expected, tuple):
        expected, actual = (expected,), (actual,)
    for e, a in zip(expected, actual, strict=True):
        assert str(a.dtype) == str(e.dtype) and tuple(a.shape) == tuple(e.shape)
        np.testing.assert_allclose(values(a), values(e), rtol=rtol, atol=atol)
    return expected_text, actual_text


RNG = np.random.default_rng(2026)


# torch's fused kernels (addmm for nn.Linear on a matrix, mse_loss) name their nodes; impl composes those
# layers from its ops, so its graph shows the composed node instead (see impl/nn/functional.py)
@pytest.fixture
def replayed_shuffles(monkeypatch: pytest.MonkeyPatch) -> deque[list[int]]:
    """DataLoader(shuffle=True) draws each epoch's order at random, from torch's generator in torch;
    the orders torch's RandomSampler yields are recorded and handed to impl's DataLoader (like the
    initial parameters: a random draw both engines must share). An epoch the program cuts short
    (the tutorial's `break` after one batch) is completed in index order. Returns what is left."""
    orders: deque[list[int]] = deque()
    sample = torch.utils.data.RandomSampler.__iter__

    def recording(self: Any) -> Iterator[int]:
        order: list[int] = []
        orders.append(order)
        for index in sample(self):
            order.append(index)
            yield index

    def replaying(n: int, **_: Any) -> impl.Tensor:
        order = orders.popleft()
        return impl.tensor(order + [i for i in range(n) if i not in order])

    monkeypatch.setattr(torch.utils.data.RandomSampler, "__iter__", recording)
    monkeypatch.setattr(impl.utils.data, "randperm", replaying)
    return orders


def linear_init(rng: np.random.Generator, in_features: int, out_features: int) -> tuple[np.ndarray, ...]:
    """Initial (weight, bias) drawn as nn.Linear draws them: U(-1/sqrt(in), 1/sqrt(in)), float32."""
    bound = 1 / np.sqrt(in_features)
    weight = rng.uniform(-bound, bound, (out_features, in_features)).astype(np.float32)
    return weight, rng.uniform(-bound, bound, out_features).astype(np.float32)


# --- the training programs ---------------------------------------------------------------------


def test_linear_regression_with_autograd_and_no_grad_updates() -> None:
    """Seed 000: w converges to 2; the printed losses (every 10 epochs) follow torch's trajectory."""
    text, _ = assert_same_run("linreg_autograd", rtol=1e-5, atol=1e-7)
    assert "epoch 91: w = 2.000" in text  # torch's own run converges (the seed's printed trajectory)


def test_linear_regression_on_matrices_with_manual_descent() -> None:
    """Seed 001: x @ w.t() + b, MSE via torch.sum / numel, 102 steps of gradient descent in no_grad."""
    w0 = RNG.standard_normal((2, 3)).astype(np.float32)
    b0 = RNG.standard_normal(2).astype(np.float32)
    text, _ = assert_same_run("linreg_matrix", w0, b0, rtol=1e-3, atol=2e-4)
    assert "grad_fn=<DivBackward0>" in text and "grad_fn=<AddBackward0>" in text


def test_polynomial_fit_with_hand_written_gradients() -> None:
    """Seed 002, "using tensors": 2000 steps with no autograd; the loss every 100 steps as torch's."""
    abcd = RNG.standard_normal(4).astype(np.float32)
    assert_same_run("polynomial_manual", abcd, rtol=1e-3, atol=1e-4)


def test_polynomial_fit_with_autograd() -> None:
    """Seed 002, "Auto-grad": loss.backward(), updates in no_grad, grads reset to None."""
    abcd = RNG.standard_normal(4).astype(np.float32)
    assert_same_run("polynomial_autograd", abcd, rtol=1e-3, atol=1e-4)


def test_polynomial_fit_with_custom_function() -> None:
    """Seed 002's LegendrePolynomial3 (autograd.Function) in pytorch.org's training loop."""
    assert_same_run("legendre_function", rtol=1e-3, atol=1e-4)


def test_exp_model_gradients_accumulation_and_retain_graph() -> None:
    """Seed 004: requires_grad_ on int64 fails, grads accumulate, second backward fails, retain_graph."""
    ystar = RNG.standard_normal(1)
    text, _ = assert_same_run("exp_model_grads", ystar, rtol=1e-10, atol=1e-10)
    assert "RuntimeError only Tensors of floating point dtype can require gradients" in text
    assert "RuntimeError Trying to backward through the graph a second time" in text


def test_single_neuron_and_two_layer_forward() -> None:
    """Seed 003: a hand-written sigmoid on (features * weights).sum() + bias and on torch.mm."""
    shapes = {"features": (1, 5), "weights": (1, 5), "bias": (1, 1), "features3": (1, 3)}
    shapes |= {"W1": (3, 2), "W2": (2, 1), "B1": (1, 2), "B2": (1, 1)}
    drawn = {k: RNG.standard_normal(v).astype(np.float32) for k, v in shapes.items()}
    text, _ = assert_same_run("single_neuron", drawn, rtol=1e-3, atol=1e-4)
    assert "RuntimeError" in text  # torch.mm of (1, 5) and (1, 5) fails in both


# --- the training programs on nn, optim and utils.data ---------------------------------------------


def test_seed_imports_name_impl_modules() -> None:
    """The programs' `# seed import:` lines stand for these imports, which work on impl as on torch."""
    import impl.nn as nn
    import impl.nn.functional as F
    from impl.utils.data import DataLoader, TensorDataset

    assert nn is impl.nn and F is impl.nn.functional
    assert (TensorDataset, DataLoader) == (impl.utils.data.TensorDataset, impl.utils.data.DataLoader)


def test_linear_regression_with_dataloader_nn_linear_and_sgd(replayed_shuffles: deque[list[int]]) -> None:
    """Seed 001, "built-ins": TensorDataset, DataLoader(shuffle=True), nn.Linear, F.mse_loss, optim.SGD
    over 100 epochs of 3 batches; the loss printed every 10 epochs follows torch's."""
    weight, bias = linear_init(np.random.default_rng(1), 3, 2)
    text, _ = assert_same_run("linreg_nn", weight, bias, rtol=1e-4, atol=2e-4)
    assert "AddmmBackward0" in text and "MseLossBackward0" in text  # torch's nodes, printed by both
    assert not replayed_shuffles  # impl's loader drew one order per pass, as torch's did
    assert text.count("Epoch [") == 10 and text.count("Parameter containing:") == 4


def test_polynomial_fit_with_sequential_and_manual_updates() -> None:
    """Seed 002, "nn Module": Sequential(Linear(3, 1), Flatten(0, 1)), MSELoss(sum), model.zero_grad(),
    updates over model.parameters() under no_grad."""
    weight, bias = linear_init(np.random.default_rng(2), 3, 1)
    text, _ = assert_same_run("polynomial_nn", weight, bias, rtol=1e-4, atol=1e-4)
    assert text.count("\n") == 21  # 20 losses and the result


def test_polynomial_fit_with_sequential_and_rmsprop() -> None:
    """Seed 002, "PyTorch : optim": the same model trained by optim.RMSprop (zero_grad, step)."""
    weight, bias = linear_init(np.random.default_rng(3), 3, 1)
    assert_same_run("polynomial_optim", weight, bias, rtol=1e-4, atol=1e-4)


def test_polynomial_fit_with_custom_module_and_sgd() -> None:
    """Seed 002's Polynomial3 (an nn.Module of four nn.Parameter) in pytorch.org's SGD loop."""
    abcd = np.random.default_rng(4).standard_normal(4).astype(np.float32)
    text, _ = assert_same_run("polynomial_module", abcd, rtol=1e-4, atol=1e-4)
    assert text.startswith("99 ") and "Result: y = " in text


# --- snippets on tensors, NumPy sharing, broadcasting and dtypes (engine-agnostic, run on both) ------


def _both(snippet: Any) -> list[Any]:
    return [snippet(torch), snippet(impl)]


def test_snippet_view_reshapes_with_inferred_dim() -> None:
    """Seed 000: a.view(-1, 2) of a 4x4 tensor is 8x2 and shares a's memory."""

    def snippet(T: Any) -> Any:
        a = T.tensor(np.arange(16, dtype=np.float32).reshape(4, 4))
        b = a.view(-1, 2)
        a[0, 1] = 100.0
        return tuple(b.shape), values(b)

    (tshape, tvals), (ishape, ivals) = _both(snippet)
    assert ishape == tshape == (8, 2)
    np.testing.assert_array_equal(ivals, tvals)


def test_snippet_numpy_bridge_shares_memory() -> None:
    """Seeds 000, 002, 003, 004: from_numpy and .numpy() share memory both ways; mul_ shows in the array."""

    def snippet(T: Any) -> Any:
        a = np.ones(5)
        b = T.from_numpy(a)
        a[2] = 0
        b[3] = 5
        o = T.ones(5)
        p = o.numpy()
        o.add_(1)
        c = T.from_numpy(np.array([[1, 2], [3, 4.0]]))
        c.mul_(2)
        return [a.tolist(), values(b).tolist(), p.tolist(), str(b.dtype), str(c.dtype), c.numpy().tolist()]

    torch_result, impl_result = _both(snippet)
    assert impl_result == torch_result
    assert torch_result[0] == [1.0, 1.0, 0.0, 5.0, 1.0]  # the seed's printed array


def test_snippet_broadcasting_column_plus_row() -> None:
    """Seed 004: (4, 1) + (1, 5) broadcasts to (4, 5)."""

    def snippet(T: Any) -> Any:
        a = T.tensor([[1.0], [2.0], [3.0], [4.0]])
        b = T.tensor([[5.0, -5.0, 5.0, -5.0, 5.0]])
        c = a + b
        return tuple(a.size()), tuple(b.size()), tuple(c.shape), values(c)

    t, i = _both(snippet)
    assert i[:3] == t[:3] == ((4, 1), (1, 5), (4, 5))
    np.testing.assert_array_equal(i[3], t[3])


def test_snippet_dtype_promotion_with_float64_and_int64() -> None:
    """Seed 004: float32 + float64 tensor is float64; float32 + int64 stays float32; b.long()."""

    def snippet(T: Any) -> Any:
        xr = T.tensor(RNG_FIXED)
        b = T.from_numpy(np.ones(5))
        c = b.long()
        resb, resc = xr + b, xr + c
        return [str(c.dtype), str(resb.dtype), str(resc.dtype), values(resb == resc).tolist()]

    t, i = _both(snippet)
    assert i == t
    assert t[:3] == ["torch.int64", "torch.float64", "torch.float32"]


RNG_FIXED = np.random.default_rng(4).standard_normal((3, 5)).astype(np.float32)


def test_snippet_inplace_add_and_item() -> None:
    """Seed 000: y.add_(x) changes y in place; .item() of one element is a Python int."""

    def snippet(T: Any) -> Any:
        x = T.tensor([[14, 16], [19, 17]])
        y = T.tensor([[1, 4], [1, 4]])
        y.add_(x)
        scalar = x[0, 1]
        return [values(y).tolist(), scalar.item(), type(scalar.item()).__name__]

    t, i = _both(snippet)
    assert i == t


def test_snippet_inplace_transpose() -> None:
    """Seed 004: x.t_() transposes x in place (same values as x.t())."""
    if not hasattr(impl.Tensor, "t_"):
        pytest.skip("impl has no Tensor.t_ yet (an impl/memory.py op, not autograd's)")

    def snippet(T: Any) -> Any:
        z = T.tensor(RNG_FIXED)
        expected = values(z.t())
        z.t_()
        return [tuple(z.shape), values(z).tolist() == expected.tolist(), z.stride()]

    t, i = _both(snippet)
    assert i == t


@pytest.mark.parametrize("engine", [torch, impl], ids=["torch", "impl"])
def test_snippet_requires_grad_on_int_tensor_message(engine: Any) -> None:
    """Seed 004 (torch 1.12 text, unchanged in 2.13 for requires_grad_): only floating point dtypes."""
    with pytest.raises(RuntimeError, match=r"^only Tensors of floating point dtype can require gradients$"):
        engine.from_numpy(np.array([2])).requires_grad_(True)
