"""Importance-sampled log-likelihood of probabilistic PCA against its closed form."""

import math

import pytest
import torch
from torch.distributions import MultivariateNormal

from vaekit.config import EvalConfig
from vaekit.data import ArrayDataset
from vaekit.evaluation.likelihood import dataset_log_likelihood, plan_batches
from vaekit.evaluation.report import evaluate_model
from vaekit.metrics.collapse import active_units
from vaekit.models import MODELS

pytestmark = pytest.mark.usefixtures("float64")

DX, DZ, SIGMA = 5, 2, 0.5


def _ppca(mean_shift: float = 0.0, scale_factor: float = 1.0):
    """A linear-Gaussian VAE set to pPCA x = W z + b + σε, with the exact posterior
    (W has orthogonal columns, so the posterior covariance is diagonal), optionally perturbed."""
    torch.manual_seed(0)
    q_mat, _ = torch.linalg.qr(torch.randn(DX, DZ))
    w = q_mat * torch.tensor([2.0, 0.8])
    b = torch.randn(DX)
    cfg = MODELS.get("vae")(
        latent_dim=DZ,
        encoder="linear",
        decoder="linear",
        likelihood={"name": "gaussian", "sigma": SIGMA},
    )
    model = cfg.build((DX,))
    m_inv = torch.diag(1 / (w.pow(2).sum(0) + SIGMA**2))
    post_w = m_inv @ w.T
    std = SIGMA * m_inv.diagonal().sqrt() * scale_factor
    with torch.no_grad():
        head = model.posterior.head
        head.weight.zero_()
        head.weight[:DZ] = post_w
        head.bias[:DZ] = -post_w @ b + mean_shift
        head.bias[DZ:] = torch.log(torch.expm1(std - model.posterior.min_scale))
        model.decoder.linear.weight.copy_(w)
        model.decoder.linear.bias.copy_(b)
    exact = MultivariateNormal(b, w @ w.T + SIGMA**2 * torch.eye(DX))
    return model.eval(), exact


def test_exact_posterior_gives_exact_likelihood_for_any_k():
    model, exact = _ppca()
    x = exact.sample((20,))
    for k in (1, 7):
        assert torch.allclose(model.log_likelihood(x, k=k), exact.log_prob(x), atol=1e-9)


def test_is_estimate_converges_with_an_imperfect_posterior():
    model, exact = _ppca(mean_shift=0.15, scale_factor=1.3)
    torch.manual_seed(1)
    x = exact.sample((30,))
    truth = exact.log_prob(x)
    estimate = dataset_log_likelihood(model, x, k=5000, memory_budget_mb=4)
    elbo = torch.stack([model.elbo(x) for _ in range(200)]).mean(0)
    assert (estimate - truth).abs().max() < 0.05
    assert (estimate - truth).abs().mean() < 0.01
    assert (elbo < truth - 0.01).all()  # the ELBO is a strict lower bound here
    assert (estimate - truth).abs().mean() < (elbo - truth).abs().mean() / 10


def test_batched_estimate_equals_one_call():
    model, exact = _ppca(mean_shift=0.2)
    x = exact.sample((9,))
    torch.manual_seed(3)
    one = model.log_likelihood(x, k=64)
    torch.manual_seed(3)
    chunked_samples = model.log_likelihood(x, k=64, chunk=64)
    assert torch.allclose(one, chunked_samples)
    small = plan_batches(model, k=64, memory_budget_mb=0.1)
    assert small.inputs * small.samples <= max(64, int(0.1 * 2**20) // (4 * (3 * DX + 4096)))
    torch.manual_seed(4)
    est = dataset_log_likelihood(model, x, k=2000, memory_budget_mb=0.1)
    assert torch.allclose(est, exact.log_prob(x), atol=0.05)


def test_active_units_burda_criterion():
    means = torch.stack([torch.randn(1000) * 0.5, torch.randn(1000) * 0.05, torch.zeros(1000)], 1)
    assert active_units(means, 0.01).tolist() == [True, False, False]
    assert active_units(means, 0.001).tolist() == [True, True, False]


def test_report_on_ppca():
    model, exact = _ppca()
    x = exact.sample((50,))
    r = evaluate_model(model, ArrayDataset(x), EvalConfig(nll_samples=10, active_threshold=0.01))
    assert r.nll == pytest.approx(-exact.log_prob(x).mean().item(), abs=1e-8)
    assert r.kl == pytest.approx(sum(r.kl_per_dim), rel=1e-9)
    assert r.elbo == pytest.approx(-r.nll, abs=0.3)  # exact posterior: equal in expectation
    assert r.active_units == 2 and r.active_dims == [0, 1]
    assert r.bits_per_dim == pytest.approx(r.nll / (DX * math.log(2)))
