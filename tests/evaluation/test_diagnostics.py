"""Known answers for the collapse and information diagnostics.

Hand-built linear models: x ~ N(0, I_4), q(z_j | x) = N(g_j x_j, s_j²). A dimension
with g_j = 0 and s_j = 1 is exactly the prior N(0, 1): zero KL, zero variance of its
mean, variance 1 when sampled.
"""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn
from torch.distributions import Independent, Normal, StudentT

from vaekit.evaluation.diagnostics import diagnose_stats, model_log_prior
from vaekit.evaluation.encodings import encode_posterior
from vaekit.evaluation.surgery import elbo_surgery
from vaekit.likelihoods.gaussian import Gaussian
from vaekit.metrics.information import mutual_information
from vaekit.metrics.verdict import (
    COLLAPSED,
    HEALTHY,
    PARTIAL,
    CollapseThresholds,
    collapse_verdict,
)
from vaekit.models.latent import LatentModel
from vaekit.nn.mlp import LinearDecoder, LinearEncoder
from vaekit.objectives import build_objective
from vaekit.posteriors import DeterministicPosterior, DiagonalGaussian
from vaekit.priors import StandardNormal
from vaekit.registry import ConfigError, VaekitError

D, N = 4, 600
F64 = torch.float64


def _data(n: int = N, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, D, generator=torch.Generator().manual_seed(seed))


def _model(gains, scales, num_classes: int = 0, posterior: nn.Module | None = None):
    """q(z_j|x) = N(gains_j x_j, scales_j²) (labels, if any, are ignored by q)."""
    if posterior is None:
        posterior = DiagonalGaussian(D + num_classes, D)
        raw = [math.log(math.expm1(s - 1e-4)) for s in scales]
        with torch.no_grad():
            posterior.head.weight.zero_()
            posterior.head.weight[:D, :D] = torch.diag(torch.tensor(gains, dtype=torch.float32))
            posterior.head.bias.copy_(torch.tensor([0.0] * D + raw))
    return LatentModel(
        LinearEncoder((D,)),
        posterior,
        StandardNormal(D),
        LinearDecoder(D + num_classes, (D,)),
        Gaussian(),
        build_objective(["recon", "kl"]),
        input_shape=(D,),
        latent_dim=D,
        num_classes=num_classes,
    ).eval()


def _diagnose(model, x, y=None, **kwargs):
    stats = encode_posterior(model, x, y, generator=torch.Generator().manual_seed(0))
    return diagnose_stats(stats, model_log_prior(model), **kwargs)


def test_exactly_collapsed_dimensions_are_found():
    x = _data()
    d = _diagnose(_model([1.0, 1.0, 0.0, 0.0], [0.1, 0.1, 1.0, 1.0]), x)
    assert d.verdict.labels == (HEALTHY, HEALTHY, COLLAPSED, COLLAPSED)
    assert d.verdict.overall == PARTIAL
    assert d.verdict.dims(COLLAPSED) == [2, 3]
    assert d.active_dims_mean == (0, 1)
    assert d.active_dims_sampled == (0, 1, 2, 3)  # collapsed dims are N(0, 1) noise
    assert d.kl_per_dim[2] == pytest.approx(0.0, abs=1e-6)
    assert d.kl_per_dim[3] == pytest.approx(0.0, abs=1e-6)
    for j in (0, 1):  # KL(N(x, 0.01) ‖ N(0, 1)) averaged over the data
        expected = 0.5 * ((x[:, j].double() ** 2).mean() + 0.01 - 1 - math.log(0.01))
        assert d.kl_per_dim[j] == pytest.approx(expected.item(), rel=1e-4)
    assert d.kl == pytest.approx(sum(d.kl_per_dim), rel=1e-9)
    assert d.mean_variance[2] == d.mean_variance[3] == 0.0
    assert d.sampled_variance[2] == pytest.approx(1.0, abs=0.1)
    out = d.to_dict()
    assert out["active_units_mean"] == 2 and out["active_units_sampled"] == 4
    assert out["verdict"]["collapsed"] == [2, 3] and out["verdict"]["healthy"] == [0, 1]
    json.dumps(out)


