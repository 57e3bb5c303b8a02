"""The torch-like adapter, checked against torch called directly."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import torch

from conformance.engines.torchlike import TorchLikeEngine, make_torch
from spec.engine import DTYPES, Capability, Engine
from tests.spec.support import IMPL, IMPL_MISSING, TORCH


def test_satisfies_the_protocol_with_every_capability() -> None:
    assert isinstance(TORCH, Engine)
    assert TORCH.capabilities == frozenset(Capability) and TORCH.dtypes == frozenset(DTYPES)
    assert TORCH.version == torch.__version__
    assert "float64" not in TorchLikeEngine(torch, "torch", "mps").dtypes


@pytest.mark.parametrize("name", DTYPES)
def test_dtype_names_round_trip(name: str) -> None:
    t = TORCH.tensor([1, 0], dtype=name)
    assert TORCH.dtype(t) == name == str(t.dtype).split(".")[1]
    assert TORCH.to_numpy(t).dtype == (ml_dtypes.bfloat16 if name == "bfloat16" else np.dtype(name))


def test_to_numpy_copies_exactly() -> None:
    bf16 = torch.tensor([1.5, -3.0e38, 1e-40], dtype=torch.bfloat16)
    assert np.array_equal(TORCH.to_numpy(bf16).astype(np.float32), bf16.float().numpy())
    half_complex = torch.tensor([1, 2], dtype=torch.float16) + torch.tensor(0.5j)
    assert half_complex.dtype == torch.complex32
    assert np.array_equal(TORCH.to_numpy(half_complex), half_complex.to(torch.complex64).numpy())
    leaf = torch.ones(2, requires_grad=True)
    copy = TORCH.to_numpy(leaf)
    copy[0] = 5
    assert leaf[0].item() == 1
    z = torch.tensor([1 + 2j])
    assert TORCH.to_numpy(z.conj())[0] == 1 - 2j


def test_shares_memory() -> None:
    t = torch.arange(6.0)
    array = np.arange(3.0)
    bf16 = torch.zeros(4, dtype=torch.bfloat16)
    z = torch.tensor([1j, 2j])
    assert TORCH.shares_memory(t, t[1:]) and TORCH.shares_memory(t.view(2, 3).t(), t)
    assert not TORCH.shares_memory(t[:1], t[1:]) and not TORCH.shares_memory(t, t.clone())
    assert TORCH.shares_memory(torch.from_numpy(array), array)
    assert not TORCH.shares_memory(torch.tensor(array), array)
    assert TORCH.shares_memory(bf16[::2], bf16) and not TORCH.shares_memory(bf16[::2], bf16[1::2])
    assert TORCH.shares_memory(z.conj(), z)


def test_calls_methods_and_factories() -> None:
    t = TORCH.tensor([-1.0, 2.0])
    assert TORCH.dtype(TORCH.method("to", t, dtype="float64")) == "float64"
    assert TORCH.to_numpy(TORCH.call("nn.functional.relu", t)).tolist() == [0.0, 2.0]
    assert TORCH.dtype(TORCH.create("zeros_like", t, dtype="int8")) == "int8"
    assert TORCH.dtype(TORCH.create("arange", 3, dtype="int16")) == "int16"
    assert (
        TORCH.promote_types("uint8", "int8")
        == str(torch.promote_types(torch.uint8, torch.int8)).split(".")[1]
    )


def test_custom_function_and_grads() -> None:
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 10 * g * x

    x = TORCH.tensor([1.0, 2.0], requires_grad=True)
    y = TORCH.custom_function(forward, backward)(x)
    TORCH.backward(TORCH.call("sum", y))
    assert TORCH.to_numpy(TORCH.grad(x)).tolist() == [10.0, 20.0]
    assert TORCH.grad_fn(y) is not None and TORCH.is_leaf(x) and not TORCH.is_leaf(y)


def test_make_impl() -> None:
    if IMPL is None:
        pytest.skip(IMPL_MISSING)
    assert IMPL.name == "impl" and IMPL.device == "cpu"
    t = IMPL.tensor([1.5, 2.5], dtype="bfloat16")
    assert IMPL.dtype(t) == "bfloat16" and IMPL.to_numpy(t).astype(np.float32).tolist() == [1.5, 2.5]


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: CUDA adapter paths not run")
def test_cuda_device() -> None:
    engine = make_torch("cuda")
    t = engine.tensor([1.0, 2.0, 3.0])
    assert t.device.type == "cuda" and engine.to_numpy(t).tolist() == [1.0, 2.0, 3.0]
    array = np.arange(3.0)
    assert not engine.shares_memory(engine.from_numpy(array), array)
    assert engine.shares_memory(t, t[1:]) and not engine.shares_memory(t[:1], t[1:])
    assert engine.create("zeros", (2,)).device.type == "cuda"
