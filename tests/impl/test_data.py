"""impl.utils.data against live torch: TensorDataset, DataLoader and default_collate give the same
samples, batches (types, dtypes, shapes, values), lengths and errors.

A shuffled order is a random draw from each engine's own generator, so it cannot match torch's: the
order torch's RandomSampler yields is recorded and handed to impl's loader to compare the batches,
and impl's own shuffling is checked by its properties (a permutation per epoch, reproducible from a
seeded generator).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import pytest
import torch

import impl
from tests.impl.conftest import both

RNG = np.random.default_rng(14)
X = RNG.standard_normal((7, 3)).astype(np.float32)
Y = np.arange(7)


def dataset(T: Any) -> Any:
    return T.utils.data.TensorDataset(T.tensor(X), T.tensor(Y))


# --- Dataset and TensorDataset --------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, -1, slice(1, 4), slice(None, None, 2)], ids=str)
def test_tensor_dataset_samples(index: Any) -> None:
    both(lambda T: [list(dataset(T)[index]), len(dataset(T))])


def test_tensor_dataset_of_one_tensor_and_tensor_index() -> None:
    both(lambda T: list(T.utils.data.TensorDataset(T.tensor(X))[T.tensor([2, 0])]))


BAD_DATASETS = {
    "lengths-differ": lambda T: T.utils.data.TensorDataset(T.ones(3, 2), T.ones(4)),
    "index-out-of-range": lambda T: dataset(T)[7],
    "base-getitem": lambda T: T.utils.data.Dataset()[0],
    "base-len": lambda T: len(T.utils.data.Dataset()),
    "len-of-no-tensors": lambda T: len(T.utils.data.TensorDataset()),
}


@pytest.mark.parametrize("program", BAD_DATASETS.values(), ids=BAD_DATASETS.keys())
def test_dataset_bad_use_raises_as_torch(program: Callable[[Any], Any]) -> None:
    assert isinstance(both(program), Exception)


class Pair(NamedTuple):
    x: Any
    y: Any


class Squares(torch.utils.data.Dataset, impl.utils.data.Dataset):
    """A custom map-style Dataset (either engine's base works: both only ask for __getitem__/__len__)."""

    def __init__(self, T: Any) -> None:
        self.T = T

    def __getitem__(self, i: int) -> Any:
        return {"x": self.T.tensor([float(i), float(i * i)]), "i": i, "half": i / 2, "name": f"s{i}"}

    def __len__(self) -> int:
        return 5


# --- DataLoader in order ---------------------------------------------------------------------------


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 10])
def test_loader_batches_in_order(batch_size: int, drop_last: bool) -> None:
    def program(T: Any) -> Any:
        loader = T.utils.data.DataLoader(dataset(T), batch_size=batch_size, drop_last=drop_last)
        return [list(loader), list(loader), len(loader)]

    both(program)


LOADED = {
    "list-of-ints": lambda T: [1, 2, 3],
    "list-of-floats": lambda T: [0.5, 1.5, 2.5],
    "list-of-bools": lambda T: [True, False, True],
    "tuples": lambda T: [(1, 2.0, "a"), (3, 4.0, "b"), (5, 6.0, "c")],
    "lists": lambda T: [[1, 2], [3, 4], [5, 6]],
    "namedtuples": lambda T: [Pair(T.ones(2), 1), Pair(T.zeros(2), 2), Pair(T.ones(2), 3)],
    "numpy-arrays": lambda T: [np.ones(2), np.zeros(2), np.arange(2.0)],
    "numpy-scalars": lambda T: [np.float32(1), np.float32(2), np.float32(3)],
    "dicts": lambda T: Squares(T),
}


@pytest.mark.parametrize("data", LOADED.values(), ids=LOADED.keys())
def test_loader_default_collate(data: Callable[[Any], Any]) -> None:
    """torch's default_collate: tensors stack, floats -> float64, ints -> int64, tuples -> a list..."""

    def program(T: Any) -> Any:
        batches = list(T.utils.data.DataLoader(data(T), batch_size=2))
        return [[type(b).__name__, list(b.values()) if isinstance(b, dict) else b] for b in batches]

    both(program)


def test_loader_with_a_collate_fn() -> None:
    both(
        lambda T: list(T.utils.data.DataLoader(dataset(T), batch_size=3, collate_fn=lambda batch: len(batch)))
    )


BAD_COLLATES = {
    "object": lambda T: [object(), object()],
    "none": lambda T: [None, None],
    "unequal-lists": lambda T: [[1, 2], [3]],
    "unequal-tensors": lambda T: [T.ones(2), T.ones(3)],
    "numpy-strings": lambda T: [np.array(["a"]), np.array(["b"])],
}


@pytest.mark.parametrize("batch", BAD_COLLATES.values(), ids=BAD_COLLATES.keys())
def test_default_collate_bad_batches_raise_as_torch(batch: Callable[[Any], Any]) -> None:
    assert isinstance(both(lambda T: T.utils.data.default_collate(batch(T))), Exception)


BAD_LOADERS = {
    "batch-size-0": {"batch_size": 0},
    "batch-size-negative": {"batch_size": -1},
    "batch-size-float": {"batch_size": 2.0},
    "batch-size-bool": {"batch_size": True},
    "num-workers-negative": {"num_workers": -1},
}


