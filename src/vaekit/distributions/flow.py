"""A normalizing flow over a diagonal-Gaussian base with a repeatable Monte-Carlo mean.

zuko's ``NormalizingFlow`` is the distribution of flow posteriors and flow priors; its
``rsample_and_log_prob`` gives a draw with every log-determinant in one pass. A flow's
mean has no closed form, so :class:`FlowDistribution` averages ``MEAN_SAMPLES`` draws from
fixed base noise (common random numbers, seed 0): reconstructions, and a model reloaded
from its weights, give the same codes every time.
"""

from __future__ import annotations

import torch
from torch import Tensor
from zuko.distributions import NormalizingFlow

MEAN_SAMPLES = 64


class FlowDistribution(NormalizingFlow):
    """``NormalizingFlow(transform, base)`` (transform: sample → base space) whose base is an
    ``Independent(Normal)``; ``mean`` is repeatable."""

    @property
    def mean(self) -> Tensor:
        """E[z] ≈ the average of g(loc + scale · ε_s) over ``MEAN_SAMPLES`` fixed ε_s."""
        base = self.base.base_dist
        loc, scale = base.loc, base.scale
        gen = torch.Generator(device=loc.device).manual_seed(0)
        eps = torch.randn(
            (MEAN_SAMPLES, *loc.shape), generator=gen, dtype=loc.dtype, device=loc.device
        )
        return self.transform.inv(loc + scale * eps).mean(0)
