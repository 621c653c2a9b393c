"""The β-TCVAE decomposition: estimators against their definitions and known answers (float64)."""

from __future__ import annotations

import math

import pytest
import torch

from vaekit.models import MODELS
from vaekit.objectives.tc import TC_ESTIMATORS, mss_log_weights, tc_decomposition
from vaekit.ops import normal_log_prob
from vaekit.types import Batch, StepContext

F64 = torch.float64


def _brute_force_log_q(z, mu, log_var, dataset_size: int, estimator: str):
    """log q(z_i) and Σ_d log q(z_id) with the estimators' weights written out by hand."""
    b, d = z.shape
    n, m = dataset_size, b - 1

    def weight(i: int, j: int) -> float:
        if estimator == "mws":
            return 1 / (n * b)
        if j == i:
            return 1 / n
        return (n - m) / (n * m) if j == (i + 1) % b else 1 / m

    def density(i: int, j: int, k: int) -> float:
        return math.exp(normal_log_prob(z[i, k], mu[j, k], log_var[j, k]).item())

    joint, marginals = [], []
    for i in range(b):
        joint.append(
            math.log(
                sum(weight(i, j) * math.prod(density(i, j, k) for k in range(d)) for j in range(b))
            )
        )
        marginals.append(
            sum(math.log(sum(weight(i, j) * density(i, j, k) for j in range(b))) for k in range(d))
        )
    return torch.tensor(joint, dtype=F64), torch.tensor(marginals, dtype=F64)


def _minibatch(b: int = 5, d: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(b, d, generator=g, dtype=F64)
    log_var = 0.5 * torch.randn(b, d, generator=g, dtype=F64)
    z = mu + torch.exp(0.5 * log_var) * torch.randn(b, d, generator=g, dtype=F64)
    return z, mu, log_var


@pytest.mark.parametrize("estimator", ["mws", "mss"])
def test_estimators_equal_their_definition(estimator: str) -> None:
    z, mu, log_var = _minibatch()
    terms = tc_decomposition(z, mu, log_var, 40, estimator)
    log_q_zx = normal_log_prob(z, mu, log_var).sum(-1)
    log_p_z = normal_log_prob(z, torch.zeros_like(z), torch.zeros_like(z)).sum(-1)
    joint, marginals = _brute_force_log_q(z, mu, log_var, 40, estimator)
    torch.testing.assert_close(log_q_zx - terms.mi, joint, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(log_p_z + terms.dwkl, marginals, rtol=1e-12, atol=1e-12)
    # The three terms telescope to the single-sample KL(q(z|x) ‖ p(z)) estimate.
    total = terms.mi + terms.tc + terms.dwkl
    torch.testing.assert_close(total, log_q_zx - log_p_z, rtol=1e-12, atol=1e-12)


def test_mss_weights_are_a_distribution_per_row() -> None:
    for b in (2, 3, 8):
        w = mss_log_weights(b, 100, dtype=F64, device=torch.device("cpu")).exp()
        torch.testing.assert_close(w.sum(1), torch.ones(b, dtype=F64))
        torch.testing.assert_close(w.diagonal(), torch.full((b,), 0.01, dtype=F64))
    with pytest.raises(ValueError, match="batch_size"):
        mss_log_weights(1, 100, dtype=F64, device=torch.device("cpu"))


def _aggregate_batch(correlated: bool, b: int = 800, sigma: float = 0.3):
    """A batch of q(z|x) = N(m, σ²I) with m ~ N(0, I) in 2-D, or m_2 = m_1 if correlated."""
    g = torch.Generator().manual_seed(1)
    mu = torch.randn(b, 2, generator=g, dtype=F64)
    if correlated:
        mu[:, 1] = mu[:, 0]
    log_var = torch.full((b, 2), 2 * math.log(sigma), dtype=F64)
    z = mu + sigma * torch.randn(b, 2, generator=g, dtype=F64)
    return z, mu, log_var


def test_independent_latents_have_no_total_correlation() -> None:
    z, mu, log_var = _aggregate_batch(correlated=False)
    assert tc_decomposition(z, mu, log_var, 10_000, "mss").tc.mean().item() == pytest.approx(
        0.0, abs=0.05
    )


def test_correlated_latents_have_the_gaussian_total_correlation() -> None:
    # q(z) = N(0, [[1 + σ², 1], [1, 1 + σ²]]): TC = −½ log(1 − ρ²), ρ = 1 / (1 + σ²).
    z, mu, log_var = _aggregate_batch(correlated=True)
    rho = 1 / (1 + 0.3**2)
    expected = -0.5 * math.log(1 - rho**2)
    assert expected > 0.9
    tc = tc_decomposition(z, mu, log_var, 10_000, "mss").tc.mean().item()
    assert tc == pytest.approx(expected, abs=0.1)


def test_mws_offsets_tc_by_log_dataset_size() -> None:
    z, mu, log_var = _aggregate_batch(correlated=False)
    tc = tc_decomposition(z, mu, log_var, len(z), "mws").tc.mean().item()
    assert tc == pytest.approx(math.log(len(z)), abs=0.05)  # (D − 1) log N with D = 2


def test_decomposition_is_differentiable() -> None:
    z, mu, log_var = _minibatch(b=6)
    mu.requires_grad_(True)
    log_var.requires_grad_(True)
    eps = (z - mu).detach() / torch.exp(0.5 * log_var).detach()
    sample = mu + torch.exp(0.5 * log_var) * eps
    terms = tc_decomposition(sample, mu, log_var, 100, "mss")
    (terms.mi + 2 * terms.tc + terms.dwkl).sum().backward()
    assert torch.isfinite(mu.grad).all() and mu.grad.abs().sum() > 0
    assert torch.isfinite(log_var.grad).all() and log_var.grad.abs().sum() > 0


def test_unknown_estimator_lists_the_valid_ones() -> None:
    assert set(TC_ESTIMATORS.names()) == {"mws", "mss"}
    z, mu, log_var = _minibatch()
    with pytest.raises(ValueError, match="mss, mws"):
        tc_decomposition(z, mu, log_var, 100, "mcmc")


@pytest.mark.parametrize("estimator", ["mss", "mws"])
@pytest.mark.parametrize(("batch", "dataset_size"), [(1, 1000), (64, 30)])
def test_the_term_takes_a_batch_of_one_and_a_batch_larger_than_the_dataset(
    estimator: str, batch: int, dataset_size: int
) -> None:
    # the last batch of an epoch can hold one example; validation batches on a training
    # subset of 30 examples hold 64: MSS is undefined for the first, its weights negative
    # for the second
    cfg = MODELS.get("vae")(
        latent_dim=2,
        encoder={"name": "mlp", "hidden": [8]},
        decoder={"name": "mlp", "hidden": [8]},
        objective=["recon", {"name": "tc", "estimator": estimator}],
    )
    model = cfg.build((6,))
    out = model.step(Batch(torch.rand(batch, 6).round()), StepContext(dataset_size=dataset_size))
    assert torch.isfinite(out.loss)
