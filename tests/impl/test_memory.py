"""Views and shared memory: impl against live torch (values, strides, storage_offset, _base, sharing)."""

from __future__ import annotations

import warnings

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import impl
from tests.impl.conftest import DTYPE_NAMES, both, make, sample

VIEW_PROGRAMS = {
    "view": lambda x: x.view(4, 6),
    "view_minus_one": lambda x: x.view(-1, 2),
    "view_flat": lambda x: x.view(-1),
    "view_size1_dims": lambda x: x.view(2, 1, 12, 1),
    "reshape_view": lambda x: x.reshape(6, 4),
    "t_of_matrix": lambda x: x[0].t(),
    "transpose": lambda x: x.transpose(0, 2),
    "transpose_neg": lambda x: x.transpose(-1, -3),
    "permute": lambda x: x.permute(2, 0, 1),
    "permute_neg": lambda x: x.permute(-1, 0, 1),
    "unsqueeze_front": lambda x: x.unsqueeze(0),
    "unsqueeze_mid": lambda x: x.unsqueeze(2),
    "unsqueeze_end": lambda x: x.unsqueeze(-1),
    "unsqueeze_of_transposed": lambda x: x.transpose(0, 1).unsqueeze(1),
    "squeeze_all": lambda x: x.view(2, 1, 3, 1, 4).squeeze(),
    "squeeze_dim": lambda x: x.view(2, 1, 3, 1, 4).squeeze(1),
    "squeeze_non1": lambda x: x.squeeze(0),
    "squeeze_tuple": lambda x: x.view(2, 1, 3, 1, 4).squeeze((1, 3)),
    "flatten": lambda x: x.flatten(),
    "flatten_range": lambda x: x.flatten(1),
    "narrow": lambda x: x.narrow(1, 1, 2),
    "narrow_neg": lambda x: x.narrow(-1, -2, 2),
    "select": lambda x: x.select(1, 2),
    "select_neg": lambda x: x.select(0, -1),
    "expand": lambda x: x[:, :1].expand(2, 3, 4),
    "expand_new_dims": lambda x: x[0, 0].expand(5, 4),
    "getitem_int": lambda x: x[1],
    "getitem_slice": lambda x: x[:, 1:],
    "getitem_step": lambda x: x[:, ::2, 1::3],
    "getitem_none": lambda x: x[:, None],
    "getitem_ellipsis": lambda x: x[..., 1],
    "getitem_mixed": lambda x: x[:, 1:2, None, 0],
    "getitem_scalar_tensor": lambda x: x[
        x.new_tensor(1).long() if isinstance(x, torch.Tensor) else impl.tensor(1)
    ],
    "getitem_out_of_range_slice": lambda x: x[5:],
    "getitem_empty_slice": lambda x: x[1:1],
    "unbind": lambda x: x.unbind(1),
    "split": lambda x: x.split(2, dim=2),
    "split_sizes": lambda x: x.split([1, 3], dim=2),
    "chunk": lambda x: x.chunk(2, dim=1),
    "T": lambda x: x[0].T,
    "view_of_view": lambda x: x.transpose(0, 1)[1:].unsqueeze(0)[0, :, 1],
    "detach": lambda x: x.detach(),
    "as_strided": lambda x: x.as_strided((3, 2), (1, 3), 2),
}


@pytest.mark.parametrize("program", list(VIEW_PROGRAMS.values()), ids=list(VIEW_PROGRAMS))
def test_view_ops_match_torch_layout(program) -> None:
    """Values, strides and storage_offset as torch reports them."""
    both(lambda e: program(e.arange(24.0).view(2, 3, 4)), layout=True)


@pytest.mark.parametrize("program", list(VIEW_PROGRAMS.values()), ids=list(VIEW_PROGRAMS))
def test_views_share_memory_and_version_with_base(program) -> None:
    """A write through the view shows in the base; both see the version bump; _base is the root."""

    def run(e):
        base = e.arange(24.0).view(2, 3, 4)
        root = base._base
        out = program(base)
        views = out if isinstance(out, tuple) else (out,)
        before = base._version
        views[0].zero_() if views[0].numel() else None
        return base, base._version - before, [v._base is root for v in views], views[0]._version

    both(run)