@pytest.mark.parametrize(
    ("gains", "scales", "overall"),
    [([0.0] * D, [1.0] * D, COLLAPSED), ([1.0] * D, [0.2] * D, HEALTHY)],
)
def test_overall_verdict(gains, scales, overall):
    assert _diagnose(_model(gains, scales), _data()).verdict.overall == overall


def test_mean_and_sampled_active_units_differ_as_expected():
    # z0 encodes x; z1 barely moves (Var μ = 0.0049) under unit noise; z2 is pinned at 0
    # with a tiny variance (pays KL, encodes nothing); z3 is the prior.
    x = _data()
    d = _diagnose(_model([1.0, 0.07, 0.0, 0.0], [0.1, 1.0, 0.01, 1.0]), x)
    assert d.active_dims_mean == (0,)
    assert d.active_dims_sampled == (0, 1, 3)  # Var z = Var μ + E σ²: 1, ~1, 1e-4, 1
    assert all(s >= m for s, m in zip(d.sampled_variance, d.mean_variance, strict=True) if m > 0.5)
    assert d.verdict.labels == (HEALTHY, COLLAPSED, PARTIAL, COLLAPSED)


def test_partial_collapse_from_statistics():
    g = torch.Generator().manual_seed(1)
    means = torch.randn(200, 3, generator=g, dtype=F64)
    kl = torch.full((200, 3), 2.0, dtype=F64)
    kl[:140, 1] = 0.0  # on the prior for 70% of the inputs: mixed
    kl[:60, 2] = 0.0  # on the prior for 30% of the inputs: still healthy
    verdict = collapse_verdict(means, kl)
    assert verdict.labels == (HEALTHY, PARTIAL, HEALTHY)
    assert verdict.prior_fraction == pytest.approx((0.0, 0.7, 0.3))
    assert verdict.kl_per_dim[1] == pytest.approx(0.6)
    # A hierarchical model concatenates its groups along D.
    both = collapse_verdict(
        torch.cat([means, torch.zeros(200, 2, dtype=F64)], 1),
        torch.cat([kl, torch.zeros(200, 2, dtype=F64)], 1),
    )
    assert both.labels[3:] == (COLLAPSED, COLLAPSED) and both.overall == PARTIAL


def test_verdict_without_kl_uses_activity_only():
    means = torch.cat([torch.randn(50, 1, dtype=F64), torch.zeros(50, 1, dtype=F64)], 1)
    verdict = collapse_verdict(means, None, CollapseThresholds(active=0.5))
    assert verdict.labels == (HEALTHY, COLLAPSED) and verdict.kl_per_dim is None
    with pytest.raises(ConfigError, match="thresholds"):
        CollapseThresholds(active=-1.0)


def test_conditional_model_takes_labels():
    x = _data(300)
    y = torch.arange(300) % 2
    model = _model([1.0, 1.0, 0.0, 0.0], [0.1, 0.1, 1.0, 1.0], num_classes=2)
    d = _diagnose(model, x, y)
    assert d.verdict.dims(COLLAPSED) == [2, 3] and d.verdict.dims(HEALTHY) == [0, 1]
    with pytest.raises(VaekitError, match="conditional"):
        encode_posterior(model, x)


def test_autoencoder_has_activity_but_no_information():
    posterior = DeterministicPosterior(D, D)
    model = LatentModel(
        LinearEncoder((D,)),
        posterior,
        None,
        LinearDecoder(D, (D,)),
        Gaussian(),
        build_objective(["recon"]),
        input_shape=(D,),
        latent_dim=D,
    ).eval()
    with torch.no_grad():
        posterior.head.weight.copy_(torch.diag(torch.tensor([1.0, 1.0, 0.0, 0.0])))
        posterior.head.bias.zero_()
    d = diagnose_stats(encode_posterior(model, _data(200)), model_log_prior(model))
    assert d.kl is None and d.kl_per_dim is None and d.mutual_information is None
    assert set(d.unavailable) == {
        "kl_per_dim",
        "mutual_information",
        "marginal_kl",
        "surgery",
        "verdict_kl",
    }
    assert d.verdict.labels == (HEALTHY, HEALTHY, COLLAPSED, COLLAPSED)
    assert d.active_dims_mean == d.active_dims_sampled == (0, 1)


