"""Discrete mutual information between histogram-binned codes and factors.

Shared by MIG and modularity. As in disentanglement_lib (Locatello et al. 2019),
each code dimension is discretised into ``num_bins = 20`` equal-width bins spanning
its observed range (``np.histogram`` edges, ``np.digitize``), and

    I(c_d; v_k) = Σ_{a,b} p(a, b) log p(a, b) / (p(a) p(b))     (nats)

is the plug-in estimate of ``sklearn.metrics.mutual_info_score``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import entropy
from sklearn.metrics import mutual_info_score

NUM_BINS = 20


def histogram_discretize(codes: np.ndarray, num_bins: int = NUM_BINS) -> np.ndarray:
    """Bin index in ``1..num_bins`` of every entry of ``codes (N, D)``, per dimension."""
    return np.stack(
        [np.digitize(c, np.histogram_bin_edges(c, num_bins)[:-1]) for c in codes.T], axis=1
    )


def mutual_info_matrix(
    codes: np.ndarray, factors: np.ndarray, num_bins: int = NUM_BINS
) -> np.ndarray:
    """``(D, K)`` matrix of I(binned c_d; v_k) in nats for checked ``codes``, ``factors``."""
    binned = histogram_discretize(codes, num_bins)
    return np.array(
        [[mutual_info_score(f, b) for f in factors.T] for b in binned.T], dtype=np.float64
    )


def factor_entropies(factors: np.ndarray) -> np.ndarray:
    """``(K,)`` empirical entropies H(v_k) in nats."""
    return np.array([entropy(np.unique(f, return_counts=True)[1]) for f in factors.T])
