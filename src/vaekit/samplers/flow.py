"""A small normalizing flow over codes, trained by maximum likelihood."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor

from vaekit.priors.flow import FlowPrior
from vaekit.samplers.base import SAMPLERS, LatentSampler, MaximumLikelihood
from vaekit.types import OneStep


@SAMPLERS.register("flow")
class FlowSampler(MaximumLikelihood, OneStep, LatentSampler):
    """p(u): N(0, I) through ``transforms`` masked autoregressive steps (zuko's MAF, the
    same module as the ``flow`` prior) on standardised codes, trained by the engine on
    −log p(z) of the training codes. Sampling inverts the steps (D passes each)."""

    def __init__(
        self, latent_dim: int, transforms: int = 4, hidden: Sequence[int] = (128, 128)
    ) -> None:
        super().__init__(latent_dim)
        self.flow = FlowPrior(latent_dim, transforms, hidden)

    def standard_log_prob(self, u: Tensor) -> Tensor:
        return self.flow().log_prob(u)

    def standard_sample(self, n: int) -> Tensor:
        return self.flow().sample((n,))
