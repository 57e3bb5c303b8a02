"""The JAX adapters ("jax": x64 off, "jax64": x64 on) against the protocol: the x64 switch is per
call, the tape's gradients are JAX's own VJPs (checked against jax.grad and live torch), and what
JAX lacks is reported unsupported by the harness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

jax = pytest.importorskip("jax", reason="JAX is not installed: pip install -e .[jax]")
import jax.numpy as jnp  # noqa: E402

from conformance.engines.jax_engine import make_jax, make_jax64  # noqa: E402
from spec.engine import Capability  # noqa: E402
from tests.engines.support import statuses, torch_dtype_name, verdict  # noqa: E402

JAX, JAX64 = make_jax(), make_jax64()


def test_x64_is_per_engine_and_leaves_the_global_flag_alone() -> None:
    assert (JAX.dtype(JAX.tensor([1.0])), JAX.dtype(JAX.tensor([1]))) == ("float32", "int32")
    assert (JAX64.dtype(JAX64.tensor([1.0])), JAX64.dtype(JAX64.tensor([1]))) == ("float64", "int64")
    assert (JAX.get_default_dtype(), JAX64.get_default_dtype()) == ("float32", "float64")
    assert not jax.config.jax_enable_x64
    with pytest.warns(UserWarning, match="truncated"):  # x64 off: JAX narrows float64 requests
        assert JAX.dtype(JAX.create("zeros", 2, dtype="float64")) == "float32"


@pytest.mark.parametrize("engine", [JAX, JAX64], ids=["jax", "jax64"])
def test_dtype_names_round_trip(engine) -> None:
    supported = ["bool", "uint8", "int8", "int16", "int32", "float16", "bfloat16", "float32", "complex64"]
    for dtype in supported + (["int64", "float64", "complex128"] if engine.x64 else []):
        assert engine.dtype(engine.tensor([1, 0], dtype=dtype)) == dtype


def test_bfloat16_to_numpy() -> None:
    values = [1.0, 1.00390625, 3.14159]
    array = JAX.to_numpy(JAX.tensor(values, dtype="bfloat16"))
    assert array.dtype.name == "bfloat16"
    np.testing.assert_array_equal(
        array.astype(np.float32), torch.tensor(values, dtype=torch.bfloat16).float().numpy()
    )


@pytest.mark.parametrize("engine", [JAX, JAX64], ids=["jax", "jax64"])
def test_tape_backward_equals_jax_grad(engine) -> None:
    xs, ws = [0.5, -1.0, 2.0], [1.5, 0.25, -3.0]
    x, w = engine.tensor(xs, requires_grad=True), engine.tensor(ws, requires_grad=True)
    y = engine.call("sum", engine.call("mul", engine.call("sin", x), engine.call("exp", w)))
    engine.backward(y)
    with jax.enable_x64(engine.x64):
        gx, gw = jax.grad(lambda a, b: jnp.sum(jnp.sin(a) * jnp.exp(b)), argnums=(0, 1))(
            jnp.array(xs), jnp.array(ws)
        )
    np.testing.assert_array_equal(engine.to_numpy(engine.grad(x)), np.asarray(gx))
    np.testing.assert_array_equal(engine.to_numpy(engine.grad(w)), np.asarray(gw))


def test_tape_matches_torch_through_broadcasting_views_and_joins() -> None:
    a, b = np.arange(6.0).reshape(2, 3) / 7, np.array([0.5, -2.0, 1.0])
    x, w = JAX64.tensor(a, requires_grad=True), JAX64.tensor(b, requires_grad=True)
    column = JAX64.method("t", JAX64.method("__getitem__", JAX64.method("transpose", x, 0, 1), slice(0, 1)))
    joined = JAX64.call("cat", [JAX64.call("mul", x, w), column], dim=1)
    out = JAX64.call("sum", JAX64.call("tanh", joined))
    JAX64.backward(out)
    tx, tw = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    torch.tanh(torch.cat([tx * tw, tx.transpose(0, 1)[0:1].T], 1)).sum().backward()
    np.testing.assert_allclose(JAX64.to_numpy(JAX64.grad(x)), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(JAX64.to_numpy(JAX64.grad(w)), tw.grad.numpy(), rtol=1e-12)


def test_autograd_grad_wrt_an_intermediate_matches_torch() -> None:
    x = JAX64.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = JAX64.call("mul", x, x)
    v = JAX64.tensor([1.0, -1.0, 0.5])
    (gm,) = JAX64.autograd_grad(JAX64.call("exp", m), (m,), v)
    tx = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    tm = tx * tx
    (tgm,) = torch.autograd.grad(torch.exp(tm), (tm,), torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64))
    np.testing.assert_allclose(JAX64.to_numpy(gm), tgm.numpy(), rtol=1e-12)


def test_backward_of_non_scalar_without_gradient_raises_jax_grads_type_error() -> None:
    y = JAX.call("mul", JAX.tensor([1.0, 2.0], requires_grad=True), 2)
    with pytest.raises(TypeError, match="scalar"):
        JAX.backward(y)
    with pytest.raises(RuntimeError):  # torch's rule, a different exception type
        (torch.tensor([1.0, 2.0], requires_grad=True) * 2).backward()


def test_leaf_grad_is_overwritten_not_accumulated() -> None:
    """GRAD_ACCUMULATION is left out: JAX gradients are values, the tape sets .grad afresh."""
    assert Capability.GRAD_ACCUMULATION not in JAX.capabilities
    x = JAX.tensor([3.0], requires_grad=True)
    for _ in range(2):
        JAX.backward(JAX.call("sum", JAX.call("mul", x, x)))
    np.testing.assert_array_equal(JAX.to_numpy(JAX.grad(x)), [6.0])


def test_no_grad_and_detach_stop_recording() -> None:
    x = JAX.tensor([1.0], requires_grad=True)
    with JAX.no_grad():
        y = JAX.call("mul", x, 2)
    assert (JAX.requires_grad(y), JAX.is_leaf(y), JAX.grad_fn(y)) == (False, True, None)
    assert not JAX.requires_grad(JAX.method("detach", x))
    z = JAX.call("mul", x, 2)
    assert (JAX.requires_grad(z), JAX.is_leaf(z), JAX.grad_fn(z)) == (True, False, "mul")


def test_integer_leaves_cannot_require_grad() -> None:
    with pytest.raises(TypeError, match="real- or complex-valued"):
        JAX.tensor([1, 2], requires_grad=True)


def test_arrays_are_immutable() -> None:
    t = JAX.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="immutable"):
        JAX.method("add_", t, 1)
    with pytest.raises(TypeError, match="immutable"):
        JAX.method("__setitem__", t, 0, 5.0)


def test_promotion_is_jaxs() -> None:
    """float32 tensor + float64 zero-dim tensor: torch stays float32; JAX (x64) gives float64."""
    lhs, rhs = JAX64.tensor([1, 2], dtype="float32"), JAX64.tensor(2.5, dtype="float64")
    assert JAX64.dtype(JAX64.call("add", lhs, rhs)) == "float64"
    torch_result = torch.add(
        torch.tensor([1, 2], dtype=torch.float32), torch.tensor(2.5, dtype=torch.float64)
    )
    assert torch_dtype_name(torch_result) == "float32"


@pytest.mark.parametrize(
    "scenario_id",
    [
        "memory.views",
        "memory.numpy_sharing",
        "promotion.inplace_cast",
        "autograd.accumulation",
        "autograd.retain_graph",
    ],
)
def test_missing_capabilities_are_unsupported_not_passed(scenario_id: str) -> None:
    assert statuses(JAX, scenario_id) == {"unsupported"}


def test_default_int_divergence_is_a_failure_without_manifest() -> None:
    case = {
        "op": "add",
        "lhs_kind": "tensor",
        "lhs_dtype": "int32",
        "rhs_kind": "tensor",
        "rhs_dtype": "int64",
        "default_dtype": "float32",
    }
    assert verdict(JAX, "promotion.binary_op", case) == "fail"  # int64 truncated to int32 with x64 off
    assert verdict(JAX, "promotion.binary_op", case, manifest="jax") == "expected"  # x64 off, with its reason
    assert verdict(JAX64, "promotion.binary_op", case) == "pass"


def test_relu_is_jax_relu_with_torch_gradient_at_zero() -> None:
    """torch.relu maps to jax.nn.relu (gradient 0 at 0), not to maximum(x, 0) (JAX splits that tie)."""
    x = JAX.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    JAX.backward(JAX.call("sum", JAX.call("relu", x)))
    t = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    torch.relu(t).sum().backward()
    np.testing.assert_array_equal(JAX.to_numpy(JAX.grad(x)), t.grad.numpy())
