"""Modularity (exact on a permuted diagonal code) and explicitness (ROC AUC)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vaekit.metrics import modularity_explicitness, modularity_per_code


def test_permuted_diagonal_code_is_exactly_modular() -> None:
    grid = np.array(list(itertools.product(range(3), range(4), range(2))))
    factors = np.tile(grid, (5, 1))  # factors exactly independent in the sample
    codes = factors[:, [2, 0, 1]] * np.array([1.0, -2.0, 0.5])
    scores = modularity_explicitness(codes, factors)
    assert scores["modularity"] == pytest.approx(1.0, abs=1e-12)
    assert scores["explicitness"] > 0.95


def test_per_code_scores_of_known_mi_matrices() -> None:
    mi = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [2.0, 1.0, 0.0]])
    # δ = Σ_{k≠k*} m² / (θ² (K−1)): 0, 1, uninformative → score 0, (1/4)/2.
    np.testing.assert_allclose(modularity_per_code(mi), [1.0, 0.0, 0.0, 1.0 - 1.0 / 8.0])
    with pytest.raises(ValueError, match="at least 2 factors"):
        modularity_per_code(mi[:, :1])


def test_random_codes_have_chance_explicitness() -> None:
    rng = np.random.default_rng(0)
    factors = rng.integers(3, size=(300, 2))
    scores = modularity_explicitness(rng.normal(size=(300, 3)), factors)
    assert scores["explicitness"] == pytest.approx(0.5, abs=0.1)


def test_mixing_lowers_modularity() -> None:
    grid = np.array(list(itertools.product(range(4), range(4))))
    factors = np.tile(grid, (4, 1))
    clean = factors.astype(np.float64)
    mixed = np.stack([clean[:, 0] + clean[:, 1], clean[:, 1]], axis=1)
    assert (
        modularity_explicitness(mixed, factors)["modularity"]
        < modularity_explicitness(clean, factors)["modularity"] - 0.2
    )
