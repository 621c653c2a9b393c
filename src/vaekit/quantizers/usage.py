"""Codebook usage tracking for evaluation and dead-code reset, and code counting."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.parallel import sum_over_ranks


def count_codes(indices: Tensor, codebook_size: int) -> Tensor:
    """Histogram of ``indices`` (any shape) over ``[0, K)`` → ``(K,)`` int64.

    Unlike ``torch.bincount`` this never reads the maximum back to the host,
    so it does not synchronise a CUDA stream.
    """
    flat = indices.flatten()
    counts = torch.zeros(codebook_size, dtype=torch.long, device=indices.device)
    return counts.scatter_add_(0, flat, torch.ones_like(flat))


class CodeUsage(nn.Module):
    """Per-code counters updated on every training step.

    ``counts[k]`` is the number of vectors assigned to code ``k`` since creation;
    ``idle[k]`` is the number of training steps since code ``k`` was last used.
    A code is *dead* once ``idle[k] >= dead_after``. Both buffers are saved in
    the state dict, so usage survives checkpoint/resume.
    """

    counts: Tensor
    idle: Tensor

    def __init__(self, codebook_size: int, dead_after: int = 100) -> None:
        super().__init__()
        if dead_after < 1:
            raise ValueError(f"dead_after must be >= 1, got {dead_after}")
        self.codebook_size = codebook_size
        self.dead_after = dead_after
        self.register_buffer("counts", torch.zeros(codebook_size, dtype=torch.long))
        self.register_buffer("idle", torch.zeros(codebook_size, dtype=torch.long))

    @torch.no_grad()
    def update(self, indices: Tensor) -> None:
        """Record one training step that used ``indices`` (any shape, values in ``[0, K)``)."""
        used = sum_over_ranks(count_codes(indices, self.codebook_size))  # the global batch's
        self.counts += used
        self.idle += 1
        self.idle.masked_fill_(used > 0, 0)

    @torch.no_grad()
    def revive(self, mask: Tensor) -> None:
        """Mark the codes in boolean ``mask (K,)`` as freshly used (after re-seeding them)."""
        self.idle.masked_fill_(mask, 0)

    @property
    def dead(self) -> Tensor:
        """Boolean mask ``(K,)`` of codes idle for at least ``dead_after`` steps."""
        return self.idle >= self.dead_after

    @property
    def dead_codes(self) -> int:
        """Number of dead codes."""
        return int(self.dead.sum())
