"""The unscented reconstruction term: sigma points that keep the Gaussian's first two
moments, an exact expectation for a quadratic log-likelihood, and its place in a model."""

from types import SimpleNamespace

import pytest
import torch

from vaekit.distributions import DiagonalNormal, PointMass
from vaekit.models import MODELS
from vaekit.objectives import TERMS
from vaekit.objectives.unscented import sigma_points
from vaekit.registry import ConfigError, VaekitError
from vaekit.types import Batch, StepContext

pytestmark = pytest.mark.usefixtures("float64")


@pytest.mark.parametrize("kappa", [0.0, 1.0, -2.0])
def test_sigma_points_keep_the_mean_and_covariance(kappa):
    loc, scale = torch.randn(4, 3), torch.rand(4, 3) + 0.1
    points, weights = sigma_points(loc, scale, kappa)
    assert points.shape == (7, 4, 3) and weights.sum().item() == pytest.approx(1.0)
    w = weights.view(-1, 1, 1)
    torch.testing.assert_close((w * points).sum(0), loc)
    centred = points - loc
    cov = torch.einsum("s,sbi,sbj->bij", weights, centred, centred)
    torch.testing.assert_close(cov, torch.diag_embed(scale.square()))


@pytest.mark.parametrize("kappa", [0.0, 2.0])
def test_the_term_is_the_exact_expectation_of_a_quadratic_log_likelihood(kappa):
    """log p(x|z) = −Σ_d c_d (z_d − a_d)²: E_q = −Σ_d c_d ((μ_d − a_d)² + σ_d²)."""
    loc, scale = torch.randn(5, 3), torch.rand(5, 3) + 0.1
    a, c = torch.randn(5, 3), torch.rand(3)

    def log_px_given_z(x, z, y=None):
        return -(c * (z - a).square()).sum(-1)

    p = SimpleNamespace(
        q=DiagonalNormal(loc, scale),
        model=SimpleNamespace(log_px_given_z=log_px_given_z),
        batch=Batch(torch.zeros(5, 2)),
    )
    term = TERMS.build({"name": "unscented_recon", "kappa": kappa})
    want = (c * ((loc - a).square() + scale.square())).sum(-1)
    torch.testing.assert_close(term(p, StepContext(), None), want)


def test_a_vae_trains_on_it_and_bad_setups_get_one_line():
    mlp = {"name": "mlp", "hidden": [8]}
    model = MODELS.get("vae")(
        latent_dim=2, encoder=mlp, decoder=mlp, objective=["unscented_recon", "kl"]
    ).build((4,))
    out = model.step(Batch(torch.rand(6, 4).round()), StepContext())
    assert out.terms["recon"].shape == (6,)
    out.loss.backward()
    with pytest.raises(ConfigError, match="latent_dim \\+ kappa > 0, got 2 \\+ -2"):
        MODELS.get("vae")(
            latent_dim=2,
            encoder=mlp,
            decoder=mlp,
            objective=[{"name": "unscented_recon", "kappa": -2}],
        ).build((4,))
    p = SimpleNamespace(q=PointMass(torch.zeros(3, 2)))
    with pytest.raises(VaekitError, match="needs a diagonal-Gaussian posterior"):
        TERMS.build("unscented_recon")(p, StepContext(), None)
