"""Latent samplers against known answers: EM recovers a known mixture, the standardisation's
change of variables, densities that normalise, training steps and saved state."""

import math

import pytest
import torch
from torch.distributions import Independent, Normal

from vaekit.registry import UnknownNameError, VaekitError
from vaekit.samplers import SAMPLERS
from vaekit.types import Batch, StepContext, Trainable

OPTIONS = {"flow": {"transforms": 2, "hidden": [16]}, "two_stage_vae": {"hidden": [16]}}
CTX = StepContext(step=0, epoch=0, kl_weight=1.0, training=True)


def _sampler(name, latent_dim=2, **options):
    torch.manual_seed(0)
    return SAMPLERS.build({"name": name, **OPTIONS.get(name, {}), **options}, latent_dim=latent_dim)


def _known_mixture(n=3000):
    """Codes from 0.3·N((−4, 2), 0.5²I) + 0.7·N((3, −1), diag(1, 0.25))."""
    gen = torch.Generator().manual_seed(1)
    first = torch.rand(n, generator=gen) < 0.3
    noise = torch.randn(n, 2, generator=gen)
    a = torch.tensor([-4.0, 2.0]) + 0.5 * noise
    b = torch.tensor([3.0, -1.0]) + torch.tensor([1.0, 0.5]) * noise
    return torch.where(first.unsqueeze(-1), a, b)


@pytest.mark.parametrize("covariance", ["full", "diag"])
def test_gmm_recovers_a_known_mixture(covariance):
    gmm = _sampler("gmm", components=2, covariance=covariance)
    gmm.fit(_known_mixture())
    order = gmm.means[:, 0].argsort()  # the component on the left first
    weights = torch.softmax(gmm.logits, 0)[order]
    means = gmm.shift + gmm.scale * gmm.means[order]
    cov = gmm.scale_tril[order] @ gmm.scale_tril[order].transpose(-1, -2)
    stds = gmm.scale * cov.diagonal(dim1=-2, dim2=-1).sqrt()
    torch.testing.assert_close(weights, torch.tensor([0.3, 0.7]), atol=0.02, rtol=0)
    torch.testing.assert_close(means, torch.tensor([[-4.0, 2.0], [3.0, -1.0]]), atol=0.08, rtol=0)
    torch.testing.assert_close(stds, torch.tensor([[0.5, 0.5], [1.0, 0.5]]), atol=0.05, rtol=0)
    draws = gmm.sample(20000)
    torch.testing.assert_close(draws.mean(0), _known_mixture().mean(0), atol=0.1, rtol=0)


def test_log_prob_is_in_code_space():
    """One component on Gaussian codes: log p(z) is N(z; mean, std²) of the codes, i.e. the
    standardised density less Σ log scale."""
    codes = torch.tensor([5.0, -2.0]) + torch.tensor([3.0, 0.1]) * torch.randn(4000, 2)
    gmm = _sampler("gmm", components=1, covariance="diag")
    gmm.fit(codes)
    z = torch.randn(7, 2) * 2 + torch.tensor([5.0, -2.0])
    want = Independent(Normal(codes.mean(0), codes.std(0, correction=0)), 1).log_prob(z)
    torch.testing.assert_close(gmm.log_prob(z), want, atol=2e-3, rtol=1e-4)


@pytest.mark.parametrize("name", ["gmm", "flow"])
def test_density_normalises_on_a_grid(name):
    sampler = _sampler(name)
    sampler.fit(_known_mixture(500))
    if isinstance(sampler, Trainable):
        with torch.no_grad():
            for p in sampler.parameters():
                p.add_(0.1 * torch.randn_like(p))
    lo, hi, n = torch.tensor([-16.0, -9.0]), torch.tensor([16.0, 9.0]), 401
    axes = [torch.linspace(lo[i], hi[i], n) for i in range(2)]
    grid = torch.stack(torch.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 2)
    with torch.no_grad():
        mass = sampler.log_prob(grid).exp().sum() * ((hi - lo) / (n - 1)).prod()
    assert math.isclose(mass.item(), 1.0, abs_tol=0.02)


@pytest.mark.parametrize("name", ["flow", "two_stage_vae"])
def test_trained_samplers_step_and_learn(name):
    sampler = _sampler(name)
    codes = _known_mixture(512)
    sampler.fit(codes)
    assert isinstance(sampler, Trainable)
    (group,) = sampler.optimizers().values()
    opt = torch.optim.Adam(group.params, lr=3e-3)
    (step,) = sampler.steps()
    losses = []
    for _ in range(60):
        loss = step.fn(Batch(codes), CTX).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) < sum(losses[:5])
    assert sampler.sample(5).shape == (5, 2)


@pytest.mark.parametrize("name", sorted(SAMPLERS.names()))
def test_state_dict_round_trip(name):
    sampler = _sampler(name)
    sampler.fit(_known_mixture(200))
    again = _sampler(name)
    again.load_state_dict(sampler.state_dict())
    z = torch.randn(6, 2)
    torch.manual_seed(3)
    want = sampler.log_prob(z)
    torch.manual_seed(3)
    torch.testing.assert_close(again.log_prob(z), want)


def test_bad_input_gets_one_line():
    with pytest.raises(VaekitError, match=r"codes of shape \(N >= 2, 2\), got \(5, 3\)"):
        _sampler("gmm").fit(torch.randn(5, 3))
    with pytest.raises(VaekitError, match="gmm with 10 components needs at least as many codes"):
        _sampler("gmm").fit(torch.randn(5, 2))
    with pytest.raises(ValueError, match="covariance must be one of full, diag"):
        _sampler("gmm", covariance="tied")
    with pytest.raises(UnknownNameError, match="valid choices: flow, gmm, two_stage_vae"):
        SAMPLERS.get("kde")
