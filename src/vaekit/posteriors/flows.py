"""Normalizing-flow posteriors q(z|x) through zuko: a diagonal Gaussian N(μ(h), diag σ(h)²)
pushed through K invertible steps conditioned on the encoder's features ``h``.

With z₀ ~ N(μ, σ²) and z = g_K ∘ … ∘ g_1(z₀), log q(z|x) = log N(z₀; μ, σ²) − Σ_k log |det
∂g_k/∂z_{k−1}|: every log-determinant is in the density. The distribution is zuko's
``NormalizingFlow``, whose ``rsample_and_log_prob`` gives a draw and its log q in one
pass through the steps (the ELBO's KL and the importance weights use it, see
:func:`vaekit.distributions.rsample_with_log_prob`); ``log_prob`` at any other point runs
the inverse. Its ``mean`` is a repeatable Monte-Carlo average
(:class:`~vaekit.distributions.flow.FlowDistribution`).

Registered: ``planar``, ``radial`` (Rezende & Mohamed 2015; amortised parameters),
``iaf`` (inverse autoregressive flow, Kingma et al. 2016: one pass to sample, D to
evaluate elsewhere), ``maf`` (masked autoregressive steps, Papamakarios et al. 2017:
the reverse costs), ``coupling`` (affine coupling steps, RealNVP, Dinh et al. 2017: one
pass either way). The steps' networks see ``h`` as context.

>>> q = POSTERIORS.build({"name": "iaf", "transforms": 2}, features=32, latent_dim=4)
>>> z, log_q = q(torch.randn(8, 32)).rsample_and_log_prob()      # (8, 4), (8,)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from zuko.flows import GeneralCouplingTransform, MaskedAutoregressiveTransform
from zuko.lazy import LazyComposedTransform, LazyTransform

from vaekit.distributions.flow import FlowDistribution
from vaekit.posteriors.base import POSTERIORS
from vaekit.posteriors.gaussian import DiagonalGaussian
from vaekit.posteriors.planar_radial import Planar, Radial


class FlowPosterior(nn.Module):
    """q(z|x): N(μ(h), diag σ(h)²) pushed through ``steps`` (lazy zuko transforms of ``h``,
    listed in the sampling direction z₀ → z)."""

    def __init__(
        self, features: int, latent_dim: int, steps: Sequence[LazyTransform], min_scale: float
    ) -> None:
        super().__init__()
        self.base = DiagonalGaussian(features, latent_dim, min_scale)
        self.steps = LazyComposedTransform(*steps)

    def forward(self, h: Tensor) -> FlowDistribution:
        """q(z | x) for features ``h`` ``(B, F)``: batch ``(B,)``, event ``(latent_dim,)``."""
        return FlowDistribution(self.steps(h).inv, self.base(h))


def _check(**counts: int) -> None:
    for key, value in counts.items():
        if value < 1:
            raise ValueError(f"{key} must be >= 1, got {value}")


@POSTERIORS.register("planar")
def planar(features: int, latent_dim: int, length: int = 10, min_scale: float = 1e-4) -> nn.Module:
    """Planar flow of ``length`` steps on a diagonal Gaussian (Rezende & Mohamed 2015)."""
    _check(length=length)
    steps = [Planar(features, latent_dim) for _ in range(length)]
    return FlowPosterior(features, latent_dim, steps, min_scale)


@POSTERIORS.register("radial")
def radial(features: int, latent_dim: int, length: int = 10, min_scale: float = 1e-4) -> nn.Module:
    """Radial flow of ``length`` steps on a diagonal Gaussian (Rezende & Mohamed 2015)."""
    _check(length=length)
    steps = [Radial(features, latent_dim) for _ in range(length)]
    return FlowPosterior(features, latent_dim, steps, min_scale)


def _autoregressive(
    features: int, latent_dim: int, transforms: int, hidden: Sequence[int]
) -> list[LazyTransform]:
    """``transforms`` masked autoregressive steps with context ``h``, orders alternating."""
    _check(transforms=transforms)
    orders = [torch.arange(latent_dim), torch.arange(latent_dim).flip(0)]
    return [
        MaskedAutoregressiveTransform(
            latent_dim,
            features,
            order=orders[i % 2],
            hidden_features=tuple(hidden),
            activation=nn.ELU,  # no dead units: every weight keeps a gradient
        )
        for i in range(transforms)
    ]


@POSTERIORS.register("iaf")
def iaf(
    features: int,
    latent_dim: int,
    transforms: int = 2,
    hidden: Sequence[int] = (64, 64),
    min_scale: float = 1e-4,
) -> nn.Module:
    """Inverse autoregressive flow (Kingma et al. 2016): affine autoregressive steps,
    sampled (with log q) in one pass."""
    steps = _autoregressive(features, latent_dim, transforms, hidden)
    return FlowPosterior(features, latent_dim, steps, min_scale)


@POSTERIORS.register("maf")
def maf(
    features: int,
    latent_dim: int,
    transforms: int = 2,
    hidden: Sequence[int] = (64, 64),
    min_scale: float = 1e-4,
) -> nn.Module:
    """Masked autoregressive flow (Papamakarios et al. 2017): the density in one pass,
    sampling in D sequential passes."""
    steps = [t.inv for t in _autoregressive(features, latent_dim, transforms, hidden)]
    return FlowPosterior(features, latent_dim, steps, min_scale)


@POSTERIORS.register("coupling")
def coupling(
    features: int,
    latent_dim: int,
    transforms: int = 4,
    hidden: Sequence[int] = (64, 64),
    min_scale: float = 1e-4,
) -> nn.Module:
    """Affine coupling flow (RealNVP, Dinh et al. 2017): half the dimensions, alternating,
    scaled and shifted given the other half and h; one pass each way."""
    _check(transforms=transforms)
    steps = [
        GeneralCouplingTransform(
            latent_dim,
            features,
            mask=torch.arange(latent_dim) % 2 == i % 2,
            hidden_features=tuple(hidden),
            activation=nn.ELU,
        )
        for i in range(transforms)
    ]
    return FlowPosterior(features, latent_dim, steps, min_scale)
