"""Each likelihood is a normalised distribution and matches a reference implementation."""

import itertools
import math

import pytest
import torch
from torch.distributions import Normal

from vaekit.likelihoods import (
    LIKELIHOODS,
    Bernoulli,
    ContinuousBernoulli,
    DiscretizedLogistic,
    Gaussian,
)

pytestmark = pytest.mark.usefixtures("float64")


def test_bernoulli_sums_to_one_over_binary_images():
    logits = torch.randn(1, 1, 3) * 2
    xs = torch.tensor(list(itertools.product([0.0, 1.0], repeat=3)))
    total = torch.logsumexp(
        torch.stack([Bernoulli().log_prob(logits, x.view(1, 3)) for x in xs]), 0
    )
    assert torch.allclose(total, torch.zeros(1), atol=1e-12)


def test_gaussian_fixed_matches_torch_normal():
    params = torch.randn(4, 1, 5)
    x = torch.randn(4, 5)
    ref = Normal(params[:, 0], 0.3).log_prob(x).sum(-1)
    assert torch.allclose(Gaussian(sigma=0.3).log_prob(params, x), ref)


@pytest.mark.parametrize("learn", ["global", "pixel"])
def test_gaussian_learned_scale_matches_torch_normal(learn):
    lik = Gaussian(sigma=0.5, learn=learn)
    params = torch.randn(3, lik.num_params, 6)
    x = torch.randn(3, 6)
    scale = lik.scale(params)
    ref = Normal(params[:, 0], scale).log_prob(x).sum(-1)
    assert torch.allclose(lik.log_prob(params, x), ref)
    if learn == "global":
        assert torch.allclose(scale, torch.tensor(0.5))
        assert any(p.requires_grad for p in lik.parameters())


def test_gaussian_rejects_bad_options():
    with pytest.raises(ValueError, match="none, global, pixel"):
        Gaussian(learn="sometimes")
    with pytest.raises(ValueError, match="> 0"):
        Gaussian(sigma=0.0)


def test_continuous_bernoulli_integrates_to_one():
    logits = torch.tensor([[[-3.0, 0.0, 0.7, 4.0]]])
    grid = torch.linspace(0, 1, 20001)
    for j in range(4):
        lp = ContinuousBernoulli().log_prob(
            logits[..., j : j + 1].expand(grid.numel(), 1, 1), grid.view(-1, 1)
        )
        integral = torch.trapezoid(lp.exp(), grid)
        assert abs(integral.item() - 1) < 1e-4


@pytest.mark.parametrize("bins", [2, 16, 256])
def test_discretized_logistic_sums_to_one_over_bins(bins):
    lik = DiscretizedLogistic(bins=bins)
    for loc, log_scale in [(0.0, -2.0), (3.0, -5.0), (-1.0, 0.5), (0.2, -7.0)]:
        values = torch.arange(bins) / (bins - 1)
        params = torch.tensor([loc, log_scale]).view(1, 2, 1).expand(bins, 2, 1)
        total = torch.logsumexp(lik.log_prob(params, values.view(-1, 1)), 0)
        assert abs(total.item()) < 1e-6, (loc, log_scale, total)


@pytest.mark.parametrize("x", [230 / 255, 25 / 255])
def test_discretized_logistic_far_tails_are_exact(x):
    lik = DiscretizedLogistic()
    logit = 0.0 if x < 0.5 else -8.0  # loc 0.5 or ≈ 0: hundreds of scales from x
    params = torch.tensor([[[logit], [-7.0]]])
    lp = lik.log_prob(params, torch.tensor([[x]]))
    loc, s, h = torch.sigmoid(torch.tensor(logit)), math.exp(-7.0), 0.5 / 255
    # in the far tail the logistic CDF is e^{-|u|}: P = e^{-|u-|}(1 − e^{-2h/s}) (right side)
    u_near = (abs(x - loc) - h) / s
    exact = -u_near + math.log(-math.expm1(-2 * h / s))
    assert torch.allclose(lp, exact.view(1), rtol=1e-9)


@pytest.mark.parametrize("name", LIKELIHOODS.names())
def test_likelihood_contract(name):
    lik = LIKELIHOODS.build(name)
    lik.event_ndim = 3
    params = torch.randn(5, lik.num_params, 1, 4, 4, requires_grad=True)
    x = torch.rand(5, 1, 4, 4).round()
    lp = lik.log_prob(params, x)
    assert lp.shape == (5,) and torch.isfinite(lp).all()
    lp.sum().backward()
    assert params.grad is not None and torch.isfinite(params.grad).all()
    assert lik.mean(params).shape == x.shape
    assert lik.sample(params).shape == x.shape


@pytest.mark.parametrize("name", LIKELIHOODS.names())
def test_samples_broadcast_against_data_without_copies(name):
    lik = LIKELIHOODS.build(name)
    lik.event_ndim = 3
    params = torch.randn(4, 5, lik.num_params, 1, 3, 3)  # (K, B, P, C, H, W)
    x = torch.rand(5, 1, 3, 3).round()
    lp = lik.log_prob(params, x)
    assert lp.shape == (4, 5)
    for k in range(4):
        assert torch.allclose(lp[k], lik.log_prob(params[k], x))
