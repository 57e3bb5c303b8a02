"""torch.utils.data's Dataset, TensorDataset, DataLoader and default_collate (map-style datasets).

torch's rules modelled:
- TensorDataset(*tensors): sample i is (t[i] for each tensor); all must share size(0).
- DataLoader(dataset, batch_size=1, shuffle=False, ...): the indices 0..len-1, in order or (shuffle)
  in a fresh random permutation every epoch drawn from `generator` (or the default generator: impl's
  values, not torch's); cut into batches of batch_size, the last one shorter unless drop_last drops
  it; each batch is collate_fn([dataset[i] for i in batch]). len(loader) is the number of batches.
- default_collate: tensors stack along a new dim 0; Python floats become a float64 tensor, ints (and
  bools) a tensor; NumPy arrays and scalars become tensors first; strings stay as they are; mappings
  collate per key, namedtuples per field, and other sequences (tuples too) become a list of the
  collated columns.
impl loads in the calling process: num_workers only has its check, and pin_memory, timeout and the
worker options have no effect; samplers and batch_size=None are not modelled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from impl.creation import as_tensor, tensor
from impl.dtypes import float64
from impl.joining import stack
from impl.random import Generator, randperm
from impl.tensor import Tensor

__all__ = ["DataLoader", "Dataset", "TensorDataset", "default_collate"]


class Dataset:
    """torch.utils.data.Dataset: subclasses define __getitem__ (and __len__ for a DataLoader)."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class TensorDataset(Dataset):
    """torch.utils.data.TensorDataset(*tensors): rows along dim 0, one tensor per field."""

    def __init__(self, *tensors: Tensor) -> None:
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)


_COLLATE_ERROR = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)
# default_collate of leaves, by the first element's type (bool is an int, as in torch)
_LEAVES: tuple[tuple[type | tuple[type, ...], Callable[[Sequence[Any]], Any]], ...] = (
    (Tensor, lambda batch: stack(list(batch), 0)),
    ((np.ndarray, np.number, np.bool_), lambda batch: default_collate([as_tensor(b) for b in batch])),
    (float, lambda batch: tensor(list(batch), dtype=float64)),
    (int, lambda batch: tensor(list(batch))),
    ((str, bytes), lambda batch: batch),
)


def default_collate(batch: Sequence[Any]) -> Any:
    """torch.utils.data.default_collate: samples -> one batch, by the rules in the module docstring."""
    elem = batch[0]
    for kinds, collate in _LEAVES:
        if isinstance(elem, kinds):
            if isinstance(elem, np.ndarray) and elem.dtype.kind in "SaUO":
                raise TypeError(_COLLATE_ERROR.format(elem.dtype))
            return collate(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(column) for column in zip(*batch, strict=False)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(column) for column in zip(*batch, strict=False)]
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


class DataLoader:
    """torch.utils.data.DataLoader over a map-style dataset (see the module docstring)."""

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool | None = None,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
    ) -> None:
        if sampler is not None or batch_sampler is not None or batch_size is None:
            raise NotImplementedError(
                "impl's DataLoader has no samplers and always batches: use batch_size, shuffle and generator"
            )
        if num_workers < 0:
            raise ValueError(
                "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing."
            )
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.shuffle, self.generator = bool(shuffle), generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.collate_fn = default_collate if collate_fn is None else collate_fn

    def _indices(self) -> list[int]:
        n = len(self.dataset)
        return randperm(n, generator=self.generator).tolist() if self.shuffle else list(range(n))

    def __iter__(self) -> Iterator[Any]:
        indices = self._indices()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = indices[start : start + self.batch_size]
            yield self.collate_fn([self.dataset[i] for i in batch])

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
