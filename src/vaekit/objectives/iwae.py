"""Importance-weighted bounds as terms: IWAE (Burda et al. 2016) with an optional doubly
reparameterised gradient (DReG, Tucker et al. 2019), and the variants of Rainforth et al.
2018, "Tighter Variational Bounds are Not Necessarily Better" (ICML): MIWAE, CIWAE, PIWAE.

Every term draws its own samples z ~ q(z|x) from the pass's posterior (with log q in the
same pass for flows) and forms the log-weights log w = log p(x|z) − (log q(z|x) − log p(z))
``(S, B)``; the engine's KL warm-up β scales the bracket. Each logs the per-sample means
of −log p(x|z) (``recon``) and of log q − log p (``kl``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.distributions import DiagonalNormal, rsample_and_log_prob
from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.objectives.tc import diagonal_gaussian
from vaekit.ops import log_mean_exp
from vaekit.registry import VaekitError
from vaekit.types import StepContext


def log_weights(p: Pass, ctx: StepContext, logs: Logs, z: Tensor, log_q: Tensor) -> Tensor:
    """log p(x|z) − β (log q(z|x) − log p(z)) ``(S, B)`` for draws ``z`` ``(S, B, D)``."""
    log_px = p.model.log_px_given_z(p.batch.x, z, p.batch.y)
    log_ratio = log_q - p.prior.log_prob(z)  # type: ignore[attr-defined]
    logs.terms["recon"] = -log_px.mean(0)
    logs.terms["kl"] = log_ratio.mean(0)
    return log_px - log_ratio if ctx.kl_weight == 1.0 else log_px - ctx.kl_weight * log_ratio


def draw(p: Pass, ctx: StepContext, logs: Logs, n: int) -> Tensor:
    """Log-weights ``(n, B)`` of ``n`` fresh draws from the pass's q(z|x)."""
    z, log_q = rsample_and_log_prob(p.q, (n,))  # type: ignore[attr-defined]
    return log_weights(p, ctx, logs, z, log_q)


def _positive(**counts: int) -> None:
    for key, value in counts.items():
        if value < 1:
            raise ValueError(f"{key} must be >= 1, got {value}")


class _Bound(Term):
    def check(self, model: nn.Module) -> None:
        require_prior(self, model)


