"""Analytic KL against Monte Carlo; the Monte-Carlo fallback for pairs without a closed form."""

import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from vaekit.distributions import PointMass, kl_per_dim, kl_term

pytestmark = pytest.mark.usefixtures("float64")


def _gauss(loc, scale):
    return Independent(Normal(loc, scale), 1)


def test_analytic_kl_matches_monte_carlo():
    torch.manual_seed(0)
    q = _gauss(torch.randn(3, 4), torch.rand(3, 4) + 0.3)
    p = _gauss(torch.zeros(4), torch.ones(4))
    analytic = kl_term(q, p, q.rsample())
    z = q.sample((200_000,))
    mc = (q.log_prob(z) - p.log_prob(z)).mean(0)
    stderr = (q.log_prob(z) - p.log_prob(z)).std(0) / 200_000**0.5
    assert ((analytic - mc).abs() < 4 * stderr).all()


def test_analytic_kl_closed_form_diagonal_gaussian():
    mu, sigma = torch.tensor([[0.5, -1.0]]), torch.tensor([[2.0, 0.5]])
    expected = 0.5 * (sigma**2 + mu**2 - 1 - torch.log(sigma**2)).sum(-1)
    q, p = _gauss(mu, sigma), _gauss(torch.zeros(2), torch.ones(2))
    assert torch.allclose(kl_term(q, p, q.rsample()), expected)
    assert torch.allclose(kl_per_dim(q, p).sum(-1), expected)


def test_monte_carlo_fallback_when_no_closed_form():
    q = _gauss(torch.zeros(1, 2), torch.ones(1, 2))
    mix = MixtureSameFamily(Categorical(torch.ones(2)), _gauss(torch.randn(2, 2), torch.ones(2, 2)))
    z = torch.randn(1, 2)
    assert torch.allclose(kl_term(q, mix, z), q.log_prob(z) - mix.log_prob(z))
    assert kl_per_dim(q, mix) is None


def test_point_mass():
    loc = torch.randn(4, 3, requires_grad=True)
    d = PointMass(loc)
    z = d.rsample((2,))
    assert z.shape == (2, 4, 3) and torch.equal(z[1], loc)
    z.sum().backward()
    assert torch.equal(loc.grad, 2 * torch.ones(4, 3))
    assert d.log_prob(z).shape == (2, 4)


def test_diagonal_normal_is_independent_normal_in_every_method():
    from torch.distributions import Independent, Normal, kl_divergence

    from vaekit.distributions import DiagonalNormal, StandardNormalDist

    torch.manual_seed(0)
    loc, scale = torch.randn(5, 3, dtype=torch.float64), torch.rand(5, 3, dtype=torch.float64) + 0.1
    ours, ref = DiagonalNormal(loc, scale), Independent(Normal(loc, scale), 1)
    z = torch.randn(7, 5, 3, dtype=torch.float64)
    assert ours.batch_shape == ref.batch_shape and ours.event_shape == ref.event_shape
    for name in ("mean", "variance", "stddev"):
        assert torch.equal(getattr(ours, name), getattr(ref, name))
    assert torch.allclose(ours.log_prob(z), ref.log_prob(z)) and torch.allclose(
        ours.entropy(), ref.entropy()
    )
    torch.manual_seed(1)
    a = ours.rsample((7,))
    torch.manual_seed(1)
    assert torch.equal(a, ref.rsample((7,)))
    wide = ours.expand((2, 5))
    assert wide.batch_shape == (2, 5) and torch.allclose(
        wide.log_prob(z[:2]), ref.expand((2, 5)).log_prob(z[:2])
    )
    std = StandardNormalDist(
        torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    )
    closed = kl_divergence(ours, std)
    generic = kl_divergence(ref, Independent(Normal(torch.zeros(3), torch.ones(3)), 1))
    assert torch.allclose(closed, generic.double())
    unit = Independent(Normal(torch.zeros(3).double(), torch.ones(3).double()), 1)
    assert torch.allclose(std.log_prob(z), unit.log_prob(z))  # its two-operation log density
