"""Bad input: a catalog of calls torch refuses, each run live on torch and on impl.

impl must raise torch's exception type, from one of its own `raise` statements (never an
AttributeError, KeyError, IndexError, TypeError or ValueError leaking from impl's code or from
NumPy), with a message; the share of cases whose first message line is torch's too is counted.
`test_agreement_figures` prints the figures. A case torch accepts is a mistake in the catalog
(it fails). Some calls torch accepts but impl used to refuse are in ACCEPTED: both must return.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import impl

Program = Callable[[Any], Any]
IMPL_DIR = str(Path(impl.__file__).parent)


def f(T: Any) -> Any:
    return T.ones(2, 3)


def leaf(T: Any) -> Any:
    return T.tensor([1.0, 2.0, 3.0], requires_grad=True)


def _backward_twice(T: Any) -> Any:
    y = (leaf(T) * 2).exp().sum()
    y.backward()
    y.backward()


def _modified_saved(T: Any) -> Any:
    a = leaf(T) * 1
    y = a.exp()
    a.add_(1)
    y.sum().backward()
    y = a.sin()
    a.mul_(2)
    y.sum().backward()


class _Identity(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x * 1

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g, g  # one gradient too many


class _ImplIdentity(impl.autograd.Function):
    forward = _Identity.forward
    backward = _Identity.backward


def _bad_function(T: Any) -> Any:
    fn = _Identity if T is torch else _ImplIdentity
    fn.apply(leaf(T)).sum().backward()


CREATION: dict[str, Program] = {
    "tensor_string": lambda T: T.tensor("abc"),
    "tensor_bytes": lambda T: T.tensor(b"abc"),
    "tensor_ragged": lambda T: T.tensor([[1, 2], [3]]),
    "tensor_ragged_deep": lambda T: T.tensor([[[1, 2]], [[3]]]),
    "tensor_nested_string": lambda T: T.tensor([["a"]]),
    "tensor_dict": lambda T: T.tensor({"a": 1}),
    "tensor_set": lambda T: T.tensor({1, 2}),
    "tensor_none": lambda T: T.tensor(None),
    "tensor_object": lambda T: T.tensor(object()),
    "tensor_list_of_none": lambda T: T.tensor([None]),
    "tensor_overflow_int": lambda T: T.tensor(2**64),
    "tensor_int8_overflow": lambda T: T.tensor([300], dtype=T.int8),
    "tensor_uint8_negative_overflow": lambda T: T.tensor([-300], dtype=T.uint8),
    "tensor_nan_to_int": lambda T: T.tensor([float("nan")], dtype=T.int32),
    "tensor_inf_to_int": lambda T: T.tensor(float("inf"), dtype=T.int64),
    "tensor_complex_to_float": lambda T: T.tensor([1j], dtype=T.float32),
    "tensor_complex_to_int": lambda T: T.tensor([1j], dtype=T.int64),
    "tensor_dtype_string": lambda T: T.tensor([1, 2], dtype="float32"),
    "tensor_dtype_int": lambda T: T.tensor([1, 2], dtype=3),
    "tensor_dtype_numpy": lambda T: T.tensor([1, 2], dtype=np.float32),
    "tensor_requires_grad_int": lambda T: T.tensor([1, 2], requires_grad=True),
    "tensor_requires_grad_bool": lambda T: T.tensor([True], requires_grad=True),
    "tensor_device_bad": lambda T: T.tensor([1], device="nodevice"),
    "tensor_device_int_string": lambda T: T.tensor([1], device="cpu:x"),
    "tensor_list_in_leaf": lambda T: T.tensor([1, [2]]),
    "zeros_negative": lambda T: T.zeros(-1),
    "zeros_float_size": lambda T: T.zeros(2.0),
    "zeros_string_size": lambda T: T.zeros("a"),
    "zeros_none_size": lambda T: T.zeros(None),
    "zeros_mixed_tuple": lambda T: T.zeros((2, 3), 4),
    "zeros_float_in_list": lambda T: T.zeros([2, 3.5]),
    "zeros_dtype_string": lambda T: T.zeros(2, dtype="float32"),
    "ones_negative": lambda T: T.ones(2, -3),
    "ones_bool_size": lambda T: T.ones(True),
    "ones_requires_grad_int": lambda T: T.ones(2, dtype=T.int64, requires_grad=True),
    "empty_negative": lambda T: T.empty(-2),
    "empty_no_size": lambda T: T.empty(),
    "full_int_size": lambda T: T.full(2, 1.0),
    "full_overflow": lambda T: T.full((2,), 300, dtype=T.int8),
    "full_complex_into_float": lambda T: T.full((2,), 1 + 2j, dtype=T.float32),
    "full_nan_into_int": lambda T: T.full((1,), float("nan"), dtype=T.int64),
    "full_string_value": lambda T: T.full((2,), "a"),
    "full_negative": lambda T: T.full((-1,), 1.0),
    "arange_zero_step": lambda T: T.arange(0, 5, 0),
    "arange_wrong_sign": lambda T: T.arange(0, 5, -1),
    "arange_bool": lambda T: T.arange(3, dtype=T.bool),
    "arange_complex_dtype": lambda T: T.arange(3, dtype=T.complex64),
    "arange_string": lambda T: T.arange("a"),
    "arange_inf": lambda T: T.arange(0, float("inf")),
    "arange_nan": lambda T: T.arange(0, float("nan")),
    "linspace_float_steps": lambda T: T.linspace(0, 1, 2.5),
    "linspace_negative_steps": lambda T: T.linspace(0, 1, -1),
    "linspace_bool": lambda T: T.linspace(0, 1, 3, dtype=T.bool),
    "linspace_string": lambda T: T.linspace("a", 1, 3),
    "linspace_missing_steps": lambda T: T.linspace(0, 1),
    "eye_negative": lambda T: T.eye(-1),
    "eye_negative_m": lambda T: T.eye(2, -1),
    "eye_float": lambda T: T.eye(2.5),
    "rand_int_dtype": lambda T: T.rand(2, dtype=T.int64),
    "rand_bool_dtype": lambda T: T.rand(2, dtype=T.bool),
    "randn_int_dtype": lambda T: T.randn(2, dtype=T.int32),
    "rand_negative": lambda T: T.rand(-1),
    "randint_empty_range": lambda T: T.randint(5, 5, (2,)),
    "randint_low_above_high": lambda T: T.randint(5, 2, (2,)),
    "randint_no_size": lambda T: T.randint(5),
    "randint_uint8_bounds": lambda T: T.randint(0, 300, (2,), dtype=T.uint8),
    "randint_complex": lambda T: T.randint(0, 3, (2,), dtype=T.complex64),
    "zeros_like_not_tensor": lambda T: T.zeros_like([1, 2]),
    "ones_like_dtype_string": lambda T: T.ones_like(f(T), dtype="int64"),
    "full_like_overflow": lambda T: T.full_like(f(T).to(T.int8), 1000),
    "scalar_tensor_list": lambda T: T.scalar_tensor([1, 2]),
    "as_tensor_string": lambda T: T.as_tensor("a"),
    "as_tensor_ragged": lambda T: T.as_tensor([[1], [2, 3]]),
    "new_zeros_negative": lambda T: f(T).new_zeros(-1),
    "new_ones_dtype_string": lambda T: f(T).new_ones(2, dtype="float"),
    "new_full_size_int": lambda T: f(T).new_full(2, 1.0),
    "new_tensor_ragged": lambda T: f(T).new_tensor([[1], [2, 3]]),
}

DTYPES: dict[str, Program] = {
    "set_default_int": lambda T: T.set_default_dtype(T.int64),
    "set_default_complex": lambda T: T.set_default_dtype(T.complex64),
    "set_default_string": lambda T: T.set_default_dtype("float32"),
    "set_default_none": lambda T: T.set_default_dtype(None),
    "promote_types_string": lambda T: T.promote_types("float32", T.int64),
    "promote_types_none": lambda T: T.promote_types(None, T.int64),
    "promote_types_missing": lambda T: T.promote_types(T.int64),
    "can_cast_string": lambda T: T.can_cast("float", T.int64),
    "result_type_strings": lambda T: T.result_type("a", "b"),
    "result_type_list": lambda T: T.result_type([1], f(T)),
    "to_dtype_string": lambda T: f(T).to("float64"),
    "to_dtype_keyword_string": lambda T: f(T).to(dtype="float64"),
    "to_number": lambda T: f(T).to(3),
    "to_bad_device": lambda T: f(T).to("nodevice"),
    "to_list": lambda T: f(T).to([1]),
    "type_bad_name": lambda T: f(T).type("torch.NoSuchTensor"),
    "type_number": lambda T: f(T).type(3),
    "view_dtype_itemsize_not_divisible": lambda T: T.ones(3, dtype=T.float32).view(T.float64),
    "view_dtype_non_contiguous": lambda T: f(T).t().view(T.float64),
    "view_dtype_zero_dim": lambda T: T.tensor(1.0).view(T.float64),
    "sum_dtype_string": lambda T: f(T).sum(dtype="float64"),
    "mean_dtype_int": lambda T: f(T).mean(dtype=T.int64),
    "mean_int_input": lambda T: T.ones(2, dtype=T.int64).mean(),
    "mean_bool_input": lambda T: T.ones(2, dtype=T.bool).mean(),
    "inplace_float_into_int": lambda T: T.ones(2, dtype=T.int64).add_(1.5),
    "inplace_complex_into_float": lambda T: f(T).mul_(1j),
    "inplace_float_tensor_into_bool": lambda T: T.ones(2, dtype=T.bool).add_(f(T)[0, :2]),
    "inplace_div_into_int": lambda T: T.ones(2, dtype=T.int32).div_(2),
    "inplace_sqrt_int": lambda T: T.ones(2, dtype=T.int64).sqrt_(),
    "inplace_exp_bool": lambda T: T.ones(2, dtype=T.bool).exp_(),
    "inplace_float16_complex": lambda T: T.ones(2, dtype=T.float16).div_(1j),
    "requires_grad_int_setter": lambda T: setattr(T.ones(2, dtype=T.int64), "requires_grad", True),
    "requires_grad_int_method": lambda T: T.ones(2, dtype=T.int64).requires_grad_(),
    "requires_grad_bool_method": lambda T: T.ones(2, dtype=T.bool).requires_grad_(True),
    "item_of_many": lambda T: f(T).item(),
    "float_of_many": lambda T: float(f(T)),
    "int_of_many": lambda T: int(f(T)),
    "int_of_complex": lambda T: int(T.tensor(1 + 1j)),
    "float_of_complex": lambda T: float(T.tensor(1 + 1j)),
    "index_of_float": lambda T: [1, 2][T.tensor(1.0)],
    "index_of_many": lambda T: [1, 2][T.tensor([0, 1])],
    "bool_of_many": lambda T: bool(f(T)),
    "bool_of_empty": lambda T: bool(T.ones(0)),
    "len_of_0d": lambda T: len(T.tensor(1.0)),
    "iter_of_0d": lambda T: iter(T.tensor(1.0)),
    "complex_sub_bool": lambda T: T.ones(2, dtype=T.bool) - T.ones(2, dtype=T.bool),
}

SHAPES_AND_VIEWS: dict[str, Program] = {
    "view_wrong_numel": lambda T: f(T).view(4),
    "view_two_inferred": lambda T: f(T).view(-1, -1),
    "view_negative": lambda T: f(T).view(-2, 3),
    "view_float": lambda T: f(T).view(2.0, 3),
    "view_float_list": lambda T: f(T).view([2.0, 3]),
    "view_string": lambda T: f(T).view("a"),
    "view_none": lambda T: f(T).view(None),
    "view_bool": lambda T: f(T).view(True, 6),
    "view_tuple_and_int": lambda T: f(T).view((2, 3), 1),
    "view_non_contiguous": lambda T: f(T).t().view(6),
    "view_zero_inferred": lambda T: T.ones(0, 3).view(-1, 0),
    "view_no_args": lambda T: f(T).view(),
    "reshape_wrong_numel": lambda T: f(T).reshape(5),
    "reshape_float": lambda T: f(T).reshape(2.5, 3),
    "reshape_two_inferred": lambda T: f(T).reshape(-1, -1),
    "reshape_string": lambda T: f(T).reshape("a"),
    "view_as_mismatch": lambda T: f(T).view_as(T.ones(4)),
    "reshape_as_mismatch": lambda T: f(T).reshape_as(T.ones(4)),
    "transpose_out_of_range": lambda T: f(T).transpose(0, 2),
    "transpose_float": lambda T: f(T).transpose(0.0, 1),
    "transpose_string": lambda T: f(T).transpose("a", 1),
    "transpose_missing": lambda T: f(T).transpose(0),
    "t_3d": lambda T: T.ones(2, 3, 4).t(),
    "t__3d": lambda T: T.ones(2, 3, 4).t_(),
    "permute_wrong_length": lambda T: f(T).permute(0),
    "permute_duplicate": lambda T: f(T).permute(0, 0),
    "permute_out_of_range": lambda T: f(T).permute(0, 5),
    "permute_float": lambda T: f(T).permute(0.0, 1),
    "squeeze_out_of_range": lambda T: f(T).squeeze(5),
    "squeeze_float": lambda T: f(T).squeeze(0.0),
    "squeeze_string": lambda T: f(T).squeeze("a"),
    "unsqueeze_out_of_range": lambda T: f(T).unsqueeze(4),
    "unsqueeze_float": lambda T: f(T).unsqueeze(1.0),
    "unsqueeze_missing": lambda T: f(T).unsqueeze(),
    "flatten_bad_order": lambda T: T.ones(2, 3, 4).flatten(2, 0),
    "flatten_float": lambda T: f(T).flatten(0.0),
    "flatten_out_of_range": lambda T: f(T).flatten(0, 5),
    "unflatten_bad_product": lambda T: f(T).unflatten(1, (2, 2)),
    "unflatten_empty": lambda T: f(T).unflatten(1, ()),
    "unflatten_out_of_range": lambda T: f(T).unflatten(3, (3, 1)),
    "narrow_start_out_of_range": lambda T: f(T).narrow(0, 3, 0),
    "narrow_negative_length": lambda T: f(T).narrow(0, 0, -1),
    "narrow_too_long": lambda T: f(T).narrow(1, 2, 2),
    "narrow_0d": lambda T: T.tensor(1.0).narrow(0, 0, 1),
    "narrow_float": lambda T: f(T).narrow(0, 0.0, 1),
    "narrow_dim_out_of_range": lambda T: f(T).narrow(2, 0, 1),
    "select_out_of_range": lambda T: f(T).select(0, 2),
    "select_negative_out_of_range": lambda T: f(T).select(1, -4),
    "select_0d": lambda T: T.tensor(1.0).select(0, 0),
    "select_float": lambda T: f(T).select(0, 1.0),
    "select_dim_out_of_range": lambda T: f(T).select(2, 0),
    "unbind_0d": lambda T: T.tensor(1.0).unbind(),
    "unbind_out_of_range": lambda T: f(T).unbind(2),
    "unbind_float": lambda T: f(T).unbind(0.0),
    "split_zero": lambda T: f(T).split(0),
    "split_negative": lambda T: f(T).split(-1),
    "split_float": lambda T: f(T).split(1.5),
    "split_sizes_wrong_sum": lambda T: f(T).split([1, 1], 1),
    "split_sizes_negative": lambda T: f(T).split([4, -1], 1),
    "split_dim_out_of_range": lambda T: f(T).split(1, 2),
    "split_with_sizes_wrong_sum": lambda T: f(T).split_with_sizes([1], 0),
    "chunk_zero": lambda T: f(T).chunk(0),
    "chunk_negative": lambda T: f(T).chunk(-2),
    "chunk_float": lambda T: f(T).chunk(1.5),
    "chunk_0d": lambda T: T.tensor(1.0).chunk(1),
    "diagonal_same_dims": lambda T: f(T).diagonal(0, 1, 1),
    "diagonal_out_of_range": lambda T: f(T).diagonal(0, 0, 2),
    "diagonal_float": lambda T: f(T).diagonal(0.0),
    "diagonal_1d": lambda T: T.ones(3).diagonal(),
    "unfold_too_big": lambda T: f(T).unfold(1, 4, 1),
    "unfold_zero_step": lambda T: f(T).unfold(1, 2, 0),
    "unfold_negative_size": lambda T: f(T).unfold(1, -1, 1),
    "unfold_float": lambda T: f(T).unfold(0, 1.0, 1),
    "unfold_dim_out_of_range": lambda T: f(T).unfold(2, 1, 1),
    "expand_fewer_dims": lambda T: f(T).expand(3),
    "expand_incompatible": lambda T: f(T).expand(4, 3),
    "expand_negative_leading": lambda T: f(T).expand(-1, 2, 3),
    "expand_float": lambda T: f(T).expand(2.0, 3),
    "expand_as_incompatible": lambda T: f(T).expand_as(T.ones(3, 2)),
    "broadcast_to_incompatible": lambda T: T.broadcast_to(f(T), (3, 3)),
    "broadcast_tensors_incompatible": lambda T: T.broadcast_tensors(f(T), T.ones(4)),
    "broadcast_shapes_incompatible": lambda T: T.broadcast_shapes((2, 3), (4,)),
    "as_strided_past_end": lambda T: T.ones(4).as_strided((10,), (1,)),
    "as_strided_huge_stride": lambda T: T.ones(4).as_strided((3,), (10**9,)),
    "as_strided_negative_stride": lambda T: T.ones(4).as_strided((2,), (-1,)),
    "as_strided_negative_offset": lambda T: T.ones(4).as_strided((2,), (1,), -1),
    "as_strided_overflow": lambda T: T.ones(4).as_strided((2, 2**62), (1, 2)),
    "as_strided_length_mismatch": lambda T: T.ones(4).as_strided((2, 3), (1,)),
    "as_strided_float_size": lambda T: T.ones(4).as_strided((2.0,), (1,)),
    "as_strided_int_size": lambda T: T.ones(4).as_strided(2, (1,)),
    "as_strided_float_offset": lambda T: T.ones(4).as_strided((2,), (1,), 1.0),
    "as_strided__past_end": lambda T: T.ones(4).as_strided_((5,), (1,)),
    "contiguous_bad_format": lambda T: f(T).contiguous(memory_format="nonsense"),
    "clone_bad_format": lambda T: f(T).clone(memory_format=3),
}

INDEXING: dict[str, Program] = {
    "index_out_of_range": lambda T: f(T)[2],
    "index_negative_out_of_range": lambda T: f(T)[-3],
    "index_second_dim_out_of_range": lambda T: f(T)[0, 3],
    "index_too_many": lambda T: f(T)[0, 0, 0],
    "index_float": lambda T: f(T)[1.5],
    "index_string": lambda T: f(T)["a"],
    "index_float_tensor": lambda T: f(T)[T.tensor([1.5])],
    "index_list_out_of_range": lambda T: f(T)[[0, 5]],
    "index_tensor_out_of_range": lambda T: f(T)[T.tensor([3])],
    "index_mask_wrong_shape": lambda T: f(T)[T.tensor([True, False, True])],
    "index_negative_step": lambda T: f(T)[::-1],
    "index_zero_step": lambda T: f(T)[::0],
    "index_0d_int": lambda T: T.tensor(1.0)[0],
    "index_0d_slice": lambda T: T.tensor(1.0)[0:1],
    "index_dict": lambda T: f(T)[{0: 1}],
    "index_none_too_many": lambda T: f(T)[None, 0, 0, 0],
    "index_ellipsis_too_many": lambda T: f(T)[..., 0, 0, 0],
    "setitem_out_of_range": lambda T: f(T).__setitem__(5, 1.0),
    "setitem_shape_mismatch": lambda T: f(T).__setitem__(0, T.ones(4)),
    "setitem_string_value": lambda T: f(T).__setitem__(0, "a"),
    "setitem_list_value": lambda T: f(T).__setitem__(0, [1, 2]),
    "setitem_mask_shape_mismatch": lambda T: f(T).__setitem__(T.tensor([True, False]), T.ones(4)),
    "setitem_dtype_mismatch_advanced": lambda T: T.zeros(3).__setitem__(T.tensor([0, 1]), T.tensor([1, 2])),
    "setitem_leaf_requires_grad": lambda T: leaf(T).__setitem__(0, 2.0),
    "setitem_float_key": lambda T: f(T).__setitem__(1.5, 1.0),
    "index_put_dtype_mismatch": lambda T: T.zeros(3).index_put((T.tensor([0]),), T.tensor([1])),
    "index_put_shape_mismatch": lambda T: T.zeros(3).index_put((T.tensor([0, 1]),), T.ones(3)),
    "index_put_values_not_tensor": lambda T: T.zeros(3).index_put((T.tensor([0]),), 1.0),
    "index_put__out_of_range": lambda T: T.zeros(3).index_put_((T.tensor([5]),), T.ones(1)),
}


def _ops() -> dict[str, Program]:
    return {
        "add_list": lambda T: T.add(f(T), [1, 2]),
        "add_string": lambda T: T.add(f(T), "a"),
        "add_none": lambda T: T.add(f(T), None),
        "add_broadcast_mismatch": lambda T: f(T) + T.ones(4),
        "add_bool_alpha": lambda T: T.add(f(T), f(T), alpha=True),
        "add_float_alpha_int": lambda T: T.add(T.ones(2, dtype=T.int64), 1, alpha=1.5),
        "add_complex_alpha_float": lambda T: T.add(f(T), 1, alpha=1j),
        "add_string_alpha": lambda T: T.add(f(T), 1, alpha="a"),
        "add_inplace_grow": lambda T: T.ones(3).add_(f(T)),
        "add_inplace_on_expanded": lambda T: T.ones(1, 3).expand(2, 3).add_(1),
        "sub_bools": lambda T: T.ones(2, dtype=T.bool) - T.ones(2, dtype=T.bool),
        "sub_bool_scalar": lambda T: f(T) - True,
        "rsub_bool": lambda T: 1 - T.ones(2, dtype=T.bool),
        "mul_string": lambda T: f(T) * "a",
        "mul_list_function": lambda T: T.mul(f(T), [1]),
        "div_bad_rounding": lambda T: T.div(f(T), 2, rounding_mode="round"),
        "div_rounding_int": lambda T: T.div(f(T), 2, rounding_mode=1),
        "div_int_by_zero_floor": lambda T: T.div(T.ones(2, dtype=T.int64), 0, rounding_mode="floor"),
        "div_int_by_zero_trunc": lambda T: T.div(T.ones(2, dtype=T.int64), 0, rounding_mode="trunc"),
        "div_rounding_complex": lambda T: T.div(T.ones(2, dtype=T.complex64), 2, rounding_mode="floor"),
        "div_rounding_bool": lambda T: T.div(T.ones(2, dtype=T.bool), True, rounding_mode="floor"),
        "floordiv_int_zero": lambda T: T.ones(2, dtype=T.int64) // 0,
        "floordiv_complex": lambda T: T.ones(2, dtype=T.complex64) // 2,
        "floordiv_bool": lambda T: T.ones(2, dtype=T.bool) // T.ones(2, dtype=T.bool),
        "remainder_int_zero": lambda T: T.ones(2, dtype=T.int32) % 0,
        "remainder_complex": lambda T: T.ones(2, dtype=T.complex64) % 2,
        "remainder_string": lambda T: T.remainder(f(T), "a"),
        "pow_int_negative": lambda T: T.ones(2, dtype=T.int64) ** -1,
        "pow_scalars": lambda T: T.pow(2, 3),
        "pow_string": lambda T: T.pow(f(T), "a"),
        "pow_complex32": lambda T: T.ones(2, dtype=T.complex32) ** 2.5,
        "square_string": lambda T: T.square("a"),
        "atan2_scalar": lambda T: T.atan2(f(T), 1),
        "atan2_method_scalar": lambda T: f(T).atan2(1),
        "atan2_complex": lambda T: T.atan2(T.ones(2, dtype=T.complex64), T.ones(2, dtype=T.complex64)),
        "atan2_broadcast": lambda T: T.atan2(f(T), T.ones(4)),
        "maximum_scalar": lambda T: T.maximum(f(T), 1),
        "maximum_method_scalar": lambda T: f(T).maximum(1),
        "maximum_complex": lambda T: T.maximum(T.ones(2, dtype=T.complex64), T.ones(2, dtype=T.complex64)),
        "minimum_scalar_first": lambda T: T.minimum(1, f(T)),
        "minimum_broadcast": lambda T: T.minimum(f(T), T.ones(4)),
        "bitwise_and_float": lambda T: T.bitwise_and(f(T), f(T)),
        "bitwise_or_float_scalar": lambda T: T.ones(2, dtype=T.int64) | 1.5,
        "bitwise_xor_complex": lambda T: T.bitwise_xor(T.ones(2, dtype=T.complex64), 1),
        "bitwise_not_float": lambda T: T.bitwise_not(f(T)),
        "invert_float": lambda T: ~f(T),
        "and_float": lambda T: f(T) & f(T),
        "lt_complex": lambda T: T.ones(2, dtype=T.complex64) < 1,
        "ge_complex": lambda T: T.ge(T.ones(2, dtype=T.complex64), T.ones(2, dtype=T.complex64)),
        "eq_string": lambda T: T.eq(f(T), "a"),
        "lt_broadcast": lambda T: f(T) < T.ones(4),
        "gt_list": lambda T: T.gt(f(T), [1]),
        "equal_not_tensor": lambda T: T.equal(f(T), 1),
        "neg_bool": lambda T: -T.ones(2, dtype=T.bool),
        "neg_function_bool": lambda T: T.neg(T.ones(2, dtype=T.bool)),
        "abs_bool": lambda T: T.abs(T.ones(2, dtype=T.bool)),
        "abs_inplace_complex": lambda T: T.ones(2, dtype=T.complex64).abs_(),
        "relu_bool": lambda T: T.relu(T.ones(2, dtype=T.bool)),
        "relu_complex": lambda T: T.relu(T.ones(2, dtype=T.complex64)),
        "exp_list": lambda T: T.exp([1.0]),
        "exp_number": lambda T: T.exp(1.0),
        "exp_complex32": lambda T: T.exp(T.ones(2, dtype=T.complex32)),
        "log_string": lambda T: T.log("a"),
        "sqrt_complex32": lambda T: T.sqrt(T.ones(2, dtype=T.complex32)),
        "sin_none": lambda T: T.sin(None),
        "sigmoid_complex32": lambda T: T.sigmoid(T.ones(2, dtype=T.complex32)),
        "tanh_complex32": lambda T: T.tanh(T.ones(2, dtype=T.complex32)),
        "reciprocal_complex32": lambda T: T.reciprocal(T.ones(2, dtype=T.complex32)),
        "div_complex32": lambda T: T.ones(2, dtype=T.complex32) / 2,
        "clamp_no_bounds": lambda T: T.clamp(f(T)),
        "clamp_complex": lambda T: T.clamp(T.ones(2, dtype=T.complex64), 0, 1),
        "clamp_string": lambda T: T.clamp(f(T), "a"),
        "clamp_inplace_int_float_bound": lambda T: T.ones(2, dtype=T.int64).clamp_(0.5, 1.5),
        "clamp_not_tensor": lambda T: T.clamp([1.0], 0),
        "clamp_min_complex": lambda T: T.ones(2, dtype=T.complex64).clamp_min(0),
        "where_int_condition": lambda T: T.where(T.ones(2, dtype=T.int64), f(T)[0, :2], 0.0),
        "where_float_condition": lambda T: T.where(T.ones(2), T.ones(2), T.zeros(2)),
        "where_broadcast": lambda T: T.where(T.ones(4, dtype=T.bool), f(T), 0.0),
        "where_not_tensor_condition": lambda T: T.where([True], 1.0, 0.0),
        "where_string_operand": lambda T: T.where(T.ones(2, dtype=T.bool), "a", 0.0),
        "cat_empty_list": lambda T: T.cat([]),
        "cat_zero_dim": lambda T: T.cat([T.tensor(1.0), T.tensor(2.0)]),
        "cat_size_mismatch": lambda T: T.cat([f(T), T.ones(2, 4)], 0),
        "cat_ndim_mismatch": lambda T: T.cat([f(T), T.ones(2, 3, 1)]),
        "cat_dim_out_of_range": lambda T: T.cat([f(T), f(T)], 2),
        "cat_not_list": lambda T: T.cat(f(T)),
        "cat_list_of_numbers": lambda T: T.cat([1, 2]),
        "cat_float_dim": lambda T: T.cat([f(T)], 0.0),
        "stack_empty": lambda T: T.stack([]),
        "stack_shape_mismatch": lambda T: T.stack([f(T), T.ones(3, 2)]),
        "stack_dim_out_of_range": lambda T: T.stack([f(T), f(T)], 4),
        "stack_not_list": lambda T: T.stack(f(T)),
        "mm_1d": lambda T: T.mm(T.ones(3), T.ones(3)),
        "mm_shape_mismatch": lambda T: T.mm(f(T), f(T)),
        "mm_dtype_mismatch": lambda T: T.mm(f(T), T.ones(3, 2, dtype=T.float64)),
        "mm_bool": lambda T: T.mm(T.ones(2, 2, dtype=T.bool), T.ones(2, 2, dtype=T.bool)),
        "mm_not_tensor": lambda T: T.mm(f(T), [[1.0]]),
        "bmm_2d": lambda T: T.bmm(f(T), f(T)),
        "bmm_batch_mismatch": lambda T: T.bmm(T.ones(2, 2, 3), T.ones(3, 3, 2)),
        "bmm_dtype_mismatch": lambda T: T.bmm(T.ones(1, 2, 2), T.ones(1, 2, 2, dtype=T.float64)),
        "dot_2d": lambda T: T.dot(f(T), f(T)),
        "dot_length_mismatch": lambda T: T.dot(T.ones(3), T.ones(4)),
        "dot_dtype_mismatch": lambda T: T.dot(T.ones(3), T.ones(3, dtype=T.float64)),
        "mv_shape_mismatch": lambda T: T.mv(f(T), T.ones(2)),
        "mv_1d_matrix": lambda T: T.mv(T.ones(3), T.ones(3)),
        "mv_dtype_mismatch": lambda T: T.mv(f(T), T.ones(3, dtype=T.float64)),
        "matmul_0d": lambda T: T.matmul(T.tensor(1.0), f(T)),
        "matmul_shape_mismatch": lambda T: f(T) @ f(T),
        "matmul_batch_mismatch": lambda T: T.ones(2, 2, 3) @ T.ones(3, 3, 2),
        "matmul_dtype_mismatch": lambda T: f(T) @ T.ones(3, dtype=T.float64),
        "matmul_scalar": lambda T: f(T) @ 2,
        "matmul_list": lambda T: T.matmul(f(T), [1.0, 2.0, 3.0]),
        "fill_1d_value": lambda T: f(T).fill_(T.ones(2)),
        "fill_string": lambda T: f(T).fill_("a"),
        "copy_broadcast_mismatch": lambda T: f(T).copy_(T.ones(4)),
        "copy_into_expanded": lambda T: T.ones(1, 3).expand(2, 3).copy_(f(T)),
        "zero_leaf_requires_grad": lambda T: leaf(T).zero_(),
        "fill_leaf_requires_grad": lambda T: leaf(T).fill_(1.0),
        "nonzero_not_tensor": lambda T: T.nonzero([1, 0]),
    }


OPS = _ops()

REDUCTIONS: dict[str, Program] = {
    "sum_dim_out_of_range": lambda T: f(T).sum(2),
    "sum_dim_duplicate": lambda T: f(T).sum((0, 0)),
    "sum_dim_float": lambda T: f(T).sum(0.5),
    "sum_dim_string": lambda T: f(T).sum("a"),
    "sum_dims_float": lambda T: f(T).sum((0.5,)),
    "sum_complex32": lambda T: T.ones(2, dtype=T.complex32).sum(),
    "sum_not_tensor": lambda T: T.sum([1, 2]),
    "mean_dim_out_of_range": lambda T: f(T).mean(-3),
    "mean_dim_list_float": lambda T: f(T).mean([0.5]),
    "mean_dim_duplicate": lambda T: f(T).mean([1, -1]),
    "max_empty": lambda T: T.ones(0).max(),
    "max_empty_dim": lambda T: T.ones(0, 3).max(0),
    "max_complex": lambda T: T.ones(2, dtype=T.complex64).max(),
    "max_complex_dim": lambda T: T.ones(2, dtype=T.complex64).max(0),
    "max_dim_out_of_range": lambda T: f(T).max(2),
    "max_dim_float": lambda T: f(T).max(0.0),
    "max_dim_string": lambda T: f(T).max("a"),
    "max_tensor_broadcast": lambda T: T.max(f(T), T.ones(4)),
    "min_empty": lambda T: T.ones(0).min(),
    "min_complex_dim": lambda T: T.ones(2, dtype=T.complex64).min(0),
    "min_dim_out_of_range": lambda T: f(T).min(-3),
    "argmax_empty": lambda T: T.ones(0).argmax(),
    "argmax_bool": lambda T: T.ones(2, dtype=T.bool).argmax(),
    "argmax_complex": lambda T: T.ones(2, dtype=T.complex64).argmax(),
    "argmax_dim_out_of_range": lambda T: f(T).argmax(2),
    "argmax_empty_dim": lambda T: T.ones(0, 3).argmax(0),
    "argmin_dim_float": lambda T: f(T).argmin(0.5),
    "argmin_bool": lambda T: T.ones(2, dtype=T.bool).argmin(0),
    "all_dim_out_of_range": lambda T: f(T).all(2),
    "any_dim_float": lambda T: f(T).any(0.5),
    "any_dim_duplicate": lambda T: f(T).any((0, 0)),
}

AUTOGRAD: dict[str, Program] = {
    "backward_non_scalar": lambda T: (leaf(T) * 2).backward(),
    "backward_no_grad": lambda T: f(T).sum().backward(),
    "backward_complex_scalar": lambda T: (leaf(T) * 1j).sum().backward(),
    "backward_gradient_shape": lambda T: (leaf(T) * 2).backward(T.ones(2)),
    "backward_twice": _backward_twice,
    "backward_create_graph_none_grad": lambda T: T.autograd.backward([leaf(T) * 2], [None]),
    "backward_empty_inputs": lambda T: (leaf(T) * 2).sum().backward(inputs=[]),
    "grad_empty_inputs": lambda T: T.autograd.grad((leaf(T) * 2).sum(), []),
    "grad_unused": lambda T: T.autograd.grad((leaf(T) * 2).sum(), [leaf(T)]),
    "grad_input_no_grad": lambda T: T.autograd.grad((leaf(T) * 2).sum(), [f(T)]),
    "grad_output_no_grad": lambda T: T.autograd.grad(f(T).sum(), [leaf(T)]),
    "grad_non_scalar": lambda T: T.autograd.grad(leaf(T) * 2, [leaf(T)]),
    "grad_too_few_outputs": lambda T: T.autograd.grad(
        [leaf(T).sum(), leaf(T).sum()], [leaf(T)], [T.ones(())]
    ),
    "modified_saved": _modified_saved,
    "inplace_leaf": lambda T: leaf(T).add_(1),
    "inplace_view_of_leaf": lambda T: leaf(T)[0:2].mul_(2),
    "inplace_leaf_setter": lambda T: leaf(T).exp_(),
    "requires_grad_non_leaf_false": lambda T: setattr(leaf(T) * 2, "requires_grad", False),
    "requires_grad_non_leaf_setter": lambda T: setattr(leaf(T) * 2, "requires_grad", True),
    "requires_grad_non_leaf_method_false": lambda T: (leaf(T) * 2).requires_grad_(False),
    "retain_grad_no_grad": lambda T: f(T).retain_grad(),
    "numpy_requires_grad": lambda T: leaf(T).numpy(),
    "numpy_bfloat16": lambda T: f(T).to(T.bfloat16).numpy(),
    "set_grad_enabled_string": lambda T: T.set_grad_enabled("yes"),
    "function_wrong_grad_count": _bad_function,
    "index_backward_twice": lambda T: [
        (y := leaf(T)[T.tensor([0, 1])].exp().sum()).backward(),
        y.backward(),
    ],
    "floor_divide_backward": lambda T: (leaf(T) // 2).sum().backward(),
}

NUMPY_BRIDGE: dict[str, Program] = {
    "from_numpy_list": lambda T: T.from_numpy([1, 2]),
    "from_numpy_scalar": lambda T: T.from_numpy(np.float32(1)),
    "from_numpy_object": lambda T: T.from_numpy(np.array([object()])),
    "from_numpy_string": lambda T: T.from_numpy(np.array(["a"])),
    "from_numpy_negative_strides": lambda T: T.from_numpy(np.arange(4.0)[::-1]),
    "from_numpy_byteswapped": lambda T: T.from_numpy(np.ones(2, dtype=">f4")),
    "from_numpy_unaligned_strides": lambda T: T.from_numpy(
        np.lib.stride_tricks.as_strided(np.zeros(8, np.uint8), (2,), (3,))
        .view(np.uint8)
        .astype(np.int16)[::1]
        if False
        else np.ndarray((2,), np.int16, np.zeros(8, np.uint8).data, 0, (3,))
    ),
    "from_numpy_bfloat16": lambda T: T.from_numpy(np.ones(2, dtype=__import__("ml_dtypes").bfloat16)),
    "tensor_numpy_negative_strides": lambda T: T.tensor(np.arange(3)[::-1]),
    "tensor_numpy_bfloat16_scalar": lambda T: T.tensor(
        np.ones((), dtype=__import__("ml_dtypes").bfloat16)[()]
    ),
    "as_tensor_numpy_byteswapped": lambda T: T.as_tensor(np.ones(2, dtype=">i8")),
    "numpy_of_complex32": lambda T: T.ones(2, dtype=T.complex32).numpy(),
    "numpy_force_positional": lambda T: f(T).numpy(True),
    "add_numpy_string_array": lambda T: f(T) + np.array(["a", "b", "c"]),
    "mul_numpy_object_array": lambda T: f(T) * np.array([object()] * 3),
}

CATALOG: dict[str, Program] = {
    f"{area}.{name}": program
    for area, cases in {
        "creation": CREATION,
        "dtypes": DTYPES,
        "shapes_and_views": SHAPES_AND_VIEWS,
        "indexing": INDEXING,
        "ops": OPS,
        "reductions": REDUCTIONS,
        "autograd": AUTOGRAD,
        "numpy_bridge": NUMPY_BRIDGE,
    }.items()
    for name, program in cases.items()
}

# calls torch accepts where impl used to raise: both must return (compared as values elsewhere)
ACCEPTED: dict[str, Program] = {
    "tensor_dtype_python_float": lambda T: T.tensor([1, 2], dtype=float),
    "tensor_dtype_python_int": lambda T: T.tensor([1.5], dtype=int),
    "tensor_dtype_python_bool": lambda T: T.tensor([0, 2], dtype=bool),
    "tensor_dtype_python_complex": lambda T: T.tensor([1], dtype=complex),
    "zeros_dtype_python_float": lambda T: T.zeros(2, dtype=float),
    "ones_numpy_int_size": lambda T: T.ones(np.int64(2)),
    "view_numpy_int": lambda T: f(T).view(np.int64(6)),
    "view_0d_tensor_size": lambda T: f(T).view(T.tensor(6)),
    "index_numpy_int": lambda T: f(T)[np.int64(1)],
    "index_ellipsis_twice": lambda T: f(T)[..., ...],
    "split_zero_of_empty": lambda T: T.ones(0, 3).split(0),
    "sum_dim_list": lambda T: f(T).sum([0, 1]),
    "to_python_float": lambda T: f(T).to(float),
}


def _run(program: Program, engine: Any) -> BaseException | None:
    try:
        program(engine)
    except Exception as err:  # the catalog compares refusals by type and message
        return err
    return None


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else ""


def _raised_by_impl(err: BaseException) -> bool:
    """Whether the exception comes from a `raise` statement in impl, or from Python refusing the call
    itself (a missing argument), never from NumPy or from Python's own checks inside impl's code (an
    AttributeError, KeyError or IndexError there would be a bug)."""
    frames = traceback.extract_tb(err.__traceback__)
    inside = [i for i, frame in enumerate(frames) if f"{IMPL_DIR}/" in frame.filename]
    if not inside:
        return isinstance(err, TypeError)  # the call's arguments did not bind to impl's signature
    return inside[-1] == len(frames) - 1 and (frames[-1].line or "").lstrip().startswith("raise")


def _outcomes(name: str) -> tuple[BaseException, BaseException | None]:
    theirs = _run(CATALOG[name], torch)
    assert theirs is not None, f"torch accepts {name}: not a bad input"
    return theirs, _run(CATALOG[name], impl)


@pytest.mark.parametrize("name", list(CATALOG))
def test_impl_refuses_like_torch(name: str) -> None:
    theirs, ours = _outcomes(name)
    assert ours is not None, f"torch raised {theirs!r}, impl accepted"
    assert type(ours).__name__ == type(theirs).__name__, f"torch raised {theirs!r}, impl {ours!r}"
    assert _first_line(ours), f"impl raised {type(ours).__name__} without a message"
    assert _raised_by_impl(ours), f"impl's {ours!r} leaks from {traceback.extract_tb(ours.__traceback__)[-1]}"


@pytest.mark.parametrize("name", list(ACCEPTED))
def test_impl_accepts_what_torch_accepts(name: str) -> None:
    assert _run(ACCEPTED[name], torch) is None
    assert _run(ACCEPTED[name], impl) is None


def test_agreement_figures() -> None:
    """The catalog's size and agreement, printed (pytest -s): same type, and same first message line."""
    same_type = same_message = 0
    different = []
    for name in CATALOG:
        theirs, ours = _outcomes(name)
        if ours is not None and type(ours) is type(theirs):
            same_type += 1
            same_message += _first_line(ours) == _first_line(theirs)
        else:
            different.append(f"{name}: torch {theirs!r}, impl {ours!r}")
    total = len(CATALOG)
    print(
        f"\nbad-input catalog: {total} cases; impl raises torch's exception type in {same_type} "
        f"({same_type / total:.1%}), with torch's first message line in {same_message} "
        f"({same_message / total:.1%})"
    )
    for line in different:
        print("  different:", line)
    assert total >= 250
