"""The NumPy adapter against the protocol, checked live against torch where they agree and against
NumPy itself where they differ (NumPy's divergences must stay visible, never pass)."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
import torch

from conformance.engines.numpy_engine import make_numpy
from spec.engine import DTYPES, Capability
from tests.engines.support import statuses, torch_dtype_name, verdict

ENGINE = make_numpy()


@pytest.mark.parametrize("dtype", DTYPES)
def test_dtype_names_round_trip(dtype: str) -> None:
    t = ENGINE.tensor([1, 0, 1], dtype=dtype)
    assert ENGINE.dtype(t) == dtype == torch_dtype_name(torch.tensor([1, 0, 1], dtype=getattr(torch, dtype)))


def test_bfloat16_to_numpy_is_ml_dtypes_and_rounds_as_torch() -> None:
    values = [1.0, 1.00390625, 3.14159, -2.71828]
    t = ENGINE.tensor(values, dtype="bfloat16")
    array = ENGINE.to_numpy(t)
    assert array.dtype == np.dtype(ml_dtypes.bfloat16)
    expected = torch.tensor(values, dtype=torch.bfloat16).float().numpy()
    np.testing.assert_array_equal(array.astype(np.float32), expected)


VIEWS = [
    ("transpose", (0, 2)),
    ("permute", (2, 0, 1)),
    ("narrow", (1, 1, 2)),
    ("select", (2, -1)),
    ("__getitem__", ((slice(None), slice(1, None, 2)),)),
    ("unfold", (2, 2, 1)),
    ("diagonal", ()),
]


@pytest.mark.parametrize(("op", "args"), VIEWS)
def test_views_have_torch_strides_offsets_and_share_memory(op: str, args: tuple) -> None:
    base = ENGINE.method("reshape", ENGINE.create("arange", 24, dtype="float32"), 2, 3, 4)
    view = ENGINE.method(op, base, *args)
    oracle = getattr(torch.arange(24, dtype=torch.float32).reshape(2, 3, 4), op)(*args)
    assert ENGINE.shape(view) == tuple(oracle.shape)
    assert ENGINE.strides(view) == oracle.stride()
    assert ENGINE.storage_offset(view) == oracle.storage_offset()
    assert ENGINE.shares_memory(view, base)
    assert not ENGINE.shares_memory(ENGINE.method("clone", view), base)


def test_from_numpy_shares_memory_both_ways() -> None:
    array = np.arange(4, dtype=np.float32)
    t = ENGINE.from_numpy(array)
    ENGINE.method("__setitem__", t, 0, 9.0)
    assert array[0] == 9.0 and ENGINE.shares_memory(t, array)


def test_nep50_promotion_is_numpys_not_torchs() -> None:
    """int8 tensor + Python float: NumPy (NEP 50) gives float64, torch the default float32."""
    result = ENGINE.call("add", ENGINE.tensor([1, 2], dtype="int8"), 1.5)
    assert ENGINE.dtype(result) == (np.array([1, 2], np.int8) + 1.5).dtype.name == "float64"
    assert torch_dtype_name(torch.add(torch.tensor([1, 2], dtype=torch.int8), 1.5)) == "float32"


def test_zero_dim_operand_is_not_weak_in_numpy() -> None:
    """torch: int8 tensor + int64 zero-dim tensor stays int8; NumPy 2 promotes to int64."""
    lhs, rhs = ENGINE.tensor([1, 2], dtype="int8"), ENGINE.tensor(3, dtype="int64")
    assert ENGINE.dtype(ENGINE.call("add", lhs, rhs)) == "int64"
    assert torch.add(torch.tensor([1, 2], dtype=torch.int8), torch.tensor(3)).dtype == torch.int8


def test_inplace_float_into_int_raises_numpys_casting_error() -> None:
    t = ENGINE.tensor([1, 2], dtype="int64")
    with pytest.raises(TypeError, match="same_kind"):
        ENGINE.method("add_", t, 1.5)
    with pytest.raises(RuntimeError):  # torch's type differs: RuntimeError, not TypeError
        torch.tensor([1, 2]).add_(1.5)


def test_inplace_returns_self_and_writes() -> None:
    t = ENGINE.tensor([1.0, 2.0], dtype="float32")
    assert ENGINE.method("mul_", t, 3) is t
    np.testing.assert_array_equal(ENGINE.to_numpy(t), torch.tensor([1.0, 2.0]).mul_(3).numpy())


def test_capabilities_leave_out_autograd_and_default_dtype() -> None:
    assert Capability.AUTOGRAD not in ENGINE.capabilities
    assert Capability.DEFAULT_DTYPE not in ENGINE.capabilities
    assert Capability.ERROR_MESSAGES not in ENGINE.capabilities
    assert ENGINE.get_default_dtype() == np.array(1.0).dtype.name == "float64"


@pytest.mark.parametrize("scenario_id", ["autograd.vjp", "autograd.graph_facts", "autograd.retain_graph"])
def test_autograd_scenarios_are_unsupported_not_passed(scenario_id: str) -> None:
    assert statuses(ENGINE, scenario_id) == {"unsupported"}


PROMOTION_CASE = {
    "op": "add",
    "lhs_kind": "tensor",
    "lhs_dtype": "int8",
    "rhs_kind": "scalar",
    "rhs_dtype": "float",
    "default_dtype": "float32",
}


def test_a_numpy_divergence_fails_without_manifest_and_is_expected_with_it() -> None:
    assert verdict(ENGINE, "promotion.binary_op", PROMOTION_CASE) == "fail"
    assert verdict(ENGINE, "promotion.binary_op", PROMOTION_CASE, manifest="numpy") == "expected"


def test_agreement_passes() -> None:
    case = {**PROMOTION_CASE, "rhs_kind": "tensor", "rhs_dtype": "uint8"}
    assert verdict(ENGINE, "promotion.binary_op", case) == "pass"  # int8 + uint8 -> int16 in both


def test_min_with_dim_and_copies_follow_torch_signatures() -> None:
    values, indices = ENGINE.call("min", ENGINE.tensor([[3.0, 1.0, 1.0]]), dim=1)
    expected = torch.tensor([[3.0, 1.0, 1.0]]).min(dim=1)
    assert ENGINE.to_numpy(values).tolist() == expected.values.tolist()
    assert ENGINE.to_numpy(indices).tolist() == expected.indices.tolist()
    t = ENGINE.tensor([1.0, 2.0], dtype="float32")
    assert ENGINE.method("float", t) is t and ENGINE.method("to", t, dtype="float32") is t
    assert not ENGINE.shares_memory(ENGINE.method("to", t, dtype="float32", copy=True), t)


def test_storage_offset_counts_through_as_strided_views() -> None:
    base = ENGINE.method("reshape", ENGINE.create("arange", 60, dtype="float32"), 3, 4, 5)
    corner = ENGINE.method("__getitem__", base, (slice(1, None), slice(1, None), slice(1, None)))
    windows = ENGINE.method("unfold", corner, 2, 2, 1)
    oracle = torch.arange(60.0).reshape(3, 4, 5)[1:, 1:, 1:].unfold(2, 2, 1)
    assert ENGINE.storage_offset(windows) == oracle.storage_offset()
