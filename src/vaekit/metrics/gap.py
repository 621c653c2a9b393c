"""The top-two gap shared by MIG and SAP: how much the best code dimension for a
factor beats the runner-up, averaged over factors."""

from __future__ import annotations

import numpy as np


def mean_top_two_gap(matrix: np.ndarray) -> float:
    """``(1/K) Σ_k (largest − second largest of column k)`` of a ``(D, K)`` matrix, D ≥ 2."""
    if matrix.shape[0] < 2:
        raise ValueError(f"a top-two gap needs at least 2 code dimensions, got {matrix.shape[0]}")
    top = np.sort(matrix, axis=0)
    return float(np.mean(top[-1] - top[-2]))
