"""Running means of what steps log, kept off the hot path.

Each step only detaches and appends its tensors; they are reduced (summed on the device,
one read-back) when the means are asked for: every ``log_every`` steps and at the end of an
epoch. Per-example terms ``(B,)`` are summed over examples; scalars (the loss, batch-level
terms, stats) are weighted by the batch size. In a distributed run the totals and the
example count are summed over ranks (one collective) before they are divided.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from vaekit.types import StepOut


class RunningMeans:
    """Per-example means of named values over the batches added so far."""

    def __init__(self, reduce: Callable[[Tensor], Tensor] | None = None) -> None:
        """``reduce`` sums a tensor over ranks in place (``None``: a single process)."""
        self.reduce = reduce
        self._examples: dict[str, list[Tensor]] = {}
        self._scalars: dict[str, list[Tensor]] = {}
        self._sizes: dict[str, list[int]] = {}
        self._totals: dict[str, Tensor] = {}
        self.seen = 0

    def add(self, loss_key: str, out: StepOut, batch: int) -> None:
        """Record one step's output for a batch of ``batch`` examples (no device work)."""
        examples, scalars, sizes = self._examples, self._scalars, self._sizes
        for k, v in out.terms.items():
            examples.setdefault(k, []).append(v.detach())
        for group in ({loss_key: out.loss}, out.batch_terms, out.stats):
            for k, v in group.items():
                scalars.setdefault(k, []).append(v.detach())
                sizes.setdefault(k, []).append(batch)

    def count(self, batch: int) -> None:
        """Count ``batch`` more examples (once per batch, whatever the number of steps)."""
        self.seen += batch

    def means(self) -> dict[str, float]:
        """Every value's mean per example so far (one device sync)."""
        for k, values in self._examples.items():
            self._fold(k, torch.cat([v.reshape(-1) for v in values]).sum())
        for k, values in self._scalars.items():
            sizes = torch.tensor(self._sizes[k], dtype=values[0].dtype, device=values[0].device)
            self._fold(k, (torch.stack(values) * sizes).sum())
        self._examples, self._scalars, self._sizes = {}, {}, {}
        keys = list(self._totals)
        if self.reduce is not None:  # every rank has the same keys, in the same order
            first = next(iter(self._totals.values()), torch.zeros(()))
            local = [
                *(self._totals[k].double() for k in keys),
                torch.tensor(self.seen, dtype=torch.float64),
            ]
            totals = self.reduce(torch.stack([t.to(first.device) for t in local])).tolist()
            seen = totals.pop()
            return {k: v / max(seen, 1) for k, v in zip(keys, totals, strict=True)}
        values = torch.stack([self._totals[k].double() for k in keys]).tolist() if keys else []
        return {k: v / max(self.seen, 1) for k, v in zip(keys, values, strict=True)}

    def _fold(self, key: str, total: Tensor) -> None:
        self._totals[key] = self._totals[key] + total if key in self._totals else total
