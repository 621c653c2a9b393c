"""DIP-VAE's moment-matching penalty (Kumar et al. 2018, "Variational Inference of
Disentangled Latent Concepts from Unlabeled Observations")."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.distributions import mean_of
from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.elbo import require_prior
from vaekit.registry import VaekitError
from vaekit.types import StepContext

KINDS = ("i", "ii")


def batch_covariance(x: Tensor) -> Tensor:
    """Cov[x] over the rows of ``x (B, D)``, normalised by B: E[x xᵀ] − E[x] E[x]ᵀ ``(D, D)``."""
    centred = x - x.mean(0)
    return centred.T @ centred / len(x)


def dip_penalty(cov: Tensor, lambda_od: float, lambda_d: float) -> Tensor:
    """λ_od Σ_{i≠j} C_ij² + λ_d Σ_i (C_ii − 1)²: how far ``cov (D, D)`` is from I."""
    diag = cov.diagonal()
    off = cov.pow(2).sum() - diag.pow(2).sum()
    return lambda_od * off + lambda_d * (diag - 1).pow(2).sum()


@TERMS.register("dip")
class DIP(Term):
    """DIP-VAE's penalty on the batch: the covariance of q(z) pushed towards I (batch-level).

    ``kind="i"`` (DIP-VAE-I) penalises Cov_x[μ(x)], the covariance of the posterior means;
    ``kind="ii"`` (DIP-VAE-II) that of the whole aggregate posterior,
    Cov_q(z)[z] = Cov_x[μ(x)] + E_x[diag σ²(x)], both estimated on the batch. Added to the
    ELBO (``[recon, kl, dip]``); the paper's settings are λ_d = 10 λ_od for I and
    λ_d = λ_od for II. Needs a posterior with a mean (and, for II, a variance).
    """

    name = "dip"

    def __init__(self, kind: str = "ii", lambda_od: float = 10.0, lambda_d: float = 10.0) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown dip kind {kind!r}; valid choices: {', '.join(KINDS)}")
        if lambda_od < 0 or lambda_d < 0:
            raise ValueError(f"lambda_od and lambda_d must be >= 0, got {lambda_od}, {lambda_d}")
        self.kind, self.lambda_od, self.lambda_d = kind, lambda_od, lambda_d

    def check(self, model: nn.Module) -> None:
        require_prior(self, model)

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        q = p.q  # type: ignore[attr-defined]
        cov = batch_covariance(mean_of(q))
        if self.kind == "ii":
            try:
                variance = q.variance
            except NotImplementedError:
                raise VaekitError(
                    "DIP-VAE-II needs a posterior with a variance; use kind: i"
                ) from None
            cov = cov + torch.diag(variance.mean(0))
        return dip_penalty(cov, self.lambda_od, self.lambda_d)
