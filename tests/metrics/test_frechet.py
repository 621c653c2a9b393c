"""Fréchet distance against closed forms; k-NN precision and recall on known layouts."""

from __future__ import annotations

import numpy as np
import pytest

from vaekit.metrics.frechet import PrecisionRecall, frechet_distance, precision_recall


def _with_moments(mean: np.ndarray, cov: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` points whose sample mean and (ddof=1) covariance are exactly ``mean``, ``cov``."""
    x = np.random.default_rng(seed).normal(size=(n, len(mean)))
    x -= x.mean(axis=0)
    x = (
        x @ np.linalg.inv(np.linalg.cholesky(np.atleast_2d(np.cov(x, rowvar=False)))).T
    )  # sample cov = I
    return x @ np.linalg.cholesky(cov).T + mean


def test_identical_sets_are_at_distance_zero() -> None:
    x = np.random.default_rng(0).normal(size=(200, 8))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_diagonal_gaussians_match_the_closed_form() -> None:
    # Commuting covariances: FD = ‖μ_a − μ_b‖² + Σ_i (s_ai − s_bi)², s the std devs.
    mu_a, mu_b = np.array([0.0, 1.0, -2.0]), np.array([0.5, 1.0, 0.0])
    var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.25])
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)
    a = _with_moments(mu_a, np.diag(var_a), 100, seed=1)
    b = _with_moments(mu_b, np.diag(var_b), 150, seed=2)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)
    # The same in a rotated basis (shared eigenvectors): the distance is invariant.
    rotation = np.linalg.qr(np.random.default_rng(3).normal(size=(3, 3)))[0]
    a_rot = _with_moments(rotation @ mu_a, rotation @ np.diag(var_a) @ rotation.T, 100, 4)
    b_rot = _with_moments(rotation @ mu_b, rotation @ np.diag(var_b) @ rotation.T, 150, 5)
    assert frechet_distance(a_rot, b_rot) == pytest.approx(expected, rel=1e-9)


def test_one_dimensional_features() -> None:
    a = _with_moments(np.array([1.0]), np.array([[4.0]]), 50, seed=6)
    b = _with_moments(np.array([-1.0]), np.array([[1.0]]), 60, seed=7)
    assert frechet_distance(a, b) == pytest.approx(2.0**2 + (2.0 - 1.0) ** 2, rel=1e-9)


def test_singular_covariances_stay_finite() -> None:
    x = np.random.default_rng(8).normal(size=(6, 20))  # rank-5 covariance in 20-D
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-3)


def test_frechet_rejects_mismatched_features() -> None:
    with pytest.raises(ValueError, match="feature sizes differ"):
        frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


def test_identical_sets_have_full_precision_and_recall() -> None:
    x = np.random.default_rng(0).normal(size=(150, 4))
    assert precision_recall(x, x) == PrecisionRecall(precision=1.0, recall=1.0)


def test_far_away_fakes_have_no_precision() -> None:
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(150, 4)), rng.normal(size=(120, 4)) + 50.0
    assert precision_recall(real, fake) == PrecisionRecall(precision=0.0, recall=0.0)


def test_mode_dropping_keeps_precision_and_halves_recall() -> None:
    rng = np.random.default_rng(2)
    centres = np.repeat([[0.0, 0.0], [20.0, 0.0]], 100, axis=0)
    real = centres + rng.normal(size=(200, 2))
    fake = rng.normal(size=(200, 2))  # only the first mode
    scores = precision_recall(real, fake, k=3, chunk=37)
    assert scores.precision > 0.95
    assert scores.recall == pytest.approx(0.5, abs=0.05)


def test_k_must_leave_a_neighbour() -> None:
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="k must be"):
        precision_recall(x, x, k=4)
