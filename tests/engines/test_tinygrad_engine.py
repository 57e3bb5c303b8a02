"""The tinygrad adapter against the protocol: backward gives .grad (checked live against torch),
tinygrad's own rules (every float tensor takes part, weak dtypes, int32 default) show as what
they are, and what tinygrad lacks is reported unsupported by the harness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("tinygrad", reason="tinygrad is not installed: pip install -e .[tinygrad]")

from conformance.engines.tinygrad_engine import make_tinygrad
from spec.engine import DTYPES, Capability
from tests.engines.support import statuses, torch_dtype_name, verdict

ENGINE = make_tinygrad()
try:  # the CPU device compiles C with clang: without a working compiler nothing here can run
    ENGINE.to_numpy(ENGINE.call("add", ENGINE.tensor([1.0]), 1))
except Exception as exc:  # any compiler or device failure
    pytest.skip(f"tinygrad's CPU device cannot run a kernel here: {exc!r}", allow_module_level=True)
REAL_DTYPES = [d for d in DTYPES if not d.startswith("complex")]


def test_no_complex_dtypes() -> None:
    assert ENGINE.dtypes == frozenset(REAL_DTYPES)


@pytest.mark.parametrize("dtype", REAL_DTYPES)
def test_dtype_names_round_trip(dtype: str) -> None:
    t = ENGINE.tensor([1, 0, 1], dtype=dtype)
    assert ENGINE.dtype(t) == dtype
    np.testing.assert_array_equal(
        ENGINE.to_numpy(t).astype(np.float64), torch.tensor([1, 0, 1], dtype=getattr(torch, dtype)).double()
    )


def test_bfloat16_to_numpy_is_ml_dtypes_and_rounds_as_torch() -> None:
    values = [1.0, 1.00390625, 3.14159, -2.71828]
    array = ENGINE.to_numpy(ENGINE.call("add", ENGINE.tensor(values, dtype="bfloat16"), 1))
    assert array.dtype.name == "bfloat16"
    expected = (torch.tensor(values, dtype=torch.bfloat16) + 1).float().numpy()
    np.testing.assert_array_equal(array.astype(np.float32), expected)


def test_backward_gives_grad_equal_to_torchs() -> None:
    xs, ws = [0.5, -1.0, 2.0], [1.5, 0.25, -3.0]
    x, w = ENGINE.tensor(xs), ENGINE.tensor(ws)
    ENGINE.backward(ENGINE.call("sum", ENGINE.call("mul", ENGINE.call("sin", x), w)))
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    (torch.sin(tx) * tw).sum().backward()
    np.testing.assert_allclose(ENGINE.to_numpy(ENGINE.grad(x)), tx.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ENGINE.to_numpy(ENGINE.grad(w)), tw.grad.numpy(), rtol=1e-6)


def test_grad_accumulates_over_backward_calls_as_torchs() -> None:
    x, tx = ENGINE.tensor([3.0, -1.0]), torch.tensor([3.0, -1.0], requires_grad=True)
    for _ in range(3):
        ENGINE.backward(ENGINE.call("sum", ENGINE.call("mul", x, x)))
        (tx * tx).sum().backward()
    np.testing.assert_allclose(ENGINE.to_numpy(ENGINE.grad(x)), tx.grad.numpy())


def test_every_float_tensor_takes_part_even_intermediates() -> None:
    """tinygrad's rule, not torch's: .grad is filled for an intermediate (torch leaves it None)."""
    x = ENGINE.tensor([1.0, 2.0])
    m = ENGINE.call("mul", x, x)
    ENGINE.backward(ENGINE.call("sum", m))
    assert ENGINE.requires_grad(ENGINE.tensor([1.0])) and not ENGINE.requires_grad(ENGINE.tensor([1]))
    assert ENGINE.grad(m) is not None
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    tm = tx * tx
    tm.sum().backward()
    with pytest.warns(UserWarning, match="non-leaf"):
        assert tm.grad is None


def test_autograd_grad_is_tensor_gradient() -> None:
    x = ENGINE.tensor([1.0, 2.0, 3.0])
    (g,) = ENGINE.autograd_grad(ENGINE.call("exp", x), (x,), ENGINE.tensor([1.0, -1.0, 0.5]))
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (tg,) = torch.autograd.grad(torch.exp(tx), (tx,), torch.tensor([1.0, -1.0, 0.5]))
    np.testing.assert_allclose(ENGINE.to_numpy(g), tg.numpy(), rtol=1e-6)


def test_weak_float_result_is_reported_as_its_stored_dtype() -> None:
    result = ENGINE.call("add", ENGINE.tensor([1, 2], dtype="int8"), 1.5)
    assert str(result.dtype) == "dtypes.weakfloat"  # tinygrad's own answer
    assert ENGINE.dtype(result) == torch_dtype_name(torch.add(torch.tensor([1, 2], dtype=torch.int8), 1.5))


def test_default_int_is_int32() -> None:
    assert ENGINE.dtype(ENGINE.tensor([1, 2])) == "int32"
    assert torch.tensor([1, 2]).dtype == torch.int64


def test_set_default_dtype_is_tinygrads_default_float() -> None:
    assert Capability.DEFAULT_DTYPE in ENGINE.capabilities
    ENGINE.set_default_dtype("float64")
    try:
        assert ENGINE.dtype(ENGINE.tensor([1.5])) == ENGINE.get_default_dtype() == "float64"
    finally:
        ENGINE.set_default_dtype("float32")
    assert ENGINE.dtype(ENGINE.tensor([1.5])) == "float32"


def test_inplace_is_assign_and_returns_self() -> None:
    t = ENGINE.tensor([1, 2], dtype="int16")
    assert ENGINE.method("add_", t, 3) is t
    np.testing.assert_array_equal(ENGINE.to_numpy(t), torch.tensor([1, 2], dtype=torch.int16).add_(3).numpy())
    with pytest.raises(RuntimeError):  # a float into an int tensor: torch raises RuntimeError too
        ENGINE.method("add_", t, 1.5)


def test_views_share_their_base() -> None:
    base = ENGINE.method("reshape", ENGINE.create("arange", 12, dtype="float32"), 3, 4)
    assert ENGINE.shares_memory(ENGINE.method("transpose", base, 0, 1), base)
    assert not ENGINE.shares_memory(ENGINE.call("add", base, 1), base)


@pytest.mark.parametrize(
    "scenario_id",
    ["memory.like_layouts", "memory.numpy_sharing", "autograd.retain_graph", "autograd.custom_function"],
)
def test_missing_capabilities_are_unsupported_not_passed(scenario_id: str) -> None:
    assert statuses(ENGINE, scenario_id) == {"unsupported"}


def test_complex_cases_are_unsupported() -> None:
    case = {"a": "complex64", "b": "float32"}
    assert verdict(ENGINE, "promotion.promote_types", case) == "unsupported"
    assert verdict(ENGINE, "promotion.promote_types", {"a": "uint8", "b": "int8"}) == "pass"


@pytest.mark.parametrize(
    ("op", "form"),
    [("floor_divide", "call"), ("remainder", "call"), ("__floordiv__", "method"), ("__mod__", "method")],
)
def test_integer_division_by_a_zero_tensor_raises_instead_of_killing_the_process(op: str, form: str) -> None:
    """tinygrad's kernel would die with SIGFPE (findings T6); the adapter raises ZeroDivisionError,
    and torch raises too (RuntimeError), so the case is a reported divergence, never a crash."""
    a, b = ENGINE.tensor([1, 2, 3], dtype="int32"), ENGINE.tensor([0, 1, 0], dtype="int32")
    run = ENGINE.call if form == "call" else ENGINE.method
    with pytest.raises(ZeroDivisionError, match="SIGFPE"):
        run(op, a, b)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        getattr(torch, op if form == "call" else "floor_divide")(
            torch.tensor([1, 2, 3], dtype=torch.int32), torch.tensor([0, 1, 0], dtype=torch.int32)
        )


def test_division_without_zeros_still_runs() -> None:
    a, b = ENGINE.tensor([7, -7, 9], dtype="int32"), ENGINE.tensor([2, 2, 4], dtype="int32")
    expected = torch.floor_divide(
        torch.tensor([7, -7, 9], dtype=torch.int32), torch.tensor([2, 2, 4], dtype=torch.int32)
    )
    np.testing.assert_array_equal(ENGINE.to_numpy(ENGINE.call("floor_divide", a, b)), expected.numpy())


def test_views_are_checked_without_strides() -> None:
    """VIEWS without STRIDES: memory.views runs (aliasing and write-through), strides are not asked for."""
    assert Capability.VIEWS in ENGINE.capabilities and Capability.STRIDES not in ENGINE.capabilities
    assert "unsupported" not in statuses(ENGINE, "memory.views")


def test_a_huge_integer_power_is_refused_instead_of_taking_minutes() -> None:
    """tinygrad computes the exact big-integer power (findings T9); the adapter refuses past 2**16."""
    t = ENGINE.tensor([5, 0, -2], dtype="int64")
    with pytest.raises(RuntimeError, match="T9"):
        ENGINE.call("pow", t, 2**31)
    small = ENGINE.call("pow", t, 3)
    np.testing.assert_array_equal(ENGINE.to_numpy(small), torch.tensor([5, 0, -2]).pow(3).numpy())


def test_max_with_dim_gives_values_and_indices() -> None:
    values, indices = ENGINE.call("max", ENGINE.tensor([[1.0, 3.0, 2.0]]), dim=1)
    expected = torch.tensor([[1.0, 3.0, 2.0]]).max(dim=1)
    np.testing.assert_array_equal(ENGINE.to_numpy(values), expected.values.numpy())
    np.testing.assert_array_equal(ENGINE.to_numpy(indices), expected.indices.numpy())
