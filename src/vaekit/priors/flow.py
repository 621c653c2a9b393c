"""An autoregressive-flow prior, as in the Variational Lossy Autoencoder."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn
from zuko.flows import MAF

from vaekit.distributions.flow import FlowDistribution
from vaekit.priors.base import PRIORS
from vaekit.types import PriorContext


@PRIORS.register("flow")
class FlowPrior(nn.Module):
    """p(z): N(0, I) pushed through masked autoregressive steps (zuko's MAF).

    Chen et al. 2017, "Variational Lossy Autoencoder" (ICLR), section 2.2: an
    autoregressive-flow prior, evaluated in the density direction. log p(z) = log N(f(z);
    0, I) + log |det ∂f/∂z| costs one pass of each step (what the KL's Monte-Carlo
    estimate log q(z|x) − log p(z) needs every step); drawing from it inverts the steps,
    ``latent_dim`` sequential passes each (sampling only). VLAE's argument: in the ELBO an
    autoregressive-flow prior does what an IAF posterior of the same depth does, and makes
    the generative model more expressive besides. ``transforms`` affine autoregressive
    steps with MADE networks of widths ``hidden`` (ELU), orders alternating. The context
    is ignored (no condition).
    """

    def __init__(
        self, latent_dim: int, transforms: int = 2, hidden: Sequence[int] = (64, 64)
    ) -> None:
        super().__init__()
        if transforms < 1:
            raise ValueError(f"flow prior needs transforms >= 1, got {transforms}")
        self.flow = MAF(
            latent_dim, 0, transforms=transforms, hidden_features=tuple(hidden), activation=nn.ELU
        )

    def forward(self, context: PriorContext | None = None) -> FlowDistribution:
        """p(z) over ``(latent_dim,)``, batch shape ``()``."""
        return FlowDistribution(self.flow.transform(), self.flow.base())
