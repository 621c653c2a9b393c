"""DCI: exact values of the importance-matrix scores and behaviour of the fitted ones."""

from __future__ import annotations

import numpy as np
import pytest

from vaekit.metrics import IMPORTANCE_MODELS, completeness, dci, dci_importance, disentanglement
from vaekit.registry import UnknownNameError


def _factors(n: int = 240, sizes: tuple[int, ...] = (3, 4, 2)) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.stack([rng.integers(s, size=n) for s in sizes], axis=1)


def test_scores_of_known_importance_matrices() -> None:
    permuted = np.eye(3)[[2, 0, 1]]
    assert disentanglement(permuted) == pytest.approx(1.0)
    assert completeness(permuted) == pytest.approx(1.0)
    assert disentanglement(np.ones((4, 3))) == pytest.approx(0.0, abs=1e-9)
    assert completeness(np.ones((4, 3))) == pytest.approx(0.0, abs=1e-9)
    # One code explains both factors equally (entropy 1 in base 2), the other nothing.
    both = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert disentanglement(both) == pytest.approx(0.0, abs=1e-9)
    assert completeness(both) == pytest.approx(1.0)
    # Weighted: code 0 (weight 3/4) is pure, code 1 (weight 1/4) split evenly.
    assert disentanglement(np.array([[3.0, 0.0], [0.5, 0.5]])) == pytest.approx(0.75)


def test_aligned_codes_score_near_one() -> None:
    factors = _factors()
    noise = 0.05 * np.random.default_rng(1).normal(size=factors.shape)
    codes = factors[:, [1, 2, 0]] * np.array([1.0, -3.0, 0.5]) + noise
    scores = dci(codes, factors)
    assert set(scores) == {"disentanglement", "completeness", "informativeness"}
    assert all(v > 0.95 for v in scores.values()), scores
    importance = dci_importance(codes, factors)
    np.testing.assert_array_equal(importance.argmax(axis=0), [2, 0, 1])


def test_random_codes_are_uninformative_and_entangled() -> None:
    factors = _factors()
    codes = np.random.default_rng(2).normal(size=(len(factors), 3))
    scores = dci(codes, factors)
    assert scores["disentanglement"] < 0.2
    assert scores["informativeness"] < 0.6


def test_code_mixing_two_factors_lowers_disentanglement() -> None:
    factors = _factors()
    noise = 0.05 * np.random.default_rng(3).normal(size=factors.shape)
    clean = factors + noise
    mixed = clean.copy()
    mixed[:, 0] = factors[:, 0] + 2 * factors[:, 1] + noise[:, 0]
    assert dci(mixed, factors)["disentanglement"] < dci(clean, factors)["disentanglement"] - 0.1


@pytest.mark.parametrize("model", ["random_forest", "lasso"])
def test_fast_importance_models_agree_on_aligned_codes(model: str) -> None:
    factors = _factors(n=150)
    codes = factors + 0.05 * np.random.default_rng(4).normal(size=factors.shape)
    scores = dci(codes, factors, model=model)
    assert min(scores.values()) > 0.9, scores


def test_unknown_model_lists_the_choices() -> None:
    assert {"gbt", "random_forest", "lasso"} <= set(IMPORTANCE_MODELS.names())
    factors = _factors(n=30)
    with pytest.raises(UnknownNameError, match="gbt"):
        dci(factors.astype(float), factors, model="xgboost")


def _known_codes(n: int = 600, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0–2 are noisy copies of factors 2, 0, 1 (sizes 3, 6, 8); codes 3–4 are noise."""
    rng = np.random.default_rng(0)
    factors = np.stack([rng.integers(s, size=n) for s in (3, 6, 8)], axis=1)
    values = (factors - factors.mean(0)) / factors.std(0)
    signal = values[:, [2, 0, 1]] + noise * rng.normal(size=values.shape)
    return np.concatenate([signal, rng.normal(size=(n, 2))], axis=1), factors


def test_the_default_booster_matches_the_published_importances() -> None:
    codes, factors = _known_codes()
    published = dci_importance(codes, factors, model="gbt")
    fast = dci_importance(codes, factors)  # the default: fast_gbt
    np.testing.assert_array_equal(fast.argmax(axis=0), [1, 2, 0])
    assert np.abs(fast - published).max() < 0.005
    assert abs(disentanglement(fast) - disentanglement(published)) < 0.005
    assert abs(completeness(fast) - completeness(published)) < 0.005
    assert dci(codes, factors)["disentanglement"] == disentanglement(fast)
    assert dci(codes, factors, workers=1) == dci(codes, factors, workers=3)
