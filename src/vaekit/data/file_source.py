"""Examples read from a file or a folder per batch: a view of row numbers over a reader.

A :class:`FileSource` holds only what is small — the rows of its examples in the file,
in its order, and their labels — and a :class:`Reader` that reads rows on demand: a
memory-mapped ``.npy`` (:mod:`vaekit.data.npy_mmap`) or a streamed image folder
(:mod:`vaekit.data.image_stream`). :meth:`FileSource.select` makes another view over
the same reader, so splitting reads nothing; :meth:`FileSource.prepare` returns the
source itself, since batches are moved to the device one at a time. Static
binarisation is a seed carried by the view and applied per example as rows are read
(:func:`~vaekit.data.binarize.binarize_examples`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Protocol

import torch
from torch import Tensor

from vaekit.types import Batch


class Reader(Protocol):
    """Reads examples by their row in a file or folder, for a :class:`FileSource`.

    ``shape`` is the per-example shape; ``value_range`` (scaled) and ``binary`` describe
    the values of every example, as found on load.
    """

    shape: tuple[int, ...]
    value_range: tuple[float, float]
    binary: bool

    def read(self, rows: Tensor, seed: int | None) -> Tensor:
        """Float32 examples at ``rows`` on the CPU, read in this process (binarised per
        example with ``seed`` unless it is ``None``)."""
        ...

    def stream(
        self, rows: list[Tensor], seed: int | None, device: torch.device | str
    ) -> Iterator[Tensor]:
        """The float32 examples of each batch of ``rows`` in turn, on ``device``."""
        ...


@dataclass(frozen=True, eq=False)
class FileSource:
    """The examples at ``rows`` ``(N,)`` of ``reader``, with labels ``y`` ``(N,)`` or ``None``.

    A :class:`~vaekit.types.DataSource`; ``seed`` set means statically binarised.
    """

    reader: Reader
    rows: Tensor
    y: Tensor | None = None
    seed: int | None = None

    @property
    def factors(self) -> None:
        """Files carry no generative factors."""
        return None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def shape(self) -> tuple[int, ...]:
        """The per-example shape of ``x``."""
        return self.reader.shape

    @property
    def value_range(self) -> tuple[float, float]:
        """The smallest and largest value in the whole file (before binarisation)."""
        return self.reader.value_range

    @property
    def binary(self) -> bool:
        """Whether every value in the whole file is 0 or 1."""
        return self.reader.binary

    def batch(self, idx: Tensor) -> Batch:
        """Float32 examples and labels at ``idx``, read in this process, on the CPU."""
        idx = idx.cpu()
        return Batch(self.reader.read(self.rows[idx], self.seed), self._labels(idx, "cpu"))

    def batches(
        self, order: Tensor, batch_size: int, device: torch.device | str
    ) -> Iterator[Batch]:
        """Batches of ``batch_size`` examples in ``order``, each read and moved to ``device``."""
        order = order.cpu()
        parts = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        xs = self.reader.stream([self.rows[p] for p in parts], self.seed, device)
        for part, x in zip(parts, xs, strict=True):
            yield Batch(x, self._labels(part, device))

    def select(self, idx: Tensor) -> FileSource:
        """The examples at ``idx``, in that order: a view over the same reader."""
        idx = idx.cpu()
        return replace(self, rows=self.rows[idx], y=None if self.y is None else self.y[idx])

    def prepare(self, device: torch.device | str) -> FileSource:
        """The source itself: batches are read and moved to ``device`` one at a time."""
        return self

    def binarized(self, seed: int) -> FileSource:
        """This view statically binarised: each example with noise seeded by (``seed``, row)."""
        return replace(self, seed=seed)

    def _labels(self, idx: Tensor, device: torch.device | str) -> Tensor | None:
        return None if self.y is None else self.y[idx].to(device, non_blocking=True)
