"""The importance-weighted bound (Burda et al. 2016) as a training objective."""

from __future__ import annotations

from torch import Tensor, nn

from vaekit.ops import log_mean_exp
from vaekit.types import StepContext, StepOut


class IWAEBound(nn.Module):
    """−log (1/k) Σᵢ p(x, zᵢ) / q(zᵢ|x), zᵢ ~ q(z|x), computed from ``(K, B)`` log-weights.

    Logged terms are the per-sample means of −log p(x|z) (``recon``) and of
    log q(z|x) − log p(z) (``kl``), and the negated bound (``nll_bound``, an upper bound
    on −log p(x)); k = 1 is the VAE. The engine's KL warm-up scales the log q − log p
    part of the weights.
    """

    def __init__(self, k: int = 5) -> None:
        super().__init__()
        if k < 1:
            raise ValueError(f"IWAE needs k >= 1 samples, got {k}")
        self.k = k

    def forward(self, model: nn.Module, x: Tensor, y: Tensor | None, ctx: StepContext) -> StepOut:
        q = model.encode(x, y)
        z = q.rsample((self.k,))
        log_px = model.log_px_given_z(x, z, y)
        log_ratio = q.log_prob(z) - model.prior_dist().log_prob(z)
        bound = log_mean_exp(log_px - ctx.kl_weight * log_ratio, dim=0)
        return StepOut(
            -bound.mean(),
            {"recon": -log_px.mean(0), "kl": log_ratio.mean(0), "nll_bound": -bound},
        )
