"""Dynamic binarisation as a source: every training batch served is a fresh Bernoulli sample.

:class:`DynamicBinarized` wraps the grey training split. Its ``batches`` draw
``torch.bernoulli(batch.x)`` in the main process, after the batch is on its device,
with torch's default generator, one batch at a time as the consumer asks for it — what
the engine did when it binarised batches itself — so a run's random stream is unchanged
and the RNG states saved in a checkpoint resume it exactly. Every pass (epoch) draws
anew. Random access through ``batch(idx)`` (pictures, diagnostics) is not sampled: it
returns the grey values, the Bernoulli means. The rest delegates to ``source``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from vaekit.data.binarize import static_binarize
from vaekit.types import Batch, DataSource


@dataclass(frozen=True, eq=False)
class DynamicBinarized:
    """The examples of the grey ``source`` (values in [0, 1]), binarised afresh per batch."""

    source: DataSource

    @property
    def y(self) -> Tensor | None:
        """The source's labels."""
        return self.source.y

    @property
    def factors(self) -> Tensor | None:
        """The source's factors."""
        return self.source.factors

    def __len__(self) -> int:
        return len(self.source)

    @property
    def shape(self) -> tuple[int, ...]:
        """The per-example shape of ``x``."""
        return self.source.shape

    def batch(self, idx: Tensor) -> Batch:
        """The grey examples at ``idx`` (not sampled: random access sees the means)."""
        return self.source.batch(idx)

    def batches(
        self, order: Tensor, batch_size: int, device: torch.device | str
    ) -> Iterator[Batch]:
        """The source's batches, each replaced by ``torch.bernoulli`` of its ``x``."""
        for batch in self.source.batches(order, batch_size, device):
            yield batch.with_x(torch.bernoulli(batch.x))

    def select(self, idx: Tensor) -> DynamicBinarized:
        """The examples at ``idx``, still binarised per batch."""
        return DynamicBinarized(self.source.select(idx))

    def prepare(self, device: torch.device | str) -> DynamicBinarized:
        """The prepared source, still binarised per batch."""
        return DynamicBinarized(self.source.prepare(device))

    def binarized(self, seed: int) -> DataSource:
        """The grey source binarised once with ``seed`` (see :func:`static_binarize`)."""
        return static_binarize(self.source, seed)
