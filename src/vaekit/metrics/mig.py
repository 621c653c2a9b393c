"""Mutual Information Gap (Chen et al. 2018, "Isolating Sources of Disentanglement").

For each factor v_k, the gap between the two code dimensions most informative
about it, normalised by its entropy, averaged over factors:

    MIG = (1/K) Σ_k [I(c_{j1}; v_k) − I(c_{j2}; v_k)] / H(v_k),

with j1, j2 the top-2 dimensions of column k. It is 1 when every factor is
captured by exactly one code dimension and 0 when it is captured by none or
spread evenly. Defaults follow disentanglement_lib ("discrete_mig"): codes
binned into 20 equal-width bins per dimension, MI from
``sklearn.metrics.mutual_info_score`` (see :mod:`vaekit.metrics.mutual_info`).
disentanglement_lib estimates it on 10,000 points; pass that many.
"""

from __future__ import annotations

import numpy as np

from vaekit.metrics.gap import mean_top_two_gap
from vaekit.metrics.inputs import Array, check_codes_factors
from vaekit.metrics.mutual_info import NUM_BINS, factor_entropies, mutual_info_matrix


def mig_matrix(codes: Array, factors: Array, *, num_bins: int = NUM_BINS) -> np.ndarray:
    """``(D, K)`` normalised mutual information I(c_d; v_k) / H(v_k), in [0, 1]."""
    codes, factors = check_codes_factors(codes, factors)
    return mutual_info_matrix(codes, factors, num_bins) / factor_entropies(factors)


def mig(codes: Array, factors: Array, *, num_bins: int = NUM_BINS) -> float:
    """MIG of ``codes (N, D)`` (D ≥ 2) against integer ``factors (N, K)``; a float in [0, 1]."""
    return mean_top_two_gap(mig_matrix(codes, factors, num_bins=num_bins))
