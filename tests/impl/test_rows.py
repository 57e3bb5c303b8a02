"""The op rows (impl/rows.py) as a whole: every derivative is checked against live torch, every
torch.Tensor name of impl's subset is bound, and what the rows derive is up to date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import impl
from impl import methods, stubgen
from impl.rows import REGISTRY
from tests.impl.test_autograd import OPS, leaf

IMPL = Path(impl.__file__).parent


def _torch_node_names() -> set[str]:
    """The grad_fn class names in torch's graphs of the programs test_autograd.py compares op by op."""
    seen: set[str] = set()
    for fn, arrays in OPS.values():
        out = fn(torch, *[leaf(torch, x) for x in arrays])
        stack = [out.grad_fn]
        while stack:
            node = stack.pop()
            if node is not None:
                seen.add(type(node).__name__)
                stack.extend(child for child, _ in node.next_functions)
    return seen


def test_every_derivative_is_checked_against_torch() -> None:
    """Each node name a row's derivative makes appears in a torch graph whose gradients
    test_op_grad_fn_and_vjp_match_torch compares with impl's."""
    declared = {
        name: row.name for row in REGISTRY.values() if row.derivative for name in row.derivative.node_names()
    }
    unchecked = sorted(f"{node} ({op})" for node, op in declared.items() if node not in _torch_node_names())
    assert not unchecked, f"derivatives no program of test_autograd.OPS checks: {unchecked}"


def test_every_recorded_op_has_a_derivative() -> None:
    """Every op name a forward records (`record("op", ...)`) has a row with a derivative."""
    recorded = set()
    for path in IMPL.rglob("*.py"):
        recorded |= set(re.findall(r"\brecord\(\s*\"(\w+)\"", path.read_text()))
    assert recorded, "no record() calls found"
    missing = sorted(op for op in recorded if op not in REGISTRY or REGISTRY[op].derivative is None)
    assert not missing, f"recorded without a derivative row: {missing}"


def _subset() -> list[str]:
    """impl's subset: the public names of every row with a forward (aten-internal rows aside)."""
    return [
        n
        for row in REGISTRY.values()
        if row.impl is not None
        for n in (row.name, *row.aliases)
        if n[0] != "_"
    ]


def test_every_torch_tensor_name_of_the_subset_is_bound() -> None:
    """For each op impl has, the function, method and in-place form torch has are bound in impl too."""
    missing = [
        f"Tensor.{s}"
        for n in _subset()
        for s in (n, n + "_")
        if hasattr(torch.Tensor, s) and not hasattr(impl.Tensor, s)
    ]
    missing += [
        f"torch.{n}"
        for n in _subset()
        if hasattr(torch, n) and not isinstance(getattr(torch, n), torch.dtype) and not hasattr(impl, n)
    ]
    assert not missing, f"torch has these names of impl's ops, impl does not: {missing}"


def test_every_spelling_is_one_torch_has() -> None:
    """The rows spell no name torch lacks (impl's own constructors stay off the op rows)."""
    for row in REGISTRY.values():
        for name in row.functions():
            assert hasattr(torch, name), f"torch.{name} does not exist"
        for name in row.methods():
            assert hasattr(torch.Tensor, name), f"torch.Tensor.{name} does not exist"


def test_row_functions_are_exported() -> None:
    for name, fn in methods.functions().items():
        assert getattr(impl, name) is fn, name


def test_stubs_are_up_to_date() -> None:
    """impl/tensor_methods.pyi and impl/functions.pyi are what `python -m impl.stubgen` writes."""
    assert stubgen.STUB.read_text() == stubgen.stub_text(), "run `python -m impl.stubgen`"
    assert stubgen.FUNCTIONS_STUB.read_text() == stubgen.functions_stub_text(), "run `python -m impl.stubgen`"


@pytest.mark.parametrize("name", ["add", "exp", "sum", "view", "__getitem__", "backward"])
def test_methods_are_bound_once_in_methods_py(name: str) -> None:
    """Tensor's op methods come from methods.bind (no module attaches methods of its own)."""
    assert name in methods.tensor_attributes()
    assert getattr(impl.Tensor, name) is methods.tensor_attributes()[name]
