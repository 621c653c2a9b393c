"""Importance-sampled log-likelihood over a dataset, batched to a memory budget."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from vaekit.data import ArrayDataset
from vaekit.progress import phase
from vaekit.types import DataSource, iter_batches


@dataclass(frozen=True)
class Batching:
    """How many inputs go in one call, and how many of their samples are decoded at once."""

    inputs: int
    samples: int


def plan_batches(model: nn.Module, k: int, memory_budget_mb: float) -> Batching:
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
    model: nn.Module,
    data: DataSource | Tensor,
    k: int,
    memory_budget_mb: float = 256,
) -> Tensor:
    """log p(x) per example ``(N,)`` by importance sampling with ``k`` samples each.

    ``data`` is a source (labels go to conditional models) or a tensor of examples.
    Vectorised: each input is encoded once and its samples are decoded in as few
    batched calls as the memory budget allows; logsumexp-stable throughout.
    """
    source = ArrayDataset(data) if isinstance(data, Tensor) else data
    plan = plan_batches(model, k, memory_budget_mb)
    device = next(model.parameters()).device
    out = []
    with phase(f"IS-NLL, k={k}", total=len(source)) as advance:
        for b in iter_batches(source, plan.inputs, device):
            out.append(model.log_likelihood(b.x, k=k, y=b.y, chunk=plan.samples))
            advance(len(b.x))
    return torch.cat(out)
