"""Objectives: weighted sums of registered terms (:data:`TERMS`), built from config specs.

Terms: ``recon`` (−log p(x|z)), ``kl`` (weight β), ``capacity`` (weight γ, ``c_max``,
``c_steps``), ``iwae`` (``k``, ``dreg``), ``miwae``, ``piwae`` (``m``, ``k``), ``ciwae``
(``k``, ``beta``), ``tc`` (β-TCVAE: ``alpha``, ``beta``, ``gamma``,
``estimator``), ``mmd`` (MMD² to the prior: ``kernel``, ``scales``), ``swd`` (sliced
Wasserstein to the prior: ``projections``, ``p``), ``unscented_recon`` (``recon`` at
the posterior's sigma points: ``kappa``), ``quantizer`` (a
quantizer's own losses), ``latent_adversary`` (a latent discriminator with its own
optimizer and step). Per-example terms are ``(B,)``
tensors, batch-level terms scalars; the engine logs both by name, so they become
``metrics.csv`` columns. See :mod:`vaekit.objectives.base`.
"""

from vaekit.objectives import (  # noqa: F401  (registration)
    adversary,
    dip,
    elbo,
    factor,
    iwae,
    joint,
    mmd,
    swd,
    tc,
    unscented,
    vq,
)
from vaekit.objectives.base import TERMS, Logs, Objective, Pass, Term, build_objective

__all__ = ["TERMS", "Logs", "Objective", "Pass", "Term", "build_objective"]