ERRORS = {
    "view_incompatible": lambda e: e.ones(2, 3).t().view(6),
    "view_bad_numel": lambda e: e.ones(2, 3).view(4, 2),
    "view_two_inferred": lambda e: e.ones(2, 3).view(-1, -1),
    "view_negative": lambda e: e.ones(2, 3).view(-2, 3),
    "view_ambiguous_empty": lambda e: e.ones(0, 3).view(-1, 0),
    "transpose_out_of_range": lambda e: e.ones(2, 3).transpose(0, 2),
    "permute_wrong_length": lambda e: e.ones(2, 3, 4).permute(0, 1),
    "permute_duplicate": lambda e: e.ones(2, 3, 4).permute(0, 1, 1),
    "t_of_3d": lambda e: e.ones(2, 3, 4).t(),
    "squeeze_out_of_range": lambda e: e.ones(2, 3).squeeze(2),
    "unsqueeze_out_of_range": lambda e: e.ones(2, 3).unsqueeze(4),
    "narrow_too_long": lambda e: e.ones(2, 3).narrow(1, 2, 2),
    "narrow_0d": lambda e: e.tensor(1.0).narrow(0, 0, 1),
    "select_out_of_range": lambda e: e.ones(2, 3).select(0, 2),
    "flatten_order": lambda e: e.ones(2, 3, 4).flatten(2, 1),
    "getitem_out_of_range": lambda e: e.ones(2, 3)[2],
    "getitem_too_many": lambda e: e.ones(2, 3)[0, 0, 0],
    "getitem_negative_step": lambda e: e.ones(2, 3)[::-1],
    "getitem_zero_step": lambda e: e.ones(2, 3)[::0],
    "split_sizes_sum": lambda e: e.ones(4).split([1, 2]),
    "chunk_zero": lambda e: e.ones(4).chunk(0),
    "unbind_0d": lambda e: e.tensor(1.0).unbind(),
}


@pytest.mark.parametrize("program", list(ERRORS.values()), ids=list(ERRORS))
def test_view_errors_match_torch(program) -> None:
    error = both(program)
    assert isinstance(error, Exception), "the case is meant to raise in torch"


@st.composite
def strided_tensor_and_shape(draw):
    """A permuted and sliced view of a contiguous tensor, and a shape with the same numel."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    order = draw(st.permutations(range(len(shape))))
    sliced = draw(st.booleans())
    numel = int(np.prod(shape))
    factors = [d for d in range(1, numel + 1) if numel % d == 0]
    first = draw(st.sampled_from(factors))
    target = (first, -1) if draw(st.booleans()) else (numel // first, first)
    return shape, tuple(order), sliced, target


@settings(max_examples=150, deadline=None)
@given(strided_tensor_and_shape())
def test_reshape_is_a_view_exactly_when_torch_gives_one(case) -> None:
    """reshape: a view with computeStride's strides when possible, else a contiguous copy."""
    shape, order, sliced, target = case

    def program(e):
        x = (
            e.arange(float(np.prod(shape) * 2)).view(*shape, 2)[..., 0]
            if sliced
            else e.arange(float(np.prod(shape))).view(*shape)
        )
        x = x.permute(*order)
        y = x.reshape(target)
        return y, y._base is not None, (x.view(target) if y._base is not None else y)

    both(program, layout=True)


@settings(max_examples=100, deadline=None)
@given(strided_tensor_and_shape())
def test_view_accepts_or_refuses_like_torch(case) -> None:
    shape, order, _, target = case
    both(lambda e: e.arange(float(np.prod(shape))).view(*shape).permute(*order).view(target), layout=True)


GETITEM_KEYS = [
    0,
    -1,
    (1, 2),
    slice(1, None),
    (slice(None), 0),
    (Ellipsis, None),
    (None, Ellipsis, None),
    (slice(0, 5, 2), slice(None), 1),
    ([0, 1],),
    ([[0, 1], [1, 0]],),
    ([0, 1], [2, 0]),
    (slice(None), [0, 2]),
    (Ellipsis, [1, 0, 1]),
    (Ellipsis, Ellipsis),
    (0, 0, 0, 0),
    (slice(None), slice(None), slice(None), 0),
]


@pytest.mark.parametrize("key", GETITEM_KEYS, ids=repr)
def test_getitem_matches_torch(key) -> None:
    both(lambda e: e.arange(24).view(2, 3, 4)[key], layout=True)


