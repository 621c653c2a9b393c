"""The sliced Wasserstein distance between the codes of a batch and as many prior draws:
the divergence of the Sliced-Wasserstein Autoencoder (Kolouri et al. 2019, ICLR)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.types import StepContext


def sliced_wasserstein(x: Tensor, y: Tensor, projections: int = 50, p: float = 2.0) -> Tensor:
    """SW_p^p between the empirical distributions of ``x (N, D)`` and ``y (N, D)``.

    Each of ``projections`` directions θ drawn uniformly on the unit sphere reduces both
    samples to 1-D, where the optimal transport pairs sorted values, so
    W_p^p = (1/N) Σ_n |sort(θᵀx)_n − sort(θᵀy)_n|^p; the result averages over θ (the
    SWAE paper's Monte-Carlo estimate of ∫ W_p^p(θ♯μ, θ♯ν) dθ). In 1-D (D = 1) the two
    directions ±1 give the same value: the exact W_p^p between the two samples.
    """
    if x.shape != y.shape or x.dim() != 2:
        raise ValueError(f"sliced_wasserstein needs two (N, D) samples, got {x.shape}, {y.shape}")
    if projections < 1 or not p > 0:
        raise ValueError(f"need projections >= 1 and p > 0, got {projections}, {p}")
    theta = torch.randn(x.shape[1], projections, dtype=x.dtype, device=x.device)
    theta = theta / theta.norm(dim=0, keepdim=True)
    gap = torch.sort(x @ theta, dim=0).values - torch.sort(y @ theta, dim=0).values
    return gap.abs().pow(p).mean()


@TERMS.register("swd")
class SlicedWasserstein(Term):
    """SW_p^p between the batch's codes z ~ q(z|x) and as many prior draws (batch-level).

    ``projections`` random directions per batch (the paper's L; 50 by default), ``p`` the
    order (2: SW₂²). Its weight is the SWAE's λ. Needs a prior to draw from.
    """

    name = "swd"

    def __init__(self, projections: int = 50, p: float = 2.0) -> None:
        super().__init__()
        if projections < 1 or not p > 0:
            raise ValueError(f"swd needs projections >= 1 and p > 0, got {projections}, {p}")
        self.projections, self.p = projections, p

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        prior = p.model.draw_prior(len(p.z), p.batch.y)
        return sliced_wasserstein(p.z, prior, self.projections, self.p)
