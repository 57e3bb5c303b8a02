"""conformance.compare against torch's own comparison, live: agreement means assert_close passes."""

from __future__ import annotations

from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance.compare import DEFAULT_TOLERANCES, Difference, compare
from conformance.manifest import Manifest, ManifestError, lookup
from spec.outcome import ErrorRecord, Outcome, TensorRecord

FLOATS = ("float16", "bfloat16", "float32", "float64", "complex64", "complex128")


def _numpy(dtype: str) -> np.dtype:
    return np.dtype(ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype)


def _outcome(value: np.ndarray, dtype: str, **record: object) -> Outcome:
    return Outcome(tensors={"r": TensorRecord(value, dtype, value.shape, **record)})  # type: ignore[arg-type]


def _torch_agrees(a: np.ndarray, b: np.ndarray, dtype: str) -> bool:
    to_torch = {"bfloat16": lambda x: torch.from_numpy(x.view(np.int16)).view(torch.bfloat16)}
    convert = to_torch.get(dtype, torch.from_numpy)
    try:
        torch.testing.assert_close(convert(a.copy()), convert(b.copy()), equal_nan=True)
    except AssertionError:
        return False
    return True


def test_tolerances_are_torchs() -> None:
    from torch.testing._comparison import default_tolerances

    for name, (rtol, atol) in DEFAULT_TOLERANCES.items():
        assert default_tolerances(getattr(torch, name)) == (rtol, atol)


@settings(deadline=None)
@given(data=st.data(), dtype=st.sampled_from(FLOATS), shape=hnp.array_shapes(max_dims=2, max_side=4))
def test_value_agreement_matches_torch_assert_close(
    data: st.DataObject, dtype: str, shape: tuple[int, ...]
) -> None:
    base_dtype = np.float32 if dtype == "bfloat16" else _numpy(dtype)
    oracle = data.draw(hnp.arrays(base_dtype, shape)).astype(_numpy(dtype))
    noise = data.draw(st.sampled_from((0.0, 1e-9, 1e-7, 1e-6, 1e-5, 1e-3, 1e-2, 0.1)))
    engine = (
        oracle.astype(np.complex128 if dtype.startswith("complex") else np.float64) * (1 + noise)
    ).astype(_numpy(dtype))
    diffs = compare(_outcome(engine, dtype), _outcome(oracle, dtype))
    assert (not diffs) == _torch_agrees(engine, oracle, dtype)
    assert all(d.field == "value" for d in diffs)


@given(hnp.arrays(hnp.integer_dtypes(endianness="="), hnp.array_shapes(max_dims=2)), st.integers(0, 3))
def test_integers_compare_exactly(oracle: np.ndarray, delta: int) -> None:
    engine = oracle.copy()
    if oracle.size:
        engine.flat[0] = engine.flat[0] ^ delta  # xor keeps the dtype
    dtype = oracle.dtype.name
    diffs = compare(_outcome(engine, dtype), _outcome(oracle, dtype))
    assert (not diffs) == bool(np.array_equal(engine, oracle))


def test_fixed_order_and_named_fields() -> None:
    a = Outcome(error=ErrorRecord("ValueError", "bad"))
    a.tensors["x"] = TensorRecord(np.zeros(2, np.float32), "float64", (2,))
    a.tensors["y"] = TensorRecord(np.zeros(2, np.float32), "float32", (2,), (1,), 0)
    a.facts["n"] = 1
    b = Outcome(error=ErrorRecord("RuntimeError", "bad"))
    b.tensors["x"] = TensorRecord(np.zeros(2, np.float32), "float32", (2,))
    b.tensors["y"] = TensorRecord(np.ones(2, np.float32), "float32", (2,), (2,), 1)
    b.facts["n"] = 1.0  # same value, other type: differs
    b.grads["x"] = None
    a.aliasing, b.aliasing = [frozenset({"x", "y"})], []
    fields = [(d.field, d.name) for d in compare(a, b)]
    assert fields == [
        ("error", "exception"),
        ("dtype", "x.dtype"),
        ("value", "y"),
        ("strides", "y"),
        ("aliasing", "groups"),
        ("grad", "x"),
        ("fact", "n"),
    ]


def test_error_messages_compare_only_when_asked() -> None:
    a = Outcome(error=ErrorRecord("RuntimeError", "The size of tensor a (3) must match"))
    b = Outcome(error=ErrorRecord("RuntimeError", "The size of tensor a (4) must match"))
    c = Outcome(error=ErrorRecord("RuntimeError", "shapes differ"))
    assert compare(a, b, compare_messages=True) == []
    assert [d.name for d in compare(a, c, compare_messages=True)] == ["message"]
    assert compare(a, c, compare_messages=False) == []


def test_cross_device_tolerance_is_looser() -> None:
    oracle = np.array([1.0], np.float32)
    engine = np.array([1.0005], np.float32)
    assert compare(_outcome(engine, "float32"), _outcome(oracle, "float32"))
    assert not compare(_outcome(engine, "float32"), _outcome(oracle, "float32"), cross_device=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[divergence]]\nscenario = "a.b"\n', "reason"),
        ('[[divergence]]\nscenario = "a.b"\nreason = "r"\nmatches = {}\n', "unknown keys"),
        ('[[divergence]]\nscenario = "a.b"\nreason = "r"\nfields = ["values"]\n', "key 'fields': unknown"),
        ('[[entry]]\nscenario = "a.b"\n', "top-level"),
    ],
)
def test_bad_manifests_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(ManifestError, match=message):
        Manifest.load(path)


def test_manifest_matching_rules(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[[divergence]]\nscenario = "promotion.*"\n'
        'match = { dtype = ["float16", "bfloat16"], shape = [[2, 3]] }\ndevices = ["cuda"]\nreason = "r"\n'
    )
    (entry,) = Manifest.load(path).entries
    assert entry.applies_to("promotion.binary_op", "cuda:1") and not entry.applies_to(
        "promotion.binary_op", "cpu"
    )
    assert entry.matches({"dtype": "bfloat16", "shape": (2, 3)})
    assert not entry.matches({"dtype": "float32", "shape": (2, 3)})
    assert not entry.matches({"dtype": "float16"})


def test_manifest_matches_complex_values_by_repr(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[[divergence]]\nscenario = "a.b"\nmatch = { value = ["(1+2j)"] }\nreason = "r"\n')
    (entry,) = Manifest.load(path).entries
    assert entry.matches({"value": 1 + 2j})
    assert not entry.matches({"value": 1 + 3j})


def test_lookup_prefers_the_first_entry_that_explains(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[[divergence]]\nscenario = "a.b"\nfields = ["dtype"]\nreason = "dtype only"\n'
        '[[divergence]]\nscenario = "a.b"\nfields = ["dtype", "value"]\nreason = "dtype and value"\n'
    )
    entries = Manifest.load(path).entries
    dtype_diff = Difference("dtype", "result", "float64", "float32")
    value_diff = Difference("value", "result", "[1.5]", "[1.]")
    assert lookup(entries, {}, [dtype_diff]).reason == "dtype only"
    assert lookup(entries, {}, [dtype_diff, value_diff]).reason == "dtype and value"
    assert lookup(entries, {}, []).reason == "dtype only"
