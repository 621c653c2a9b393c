"""BetaVAE and FactorVAE scores on a toy FactorDataset whose images are the factors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vaekit.metrics import beta_vae_score, factor_vae_score
from vaekit.types import FactorDataset

SMALL = {"num_train": 150, "num_eval": 100, "batch_size": 16, "chunk_size": 256}


class ToyFactors:
    """Images ``(n, 1, 1, K)`` equal to the factor values plus Gaussian noise."""

    factor_names = ("shape", "scale", "x")
    factor_sizes = (3, 4, 5)

    def __init__(self, noise: float = 0.05, seed: int = 0) -> None:
        self.noise = noise
        self.rng = np.random.default_rng(seed)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.stack([rng.integers(s, size=n) for s in self.factor_sizes], axis=1)

    def images_from_factors(self, factors: np.ndarray) -> np.ndarray:
        images = factors + self.noise * self.rng.normal(size=factors.shape)
        return images.astype(np.float32)[:, None, None, :]


def aligned(images: np.ndarray) -> np.ndarray:
    """Codes = pixels, permuted and rescaled."""
    return images.reshape(len(images), -1)[:, [2, 0, 1]] * np.array([2.0, -0.5, 1.3])


def random_codes(seed: int = 1):
    rng = np.random.default_rng(seed)
    return lambda images: rng.normal(size=(len(images), 3))


def test_toy_dataset_follows_the_protocol() -> None:
    assert isinstance(ToyFactors(), FactorDataset)


@pytest.mark.parametrize("score", [beta_vae_score, factor_vae_score])
def test_aligned_codes_score_one_and_random_codes_chance(score) -> None:
    assert score(aligned, ToyFactors(), **SMALL) == pytest.approx(1.0, abs=0.03)
    chance = 1 / len(ToyFactors.factor_sizes)
    assert score(random_codes(), ToyFactors(), **SMALL) < chance + 0.2


@pytest.mark.parametrize("score", [beta_vae_score, factor_vae_score])
def test_chunking_does_not_change_the_score(score) -> None:
    # Noise-free images make the representation a function of the factors alone.
    def run(chunk_size: int) -> float:
        options = {**SMALL, "chunk_size": chunk_size, "seed": 3}
        return score(aligned, ToyFactors(noise=0.0), **options)

    assert run(16) == run(10_000)


@pytest.mark.parametrize("score", [beta_vae_score, factor_vae_score])
def test_torch_codes_are_accepted(score) -> None:
    def encode(images: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(aligned(images)).float()

    assert score(encode, ToyFactors(), **SMALL) > 0.95


def test_wrongly_shaped_codes_are_reported() -> None:
    with pytest.raises(ValueError, match=r"\(256, D\) codes"):
        factor_vae_score(lambda images: images, ToyFactors(), **SMALL)


def test_factor_vae_prunes_collapsed_dimensions() -> None:
    def with_collapsed(images: np.ndarray) -> np.ndarray:
        codes = aligned(images)
        return np.concatenate([codes, 1e-3 * codes[:, :2]], axis=1)  # variance < 0.05

    assert factor_vae_score(with_collapsed, ToyFactors(), **SMALL) == pytest.approx(1.0, abs=0.03)
    collapsed = factor_vae_score(lambda im: 1e-3 * aligned(im), ToyFactors(), **SMALL)
    assert collapsed == 0.0
