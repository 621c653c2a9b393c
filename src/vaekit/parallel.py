"""Collectives for state that parts keep across ranks (codebook EMA statistics, usage
counters, k-means initialisation), each a no-op in a single process.

Under data-parallel training every rank sees a shard of the batch. Parameters are kept
equal by averaging gradients (DDP), but buffers a module updates inside ``forward`` are
not: a part that keeps such statistics reduces them with these functions, so that every
rank holds what one process would hold with the whole batch. The engine starts the
process group (:mod:`vaekit.engine.distributed`); outside one, each function returns its
input untouched at the cost of one flag check.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor


def world_size() -> int:
    """The number of processes training together (1 without a process group)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def sum_over_ranks(t: Tensor) -> Tensor:
    """``t`` summed over every rank (in place; ``t`` itself in a single process)."""
    if world_size() > 1:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def gather_rows(t: Tensor) -> Tensor:
    """Every rank's ``t (N, ...)`` concatenated along the first dimension, in rank order.

    Ranks may hold different ``N``; ``t`` itself in a single process.
    """
    world = world_size()
    if world == 1:
        return t
    sizes = torch.tensor([len(t)], device=t.device)
    all_sizes = [torch.zeros_like(sizes) for _ in range(world)]
    dist.all_gather(all_sizes, sizes)
    longest = int(max(s.item() for s in all_sizes))
    padded = t.new_zeros((longest, *t.shape[1:]))
    padded[: len(t)] = t
    parts = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(parts, padded)
    return torch.cat([p[: int(s.item())] for p, s in zip(parts, all_sizes, strict=True)])


def from_rank_zero(t: Tensor) -> Tensor:
    """``t`` overwritten with rank 0's values (in place; ``t`` itself in a single process)."""
    if world_size() > 1:
        dist.broadcast(t, src=0)
    return t
