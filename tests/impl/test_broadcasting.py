"""Broadcasting: impl against live torch for drawn shape pairs, expand, and the in-place restrictions."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import impl
from tests.impl.conftest import both

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)


@settings(max_examples=200, deadline=None)
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
def test_broadcastable_shapes_give_torchs_result(case) -> None:
    a, b = case.input_shapes
    both(lambda e: e.ones(a) + e.zeros(b), layout=True)
    both(lambda e: e.broadcast_shapes(a, b))
    both(lambda e: e.broadcast_tensors(e.ones(a), e.zeros(b)), layout=True)


@settings(max_examples=200, deadline=None)
@given(shapes, shapes)
def test_any_shape_pair_matches_torch_result_or_error(a, b) -> None:
    """Compatible pairs broadcast; incompatible ones raise torch's message naming the dimension."""
    both(lambda e: e.ones(a) * e.ones(b))
    both(lambda e: e.broadcast_shapes(a, b))
    both(lambda e: e.ones(a).expand(b), layout=True)


@settings(max_examples=100, deadline=None)
@given(shapes, shapes)
def test_inplace_cannot_grow_self(a, b) -> None:
    """self.add_(other): the broadcast shape must be self's shape ("output with shape ... doesn't match")."""
    both(lambda e: e.ones(a).add_(e.ones(b)))
    both(lambda e: e.ones(a).copy_(e.ones(b)))


EXPAND_CASES = [
    ((3,), (2, 3)),
    ((3,), (2, -1)),
    ((1, 3), (4, 3)),
    ((3, 1), (3, 5)),
    ((3,), (-1, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 4)),
    ((), (2, 2)),
    ((2, 1), (2, 0)),
    ((1,), (0,)),
]


@pytest.mark.parametrize(("shape", "target"), EXPAND_CASES)
def test_expand_and_broadcast_to_match_torch(shape, target) -> None:
    both(lambda e: e.ones(shape).expand(*target), layout=True)
    both(lambda e: e.broadcast_to(e.ones(shape), target), layout=True)
    both(lambda e: e.ones(shape).expand_as(e.ones([max(t, 0) for t in target])), layout=True)


OVERLAP_WRITES = {
    "add_": lambda t: t.add_(1),
    "mul_tensor": lambda t: t.mul_(t.clone()),
    "copy_": lambda t: t.copy_(t.clone()),
    "iadd": lambda t: t.__iadd__(1),
    "fill_": lambda t: t.fill_(2),
    "zero_": lambda t: t.zero_(),
    "setitem": lambda t: t.__setitem__((0, 0), 5),
    "clamp_": lambda t: t.clamp_(0, 1),
}


@pytest.mark.parametrize("write", list(OVERLAP_WRITES.values()), ids=list(OVERLAP_WRITES))
def test_writes_into_expanded_tensors_match_torch(write) -> None:
    """Arithmetic writes into overlapping memory raise; fill_ and zero_ are allowed (torch 2.13)."""

    def program(e):
        base = e.ones(1, 3)
        expanded = base.expand(2, 3)
        write(expanded)
        return base

    both(program)


def test_expanded_strides_are_zero() -> None:
    """torch 2.13: ones(3).expand(2, 3).stride() == (0, 1); ones(3, 1).expand(3, 4).stride() == (1, 0)."""
    assert impl.ones(3).expand(2, 3).stride() == (0, 1)
    assert impl.ones(3, 1).expand(3, 4).stride() == (1, 0)


def test_mismatch_message_names_sizes_and_dimension() -> None:
    """torch 2.13: ones(2, 3) + ones(4) -> 'The size of tensor a (3) must match the size of tensor b (4)
    at non-singleton dimension 1'."""
    with pytest.raises(
        RuntimeError,
        match=r"tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1",
    ):
        impl.ones(2, 3) + impl.ones(4)


def test_inplace_broadcast_message() -> None:
    """torch 2.13: ones(3).add_(ones(2, 3)) ->
    "output with shape [3] doesn't match the broadcast shape [2, 3]"."""
    with pytest.raises(
        RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]"
    ):
        impl.ones(3).add_(impl.ones(2, 3))


@pytest.mark.parametrize("op", ["add", "mul", "where", "clamp", "lt"])
def test_every_elementwise_op_broadcasts(op: str) -> None:
    programs = {
        "add": lambda e: e.add(e.ones(2, 1, 3), e.arange(4.0).view(4, 1)),
        "mul": lambda e: e.mul(e.ones(2, 1, 3), e.arange(4.0).view(4, 1)),
        "where": lambda e: e.where(e.ones(4, 1) > 0, e.ones(2, 1, 3), e.zeros(3)),
        "clamp": lambda e: e.clamp(e.arange(3.0), e.zeros(2, 1), e.ones(1)),
        "lt": lambda e: e.lt(e.ones(2, 1, 3), e.arange(4.0).view(4, 1)),
    }
    both(programs[op], layout=True)


@st.composite
def _strided(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    order = draw(st.permutations(range(len(shape))))
    return shape, tuple(order)


@settings(max_examples=100, deadline=None)
@given(_strided(), _strided())
def test_result_strides_follow_operand_layout(a, b) -> None:
    """TensorIterator's output layout for permuted operands (values and strides as torch)."""
    (shape_a, order_a), (shape_b, order_b) = a, b

    def program(e):
        x = e.ones(shape_a).permute(*order_a)
        y = e.ones(shape_b).permute(*order_b)
        return x + y

    both(program, layout=True)


def test_broadcast_tensors_returns_a_tensor_of_the_shape_itself() -> None:
    """torch's expand_outplace: a tensor that has the broadcast shape already comes back as it is
    (no ExpandBackward0, no new view); the others are expanded views."""

    def program(T):
        x, y = T.ones(2, 3, requires_grad=True), T.zeros(3)
        a, b = T.broadcast_tensors(x, y)
        return [a is x, b is y, b._base is y, a.grad_fn is None, T.broadcast_tensors(y)[0] is y]

    both(program)
