"""Checking and splitting the ``(codes, factors)`` pairs that every metric takes.

Codes are ``(N, D)`` floats (usually posterior means), factors ``(N, K)`` integer
codes of the ground-truth factors of variation. Numpy arrays and torch tensors are
both accepted; everything downstream is numpy.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike

Array = ArrayLike | torch.Tensor


def to_numpy(x: Array) -> np.ndarray:
    """A numpy view of ``x`` (torch tensors are detached and moved to the CPU)."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def check_codes_factors(codes: Array, factors: Array) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert: ``(N, D)`` finite float64 codes, ``(N, K)`` int64 factors.

    Every factor must take at least two values in the sample: with one value its
    entropy is zero (MIG divides by it) and no classifier can be fitted.
    """
    codes, factors = to_numpy(codes), to_numpy(factors)
    if codes.ndim != 2 or factors.ndim != 2 or codes.shape[0] != factors.shape[0]:
        raise ValueError(
            f"codes must be (N, D) and factors (N, K) with the same N; "
            f"got codes {codes.shape} and factors {factors.shape}"
        )
    if not np.issubdtype(factors.dtype, np.integer):
        raise ValueError(f"factors must be integer-coded, got dtype {factors.dtype}")
    codes = codes.astype(np.float64)
    if not np.isfinite(codes).all():
        raise ValueError("codes contain NaN or infinite values")
    single = np.flatnonzero(factors.min(axis=0) == factors.max(axis=0))
    if single.size:
        raise ValueError(f"factors {single.tolist()} take a single value in this sample")
    return codes, factors.astype(np.int64)


def train_test_split(
    n: int, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random disjoint index sets ``(train, test)`` of ``0..n-1``, both non-empty."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    num_test = min(max(round(n * test_fraction), 1), n - 1)
    order = rng.permutation(n)
    return order[num_test:], order[:num_test]


def sklearn_seed(rng: np.random.Generator) -> int:
    """An integer ``random_state`` for a scikit-learn estimator, drawn from ``rng``."""
    return int(rng.integers(2**31 - 1))
