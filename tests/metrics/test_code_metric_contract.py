"""Contract shared by the (codes, factors) metrics: ranges, ordering, inputs, errors."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from vaekit.metrics import dci, mig, modularity_explicitness, sap


def _scalar(score: float | dict[str, float]) -> float:
    """The headline number of a metric: the float, or its first named score."""
    return score if isinstance(score, float) else next(iter(score.values()))


METRICS: dict[str, Callable[..., float | dict[str, float]]] = {
    "mig": mig,
    "sap": sap,
    "dci": dci,
    "modularity_explicitness": modularity_explicitness,
}


def _factors(n: int = 300, sizes: tuple[int, ...] = (3, 4, 5), seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(s, size=n) for s in sizes], axis=1)


def _aligned_codes(factors: np.ndarray, seed: int = 1) -> np.ndarray:
    """Factors permuted, rescaled (one sign flip) and slightly noisy."""
    rng = np.random.default_rng(seed)
    codes = factors[:, [2, 0, 1]] * np.array([2.0, -0.5, 1.3])
    return codes + 0.05 * rng.normal(size=codes.shape)


@pytest.mark.parametrize("name", METRICS)
def test_aligned_codes_beat_random_codes(name: str) -> None:
    factors = _factors()
    random_codes = np.random.default_rng(2).normal(size=(len(factors), 3))
    good = _scalar(METRICS[name](_aligned_codes(factors), factors))
    bad = _scalar(METRICS[name](random_codes, factors))
    assert 0.0 <= bad < good <= 1.0


@pytest.mark.parametrize("name", METRICS)
def test_torch_input_gives_the_numpy_result(name: str) -> None:
    factors = _factors(n=120)
    codes = _aligned_codes(factors)
    from_numpy = METRICS[name](codes, factors)
    from_torch = METRICS[name](torch.from_numpy(codes).float(), torch.from_numpy(factors))
    assert from_torch == pytest.approx(from_numpy, abs=1e-6)


@pytest.mark.parametrize("name", METRICS)
def test_mismatched_rows_name_both_shapes(name: str) -> None:
    factors = _factors(n=50)
    with pytest.raises(ValueError, match=r"\(49, 3\).*\(50, 3\)"):
        METRICS[name](np.zeros((49, 3)), factors)


@pytest.mark.parametrize("name", METRICS)
def test_bad_factors_are_rejected(name: str) -> None:
    factors = _factors(n=50)
    codes = _aligned_codes(factors)
    with pytest.raises(ValueError, match="integer-coded"):
        METRICS[name](codes, factors.astype(np.float64))
    factors[:, 1] = 2
    with pytest.raises(ValueError, match=r"\[1\] take a single value"):
        METRICS[name](codes, factors)
    with pytest.raises(ValueError, match="NaN"):
        METRICS[name](np.full_like(codes, np.nan), _factors(n=50))
