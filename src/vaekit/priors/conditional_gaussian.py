"""A class-conditional Gaussian prior p(z | y) with learned per-class parameters."""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution, Independent, Normal

from vaekit.distributions import raw_for_scale, softplus_scale
from vaekit.priors.base import PRIORS
from vaekit.registry import VaekitError
from vaekit.types import PriorContext


@PRIORS.register("conditional_gaussian")
class ConditionalGaussian(nn.Module):
    """p(z | y) = N(z; μ_y, diag σ_y²), one learned mean and scale per class.

    The learned class-conditional prior of conditional VAEs (Sohn et al. 2015, "Learning
    Structured Output Representation using Deep Conditional Generative Models", with a
    prior network reduced to a lookup table over ``num_classes`` labels): each class gets
    its own region of latent space, and KL(q ‖ p) stays analytic. Every class starts at
    N(0, I), the standard VAE prior; σ = softplus(·) + ``min_scale`` keeps scales positive.
    ``context.condition`` holds the labels ``(B,)`` (int64) and the result has batch
    shape ``(B,)``. Parameters: ``loc``, ``raw_scale`` ``(num_classes, D)``.
    """

    def __init__(self, latent_dim: int, num_classes: int, min_scale: float = 1e-3) -> None:
        super().__init__()
        if num_classes < 1:
            raise ValueError(
                f"conditional_gaussian needs labels: num_classes >= 1 (a conditional model), "
                f"got {num_classes}"
            )
        if not 0 <= min_scale < 1:
            raise ValueError(f"conditional_gaussian needs 0 <= min_scale < 1, got {min_scale}")
        self.num_classes, self.min_scale = num_classes, min_scale
        self.loc = nn.Parameter(torch.zeros(num_classes, latent_dim))
        self.raw_scale = nn.Parameter(
            torch.full((num_classes, latent_dim), raw_for_scale(1.0, min_scale))
        )

    def forward(self, context: PriorContext | None = None) -> Distribution:
        """p(z | y) for the labels ``y = context.condition`` ``(B,)``: batch shape ``(B,)``."""
        y = None if context is None else context.condition
        if y is None:
            raise VaekitError(
                "the conditional_gaussian prior needs labels: call it as "
                "prior(PriorContext(condition=y)) with y of shape (B,)"
            )
        if y.dim() != 1 or y.is_floating_point():
            raise VaekitError(
                f"conditional_gaussian needs integer labels of shape (B,), got {tuple(y.shape)} "
                f"{y.dtype}"
            )
        scale = softplus_scale(self.raw_scale[y], self.min_scale)
        return Independent(Normal(self.loc[y], scale, validate_args=False), 1)
