"""The standard normal prior N(0, I)."""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution

from vaekit.distributions import StandardNormalDist
from vaekit.priors.base import PRIORS
from vaekit.types import PriorContext


@PRIORS.register("standard_normal")
class StandardNormal(nn.Module):
    """p(z) = N(0, I); buffers keep it on the model's device and dtype."""

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.register_buffer("loc", torch.zeros(latent_dim), persistent=False)
        self.register_buffer("scale", torch.ones(latent_dim), persistent=False)
        self._dist: StandardNormalDist | None = None

    def forward(self, context: PriorContext | None = None) -> Distribution:
        """N(0, I) over ``(latent_dim,)``, batch shape ``()``; the context is ignored.

        The distribution is made once per device and dtype (it has no parameters).
        """
        dist = self._dist
        if dist is None or dist.base_dist.loc is not self.loc:
            dist = self._dist = StandardNormalDist(self.loc, self.scale)
        return dist
