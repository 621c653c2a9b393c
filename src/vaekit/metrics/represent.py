"""Encoding groups of factor vectors through a dataset and a representation function.

The BetaVAE and FactorVAE scores draw P groups of L factor vectors ``(P, L, K)``,
render them with a :class:`~vaekit.types.FactorDataset`, encode the images and reduce
each group's codes ``(L, D)`` to a feature. :func:`reduce_groups` does that in
chunks of about ``chunk_size`` images so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from vaekit.metrics.inputs import to_numpy
from vaekit.types import FactorDataset

# Images (n, C, H, W) float32 -> codes (n, D), e.g. posterior means.
Represent = Callable[[np.ndarray], np.ndarray | torch.Tensor]


def reduce_groups(
    represent: Represent,
    dataset: FactorDataset,
    factors: np.ndarray,
    reduce: Callable[[np.ndarray], np.ndarray],
    chunk_size: int,
) -> np.ndarray:
    """``reduce(codes (p, L, D))`` for ``factors (P, L, K)``, concatenated over chunks of groups."""
    num_groups, group_size, num_factors = factors.shape
    per_chunk = max(1, chunk_size // group_size)
    out = []
    for start in range(0, num_groups, per_chunk):
        chunk = factors[start : start + per_chunk].reshape(-1, num_factors)
        codes = to_numpy(represent(dataset.images_from_factors(chunk)))
        if codes.ndim != 2 or len(codes) != len(chunk):
            raise ValueError(
                f"represent must map {len(chunk)} images to ({len(chunk)}, D) codes, "
                f"got shape {codes.shape}"
            )
        out.append(reduce(codes.reshape(-1, group_size, codes.shape[1])))
    return np.concatenate(out)


def fix_one_factor(factors: np.ndarray, source: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """``factors (P, L, K)`` with factor ``fixed[p]`` of group p taken from ``source``.

    ``source`` is ``(P, L, K)`` or ``(P, 1, K)`` (one shared value per group).
    """
    mask = np.arange(factors.shape[-1]) == fixed[:, None, None]
    return np.where(mask, source, factors)
