"""The matrix-form log-density of a diagonal-Gaussian mixture against torch's broadcast one."""

import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal, StudentT

from vaekit.distributions.mixture import DiagonalGaussianMixture


def _pair(components, scale):
    torch.manual_seed(0)
    loc = torch.randn(components, 3)
    mix = Categorical(logits=torch.randn(components))
    comp = Independent(Normal(loc, scale * (0.5 + torch.rand(components, 3))), 1)
    return DiagonalGaussianMixture(mix, comp), MixtureSameFamily(mix, comp)


def test_matches_mixture_same_family_for_float32_points_and_small_scales():
    for scale in (1.0, 1e-3):
        fast, slow = _pair(7, scale)
        z = torch.cat([slow.sample((5, 4)), torch.randn(2, 4, 3)])  # near and far from modes
        got, want = fast.log_prob(z), slow.log_prob(z.double()).float()
        assert got.shape == (7, 4) and got.dtype == torch.float32
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-3)


def test_gradients_match():
    fast, slow = _pair(4, 0.7)
    z = torch.randn(6, 3, requires_grad=True)
    (g_fast,) = torch.autograd.grad(fast.log_prob(z).sum(), z)
    (g_slow,) = torch.autograd.grad(slow.log_prob(z).sum(), z)
    torch.testing.assert_close(g_fast, g_slow, rtol=1e-4, atol=1e-5)


def test_other_components_use_the_broadcast_form():
    mix = Categorical(logits=torch.zeros(3))
    comp = Independent(StudentT(3.0, torch.randn(3, 2), torch.ones(3, 2)), 1)
    z = torch.randn(5, 2)
    torch.testing.assert_close(
        DiagonalGaussianMixture(mix, comp).log_prob(z), MixtureSameFamily(mix, comp).log_prob(z)
    )
