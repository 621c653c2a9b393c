"""Diagonal-Gaussian and deterministic (point-mass) posteriors."""

from __future__ import annotations

from torch import Tensor, nn
from torch.distributions import Distribution

from vaekit.distributions import DiagonalNormal, PointMass, softplus_scale
from vaekit.posteriors.base import POSTERIORS


@POSTERIORS.register("gaussian")
class DiagonalGaussian(nn.Module):
    """q(z|x) = N(μ(h), diag σ²(h)); σ = softplus(·) + ``min_scale`` (stable, never zero)."""

    def __init__(self, features: int, latent_dim: int, min_scale: float = 1e-4) -> None:
        super().__init__()
        self.head = nn.Linear(features, 2 * latent_dim)
        self.min_scale = min_scale

    def forward(self, h: Tensor) -> Distribution:
        """q(z | x) for features ``h`` ``(B, F)``: batch ``(B,)``, event ``(latent_dim,)``."""
        loc, raw = self.head(h).chunk(2, dim=-1)
        return DiagonalNormal(loc, softplus_scale(raw, self.min_scale))


@POSTERIORS.register("deterministic")
class DeterministicPosterior(nn.Module):
    """z = f(h) exactly (a plain autoencoder's code, as a point mass)."""

    def __init__(self, features: int, latent_dim: int) -> None:
        super().__init__()
        self.head = nn.Linear(features, latent_dim)

    def forward(self, h: Tensor) -> Distribution:
        """δ(z − f(h)) for features ``h`` ``(B, F)``: batch ``(B,)``, event ``(latent_dim,)``."""
        return PointMass(self.head(h))
