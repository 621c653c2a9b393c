"""JointVAE's prior: N(0, I) on the continuous latents, uniform categoricals on the rest."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vaekit.distributions.joint import JointNormalCategorical, check_discrete
from vaekit.priors.base import PRIORS
from vaekit.types import PriorContext


@PRIORS.register("joint")
class JointPrior(nn.Module):
    """p(z) = N(0, I) × Π_j Cat(1/K_j) over [z_c, one-hot blocks] (Dupont 2018).

    ``discrete`` must match the posterior's (``joint``) category counts. Its draws are
    exact one-hot blocks; the KL to a ``joint`` posterior is analytic.
    """

    def __init__(self, latent_dim: int, discrete: Sequence[int] = (2,)) -> None:
        super().__init__()
        self.discrete = check_discrete(latent_dim, discrete)
        continuous = latent_dim - sum(self.discrete)
        self.register_buffer("loc", torch.zeros(continuous), persistent=False)
        self.register_buffer("scale", torch.ones(continuous), persistent=False)
        self.register_buffer("logits", torch.zeros(sum(self.discrete)), persistent=False)

    def forward(self, context: PriorContext | None = None) -> JointNormalCategorical:
        """The prior over ``(latent_dim,)``, batch shape ``()``; the context is ignored."""
        return JointNormalCategorical(self.loc, self.scale, self.logits, self.discrete, 0.0)