@pytest.mark.parametrize("options", BAD_LOADERS.values(), ids=BAD_LOADERS.keys())
def test_loader_bad_options_raise_as_torch(options: dict[str, Any]) -> None:
    assert isinstance(both(lambda T: T.utils.data.DataLoader(dataset(T), **options)), ValueError)


# --- DataLoader shuffled -----------------------------------------------------------------------------


@pytest.fixture
def torch_orders(monkeypatch: pytest.MonkeyPatch) -> deque[list[int]]:
    """The orders torch's RandomSampler yields, recorded, and handed to impl's loader in turn."""
    orders: deque[list[int]] = deque()
    sample = torch.utils.data.RandomSampler.__iter__

    def recording(self: Any) -> Iterator[int]:
        orders.append(list(sample(self)))
        yield from orders[-1]

    monkeypatch.setattr(torch.utils.data.RandomSampler, "__iter__", recording)
    monkeypatch.setattr(impl.utils.data, "randperm", lambda n, **_: impl.tensor(orders.popleft()))
    return orders


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_batches_follow_the_order_drawn(torch_orders: deque[list[int]], drop_last: bool) -> None:
    def program(T: Any) -> Any:
        loader = T.utils.data.DataLoader(dataset(T), batch_size=3, shuffle=True, drop_last=drop_last)
        return [list(loader) for _ in range(3)] + [len(loader)]

    both(program)
    assert not torch_orders  # one order per epoch on both


@pytest.mark.parametrize("engine", [torch, impl], ids=["torch", "impl"])
def test_shuffle_draws_a_new_permutation_every_epoch(engine: Any) -> None:
    """torch's rule, checked on both: each epoch visits every sample once, in a fresh random order."""
    data = engine.utils.data.TensorDataset(engine.arange(50))
    loader = engine.utils.data.DataLoader(data, batch_size=8, shuffle=True)
    epochs = [[int(i) for (batch,) in loader for i in batch] for _ in range(3)]
    assert all(sorted(epoch) == list(range(50)) for epoch in epochs)
    assert epochs[0] != epochs[1] != epochs[2] and epochs[0] != list(range(50))


@pytest.mark.parametrize("engine", [torch, impl], ids=["torch", "impl"])
def test_shuffle_with_a_seeded_generator_is_reproducible(engine: Any) -> None:
    def orders(seed: int) -> list[list[int]]:
        loader = engine.utils.data.DataLoader(
            list(range(20)), batch_size=20, shuffle=True, generator=engine.Generator().manual_seed(seed)
        )
        return [next(iter(loader)).tolist() for _ in range(2)]

    assert orders(3) == orders(3) != orders(4)


def test_shuffle_without_a_generator_follows_the_default_generator() -> None:
    def order() -> list[int]:
        impl.manual_seed(7)
        return next(iter(impl.utils.data.DataLoader(list(range(20)), batch_size=20, shuffle=True))).tolist()

    assert order() == order()


@pytest.mark.parametrize("options", [{"sampler": [0, 1]}, {"batch_sampler": [[0, 1]]}, {"batch_size": None}])
def test_samplers_and_unbatched_loading_are_refused_rather_than_ignored(options: dict[str, Any]) -> None:
    """Options impl does not model raise NotImplementedError (torch runs them)."""
    list(torch.utils.data.DataLoader(dataset(torch), **options))
    with pytest.raises(NotImplementedError):
        impl.utils.data.DataLoader(dataset(impl), **options)


# --- randperm (the shuffle's source) ---------------------------------------------------------------


def test_randperm_is_a_permutation_of_torchs_dtype_and_shape() -> None:
    def program(T: Any) -> Any:
        drawn = [T.randperm(10), T.randperm(10, dtype=T.float32), T.randperm(0), T.randperm(np.int64(3))]
        return [[p.dtype, list(p.shape), sorted(p.tolist())] for p in drawn]

    both(program)


def test_randperm_follows_its_generator() -> None:
    def drawn(seed: int) -> list[int]:
        return impl.randperm(30, generator=impl.Generator().manual_seed(seed)).tolist()

    assert drawn(1) == drawn(1) != drawn(2)


BAD_RANDPERMS = {
    "negative": lambda T: T.randperm(-1),
    "float-n": lambda T: T.randperm(3.0),
    "bool-n": lambda T: T.randperm(True),
    "bool-dtype": lambda T: T.randperm(3, dtype=T.bool),
    "complex-dtype": lambda T: T.randperm(3, dtype=T.complex64),
    "int8-overflow": lambda T: T.randperm(129, dtype=T.int8),
    "uint8-overflow": lambda T: T.randperm(257, dtype=T.uint8),
    "float16-inexact": lambda T: T.randperm(2050, dtype=T.float16),
    "int64-requires-grad": lambda T: T.randperm(3, requires_grad=True),
}


@pytest.mark.parametrize("program", BAD_RANDPERMS.values(), ids=BAD_RANDPERMS.keys())
def test_randperm_bad_arguments_raise_as_torch(program: Callable[[Any], Any]) -> None:
    assert isinstance(both(program), Exception)


def test_randperm_at_its_dtype_limits() -> None:
    both(lambda T: [sorted(T.randperm(n, dtype=d).tolist()) for n, d in ((128, T.int8), (2049, T.float16))])
