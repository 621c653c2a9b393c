"""Sample quality from feature vectors: Fréchet distance and k-NN precision/recall.

Both take features ``(N, F)`` of real and generated images from any fixed
classifier (the feature extractor lives elsewhere).

* :func:`frechet_distance` (Heusel et al. 2017, FID when the features are Inception's):
  the 2-Wasserstein distance squared between Gaussians fitted to the two sets,

      FD = ‖μ_a − μ_b‖² + Tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2}),

  with unbiased covariances (``ddof=1``) and ``scipy.linalg.sqrtm`` as in the
  reference implementations.
* :func:`precision_recall` (Kynkäänniemi et al. 2019): each set's manifold is the
  union of balls around its points with radius the distance to the k-th nearest
  neighbour in the same set (k = 3); precision is the fraction of fakes inside the
  real manifold, recall the fraction of reals inside the fake manifold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import sqrtm
from scipy.spatial.distance import cdist


def _features(x: ArrayLike, name: str) -> np.ndarray:
    """``x`` as a float64 ``(N, F)`` array with N ≥ 2."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"{name} must be (N, F) features with N >= 2, got shape {x.shape}")
    return x


def frechet_distance(feats_a: ArrayLike, feats_b: ArrayLike, *, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians fitted to ``feats_a (N, F)`` and ``feats_b (M, F)``.

    If Σ_a Σ_b is too singular for ``sqrtm`` to return a finite root, ``eps · I`` is
    added to both covariances (as pytorch-fid does); a root whose imaginary part is
    not negligible raises ``ValueError``.
    """
    a, b = _features(feats_a, "feats_a"), _features(feats_b, "feats_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape} and {b.shape}")
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    root = sqrtm(cov_a @ cov_b)
    if not np.isfinite(root).all():
        offset = eps * np.eye(len(cov_a))
        root = sqrtm((cov_a + offset) @ (cov_b + offset))
    if np.iscomplexobj(root):
        if not np.allclose(np.diagonal(root).imag, 0, atol=1e-3):
            raise ValueError(f"sqrtm has a large imaginary part: {np.abs(root.imag).max()}")
        root = root.real
    diff = mu_a - mu_b
    return float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * np.trace(root))


@dataclass(frozen=True)
class PrecisionRecall:
    """Improved precision (fidelity) and recall (coverage), each in [0, 1]."""

    precision: float
    recall: float


def _knn_radii(x: np.ndarray, k: int, chunk: int) -> np.ndarray:
    """Distance from each row of ``x`` to its k-th nearest other row, ``(N,)``."""
    if not 1 <= k < len(x):
        raise ValueError(f"k must be in [1, {len(x) - 1}] for {len(x)} points, got {k}")
    # Index k of the partitioned row skips the point itself (distance 0 at index 0).
    return np.concatenate(
        [np.partition(cdist(x[i : i + chunk], x), k, axis=1)[:, k] for i in range(0, len(x), chunk)]
    )


def _coverage(points: np.ndarray, centres: np.ndarray, radii: np.ndarray, chunk: int) -> float:
    """Fraction of ``points`` within ``radii`` of at least one of ``centres``."""
    inside = [
        (cdist(points[i : i + chunk], centres) <= radii).any(axis=1)
        for i in range(0, len(points), chunk)
    ]
    return float(np.concatenate(inside).mean())


def precision_recall(
    real_feats: ArrayLike, fake_feats: ArrayLike, k: int = 3, *, chunk: int = 1024
) -> PrecisionRecall:
    """k-NN precision and recall of ``fake_feats (M, F)`` against ``real_feats (N, F)``.

    Distances are computed ``chunk`` rows at a time, so memory is O(chunk · max(N, M)).
    """
    real, fake = _features(real_feats, "real_feats"), _features(fake_feats, "fake_feats")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature sizes differ: {real.shape} and {fake.shape}")
    return PrecisionRecall(
        precision=_coverage(fake, real, _knn_radii(real, k, chunk), chunk),
        recall=_coverage(real, fake, _knn_radii(fake, k, chunk), chunk),
    )