class _StudentTPosterior(nn.Module):
    """q(z|x) = StudentT(5, x, 0.1): has a mean, but no analytic KL to a normal prior."""

    def forward(self, h):
        return Independent(StudentT(5.0, h, torch.full_like(h, 0.1)), 1)


def test_non_gaussian_posterior_falls_back_to_monte_carlo():
    model = _model(None, None, posterior=_StudentTPosterior())
    d = _diagnose(model, _data(300))
    assert d.kl_per_dim is None and d.kl is not None and d.kl > 0
    assert d.mutual_information is None and d.surgery == {}
    assert "diagonal Gaussian" in d.unavailable["mutual_information"]
    assert d.active_dims_mean == (0, 1, 2, 3) and d.verdict.overall == HEALTHY


def _linear_gaussian(n: int):
    """μ = a x with x ~ N(0, s²) per dim, σ fixed: closed-form MI, TC = 0, dimension-wise KL."""
    g = torch.Generator().manual_seed(3)
    s, a = torch.tensor([2.0, 1.0], dtype=F64), torch.tensor([1.0, 0.5], dtype=F64)
    sigma = torch.tensor([0.5, 0.3], dtype=F64)
    mu = a * s * torch.randn(n, 2, generator=g, dtype=F64)
    log_var = (2 * sigma.log()).expand(n, 2)
    v = a**2 * s**2 + sigma**2
    mi = 0.5 * torch.log1p(a**2 * s**2 / sigma**2).sum().item()
    dwkl = 0.5 * (v - 1 - v.log()).sum().item()
    kl = 0.5 * (mu**2 + sigma**2 - 1 - sigma.log() * 2).sum(1).mean().item()
    return mu, log_var, mi, dwkl, kl, g


def test_surgery_terms_sum_to_the_kl_estimate():
    mu, log_var, _, _, kl, g = _linear_gaussian(1200)
    terms = elbo_surgery(mu, log_var, batch_size=200, generator=g)
    assert set(terms) == {"mws", "mss"}
    for t in terms.values():
        total = t.index_code_mi + t.total_correlation + t.dimwise_kl
        assert total == pytest.approx(t.kl, abs=1e-9)
        assert t.kl == pytest.approx(kl, rel=0.05)  # one-sample MC of the average KL
    assert terms["mws"].kl == terms["mss"].kl  # the same draws


def test_surgery_matches_closed_forms_and_documented_mws_offset():
    n = 1500
    mu, log_var, mi, dwkl, _, g = _linear_gaussian(n)
    terms = elbo_surgery(mu, log_var, batch_size=n, generator=g)
    mss, mws = terms["mss"], terms["mws"]
    assert mss.index_code_mi == pytest.approx(mi, abs=0.1)
    assert mss.total_correlation == pytest.approx(0.0, abs=0.05)
    assert mss.dimwise_kl == pytest.approx(dwkl, abs=0.1)
    log_n = math.log(n)  # MWS: mi + log N, tc + (D − 1) log N, dwkl − D log N
    assert mws.index_code_mi - mss.index_code_mi == pytest.approx(log_n, abs=0.02)
    assert mws.total_correlation - mss.total_correlation == pytest.approx(log_n, abs=0.05)
    assert mws.dimwise_kl - mss.dimwise_kl == pytest.approx(-2 * log_n, abs=0.05)
    full = mutual_information(mu, log_var, generator=g).item()
    assert full == pytest.approx(mi, abs=0.1)


def test_surgery_and_marginal_kl_with_another_prior():
    mu, log_var, _, _, _, g = _linear_gaussian(1000)
    prior = Independent(
        Normal(torch.full((2,), 0.5, dtype=F64), torch.full((2,), 2.0, dtype=F64)), 1
    )
    terms = elbo_surgery(mu, log_var, prior.log_prob, generator=g)["mss"]
    q = Independent(Normal(mu, torch.exp(0.5 * log_var)), 1)
    exact = torch.distributions.kl_divergence(q, prior).mean().item()
    assert terms.index_code_mi + terms.total_correlation + terms.dimwise_kl == pytest.approx(
        terms.kl, abs=1e-9
    )
    assert terms.kl == pytest.approx(exact, rel=0.05)
