"""MIG: exact value for a copy of the factors, discretisation, mixing lowers it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from vaekit.metrics import mig, mig_matrix
from vaekit.metrics.mutual_info import histogram_discretize


def _grid(sizes: tuple[int, ...], repeats: int = 1) -> np.ndarray:
    """Every factor combination ``repeats`` times: factors exactly independent in-sample."""
    grid = np.array(list(itertools.product(*map(range, sizes))))
    return np.tile(grid, (repeats, 1))


def test_exact_copy_of_factors_scores_one() -> None:
    factors = _grid((3, 4, 5), repeats=2)
    codes = factors[:, [1, 2, 0]].astype(np.float64)
    matrix = mig_matrix(codes, factors)
    expected = np.zeros((3, 3))
    expected[[0, 1, 2], [1, 2, 0]] = 1.0  # code d copies factor [1, 2, 0][d]
    np.testing.assert_allclose(matrix, expected, atol=1e-12)
    assert mig(codes, factors) == pytest.approx(1.0, abs=1e-12)


def test_bins_match_numpy_histogram() -> None:
    codes = np.random.default_rng(0).normal(size=(200, 3))
    codes[:, 2] = 7.0  # a constant dimension falls in one bin
    binned = histogram_discretize(codes, 20)
    for d in range(3):
        edges = np.histogram(codes[:, d], 20)[1][:-1]
        np.testing.assert_array_equal(binned[:, d], np.digitize(codes[:, d], edges))
    assert binned.min() >= 1 and binned.max() <= 20
    assert np.unique(binned[:, 2]).size == 1


def test_code_mixing_two_factors_lowers_mig() -> None:
    factors = _grid((4, 4, 3), repeats=3)
    clean = factors.astype(np.float64)
    mixed = clean.copy()
    mixed[:, 0] = clean[:, 0] + clean[:, 1]
    assert mig(mixed, factors) < mig(clean, factors) - 0.2


def test_random_codes_score_near_zero() -> None:
    factors = _grid((3, 4), repeats=30)
    codes = np.random.default_rng(0).normal(size=(len(factors), 4))
    assert mig(codes, factors) < 0.05


def test_needs_two_code_dimensions() -> None:
    factors = _grid((2, 3))
    with pytest.raises(ValueError, match="at least 2 code dimensions"):
        mig(factors[:, :1].astype(float), factors)
