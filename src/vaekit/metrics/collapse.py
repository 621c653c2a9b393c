"""Posterior-collapse measurements: KL per latent dimension and active units."""

from __future__ import annotations

from torch import Tensor


def active_units(posterior_means: Tensor, threshold: float = 0.01) -> Tensor:
    """Active-unit mask (Burda et al. 2016): Cov_x(E_q[z_j | x]) > ``threshold``.

    ``posterior_means`` is ``(N, D)``; returns a ``(D,)`` boolean mask. The variance
    over x is the population variance of the posterior means.
    """
    return posterior_means.var(dim=0, unbiased=False) > threshold
