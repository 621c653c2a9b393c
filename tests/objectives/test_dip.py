"""DIP-VAE's penalty on known covariances (float64)."""

import pytest
import torch

from vaekit.distributions import DiagonalNormal
from vaekit.objectives import TERMS, build_objective
from vaekit.objectives.dip import batch_covariance, dip_penalty
from vaekit.registry import ConfigError
from vaekit.types import StepContext

pytestmark = pytest.mark.usefixtures("float64")


def test_penalty_of_a_known_covariance():
    cov = torch.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, -0.25], [0.0, -0.25, 0.5]])
    # off-diagonal: 2 · (0.5² + 0.25²) = 0.625; diagonal: (2 − 1)² + 0 + (0.5 − 1)² = 1.25
    assert dip_penalty(cov, 3.0, 7.0).item() == pytest.approx(3 * 0.625 + 7 * 1.25)
    assert dip_penalty(torch.eye(3), 3.0, 7.0).item() == 0.0


def test_batch_covariance_divides_by_the_batch_size():
    x = torch.randn(50, 3)
    assert torch.allclose(batch_covariance(x), torch.cov(x.T, correction=0))


def _pass(scale: float):
    # means with mean 0 and covariance diag(1/2, 1/2) exactly; every σ equal to ``scale``
    loc = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    q = DiagonalNormal(loc, torch.full_like(loc, scale))
    return type("Pass", (), {"q": q})()


def test_dip_i_reads_the_means_and_dip_ii_adds_the_mean_variance():
    p = _pass(scale=0.5)
    dip_i = TERMS.build({"name": "dip", "kind": "i", "lambda_od": 1.0, "lambda_d": 1.0})
    dip_ii = TERMS.build({"name": "dip", "kind": "ii", "lambda_od": 1.0, "lambda_d": 1.0})
    # I: Cov[μ] = diag(½, ½) → 2 · (½ − 1)² = ½; II: diag(½ + ¼, ½ + ¼) → 2 · (¼)² = ⅛
    assert dip_i(p, StepContext(), None).item() == pytest.approx(0.5)
    assert dip_ii(p, StepContext(), None).item() == pytest.approx(0.125)


def test_unknown_kind_and_negative_lambdas_are_config_errors():
    with pytest.raises(ConfigError, match="unknown dip kind 'iii'; valid choices: i, ii"):
        build_objective(["recon", {"name": "dip", "kind": "iii"}])
    with pytest.raises(ConfigError, match="must be >= 0"):
        build_objective(["recon", {"name": "dip", "lambda_od": -1.0}])


def test_dip_ii_covariance_is_that_of_the_aggregate_posterior():
    # q(z) = (1/B) Σ_b N(μ_b, diag σ_b²) with σ differing per example and dimension: its
    # covariance (law of total covariance) against the covariance of many draws of q(z)
    gen = torch.Generator().manual_seed(0)
    loc = torch.tensor([[1.0, 0.5], [-1.0, 0.0], [0.5, 1.5], [0.0, -1.0]])
    scale = torch.tensor([[0.2, 1.0], [0.7, 0.3], [1.5, 0.1], [0.4, 0.9]])
    draws = loc + scale * torch.randn(100_000, *loc.shape, generator=gen)
    monte_carlo = batch_covariance(draws.reshape(-1, 2))
    centred = loc - loc.mean(0)
    by_hand = centred.T @ centred / 4 + torch.diag(scale.pow(2).mean(0))
    torch.testing.assert_close(monte_carlo, by_hand, atol=0.02, rtol=0)
    p = type("Pass", (), {"q": DiagonalNormal(loc, scale)})()
    dip_ii = TERMS.build({"name": "dip", "kind": "ii", "lambda_od": 2.0, "lambda_d": 3.0})
    assert dip_ii(p, StepContext(), None).item() == pytest.approx(
        dip_penalty(by_hand, 2.0, 3.0).item()
    )
