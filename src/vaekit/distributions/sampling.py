"""A reparameterised draw with its log-density, in one pass where the family computes both.

A normalizing flow gets log q(z) while it transforms its base draw: every log-determinant
comes with the sample (zuko's ``rsample_and_log_prob``). Drawing and then calling
``log_prob`` would run the flow twice, and for an inverse autoregressive flow the second
run is the inverse: D sequential passes. Families without the method (Gaussians, whose
KL is analytic) draw as usual and compute nothing more.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from torch import Tensor
from torch.distributions import Distribution


@runtime_checkable
class SamplesWithLogProb(Protocol):
    """A distribution that returns a reparameterised draw and its log-density together."""

    def rsample_and_log_prob(self, sample_shape: torch.Size = ...) -> tuple[Tensor, Tensor]:
        """``(z, log p(z))`` for ``z`` of shape ``sample_shape + batch + event``."""
        ...


def rsample_with_log_prob(
    dist: Distribution, sample_shape: tuple[int, ...] = ()
) -> tuple[Tensor, Tensor | None]:
    """A reparameterised draw, and its log-density when the family gives it in the same
    pass (``None`` otherwise, so a family with an analytic KL never pays for it)."""
    if isinstance(dist, SamplesWithLogProb):
        return dist.rsample_and_log_prob(torch.Size(sample_shape))
    return dist.rsample(sample_shape), None


def rsample_and_log_prob(
    dist: Distribution, sample_shape: tuple[int, ...] = ()
) -> tuple[Tensor, Tensor]:
    """A reparameterised draw and its log-density: one pass for flows, else ``log_prob``."""
    z, log_p = rsample_with_log_prob(dist, sample_shape)
    return z, dist.log_prob(z) if log_p is None else log_p
