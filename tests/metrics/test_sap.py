"""SAP: per-dimension linear predictability and the top-two gap."""

from __future__ import annotations

import numpy as np
import pytest

from vaekit.metrics import sap, sap_matrix


def _binary_factors(n: int = 300, k: int = 3) -> np.ndarray:
    return np.random.default_rng(0).integers(2, size=(n, k))


def test_aligned_binary_codes_separate_the_matrix() -> None:
    factors = _binary_factors()
    rng = np.random.default_rng(1)
    codes = factors[:, [1, 2, 0]] * np.array([3.0, -2.0, 1.0]) + 0.1 * rng.normal(size=(300, 3))
    matrix = sap_matrix(codes, factors)
    assert matrix.shape == (3, 3)
    assert (matrix[[0, 1, 2], [1, 2, 0]] > 0.95).all()  # code d predicts factor [1, 2, 0][d]
    off = matrix[[0, 0, 1, 1, 2, 2], [0, 2, 0, 1, 1, 2]]
    assert (off < 0.65).all()  # the others are near chance (1/2)
    # Best possible with binary factors: accuracy 1 against chance 1/2.
    assert sap(codes, factors) == pytest.approx(0.5, abs=0.12)


def test_random_codes_score_near_zero() -> None:
    factors = _binary_factors()
    codes = np.random.default_rng(2).normal(size=(300, 4))
    assert sap(codes, factors) < 0.1


def test_seed_fixes_the_split() -> None:
    factors = _binary_factors(n=90)
    codes = factors + np.random.default_rng(3).normal(size=factors.shape)
    assert sap(codes, factors, seed=5) == sap(codes, factors, seed=np.random.default_rng(5))