@TERMS.register("iwae")
class IWAEBound(_Bound):
    """−log (1/k) Σᵢ w_i, z_i ~ q(z|x): an upper bound on −log p(x); k = 1 is the VAE
    with a Monte-Carlo KL.

    With ``dreg`` the value is the same and the encoder's gradient is the doubly
    reparameterised one (Tucker et al. 2019, eq. 5): Σᵢ w̃ᵢ² ∂log wᵢ/∂zᵢ ∂zᵢ/∂φ with
    w̃ = softmax(log w) and log q evaluated with its parameters stopped. It has the same
    expectation as the plain gradient without the score-function term whose variance
    grows with k, so the encoder's gradient keeps its signal at large k. The decoder's
    gradient is unchanged. Under KL warm-up β the weight is w̃ᵢ((1 − β) + β w̃ᵢ). DReG
    needs a diagonal-Gaussian posterior (its parameters are stopped by detaching them).
    """

    name = "iwae"

    def __init__(self, k: int = 5, dreg: bool = False) -> None:
        super().__init__()
        _positive(k=k)
        self.k, self.dreg = k, dreg

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        if self.dreg:
            return self._dreg(p, ctx, logs)
        return -log_mean_exp(draw(p, ctx, logs, self.k), dim=0)

    def _dreg(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        gaussian = diagonal_gaussian(p.q)  # type: ignore[attr-defined]
        if gaussian is None:
            raise VaekitError(
                "the iwae term's dreg gradient needs a diagonal-Gaussian posterior q(z|x)"
            )
        loc, scale = gaussian
        z = p.q.rsample((self.k,))  # type: ignore[attr-defined]
        log_q = DiagonalNormal(loc.detach(), scale.detach()).log_prob(z)
        log_w = log_weights(p, ctx, logs, z, log_q)
        w = torch.softmax(log_w.detach(), dim=0)
        if z.requires_grad:
            beta = ctx.kl_weight
            through_z = w if beta == 1.0 else (1 - beta) + beta * w
            z.register_hook(lambda grad: grad * through_z.unsqueeze(-1))
        surrogate = -(w * log_w).sum(0)
        return -log_mean_exp(log_w.detach(), dim=0) + (surrogate - surrogate.detach())


@TERMS.register("miwae")
class MIWAEBound(_Bound):
    """−(1/m) Σ_j log (1/k) Σᵢ w_ji: the mean of m independent k-sample IWAE bounds.

    Rainforth et al. 2018: tighter bounds (larger k) give the encoder a gradient with a
    smaller signal-to-noise ratio; averaging m bounds trades tightness for it. m = 1 is
    IWAE(k); k = 1 is the VAE's ELBO averaged over m samples.
    """

    name = "miwae"

    def __init__(self, m: int = 4, k: int = 4) -> None:
        super().__init__()
        _positive(m=m, k=k)
        self.m, self.k = m, k

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        log_w = draw(p, ctx, logs, self.m * self.k).view(self.m, self.k, -1)
        return -log_mean_exp(log_w, dim=1).mean(0)


@TERMS.register("ciwae")
class CIWAEBound(_Bound):
    """−[β ELBO_k + (1 − β) IWAE_k] on the same k draws (Rainforth et al. 2018).

    ELBO_k = (1/k) Σᵢ log wᵢ; β = 1 is the VAE (averaged over k samples), β = 0 IWAE(k).
    """

    name = "ciwae"

    def __init__(self, k: int = 5, beta: float = 0.5) -> None:
        super().__init__()
        _positive(k=k)
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"ciwae needs 0 <= beta <= 1, got {beta}")
        self.k, self.beta = k, beta

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        log_w = draw(p, ctx, logs, self.k)
        return -(self.beta * log_w.mean(0) + (1 - self.beta) * log_mean_exp(log_w, dim=0))


@TERMS.register("piwae")
class PIWAEBound(_Bound):
    """Partially importance weighted: the generative network trains on IWAE(m·k), the
    inference network on MIWAE(m, k), from the same m·k draws (Rainforth et al. 2018).

    Its value is −IWAE(m·k). The gradients are routed by a surrogate: with a = softmax of
    all m·k log-weights and b = softmax within each group of k, divided by m,
    −Σ bᵢ log wᵢ gives every parameter the MIWAE gradient, and −Σ (aᵢ − bᵢ) log p(x, z̄ᵢ)
    at the draws z̄ detached (a second decoder pass) moves the generative parameters'
    gradient to IWAE's. m = 1 is IWAE(k). Parameters that are in both networks (the
    encoder inside a VampPrior) get both shares.
    """

    name = "piwae"

    def __init__(self, m: int = 4, k: int = 4) -> None:
        super().__init__()
        _positive(m=m, k=k)
        self.m, self.k = m, k

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        z, log_q = rsample_and_log_prob(p.q, (self.m * self.k,))  # type: ignore[attr-defined]
        log_w = log_weights(p, ctx, logs, z, log_q)
        weights = log_w.detach()
        a = torch.softmax(weights, dim=0)
        b = torch.softmax(weights.view(self.m, self.k, -1), dim=1).view_as(a) / self.m
        z_fixed = z.detach()
        log_joint = p.model.log_px_given_z(p.batch.x, z_fixed, p.batch.y)
        log_joint = log_joint + ctx.kl_weight * p.prior.log_prob(z_fixed)  # type: ignore[attr-defined]
        surrogate = -(b * log_w).sum(0) - ((a - b) * log_joint).sum(0)
        return -log_mean_exp(weights, dim=0) + (surrogate - surrogate.detach())
