"""Importance-sampled log-likelihood over a dataset, batched to a memory budget."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from vaekit.models.latent import LatentModel


@dataclass(frozen=True)
class Batching:
    """How many inputs go in one call, and how many of their samples are decoded at once."""

    inputs: int
    samples: int


def plan_batches(model: LatentModel, k: int, memory_budget_mb: float) -> Batching:
    """Fit ``inputs × samples`` decoded samples into the budget.

    A decoded sample costs roughly its likelihood parameters and data copy plus the
    decoder's widest activations; we count 4 bytes × (3 · P · numel + 4096).
    """
    numel = math.prod(model.input_shape) * model.likelihood.num_params
    per_sample = 4 * (3 * numel + 4096)
    pairs = max(1, int(memory_budget_mb * 2**20) // per_sample)
    inputs = max(1, min(512, pairs // k))
    return Batching(inputs, max(1, min(k, pairs // inputs)))


@torch.no_grad()
def dataset_log_likelihood(
    model: LatentModel,
    x: Tensor,
    y: Tensor | None,
    k: int,
    memory_budget_mb: float = 256,
) -> Tensor:
    """log p(x) per example ``(N,)`` by importance sampling with ``k`` samples each.

    Vectorised: each input is encoded once and its samples are decoded in as few
    batched calls as the memory budget allows; logsumexp-stable throughout.
    """
    plan = plan_batches(model, k, memory_budget_mb)
    out = []
    for i in range(0, x.shape[0], plan.inputs):
        xb = x[i : i + plan.inputs]
        yb = None if y is None else y[i : i + plan.inputs]
        out.append(model.log_likelihood(xb, k=k, y=yb, chunk=plan.samples))
    return torch.cat(out)