@pytest.mark.parametrize("mask_dtype", ["bool", "uint8", "int64"])
def test_getitem_with_tensor_keys_copies_like_torch(mask_dtype: str) -> None:
    def program(e):
        x = e.arange(6.0).view(2, 3)
        key = make(e, sample(mask_dtype, (2, 3)) % 2 if mask_dtype != "bool" else sample("bool"), mask_dtype)
        if mask_dtype == "int64":
            key = key.view(-1)[:2] % 2
        out = x[key]
        return out, out._base is None

    both(program)


SETITEM_CASES = [
    (0, 7.0),
    ((slice(None), 1), 7),
    ((Ellipsis, 0), "row"),
    (slice(0, 2), "matrix"),
    ("mask", 0.0),
    ([0, 1], "row"),
    (0, "wrong"),
    (1, 2.5),
]


@pytest.mark.parametrize(("key", "value"), SETITEM_CASES, ids=repr)
@pytest.mark.parametrize("name", ["float32", "int64", "bool"])
def test_setitem_matches_torch(name: str, key, value) -> None:
    def program(e):
        x = make(e, sample(name, (2, 3)), name)
        values = {"row": e.tensor([1, 2, 3]), "matrix": e.ones(2, 3), "wrong": e.ones(4)}
        k = x > 0 if key == "mask" else key
        before = x._version
        x[k] = values.get(value, value) if isinstance(value, str) else value
        return x, x._version - before

    both(program)


def test_setitem_on_expanded_view_raises_like_torch() -> None:
    both(lambda e: e.ones(1, 3).expand(2, 3).__setitem__(0, 1.0))
    both(lambda e: e.ones(3).expand(2, 3).copy_(e.zeros(2, 3)))


# --- NumPy sharing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in DTYPE_NAMES if n != "bfloat16"])
def test_from_numpy_shares_memory_both_ways(name: str) -> None:
    def program(e):
        array = sample(name, (2, 3))
        t = e.from_numpy(array)
        t[0, 0] = 1
        array[1, 2] = 0
        shared = t.numpy()
        return t, array.tolist(), np.shares_memory(shared, array), t.stride(), t.storage_offset()

    both(program)


def test_from_numpy_of_a_strided_view_keeps_strides() -> None:
    """torch 2.13: from_numpy(a[:, ::2]) has strides (6, 2) and storage_offset 0."""
    both(lambda e: e.from_numpy(np.arange(24.0).reshape(4, 6)[1:, ::2]), layout=True)


def test_from_numpy_refusals_match_torch() -> None:
    both(lambda e: e.from_numpy(np.arange(4.0)[::-1]))
    both(lambda e: e.from_numpy(np.array(["2020-01-01"], dtype="datetime64[D]")))
    both(lambda e: e.from_numpy([1, 2]))


def test_from_numpy_of_unsupported_uint_is_refused_clearly() -> None:
    """torch 2.13 accepts uint16/32/64 (dtypes outside the suite's 12); impl refuses with a TypeError."""
    assert torch.from_numpy(np.ones(2, np.uint16)).dtype == torch.uint16
    with pytest.raises(TypeError, match="uint16"):
        impl.from_numpy(np.ones(2, np.uint16))


def test_from_numpy_of_readonly_array_warns() -> None:
    """torch 2.13 warns "The given NumPy array is not writable..." (once per process, so torch itself
    is not called here: that would silence its warning for later tests in this process)."""
    array = np.arange(3.0)
    array.flags.writeable = False
    with pytest.warns(UserWarning, match="The given NumPy array is not writable"):
        t = impl.from_numpy(array)
    assert np.shares_memory(t.numpy(), array)


@pytest.mark.parametrize("dtype", [None, "float32", "float64"])
def test_as_tensor_shares_when_dtype_matches(dtype) -> None:
    def program(e):
        array = np.arange(4.0)
        t = e.as_tensor(array, dtype=getattr(e, dtype) if dtype else None)
        array[0] = 9
        return t

    both(program)


def test_tensor_copies_numpy_input() -> None:
    def program(e):
        array = np.arange(4.0)
        t = e.tensor(array)
        array[0] = 9
        return t

    both(program)


def test_numpy_refusals_match_torch() -> None:
    both(lambda e: e.ones(2, requires_grad=True).numpy())
    both(lambda e: e.ones(2, dtype=e.bfloat16).numpy())
    both(lambda e: e.ones(2, requires_grad=True).detach().numpy())


def test_detach_shares_storage_and_version_counter() -> None:
    """torch docs (Tensor.detach): the result shares storage; in-place changes are seen by both."""

    def program(e):
        x = e.ones(3, requires_grad=True)
        d = x.detach()
        d.add_(1)
        return x.detach(), x._version, d._version, d.requires_grad, d._base is None

    both(program)


