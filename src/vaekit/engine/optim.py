"""Optimizers and learning-rate schedules by name.

A schedule is a function ``(step, total_steps) -> factor`` applied to the base
learning rate; its only state is the step counter, which the checkpoint holds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch
from torch import nn

from vaekit.registry import Registry

OPTIMIZERS: Registry[torch.optim.Optimizer] = Registry("optimizer")
SCHEDULES: Registry[float] = Registry("schedule")

OPTIMIZERS.register("adam", "Adam (Kingma & Ba 2015)")(torch.optim.Adam)
OPTIMIZERS.register("adamw", "AdamW, decoupled weight decay (Loshchilov & Hutter 2019)")(
    torch.optim.AdamW
)


@SCHEDULES.register("constant")
def constant(step: int, total: int) -> float:
    """Constant learning rate."""
    return 1.0


@SCHEDULES.register("cosine")
def cosine(step: int, total: int) -> float:
    """Cosine decay from the base rate to 0 over the run."""
    return 0.5 * (1 + math.cos(math.pi * min(step, total) / max(total, 1)))


@SCHEDULES.register("linear")
def linear(step: int, total: int) -> float:
    """Linear decay from the base rate to 0 over the run."""
    return max(0.0, 1 - step / max(total, 1))


def make_optimizer(
    name: str, params: Iterable[nn.Parameter], lr: float, weight_decay: float
) -> torch.optim.Optimizer:
    """Build a registered optimizer."""
    return OPTIMIZERS.get(name)(params, lr=lr, weight_decay=weight_decay)


def lr_at(schedule: Callable[[int, int], float], step: int, total: int, warmup: int) -> float:
    """Schedule factor with an optional linear warm-up over the first ``warmup`` steps."""
    factor = schedule(step, total)
    return factor * min(1.0, (step + 1) / warmup) if warmup > 0 else factor
