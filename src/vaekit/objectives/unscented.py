"""The unscented transform as an alternative to sampling z (Janjoš et al. 2023, "Unscented
Autoencoder", ICML): the reconstruction term at the sigma points of the Gaussian posterior.

It is a term, not a posterior family: the posterior stays N(μ, diag σ²) and its contract
(i.i.d. ``rsample`` draws, ``log_prob``) stays what every Monte-Carlo estimate relies on;
this term reads that Gaussian from the pass and decodes a fixed, weighted point set of it
instead of the pass's one draw (see ``docs/posteriors.md``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from vaekit.objectives.base import TERMS, Logs, Pass, Term
from vaekit.objectives.tc import diagonal_gaussian
from vaekit.protocols import HasLikelihood
from vaekit.registry import ConfigError, VaekitError
from vaekit.types import StepContext


def sigma_points(loc: Tensor, scale: Tensor, kappa: float) -> tuple[Tensor, Tensor]:
    """The 2D + 1 sigma points of N(loc, diag scale²) ``(2D + 1, B, D)`` and their weights
    ``(2D + 1,)`` (Julier & Uhlmann): μ with weight κ/(D + κ), μ ± √(D + κ) σ_d e_d with
    1/(2(D + κ)) each. They reproduce the mean and covariance exactly, so the weighted
    average of any quadratic function of z is its expectation under the Gaussian."""
    d = loc.shape[-1]
    if not d + kappa > 0:
        raise ValueError(f"sigma points need latent_dim + kappa > 0, got {d} + {kappa}")
    eye = torch.eye(d, dtype=loc.dtype, device=loc.device)
    offsets = torch.cat([eye.new_zeros(1, d), eye, -eye]).unsqueeze(1)  # (2D + 1, 1, D)
    points = loc + offsets * ((d + kappa) ** 0.5 * scale)
    weights = torch.full((2 * d + 1,), 0.5 / (d + kappa), dtype=loc.dtype, device=loc.device)
    weights[0] = kappa / (d + kappa)
    return points, weights


@TERMS.register("unscented_recon")
class UnscentedReconstruction(Term):
    """−Σᵢ wᵢ log p(x | zᵢ) over the 2D + 1 sigma points zᵢ of a diagonal-Gaussian q(z|x):
    the unscented estimate of the ELBO's expected reconstruction term, with no sampling
    noise (exact when log p(x|z) is quadratic in z). Replaces ``recon``; ``kappa`` (κ,
    default 0: the mean point has weight 0) spreads the points √(D + κ) σ from the mean.
    It decodes 2D + 1 latents per example."""

    name = "recon"
    requires = (HasLikelihood,)

    def __init__(self, kappa: float = 0.0) -> None:
        super().__init__()
        self.kappa = kappa

    def check(self, model: nn.Module) -> None:
        super().check(model)
        latent_dim = getattr(model, "latent_dim", None)
        if latent_dim is not None and not latent_dim + self.kappa > 0:
            raise ConfigError(
                f"unscented_recon needs latent_dim + kappa > 0, got {latent_dim} + {self.kappa}"
            )

    def forward(self, p: Pass, ctx: StepContext, logs: Logs) -> Tensor:
        gaussian = diagonal_gaussian(p.q)  # type: ignore[attr-defined]
        if gaussian is None:
            raise VaekitError("the unscented_recon term needs a diagonal-Gaussian posterior q(z|x)")
        points, weights = sigma_points(*gaussian, self.kappa)
        log_px = p.model.log_px_given_z(p.batch.x, points, p.batch.y)  # (2D + 1, B)
        return -(weights.unsqueeze(-1) * log_px).sum(0)