def test_clone_preserves_dense_layout_and_contiguous_normalises() -> None:
    both(lambda e: e.ones(2, 3, 4).transpose(0, 1).clone(), layout=True)
    both(lambda e: e.ones(2, 3, 4)[:, ::2].clone(), layout=True)
    both(lambda e: e.ones(2, 3, 4).transpose(0, 1).contiguous(), layout=True)
    both(lambda e: e.ones(2, 3).expand(4, 2, 3).clone(), layout=True)
    both(lambda e: e.ones(2, 3).t().to(e.float64), layout=True)


def test_contiguous_and_same_dtype_to_return_self() -> None:
    """torch 2.13: x.contiguous() is x for contiguous x, x.to(x.dtype) and x.float() on float32 too."""
    for engine in (torch, impl):
        x = engine.ones(2, 3)
        assert x.contiguous() is x and x.to(engine.float32) is x and x.float() is x
        assert x.t().contiguous() is not x


# --- hand-written cases ---------------------------------------------------------------------------


def test_compute_stride_examples() -> None:
    """torch's computeStride (aten/src/ATen/TensorUtils.cpp): merging dims needs contiguous chunks."""
    from impl.memory import compute_stride

    assert compute_stride((2, 3), (3, 1), (6,)) == (1,)
    assert compute_stride((2, 3), (1, 2), (6,)) is None  # a transposed matrix cannot be flattened
    assert compute_stride((3, 2), (1, 3), (3, 2, 1)) == (1, 3, 3)
    assert compute_stride((4, 6), (6, 1), (2, 2, 6)) == (12, 6, 1)


def test_unsqueeze_stride_rule() -> None:
    """torch 2.13: ones(2, 3).unsqueeze(1).stride() == (3, 3, 1); unsqueeze(2) gives stride 1."""
    assert impl.ones(2, 3).unsqueeze(1).stride() == (3, 3, 1)
    assert impl.ones(2, 3).unsqueeze(2).stride() == (3, 1, 1)


def test_writing_through_a_view_bumps_the_shared_version() -> None:
    """torch docs (autograd mechanics, in-place correctness checks): views share the version counter."""
    x = impl.zeros(4)
    v = x[1:3]
    v.add_(1)
    assert x._version == v._version == 1
    assert x.tolist() == [0.0, 1.0, 1.0, 0.0]


def test_warning_free_views() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        impl.ones(2, 3).t().reshape(6)


INPLACE_VIEWS = {
    "t_": lambda x: x[0].t_(),
    "t_matrix": lambda x: x.view(6, 4).t_(),
    "transpose_": lambda x: x.transpose_(0, 2),
    "unsqueeze_": lambda x: x.unsqueeze_(1),
    "squeeze_": lambda x: x.view(2, 1, 12).squeeze_(1),
    "t_3d": lambda x: x.t_(),
}


@pytest.mark.parametrize("program", list(INPLACE_VIEWS.values()), ids=list(INPLACE_VIEWS))
def test_inplace_view_ops_match_torch(program) -> None:
    """t_ / transpose_ / squeeze_ / unsqueeze_ change self's sizes and strides and bump its version."""

    def run(e):
        x = e.arange(24.0).view(2, 3, 4)
        out = program(x)
        return out, out._version

    both(run, layout=True)


VIEW_DTYPE_CASES = [
    ("float32", "int32", (2, 3)),
    ("bfloat16", "int16", (2, 3)),
    ("float16", "int16", (3,)),
    ("float32", "uint8", (2, 3)),
    ("int16", "float32", (2, 4)),
    ("int16", "float32", (2, 3)),
    ("float64", "complex128", (2, 3)),
    ("float32", "complex64", (2, 4)),
    ("complex64", "float32", (2,)),
]


@pytest.mark.parametrize(("source", "target", "shape"), VIEW_DTYPE_CASES)
def test_view_as_dtype_reinterprets_bits_like_torch(source: str, target: str, shape: tuple) -> None:
    """Tensor.view(dtype): the same bytes; the last dim scales by the itemsize ratio."""
    both(lambda e: make(e, sample(source, shape), source).view(getattr(e, target)), layout=True)
    both(lambda e: make(e, sample(source, shape), source).t().view(getattr(e, target)), layout=True)
