"""The importance-weighted bound (Burda et al. 2016) as a term."""

from __future__ import annotations

from torch import Tensor, nn

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.ops import log_mean_exp
from vaekit.types import StepContext


@TERMS.register("iwae")
class IWAEBound(Term):
    """−log (1/k) Σᵢ p(x, zᵢ) / q(zᵢ|x), zᵢ ~ q(z|x), from ``(K, B)`` log-weights.

    Draws its own ``k`` samples from the pass's q(z|x). Logs the per-sample means of
    −log p(x|z) (``recon``) and of log q(z|x) − log p(z) (``kl``); its value, logged as
    ``iwae``, is an upper bound on −log p(x). k = 1 is the VAE with a Monte-Carlo KL. The
    engine's KL warm-up scales the log q − log p part of the weights.
    """

    name = "iwae"

    def __init__(self, k: int = 5) -> None:
        super().__init__()
        if k < 1:
            raise ValueError(f"IWAE needs k >= 1 samples, got {k}")
        self.k = k

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        q = p.q  # type: ignore[attr-defined]
        z = q.rsample((self.k,))
        log_px = p.model.log_px_given_z(p.batch.x, z, p.batch.y)
        log_ratio = q.log_prob(z) - p.prior.log_prob(z)  # type: ignore[attr-defined]
        weights = log_px - log_ratio if ctx.kl_weight == 1.0 else log_px - ctx.kl_weight * log_ratio
        logs.terms["recon"] = -log_px.mean(0)
        logs.terms["kl"] = log_ratio.mean(0)
        return -log_mean_exp(weights, dim=0)
