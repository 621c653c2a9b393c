"""JointVAE's posterior: Gaussian and Gumbel-softmax categorical latents in one vector."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from vaekit.distributions import softplus_scale
from vaekit.distributions.joint import JointNormalCategorical, check_discrete
from vaekit.posteriors.base import POSTERIORS


@POSTERIORS.register("joint")
class JointPosterior(nn.Module):
    """q(z|x) = N(μ(h), diag σ²(h)) × Π_j Cat(softmax(ℓ_j(h))) over [z_c, one-hot blocks].

    Dupont 2018 (JointVAE). ``latent_dim`` is the whole width of z: the continuous
    dimensions first, then one block per entry of ``discrete`` (its category count).
    In training mode the blocks are drawn relaxed, by the Gumbel-softmax at
    ``temperature`` (the paper's 0.67; the ``joint_capacity`` term anneals towards it);
    in eval mode they are exact one-hot draws, so evaluation measures the discrete model.
    σ = softplus(·) + ``min_scale``.
    """

    def __init__(
        self,
        features: int,
        latent_dim: int,
        discrete: Sequence[int] = (2,),
        temperature: float = 0.67,
        min_scale: float = 1e-4,
    ) -> None:
        super().__init__()
        self.discrete = check_discrete(latent_dim, discrete)
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.continuous = latent_dim - sum(self.discrete)
        self.temperature, self.min_scale = float(temperature), min_scale
        self.head = nn.Linear(features, 2 * self.continuous + sum(self.discrete))

    def forward(self, h: Tensor) -> JointNormalCategorical:
        """q(z | x) for features ``h (B, F)``: batch ``(B,)``, event ``(latent_dim,)``."""
        c = self.continuous
        loc, raw, logits = self.head(h).split([c, c, sum(self.discrete)], dim=-1)
        return JointNormalCategorical(
            loc,
            softplus_scale(raw, self.min_scale),
            logits,
            self.discrete,
            self.temperature if self.training else 0.0,
        )
