"""Known answers for I(x; z) and KL(q(z) ‖ p(z)) (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import norm

from vaekit.metrics.information import aggregate_log_prob, marginal_kl, mutual_information
from vaekit.ops import normal_log_prob

F64 = torch.float64


def _linear_gaussian(n: int = 1500, seed: int = 0):
    """x ~ N(0, s²) per dim (quantiles, shuffled across dims), q(z|x) = N(a x, σ²).

    Then q(z) = N(0, a²s² + σ²), I(x; z) = Σ ½ log(1 + a²s²/σ²) and
    KL(q(z) ‖ N(0, 1)) = Σ ½ (v − 1 − log v) with v = a²s² + σ².
    """
    s = torch.tensor([2.0, 1.0], dtype=F64)
    a = torch.tensor([1.0, 0.5], dtype=F64)
    sigma = torch.tensor([0.5, 0.3], dtype=F64)
    g = torch.Generator().manual_seed(seed)
    q = torch.tensor(norm.ppf((np.arange(n) + 0.5) / n), dtype=F64)
    x = torch.stack([q, q[torch.randperm(n, generator=g)]], dim=1) * s
    mu, log_var = a * x, (2 * sigma.log()).expand(n, 2)
    v = a**2 * s**2 + sigma**2
    mi = 0.5 * torch.log1p(a**2 * s**2 / sigma**2).sum()
    kl = 0.5 * (v - 1 - v.log()).sum()
    return mu, log_var, mi.item(), kl.item(), g


def test_mutual_information_matches_closed_form() -> None:
    mu, log_var, mi, _, g = _linear_gaussian()
    estimate = mutual_information(mu, log_var, num_samples=2, generator=g)
    assert estimate.item() == pytest.approx(mi, rel=0.03)


def test_marginal_kl_matches_closed_form() -> None:
    mu, log_var, _, kl, g = _linear_gaussian()
    estimate = marginal_kl(mu, log_var, num_samples=2, generator=g)
    assert estimate.item() == pytest.approx(kl, rel=0.04)


def test_aggregate_log_prob_is_the_mixture_density_in_any_chunking() -> None:
    g = torch.Generator().manual_seed(0)
    mu, log_var, z = (torch.randn(n, 3, generator=g, dtype=F64) for n in (7, 7, 5))
    brute = [
        math.log(
            sum(math.exp(normal_log_prob(z[i], mu[n], log_var[n]).sum().item()) for n in range(7))
            / 7
        )
        for i in range(5)
    ]
    for max_elements in (1, 30, 10_000):
        got = aggregate_log_prob(z, mu, log_var, max_elements=max_elements)
        np.testing.assert_allclose(got.numpy(), brute, rtol=1e-12)


def test_aggregate_log_prob_keeps_its_precision_far_from_the_origin() -> None:
    """Means near 1000 with σ = 0.01: the matrix-product expansion cancels terms of 10¹⁰
    unless the codes are centred first; float32 inputs give float32 back."""
    g = torch.Generator().manual_seed(1)
    mu = 1000 + torch.randn(6, 2, generator=g, dtype=F64)
    log_var = torch.full((6, 2), 2 * math.log(0.01), dtype=F64)
    z = mu[:4] + 0.01 * torch.randn(4, 2, generator=g, dtype=F64)

    def brute(z, mu, log_var):
        log_q = normal_log_prob(z[:, None], mu, log_var).sum(-1)
        return (torch.logsumexp(log_q, 1) - math.log(6)).numpy()

    np.testing.assert_allclose(aggregate_log_prob(z, mu, log_var), brute(z, mu, log_var), rtol=1e-9)
    inputs = [t.float() for t in (z, mu, log_var)]
    single = aggregate_log_prob(*inputs)
    assert single.dtype == torch.float32  # computed in float64 from the float32 inputs
    np.testing.assert_allclose(single, brute(*(t.double() for t in inputs)), rtol=1e-6)
