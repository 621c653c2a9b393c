"""Sliced Wasserstein: the 1-D closed form, Gaussians, a projection known in closed form,
and the term in the SWAE."""

import math

import pytest
import torch

from vaekit.models import MODELS
from vaekit.objectives.swd import sliced_wasserstein
from vaekit.types import Batch, StepContext

pytestmark = pytest.mark.usefixtures("float64")


def _normal_quantiles(n, loc, scale):
    """n evenly spaced quantiles of N(loc, scale²): an empirical sample with little noise."""
    p = (torch.arange(n) + 0.5) / n
    return (loc + scale * math.sqrt(2) * torch.erfinv(2 * p - 1))[:, None]


def test_one_dimension_is_the_exact_wasserstein_distance():
    """In 1-D the optimal plan pairs sorted values: W_p^p = mean |x₍ᵢ₎ − y₍ᵢ₎|^p, exactly."""
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(257, 1, generator=gen), 3 * torch.rand(257, 1, generator=gen)
    for p in (1.0, 2.0, 3.0):
        exact = (x.sort(0).values - y.sort(0).values).abs().pow(p).mean()
        torch.testing.assert_close(sliced_wasserstein(x, y, projections=7, p=p), exact)


def test_one_dimension_gaussians_match_the_closed_form():
    """W₂²(N(μ₁, σ₁²), N(μ₂, σ₂²)) = (μ₁ − μ₂)² + (σ₁ − σ₂)²."""
    x, y = _normal_quantiles(20_000, 0.5, 1.0), _normal_quantiles(20_000, -1.0, 2.0)
    closed = (0.5 + 1.0) ** 2 + (1.0 - 2.0) ** 2
    assert sliced_wasserstein(x, y, projections=3).item() == pytest.approx(closed, rel=1e-3)


def test_a_shift_in_d_dimensions_averages_over_directions():
    """SW₂²(μ shifted by a, μ) = E_θ[(θᵀa)²] = ‖a‖² / D for θ uniform on the sphere (a
    shift moves every sorted projection by θᵀa); 20k directions: 0.7 % relative error."""
    torch.manual_seed(0)
    d, a = 4, torch.tensor([1.0, -2.0, 0.5, 0.0])
    x = torch.randn(100, d)
    value = sliced_wasserstein(x + a, x, projections=20_000)
    assert value.item() == pytest.approx(a.square().sum().item() / d, rel=0.03)
    assert sliced_wasserstein(x, x, projections=50).item() == 0.0


def test_bad_input_gets_one_line():
    with pytest.raises(ValueError, match="two \\(N, D\\) samples"):
        sliced_wasserstein(torch.zeros(3, 2), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="projections"):
        sliced_wasserstein(torch.zeros(3, 2), torch.zeros(3, 2), projections=0)


def test_the_swae_weighs_the_distance_to_prior_draws():
    torch.manual_seed(0)
    model = MODELS.get("swae")(
        latent_dim=2,
        lam=3.0,
        projections=10,
        encoder={"name": "mlp", "hidden": [8]},
        decoder={"name": "mlp", "hidden": [8]},
    ).build((5,))
    x = torch.rand(16, 5).round()
    torch.manual_seed(1)
    out = model.step(Batch(x), StepContext())
    torch.manual_seed(1)
    z = model.encode(x).rsample()
    model.log_px_given_z(x, z)  # nothing else is drawn before the prior draws
    expected = sliced_wasserstein(z, torch.randn(16, 2), projections=10)
    torch.testing.assert_close(out.batch_terms["swd"], expected)
    torch.testing.assert_close(out.loss, out.terms["recon"].mean() + 3.0 * expected)
