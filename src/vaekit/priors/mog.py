"""A learned mixture of diagonal Gaussians as the prior p(z)."""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Categorical, Distribution, Independent, Normal

from vaekit.distributions import raw_for_scale, softplus_scale
from vaekit.distributions.mixture import DiagonalGaussianMixture
from vaekit.priors.base import PRIORS
from vaekit.types import PriorContext


@PRIORS.register("mog")
class MixtureOfGaussians(nn.Module):
    """p(z) = Σ_k π_k N(z; μ_k, diag σ_k²), K learned diagonal Gaussians.

    A multimodal prior lets the aggregate posterior keep clusters instead of being pulled
    to one mode (Dilokthanakul et al. 2016, "Deep Unsupervised Clustering with Gaussian
    Mixture VAEs"; the MoG baseline of Tomczak & Welling 2018). Means start at draws from
    N(0, I) so the components are spread over the region a standard normal covers, scales
    at 1; σ = softplus(·) + ``min_scale`` keeps every scale positive. Weights are uniform
    (π_k = 1/K) unless ``learn_weights``, then softmax of learned logits starting uniform.
    KL(q ‖ p) has no closed form, so the KL falls back to Monte Carlo.
    Shapes: ``loc``, ``scale`` ``(K, D)``; ``logits`` ``(K,)``.

    >>> p = MixtureOfGaussians(latent_dim=2, components=3)()
    >>> p.log_prob(torch.zeros(5, 2)).shape
    torch.Size([5])
    """

    def __init__(
        self,
        latent_dim: int,
        components: int = 10,
        learn_weights: bool = False,
        min_scale: float = 1e-3,
    ) -> None:
        super().__init__()
        if components < 1:
            raise ValueError(f"mog needs components >= 1, got {components}")
        if not 0 <= min_scale < 1:
            raise ValueError(f"mog needs 0 <= min_scale < 1, got {min_scale}")
        self.min_scale = min_scale
        self.loc = nn.Parameter(torch.randn(components, latent_dim))
        self.raw_scale = nn.Parameter(
            torch.full((components, latent_dim), raw_for_scale(1.0, min_scale))
        )
        logits = torch.zeros(components)
        if learn_weights:
            self.logits = nn.Parameter(logits)
        else:
            self.register_buffer("logits", logits, persistent=False)

    @property
    def scale(self) -> torch.Tensor:
        """σ ``(K, D)``."""
        return softplus_scale(self.raw_scale, self.min_scale)

    def forward(self, context: PriorContext | None = None) -> Distribution:
        """The mixture over ``(latent_dim,)``, batch shape ``()``; the context is ignored."""
        components = Independent(Normal(self.loc, self.scale, validate_args=False), 1)
        return DiagonalGaussianMixture(
            Categorical(logits=self.logits, validate_args=False), components, validate_args=False
        )
